import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { headerSafe } from './http-util';
import type { ObjectFiles, StoredObject } from './object-files';
import { StorageError } from './storage-errors';

export interface DownloadOptions {
  /** `response-content-type` / `response-content-disposition` of a signed XML GET. */
  contentType?: string;
  contentDisposition?: string;
  /** The XML API also returns custom metadata as `x-goog-meta-*` headers. */
  metadataHeaders?: boolean;
}

interface ByteRange {
  start: number;
  end: number;
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range; anything else is served whole, as GCS does. */
function parseRange(header: string | undefined, size: number): ByteRange | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '') || size === 0) return undefined;
  const [first, last] = [match[1] ?? '', match[2] ?? ''];
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) throw new StorageError('rangeNotSatisfiable', 'The requested range cannot be satisfied.');
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || end < start) {
    throw new StorageError('rangeNotSatisfiable', 'The requested range cannot be satisfied.');
  }
  return { start, end };
}

export function objectHeaders(object: StoredObject, options: DownloadOptions = {}): Record<string, string> {
  const headers: Record<string, string> = {
    'Content-Type': options.contentType ?? object.contentType,
    ETag: `"${Buffer.from(object.md5Hash, 'base64').toString('hex')}"`,
    'Last-Modified': new Date(object.updated).toUTCString(),
    'x-goog-generation': object.generation,
    'x-goog-metageneration': object.metageneration,
    'x-goog-stored-content-length': String(object.size),
    'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-storage-class': 'STANDARD',
    'Accept-Ranges': 'bytes',
  };
  const optional: Record<string, string | undefined> = {
    'Content-Disposition': options.contentDisposition ?? object.contentDisposition,
    'Content-Encoding': object.contentEncoding,
    'Content-Language': object.contentLanguage,
    'Cache-Control': object.cacheControl ?? 'private, max-age=0',
  };
  if (options.metadataHeaders) {
    for (const [key, value] of Object.entries(object.metadata ?? {})) optional[`x-goog-meta-${key}`] = value;
  }
  for (const [name, value] of Object.entries(optional)) {
    if (value !== undefined && headerSafe(value) && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) headers[name] = value;
  }
  return headers;
}

/** Streams the object's bytes (or the requested range) from disk, with the headers GCS sends. */
export async function sendObject(
  req: IncomingMessage,
  res: ServerResponse,
  files: ObjectFiles,
  object: StoredObject,
  options: DownloadOptions = {},
): Promise<void> {
  const range = parseRange(req.headers.range, object.size);
  const headers = objectHeaders(object, options);
  if (range) headers['Content-Range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  const length = range ? range.end - range.start + 1 : object.size;
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(length) }).end();
    return;
  }
  const handle = await files.openData(object);
  res.writeHead(range ? 206 : 200, { ...headers, 'Content-Length': String(length) });
  const start = range?.start ?? 0;
  try {
    await pipeline(handle.createReadStream({ start, end: start + length - 1 }), res);
  } catch {
    // The client went away mid-download; nothing to answer.
  } finally {
    await handle.close().catch(() => undefined);
  }
}
