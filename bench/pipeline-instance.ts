import { artifactDir } from './artifact';
import { Instance, send, startInstanceWorld, type CloudEventRequest } from './instance';
import { summarize, type Summary } from './stats';

export interface InstanceLevel {
  concurrency: number;
  images: number;
  /** Event posted → row done, per image (ms). */
  overhead: Summary;
  /** processing_ms as processUpload measured it. */
  processing: Summary;
  imagesPerSecond: number;
  failed: number;
}

/**
 * The pipeline in the shape it is deployed in: processUpload alone in its own process, loaded
 * from the built artifact as a Cloud Run instance loads it, while the storage server, the
 * Firestore emulator, SQLite and the pass-through remover (standing in for Google's services
 * and remove.bg) run in this process. Finalize events are posted to it as Eventarc posts them,
 * N at a time. Unlike the `npm start` shape, the function does not share its one thread with
 * the services it calls.
 */
export async function pipelineInInstance(
  pngs: readonly Buffer[],
  levels: readonly number[],
  counts: Record<number, number>,
): Promise<InstanceLevel[]> {
  const world = await startInstanceWorld();
  const instance = new Instance('processUpload', await artifactDir(), world.env);
  try {
    const userId = await world.createUser('pipe');
    const { port } = await instance.listening();
    let next = 0;
    const prepare = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () => world.queuedUpload(userId, pngs[next++ % pngs.length] as Buffer, 'image/png')),
      );
    const deliver = async (event: CloudEventRequest): Promise<number> => {
      const sentAt = Date.now();
      const reply = await send(port, 'POST', '/', event.headers, event.body);
      if (reply.status >= 300) throw new Error(`processUpload answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      return sentAt;
    };
    // Warm-up: sharp, the clients and their connections, the JIT.
    for (const { event } of await prepare(2)) await deliver(event);

    const results: InstanceLevel[] = [];
    for (const concurrency of levels) {
      const uploads = await prepare(counts[concurrency] ?? concurrency);
      const sent = new Map<string, number>();
      const started = performance.now();
      for (let i = 0; i < uploads.length; i += concurrency) {
        const batch = uploads.slice(i, i + concurrency);
        const times = await Promise.all(batch.map(({ event }) => deliver(event)));
        batch.forEach(({ id }, j) => sent.set(id, times[j] as number));
      }
      const wallSeconds = (performance.now() - started) / 1000;
      const rows = await world.database.db
        .selectFrom('images')
        .select(['id', 'status', 'processed_at', 'processing_ms'])
        .where('id', 'in', [...sent.keys()])
        .execute();
      const done = rows.filter((row) => row.status === 'done' && row.processed_at !== null);
      results.push({
        concurrency,
        images: uploads.length,
        overhead: summarize(done.map((row) => Number(row.processed_at) - (sent.get(row.id) as number))),
        processing: summarize(done.map((row) => Number(row.processing_ms))),
        imagesPerSecond: done.length / wallSeconds,
        failed: uploads.length - done.length,
      });
    }
    return results;
  } finally {
    await instance.stop();
    await world.stop();
  }
}
