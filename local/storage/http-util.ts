import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneError } from './body-sink';
import { StorageError } from './storage-errors';

const MAX_JSON_BYTES = 1024 * 1024;
const DRAIN_LIMIT_MS = 10_000;

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=UTF-8',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/**
 * A small JSON request body (upload metadata, PATCH); an empty body reads as {}. One too large
 * is refused without tearing down the connection, so that the refusal can still be sent.
 */
export function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      chunks.push(chunk);
      if (size <= MAX_JSON_BYTES) return;
      req.off('data', onData);
      req.pause();
      reject(new StorageError('invalid', 'Request metadata too large.'));
    };
    req.on('data', onData);
    req.once('close', () => {
      if (!req.readableEnded) reject(new ClientGoneError());
    });
    req.once('end', () => {
      const text = Buffer.concat(chunks).toString('utf8').trim();
      try {
        resolve(text === '' ? {} : (JSON.parse(text) as unknown));
      } catch {
        reject(new StorageError('invalid', 'Request body is not valid JSON.'));
      }
    });
  });
}

/**
 * Before answering a request whose body was not (fully) read: close the connection after the
 * answer and discard the rest, so the client reads the error instead of a reset, and nothing
 * more of the body is kept.
 */
export function abandonBody(req: IncomingMessage, res: ServerResponse): void {
  if (req.readableEnded || res.headersSent) return;
  res.setHeader('Connection', 'close');
  req.resume();
  // A client that keeps sending regardless is cut off, rather than read from forever.
  const cutOff = setTimeout(() => req.socket.destroy(), DRAIN_LIMIT_MS).unref();
  req.once('close', () => clearTimeout(cutOff));
}

/** Header values must be Latin-1 without controls; anything else is left out rather than crashing. */
export const headerSafe = (value: string): boolean => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

export function decodePathPart(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new StorageError('invalid', 'The request path is not valid percent-encoded UTF-8.');
  }
}
