/** How many files `upload -j` sends at a time, at most: enough to hide latency, gentle on the service. */
export const MAX_JOBS = 8;

export type FileStatus = 'done' | 'uploaded' | 'failed' | 'skipped';

/** One file's outcome: one line of text, or one JSON object with `--json`. */
export interface FileResult {
  path: string;
  status: FileStatus;
  id: string | null;
  /** The file saved, when one was. */
  output: string | null;
  error: { code: string; message: string } | null;
  /** Why a file was skipped. */
  reason: string | null;
}

/** Runs `work` on every item, at most `limit` at a time, in order of the items. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Prints each result as it comes: saved files on stdout (`file  id  output`, for scripts),
 * failures and skips on stderr; with `json`, every result as one JSON line on stdout and
 * nothing else there. The summary goes to stderr.
 */
export function batchReporter(
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  { json, made }: { json: boolean; made: 'done' | 'uploaded' },
) {
  const counts: Record<FileStatus, number> = { done: 0, uploaded: 0, failed: 0, skipped: 0 };
  return {
    report(result: FileResult): void {
      counts[result.status] += 1;
      if (json) stdout.write(`${JSON.stringify(result)}\n`);
      else if (result.status === 'done' || result.status === 'uploaded')
        stdout.write(`${result.path}\t${result.id}\t${result.output ?? 'uploaded'}\n`);
      else if (result.status === 'failed') {
        const message = result.error!.message;
        // "no such file: photo.jpg" names the file already; other reasons are prefixed with it.
        stderr.write(`failed: ${message.includes(result.path) ? message : `${result.path}: ${message}`}\n`);
      } else stderr.write(`skipped: ${result.path}: ${result.reason}\n`);
    },
    /** Prints "3 done, 1 failed, 1 skipped" ("uploaded" with --no-wait); returns the failures. */
    finish(): number {
      stderr.write(`${counts[made]} ${made}, ${counts.failed} failed, ${counts.skipped} skipped\n`);
      return counts.failed;
    },
  };
}
