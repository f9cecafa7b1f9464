import type { IncomingMessage } from 'node:http';
import { AppError, malformedRequest, requestTooLarge, unsupportedMediaType } from '../core/errors';

/** The media type without parameters, lower-cased ('' when absent). */
export const mediaType = (req: IncomingMessage): string =>
  String(req.headers['content-type'] ?? '')
    .split(';')[0]!
    .trim()
    .toLowerCase();

/**
 * Reads the body as it arrives, refusing it once it passes `maxBytes` (or at once when the
 * declared length does), so an oversized body is never held in memory.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) throw requestTooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw requestTooLarge(maxBytes);
      chunks.push(chunk);
    }
  } catch (error) {
    // A client that hangs up mid-body is the client's doing, not an error of ours.
    if (error instanceof AppError) throw error;
    throw malformedRequest('The body ended before it was complete.');
  }
  return Buffer.concat(chunks);
}

/** A JSON body of at most `maxBytes`: 415 for another type, 400 for broken JSON. */
export async function readJson(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = mediaType(req);
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) {
    throw unsupportedMediaType('application/json');
  }
  const body = await readBody(req, maxBytes);
  if (body.length === 0) throw malformedRequest('The body is empty; send a JSON object.');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch {
    throw malformedRequest('The body is not valid UTF-8 JSON.');
  }
}
