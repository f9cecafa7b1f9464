import type { LogLevel } from './config';

/**
 * Structured logging for Cloud Logging: one JSON object per line on stdout. Fields whose names
 * look like credentials are redacted wherever they appear, as a second line of defence behind
 * the rule that callers never pass them. Only the local dev server swaps the JSON for another
 * format (`setLogFormatter`); redaction happens before any format sees an entry.
 */
export type Fields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: Fields): void;
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

const SEVERITY = { debug: 'DEBUG', info: 'INFO', warning: 'WARNING', error: 'ERROR' } as const;
export type Severity = (typeof SEVERITY)[LogLevel];
/** An entry as written: severity, message, then the (already redacted) fields. */
export type LogEntry = { severity: Severity; message: string } & Fields;
/** Turns an entry into one line, without the newline. */
export type LogFormatter = (entry: LogEntry) => string;
const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warning: 2, error: 3 };
const SECRET_KEY = /pass(word)?|token|authorization|cookie|secret|api[-_]?key|signing|credential/i;
const REDACTED = '[redacted]';

function redact(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value !== 'object' || value === null || depth > 5) return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key, SECRET_KEY.test(key) ? REDACTED : redact(inner, depth + 1)]),
  );
}

export type Sink = (line: string) => void;
const stdout: Sink = (line) => process.stdout.write(line);

/** What Cloud Logging parses: the entry as one JSON object. */
export const jsonFormatter: LogFormatter = (entry) => JSON.stringify(entry);
let formatter: LogFormatter = jsonFormatter;

/** Every logger's format from now on; without an argument, back to JSON. Deployed code never calls it. */
export function setLogFormatter(next: LogFormatter = jsonFormatter): void {
  formatter = next;
}

export function createLogger(level: LogLevel = 'info', base: Fields = {}, sink: Sink = stdout): Logger {
  const write = (entryLevel: LogLevel, message: string, fields: Fields = {}): void => {
    if (RANK[entryLevel] < RANK[level]) return;
    const entry: LogEntry = { severity: SEVERITY[entryLevel], message, ...(redact({ ...base, ...fields }) as Fields) };
    sink(`${formatter(entry)}\n`);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warning', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(level, { ...base, ...fields }, sink),
  };
}

/** The trace id from Cloud's `X-Cloud-Trace-Context` or W3C `traceparent`, if the request has one. */
export function traceId(headers: Record<string, string | string[] | undefined>): string | undefined {
  const cloud = headers['x-cloud-trace-context'];
  const cloudId = typeof cloud === 'string' ? /^([0-9a-f]{32})/i.exec(cloud)?.[1] : undefined;
  if (cloudId) return cloudId.toLowerCase();
  const parent = headers['traceparent'];
  const parentId =
    typeof parent === 'string' ? /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i.exec(parent)?.[1] : undefined;
  return parentId?.toLowerCase();
}

export function traceField(trace: string | undefined, projectId: string | undefined): Fields {
  if (!trace) return {};
  const value = projectId ? `projects/${projectId}/traces/${trace}` : trace;
  return { 'logging.googleapis.com/trace': value };
}
