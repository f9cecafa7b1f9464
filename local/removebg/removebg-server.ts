import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrors, errorBody, RemoveBgError, type ErrorEntry } from './api-errors';
import { FaultQueue, type Fault } from './faults';
import { sourceBytes } from './image-source';
import { parseOptions } from './options';
import { loadEngine } from './engine';
import { removeBackground, type Rendered } from './render';
import { BodyTooLarge, readForm } from './request-form';

export type { Fault } from './faults';

export interface RemoveBgServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (ephemeral). */
  port?: number;
  /** The segmentation model; the vendored U²-Netp by default. */
  modelPath?: string;
  /** The only accepted X-Api-Key; required unless the platform authenticates callers. */
  apiKey?: string;
  /**
   * `platform`: callers were authenticated before the request arrived (Cloud Run checks an ID
   * token and the run.invoker role), so no X-Api-Key is asked for and a non-loopback host may be
   * bound. Only the deployed entry, main.ts, sets it.
   */
  authenticatedBy?: 'platform';
}

export interface RunningRemoveBg {
  /** e.g. http://127.0.0.1:PORT (clients call `${url}/v1.0/removebg`). */
  url: string;
  /**
   * Queues a fault for the next `times` (default 1) requests: answer with `status` (402, 429 with
   * Retry-After, 500, 503…), wait `delayMs` first, or destroy the socket (`drop`).
   */
  inject(fault: Fault): void;
  clearFaults(): void;
  /** Requests received (including faulted ones), for tests that count calls. */
  calls(): number;
  /** Credits charged in all (X-Credits-Charged of every cutout sent), as remove.bg would bill them. */
  credits(): number;
  stop(): Promise<void>;
}

const ENDPOINT = '/v1.0/removebg';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * A local endpoint speaking remove.bg's HTTP API (same path, fields, headers and error bodies),
 * backed by the built-in segmentation engine, so the product runs offline on the production
 * client code. Faults are injected only through the returned object, never over HTTP.
 */
export async function startRemoveBgServer(options: RemoveBgServerOptions): Promise<RunningRemoveBg> {
  const host = options.host ?? '127.0.0.1';
  const platform = options.authenticatedBy === 'platform';
  if (!LOOPBACK.has(host) && !platform) throw new Error(`The local remove.bg binds to loopback only, not ${host}`);
  if (!options.apiKey && !platform) throw new Error('The local remove.bg needs an API key to accept');
  const expectedKey = options.apiKey ? digest(options.apiKey) : undefined;
  // Loaded before listening: a missing or corrupt model stops the server here, not on a photo.
  const engine = await loadEngine(options.modelPath);
  const faults = new FaultQueue();
  const delays = new Set<() => void>();
  let received = 0;
  let charged = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const fault = faults.take();
    if (fault?.delayMs) await wait(fault.delayMs, delays);
    if (res.destroyed) return;
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) return sendError(req, res, faultError(fault.status, fault.retryAfterSeconds));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== ENDPOINT) return sendError(req, res, new RemoveBgError(404, { title: 'Not Found' }));
    if (req.method !== 'POST') {
      return sendError(req, res, new RemoveBgError(405, { title: 'Method Not Allowed' }, { Allow: 'POST' }));
    }
    if (expectedKey) {
      const key = req.headers['x-api-key'];
      if (typeof key !== 'string' || key === '') return sendError(req, res, apiErrors.missingKey());
      if (!timingSafeEqual(digest(key), expectedKey)) return sendError(req, res, apiErrors.invalidKey());
    }
    const form = await readForm(req);
    const params = await parseOptions(form.fields);
    const bytes = await sourceBytes(form);
    const result = await removeBackground(engine, bytes, params);
    charged += params.credits;
    sendImage(req, res, result, params.credits, params.typeLevel === 'none' ? undefined : xType(params.type));
  };

  const server = createServer((req, res) => {
    received += 1;
    handle(req, res).catch((error: unknown) => {
      if (!(error instanceof RemoveBgError)) {
        console.error('local remove.bg: request failed', error);
        error = new RemoveBgError(500, { title: 'Internal Server Error' });
      }
      if (!res.headersSent && !res.destroyed) sendError(req, res, error as RemoveBgError);
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', fail);
      ready();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    inject: (fault) => faults.add(fault),
    clearFaults: () => faults.clear(),
    calls: () => received,
    credits: () => charged,
    stop: async () => {
      faults.clear();
      for (const release of delays) release();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      await engine.release();
    },
  };
}

const digest = (key: string): Buffer => createHash('sha256').update(key).digest();

/** Waits, or stops waiting early when the server stops. */
function wait(ms: number, delays: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const release = (): void => {
      clearTimeout(timer);
      delays.delete(release);
      resolve();
    };
    const timer = setTimeout(release, ms);
    delays.add(release);
  });
}

function faultError(status: number, retryAfterSeconds: number | undefined): RemoveBgError {
  const retry: Record<string, string> =
    retryAfterSeconds === undefined ? {} : { 'Retry-After': String(Math.ceil(retryAfterSeconds)) };
  if (status === 429) return apiErrors.rateLimited(Math.ceil(retryAfterSeconds ?? 1));
  if (status === 402) return new RemoveBgError(402, apiErrors.insufficientCredits().entry, retry);
  if (status === 403) return new RemoveBgError(403, apiErrors.invalidKey().entry, retry);
  const entry: ErrorEntry = { title: STATUS_CODES[status] ?? 'Error' };
  return new RemoveBgError(status, entry, retry);
}

/** remove.bg's X-Type: the type asked for, or "other" when left to detection (this engine does not classify). */
const xType = (type: string): string => (type === 'auto' ? 'other' : type);

function sendError(req: IncomingMessage, res: ServerResponse, error: RemoveBgError): void {
  const body = errorBody(error.entry);
  const closing = error instanceof BodyTooLarge;
  res.writeHead(error.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...error.headers,
    ...(closing ? { Connection: 'close' } : {}),
  });
  res.end(body);
  // Whatever of the body was not read is discarded, unless it was refused for its size.
  if (closing) res.on('finish', () => req.socket.destroy());
  else req.resume();
}

function sendImage(
  req: IncomingMessage,
  res: ServerResponse,
  result: Rendered,
  credits: number,
  type: string | undefined,
): void {
  const { foreground } = result;
  const headers: Record<string, string | number> = {
    'X-Width': result.width,
    'X-Height': result.height,
    'X-Credits-Charged': credits,
    'X-Foreground-Top': foreground.top,
    'X-Foreground-Left': foreground.left,
    'X-Foreground-Width': foreground.width,
    'X-Foreground-Height': foreground.height,
    ...(type ? { 'X-Type': type } : {}),
  };
  const accept = req.headers.accept ?? '';
  // remove.bg answers JSON to clients that ask for it rather than an image.
  if (/application\/json/.test(accept) && !/image\//.test(accept)) {
    const body = JSON.stringify({
      data: {
        result_b64: result.body.toString('base64'),
        ...(type ? { foreground_type: type } : {}),
        foreground_top: foreground.top,
        foreground_left: foreground.left,
        foreground_width: foreground.width,
        foreground_height: foreground.height,
      },
    });
    res.writeHead(200, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Type': result.contentType, 'Content-Length': result.body.length });
  res.end(result.body);
}
