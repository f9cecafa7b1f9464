/**
 * The client of the edits section, forked by bench/edits.ts so that its requests (a 12 MP
 * mask's upload above all) are sent from their own event loop, as a browser sends them from
 * elsewhere, not from the one that hosts the functions. It is given the bodies once (files),
 * then one request at a time over IPC, and answers with its status and time to the last byte.
 */
import { readFileSync } from 'node:fs';

export interface TimedRequest {
  url: string;
  method: 'GET' | 'PUT' | 'PATCH' | 'DELETE';
  headers: Record<string, string>;
  /** Index into the files given at start. */
  body?: number;
}

export interface TimedReply {
  status: number;
  /** From the request sent to the last byte of the answer read. */
  ms: number;
  /** The answer, when it is short text (JSON). */
  text?: string;
}

const LOOPBACK = /^http:\/\/127\.0\.0\.1:\d+\//;
const bodies = process.argv.slice(2).map((file) => readFileSync(file));

async function send(request: TimedRequest): Promise<TimedReply> {
  if (!LOOPBACK.test(request.url)) throw new Error(`Only 127.0.0.1 is asked, not ${request.url}`);
  const body = request.body === undefined ? undefined : bodies[request.body];
  const started = performance.now();
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  const ms = performance.now() - started;
  return { status: response.status, ms, ...(bytes.length <= 65_536 ? { text: bytes.toString('utf8') } : {}) };
}

process.on('message', (message: { id: number; request: TimedRequest }) => {
  send(message.request).then(
    (reply) => process.send?.({ id: message.id, reply }),
    (error: unknown) =>
      process.send?.({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
