import { Transform, type TransformCallback } from 'node:stream';
import { StorageError } from './storage-errors';

export interface MultipartHead {
  /** The parsed JSON of the first part. */
  metadata: unknown;
  /** The Content-Type of the second (media) part. */
  mediaType: string | undefined;
}

const CRLF = Buffer.from('\r\n');
const HEADERS_END = Buffer.from('\r\n\r\n');
const MAX_HEAD_BYTES = 1024 * 1024;

const invalid = (message: string): StorageError => new StorageError('invalid', message);

/** The boundary parameter of a `multipart/related` Content-Type, or undefined. */
export function relatedBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/related\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

const partContentType = (headers: Buffer): string | undefined => {
  for (const line of headers.toString('latin1').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-type') return line.slice(colon + 1).trim();
  }
  return undefined;
};

/**
 * Reads the multipart/related body of a JSON API upload as it streams: the first part (JSON
 * metadata) is buffered and announced with a 'head' event, the second part (the media) passes
 * through as this stream's output, so an object of any size never sits in memory.
 */
export class MediaPartStream extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private state: 'head' | 'media' | 'done' = 'head';
  private readonly opening: Buffer;
  private readonly delimiter: Buffer;

  constructor(boundary: string) {
    super();
    this.opening = Buffer.from(`--${boundary}\r\n`);
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
  }

  /** Resolves with the metadata and media type once both part headers have arrived. */
  head(): Promise<MultipartHead> {
    return new Promise((resolve, reject) => {
      this.once('head', resolve);
      this.once('error', reject);
      this.once('end', () => reject(invalid('Multipart body has no media part.')));
    });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.pending = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    try {
      if (this.state === 'head') this.readHead();
      if (this.state === 'media') this.passMedia();
      if (this.state === 'done') this.pending = Buffer.alloc(0);
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    done(this.state === 'done' ? null : invalid('Multipart body ended before its closing boundary.'));
  }

  private readHead(): void {
    const buffer = this.pending;
    const start = buffer.indexOf(this.opening);
    // Searching from the opening's own CRLF also finds a part that has no headers at all.
    const firstHeadersEnd = start < 0 ? -1 : buffer.indexOf(HEADERS_END, start + this.opening.length - CRLF.length);
    const firstEnd = firstHeadersEnd < 0 ? -1 : buffer.indexOf(this.delimiter, firstHeadersEnd + HEADERS_END.length);
    const secondHeadersStart = firstEnd < 0 ? -1 : firstEnd + this.delimiter.length;
    const secondHeadersEnd = secondHeadersStart < 0 ? -1 : buffer.indexOf(HEADERS_END, secondHeadersStart);
    if (secondHeadersEnd < 0) {
      if (buffer.length > MAX_HEAD_BYTES) throw invalid('Multipart metadata part too large.');
      return;
    }
    if (!buffer.subarray(secondHeadersStart, secondHeadersStart + CRLF.length).equals(CRLF)) {
      throw invalid('Multipart body has no media part.');
    }
    let metadata: unknown;
    try {
      metadata = JSON.parse(buffer.subarray(firstHeadersEnd + HEADERS_END.length, firstEnd).toString('utf8') || '{}');
    } catch {
      throw invalid('Multipart metadata part is not valid JSON.');
    }
    const head: MultipartHead = {
      metadata,
      mediaType: partContentType(buffer.subarray(secondHeadersStart + CRLF.length, secondHeadersEnd)),
    };
    this.pending = buffer.subarray(secondHeadersEnd + HEADERS_END.length);
    this.state = 'media';
    this.emit('head', head);
  }

  private passMedia(): void {
    const end = this.pending.indexOf(this.delimiter);
    if (end >= 0) {
      if (end > 0) this.push(this.pending.subarray(0, end));
      this.state = 'done';
      return;
    }
    // Keep a tail that could be the start of the delimiter split across chunks.
    const safe = this.pending.length - (this.delimiter.length - 1);
    if (safe > 0) {
      this.push(this.pending.subarray(0, safe));
      this.pending = this.pending.subarray(safe);
    }
  }
}
