import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { summarize, type Summary, within } from './stats';

export interface LoadJob {
  /** http://127.0.0.1:PORT */
  origin: string;
  method: 'GET' | 'POST' | 'DELETE';
  headers: Record<string, string>;
  body?: string;
  /** Paths in turn, one per request (wrapping around). */
  paths: string[];
  connections: number;
  /** Either a duration or a fixed number of requests. */
  durationSeconds?: number;
  amount?: number;
  timeoutSeconds: number;
  /** Statuses that count as success; their latencies are the ones reported. */
  expect: number[];
}

export interface LoadOutcome {
  latencies: number[];
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  seconds: number;
}

export interface LoadResult {
  connections: number;
  latency: Summary;
  /** Successful responses per second over the whole run. */
  rps: number;
  ok: number;
  /** Responses with another status, connection errors and timeouts. */
  failures: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Every successful response time (ms); left out of latest.json. */
  samples: number[];
}

/** A forked autocannon process (bench/load-client.ts); one job at a time. */
export class LoadClient {
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve(o: LoadOutcome): void; reject(e: Error): void }>();

  constructor() {
    this.child = fork(join(__dirname, 'load-client.ts'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { id: number; outcome?: LoadOutcome; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.outcome) waiter?.resolve(message.outcome);
      else waiter?.reject(new Error(message.error ?? 'load client failed'));
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`load client exited (${code})`));
      this.waiting.clear();
    });
  }

  async run(job: LoadJob): Promise<LoadResult> {
    const id = (this.nextId += 1);
    const limitMs = ((job.durationSeconds ?? 0) + job.timeoutSeconds) * 1000 + 30_000;
    const outcome = await within(
      new Promise<LoadOutcome>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        this.child.send({ id, job });
      }),
      limitMs,
      `load ${job.method} ${job.paths[0] ?? ''}`,
    );
    const ok = outcome.latencies.length;
    const total = Object.values(outcome.statuses).reduce((sum, n) => sum + n, 0);
    return {
      connections: job.connections,
      latency: summarize(outcome.latencies),
      rps: ok / outcome.seconds,
      ok,
      failures: total - ok + outcome.errors + outcome.timeouts,
      statuses: outcome.statuses,
      seconds: outcome.seconds,
      samples: outcome.latencies,
    };
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    if (this.child.exitCode === null) this.child.kill();
  }
}
