/**
 * The load generator, forked by bench/load.ts so it runs on its own core and event loop, never
 * in the process it measures. It takes jobs over IPC, runs autocannon against 127.0.0.1 and
 * answers with every response time (autocannon's own histogram has no p95).
 */
import autocannon from 'autocannon';
import type { LoadJob, LoadOutcome } from './load';

const LOOPBACK = /^http:\/\/127\.0\.0\.1:\d+$/;

function run(job: LoadJob): Promise<LoadOutcome> {
  if (!LOOPBACK.test(job.origin)) return Promise.reject(new Error(`Only 127.0.0.1 is loaded, not ${job.origin}`));
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let next = 0;
  const paths = job.paths;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: job.origin,
        connections: job.connections,
        ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.durationSeconds ?? 1 }),
        timeout: job.timeoutSeconds,
        // autocannon notices the end of a run at its sampling tick (1 s by default): sample every
        // 100 ms so a run lasts its duration, not the next whole second.
        sampleInt: 100,
        requests: [
          {
            method: job.method,
            headers: job.headers,
            ...(job.body !== undefined ? { body: job.body } : {}),
            setupRequest: (request) => {
              const path = paths[next % paths.length] as string;
              next += 1;
              return { ...request, path };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        resolve({
          latencies,
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
          seconds: Math.max(seconds, result.duration),
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (job.expect.includes(statusCode)) latencies.push(responseTime);
    });
  });
}

process.on('message', (message: { id: number; job: LoadJob }) => {
  run(message.job).then(
    (outcome) => process.send?.({ id: message.id, outcome }),
    (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
