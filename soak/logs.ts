/**
 * The product logs one JSON object per line (stdout for the functions, stderr for the local
 * storage server). During the run those lines are taken aside, so the report stays readable
 * and a defect can be shown with its log line; anything else passes through unchanged.
 */
export interface CapturedLogs {
  /** Count per "SEVERITY message". */
  counts: Record<string, number>;
  /** The first lines of WARNING or worse, verbatim. */
  lines: string[];
  /** Writes straight to the real stdout, for the soak's own output. */
  print(text: string): void;
  restore(): void;
}

const KEEP_LINES = 50;

export function captureLogs(): CapturedLogs {
  const counts: Record<string, number> = {};
  const lines: string[] = [];
  const originals = {
    stdout: process.stdout.write.bind(process.stdout),
    stderr: process.stderr.write.bind(process.stderr),
  };

  const intercept = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      const passed: string[] = [];
      for (const line of text.split('\n')) {
        const entry = parse(line);
        if (!entry) {
          passed.push(line);
          continue;
        }
        const key = `${entry.severity} ${entry.message}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (entry.severity !== 'INFO' && entry.severity !== 'DEBUG' && lines.length < KEEP_LINES) lines.push(line);
      }
      const remaining = passed.join('\n');
      if (remaining.trim() === '') {
        // Whoever passed a callback still hears that the write is done.
        const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
        callback?.();
        return true;
      }
      return (originals[stream] as (chunk: string, ...args: unknown[]) => boolean)(remaining, ...rest);
    }) as typeof process.stdout.write;

  process.stdout.write = intercept('stdout');
  process.stderr.write = intercept('stderr');
  return {
    counts,
    lines,
    print: (text) => void originals.stdout(text),
    restore() {
      process.stdout.write = originals.stdout;
      process.stderr.write = originals.stderr;
    },
  };
}

function parse(line: string): { severity: string; message: string } | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as { severity?: unknown; message?: unknown };
    if (typeof value.severity !== 'string') return undefined;
    return { severity: value.severity, message: String(value.message) };
  } catch {
    return undefined;
  }
}
