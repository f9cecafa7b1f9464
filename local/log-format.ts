import { resolve, sep } from 'node:path';
import { ConfigError, type DatabaseConfig } from '../functions/src/config';
import type { Fields, LogEntry, LogFormatter } from '../functions/src/logger';

/**
 * What `npm start` prints in a terminal: one readable line per log entry, and one block on start.
 * The functions keep writing Cloud Logging's JSON everywhere else; the dev server picks this
 * format only for a terminal (or `LOG_FORMAT=pretty`).
 */
export type LogFormat = 'json' | 'pretty';

type Env = Record<string, string | undefined>;

/** `LOG_FORMAT` if set, else pretty on a terminal and JSON into a pipe or file. */
export function chooseLogFormat(env: Env, isTTY: boolean | undefined): LogFormat {
  const given = env.LOG_FORMAT?.trim().toLowerCase();
  if (!given) return isTTY ? 'pretty' : 'json';
  if (given === 'json' || given === 'pretty') return given;
  throw new ConfigError([`LOG_FORMAT: expected json or pretty, got "${env.LOG_FORMAT}"`]);
}

/** Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org). */
export function useColour(env: Env, isTTY: boolean | undefined): boolean {
  return Boolean(isTTY) && !env.NO_COLOR;
}

type Paint = (code: string, text: string) => string;
const painter =
  (colour: boolean): Paint =>
  (code, text) =>
    colour ? `\x1b[${code}m${text}\x1b[0m` : text;

const DIM = '2';
const BOLD = '1';
const RED = '31';
const GREEN = '32';
const YELLOW = '33';
const CYAN = '36';
const GREY = '90';

const LEVELS: Record<string, { label: string; code: string }> = {
  DEBUG: { label: 'DEBUG', code: GREY },
  INFO: { label: 'INFO ', code: GREEN },
  WARNING: { label: 'WARN ', code: YELLOW },
  ERROR: { label: 'ERROR', code: RED },
};

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
const clock = (at: Date): string =>
  `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}.${pad(at.getMilliseconds(), 3)}`;

/** Bare when it reads unambiguously, JSON-quoted otherwise (spaces, quotes, `=`, newlines, empty). */
function scalar(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
}

/** Nested fields as dotted keys, so that a line never shows an object's braces. */
function flatten(key: string, value: unknown, out: Array<[string, string]>, depth = 0): void {
  if (Array.isArray(value) && value.every((item) => typeof item !== 'object' || item === null)) {
    out.push([key, value.map(scalar).join(',')]);
  } else if (typeof value === 'object' && value !== null && depth < 4) {
    for (const [inner, item] of Object.entries(value)) flatten(`${key}.${inner}`, item, out, depth + 1);
  } else if (typeof value === 'object' && value !== null) {
    out.push([key, '…']);
  } else {
    out.push([key, scalar(value)]);
  }
}

const short = (id: unknown): string => String(id).slice(0, 8);

/** "0.004120s" (Cloud Logging's duration) → "4.1ms". */
function latency(value: unknown): string | undefined {
  const seconds = typeof value === 'string' ? Number.parseFloat(value) : Number.NaN;
  if (!Number.isFinite(seconds)) return undefined;
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)}ms` : `${seconds.toFixed(2)}s`;
}

function statusCode(status: number): string {
  if (status >= 500) return RED;
  if (status >= 400) return YELLOW;
  if (status >= 300) return CYAN;
  return GREEN;
}

/** An error's name and message, and where it was thrown (the first stack frame, relative to cwd). */
function describeError(error: unknown, cwd: string): { text: string; frame: string | undefined } {
  if (typeof error !== 'object' || error === null) return { text: scalar(error), frame: undefined };
  const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
  const text = name && name !== 'Error' ? `${String(name)}: ${String(message)}` : String(message);
  const frame = typeof stack === 'string' ? stack.split('\n').find((line) => /^\s+at /.test(line)) : undefined;
  return { text: text.replace(/\s*\n\s*/g, ' '), frame: frame?.trim().split(`${cwd}${sep}`).join('') };
}

export interface PrettyOptions {
  colour: boolean;
  /** The clock for the time column (tests fix it). */
  now?: () => Date;
  /** Stack frames under this directory are shown relative to it. */
  cwd?: string;
}

/**
 * `HH:MM:SS.mmm LEVEL message  latency key=value … req=1a2b3c4d error=…`: the request id
 * shortened, an HTTP status coloured by class, a Cloud Logging latency in ms, an error as its
 * message and first stack frame. Trace fields are for Cloud Logging and are left out.
 */
export function prettyFormatter(options: PrettyOptions): LogFormatter {
  const paint = painter(options.colour);
  const now = options.now ?? (() => new Date());
  const cwd = options.cwd ?? process.cwd();
  return (entry: LogEntry) => {
    const { severity, message, requestId, eventId, httpRequest, error, ...rest } = entry;
    const level = LEVELS[severity] ?? { label: String(severity), code: BOLD };
    const parts: string[] = [];
    let text = String(message);
    const http = (typeof httpRequest === 'object' && httpRequest !== null ? httpRequest : {}) as Fields;
    if (typeof http.status === 'number') {
      const coloured = paint(statusCode(http.status), String(http.status));
      if (text.endsWith(` ${http.status}`)) text = `${text.slice(0, -String(http.status).length)}${coloured}`;
      else parts.push(`${paint(DIM, 'status=')}${coloured}`);
    }
    const took = latency(http.latency);
    if (took) parts.push(took);
    const fields: Array<[string, string]> = [];
    for (const [key, value] of Object.entries(rest)) {
      if (!key.startsWith('logging.googleapis.com/')) flatten(key, value, fields);
    }
    if (eventId !== undefined) fields.push(['event', short(eventId)]);
    if (requestId !== undefined) fields.push(['req', short(requestId)]);
    for (const [key, value] of fields) parts.push(`${paint(DIM, `${key}=`)}${value}`);
    if (error !== undefined) {
      const { text: problem, frame } = describeError(error, cwd);
      parts.push(`${paint(DIM, 'error=')}${paint(RED, problem)}${frame ? ` ${paint(DIM, frame)}` : ''}`);
    }
    const head = `${paint(DIM, clock(now()))} ${paint(level.code, level.label)} ${text}`;
    return parts.length > 0 ? `${head}  ${parts.join(' ')}` : head;
  };
}

export interface StartInfo {
  url: string;
  dataDir: string;
  database: DatabaseConfig;
  storageDir: string;
  storageUrl: string;
  /** The local engine's endpoint, or the remote remover's base URL (remove.bg when a key is set). */
  remover: { kind: 'local'; url: string } | { kind: 'remote'; url: string };
}

/** A database URL to show: the password (and any secret-looking query parameter) removed. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key|credential/i.test(key)) parsed.searchParams.set(key, 'redacted');
    }
    return parsed.toString();
  } catch {
    return `${url.split(':')[0]}://…`;
  }
}

export function describeDatabase(database: DatabaseConfig): string {
  switch (database.kind) {
    case 'sqlite':
      return database.file === ':memory:' ? 'SQLite in memory' : `SQLite ${resolve(database.file)}`;
    case 'mysql':
      return `MySQL ${withoutPassword(database.url)}`;
    case 'cloudsql':
      return `Cloud SQL ${database.instance}, database ${database.database}, user ${database.user}`;
  }
}

function describeRemover(remover: StartInfo['remover']): string {
  if (remover.kind === 'local') return 'local U²-Netp engine, in-process on the CPU (no key, no network)';
  const host = new URL(remover.url).host;
  return host === 'api.remove.bg' ? 'remove.bg (REMOVE_BG_API_KEY is set)' : `${host} (REMOVE_BG_API_KEY is set)`;
}

/** The start entry's fields, for JSON logs. */
export function startFields(info: StartInfo): Fields {
  return {
    url: info.url,
    dataDir: info.dataDir,
    database: describeDatabase(info.database),
    storageDir: info.storageDir,
    storageUrl: info.storageUrl,
    remover: info.remover.kind === 'local' ? 'local U²-Netp engine' : new URL(info.remover.url).host,
    removerUrl: info.remover.url,
  };
}

/** The block a terminal shows on start: where the product is, where its data lives, what cuts out. */
export function startBlock(info: StartInfo, options: { colour: boolean }): string {
  const paint = painter(options.colour);
  const row = (label: string, value: string, note?: string): string =>
    `  ${paint(DIM, label.padEnd(10))}${value}${note ? `  ${paint(DIM, note)}` : ''}`;
  return [
    '',
    `  ${paint(BOLD, 'Cutout')} is running on ${paint(`${BOLD};${CYAN}`, info.url)}  ${paint(DIM, '(Ctrl-C to stop)')}`,
    '',
    row('data', info.dataDir),
    row('database', describeDatabase(info.database)),
    row('storage', info.storageDir, `local Cloud Storage on ${info.storageUrl}`),
    row(
      'remover',
      describeRemover(info.remover),
      info.remover.kind === 'local' ? `remove.bg's API on ${info.remover.url}` : info.remover.url,
    ),
    '',
    '',
  ].join('\n');
}
