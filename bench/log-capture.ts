import { closeSync, openSync, writeSync } from 'node:fs';

export interface CapturedLogs {
  lines: number;
  /** severity + message → count, for the report. */
  kinds: Record<string, number>;
  file: string;
  stop(): void;
}

/**
 * The functions log one JSON object per line on stdout, as Cloud Logging wants. Under load
 * that would drown the tables, so while the bench runs those lines go to a file instead and are
 * counted; everything else still reaches stdout.
 */
export function captureFunctionLogs(file: string): CapturedLogs {
  const fd = openSync(file, 'w');
  const original = process.stdout.write.bind(process.stdout);
  const captured: CapturedLogs = {
    lines: 0,
    kinds: {},
    file,
    stop() {
      process.stdout.write = original;
      closeSync(fd);
    },
  };
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{"severity"')) {
      writeSync(fd, text);
      for (const line of text.split('\n').filter(Boolean)) {
        captured.lines += 1;
        try {
          const entry = JSON.parse(line) as { severity?: string; message?: string; error?: { message?: string } };
          const kind = `${entry.severity} ${entry.message}${entry.error?.message ? `: ${entry.error.message}` : ''}`;
          captured.kinds[kind] = (captured.kinds[kind] ?? 0) + 1;
        } catch {
          captured.kinds['unparsed'] = (captured.kinds['unparsed'] ?? 0) + 1;
        }
      }
      return true;
    }
    return (original as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  return captured;
}
