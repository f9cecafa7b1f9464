/**
 * The uploader, forked by the pipeline section so that the PUTs a browser or the CLI would make
 * run on their own event loop, not on the one that hosts the storage server and processUpload.
 * It is given the bodies once (files), then batches of signed PUTs over IPC, sent all at once.
 */
import { readFileSync } from 'node:fs';

export interface PutOrder {
  url: string;
  headers: Record<string, string>;
  /** Index into the files given at start. */
  body: number;
}

const LOOPBACK = /^http:\/\/127\.0\.0\.1:\d+\//;
const bodies = process.argv.slice(2).map((file) => readFileSync(file));

async function put(order: PutOrder): Promise<number> {
  if (!LOOPBACK.test(order.url)) throw new Error(`Only 127.0.0.1 is written to, not ${order.url}`);
  const response = await fetch(order.url, {
    method: 'PUT',
    headers: order.headers,
    body: bodies[order.body],
    signal: AbortSignal.timeout(60_000),
  });
  await response.arrayBuffer();
  return response.status;
}

process.on('message', (message: { id: number; orders: PutOrder[] }) => {
  Promise.all(message.orders.map(put)).then(
    (statuses) => process.send?.({ id: message.id, statuses }),
    (error: unknown) =>
      process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
