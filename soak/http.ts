import { NO_ANSWER, type Endpoint, type Recorder } from './metrics';

/** No request waits longer than this: a hang becomes a recorded "no answer", never a stuck run. */
const REQUEST_TIMEOUT_MS = 30_000;

export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A response the product should not have given (a 5xx, a wrong 4xx, no answer, a bad body). */
export interface Anomaly {
  endpoint: Endpoint;
  request: string;
  status: number | typeof NO_ANSWER;
  requestId: string | undefined;
  detail: string;
  atSeconds: number;
}

/**
 * fetch with a latency sample per request and a record of anything unexpected. Only loopback
 * is ever contacted: the local cloud hands out localhost and 127.0.0.1 URLs, and anything
 * else is refused before a byte is sent.
 */
export class Client {
  readonly anomalies: Anomaly[] = [];
  private readonly started = performance.now();

  constructor(private readonly recorder: Recorder) {}

  async call(
    endpoint: Endpoint,
    url: string,
    init: RequestInit,
    expected: readonly number[],
  ): Promise<Answer | undefined> {
    const target = loopback(url);
    const label = `${init.method ?? 'GET'} ${target.pathname}${target.search ? '?…' : ''}`;
    const begin = performance.now();
    try {
      const res = await fetch(target, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      const body = Buffer.from(await res.arrayBuffer());
      this.recorder.add({ endpoint, status: res.status, ms: performance.now() - begin });
      if (!expected.includes(res.status)) {
        this.flag(endpoint, label, res.status, res.headers.get('x-request-id') ?? undefined, body.toString('utf8'));
      }
      return { status: res.status, headers: res.headers, body };
    } catch (error) {
      this.recorder.add({ endpoint, status: NO_ANSWER, ms: performance.now() - begin });
      const cause = error instanceof Error ? `${error.name}: ${error.message} ${String(error.cause ?? '')}` : error;
      this.flag(endpoint, label, NO_ANSWER, undefined, String(cause));
      return undefined;
    }
  }

  /** A check on a body that answered with the right status but the wrong content. */
  flag(
    endpoint: Endpoint,
    request: string,
    status: number | typeof NO_ANSWER,
    requestId: string | undefined,
    detail: string,
  ): void {
    const atSeconds = Math.round((performance.now() - this.started) / 100) / 10;
    this.anomalies.push({ endpoint, request, status, requestId, detail: detail.slice(0, 400), atSeconds });
  }
}

function loopback(url: string): URL {
  const target = new URL(url);
  if (target.hostname === 'localhost') target.hostname = '127.0.0.1';
  if (target.hostname !== '127.0.0.1' || target.protocol !== 'http:') {
    throw new Error(`The soak only talks to 127.0.0.1, not ${target.origin}`);
  }
  return target;
}
