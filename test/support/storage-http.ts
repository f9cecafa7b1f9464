import { request, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** A Buffer is sent with Content-Length; a stream is sent chunked (no length up front). */
  body?: Buffer | Readable;
}

/**
 * An HTTP request with exactly the headers given (fetch adds its own and hides transfer
 * details), for signed URLs and the raw JSON API. Loopback only.
 */
export function rawRequest(url: string, options: RawRequest = {}): Promise<RawResponse> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') throw new Error(`not a loopback URL: ${url}`);
  return new Promise((resolve, reject) => {
    const headers = { ...options.headers };
    if (Buffer.isBuffer(options.body)) headers['content-length'] = String(options.body.length);
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      // The server may answer (and close) before the whole stream is sent; that answer is what counts.
      req.on('error', () => undefined);
      body.on('error', (error) => req.destroy(error));
      body.pipe(req);
    }
  });
}

/** The <Code> of a GCS XML error body. */
export const xmlCode = (body: Buffer): string | undefined => /<Code>([^<]*)<\/Code>/.exec(body.toString('utf8'))?.[1];

/** Starts sending `data` to `url` and breaks the connection once it is written. */
export function interruptedUpload(
  url: string,
  method: string,
  headers: Record<string, string>,
  data: Buffer,
): Promise<void> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method,
      headers,
      agent: false,
    });
    req.on('error', () => resolve());
    req.write(data, () => {
      // Give the server a moment to take the bytes in before the connection drops.
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 150);
    });
  });
}
