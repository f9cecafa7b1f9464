import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { StoredObject } from './object-files';

export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
}

const MAX_DELAY_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/** Header values travel as bytes: a UTF-8 object name goes out as its UTF-8 bytes, as from GCS. */
const asHeader = (value: string): string => Buffer.from(value, 'utf8').toString('latin1');

/** The binary-mode CloudEvent Eventarc sends a Cloud Run function when an object is finalized. */
export function finalizedEvent(object: StoredObject, data: unknown): { headers: Record<string, string>; body: string } {
  return {
    headers: {
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.storage.object.v1.finalized',
      'ce-source': `//storage.googleapis.com/projects/_/buckets/${object.bucket}`,
      'ce-subject': asHeader(`objects/${object.name}`),
      'ce-id': randomUUID(),
      'ce-time': object.updated,
      'ce-bucket': object.bucket,
      'content-type': 'application/json',
    },
    body: JSON.stringify(data),
  };
}

const post = (target: string, headers: Record<string, string>, body: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: false,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          resolve(status >= 200 && status < 300 ? undefined : `HTTP ${status}`);
        });
        res.on('error', (error) => resolve(error.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(error.message));
    req.end(body);
  });

/**
 * Delivers events in the background, as an Eventarc trigger with a retry policy does: any
 * answer but 2xx, or no answer, is retried with exponential backoff; after the last attempt the
 * event is dropped with one JSON log line on stderr.
 */
export class EventDelivery {
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly sleepers = new Map<NodeJS.Timeout, () => void>();
  private stopped = false;

  constructor(private readonly retry: RetryPolicy) {}

  send(target: string, event: { headers: Record<string, string>; body: string }): void {
    this.inFlight += 1;
    void this.deliver(target, event).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.wakeIdle();
    });
  }

  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Abandons pending retries (the process is going away with the server). */
  stop(): void {
    this.stopped = true;
    for (const [timer, wake] of this.sleepers) {
      clearTimeout(timer);
      wake();
    }
    this.sleepers.clear();
  }

  private async deliver(target: string, event: { headers: Record<string, string>; body: string }): Promise<void> {
    let delay = this.retry.initialDelayMs;
    let lastError = 'not attempted';
    for (let attempt = 1; attempt <= this.retry.attempts && !this.stopped; attempt += 1) {
      const error = await post(target, event.headers, event.body);
      if (error === undefined) return;
      lastError = error;
      if (attempt < this.retry.attempts) {
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    }
    if (this.stopped) return;
    console.error(
      JSON.stringify({
        severity: 'ERROR',
        message: 'storage: finalize event not delivered, giving up',
        target,
        type: event.headers['ce-type'],
        source: event.headers['ce-source'],
        subject: Buffer.from(event.headers['ce-subject'] ?? '', 'latin1').toString('utf8'),
        id: event.headers['ce-id'],
        attempts: this.retry.attempts,
        lastError,
      }),
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(timer);
        resolve();
      }, ms);
      this.sleepers.set(timer, resolve);
    });
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
