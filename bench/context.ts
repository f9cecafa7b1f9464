/** What every section gets from bench/run.ts. */
export interface BenchContext {
  quick: boolean;
  /** A progress line on stderr (stdout carries only the tables). */
  log(message: string): void;
}

export const progress = (section: string) => (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${section}: ${message}`);
