import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Crc32c } from './crc32c';
import type { Written } from './object-files';

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The client went away before sending the whole body: nobody is left to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('request body ended early');
    this.name = 'ClientGoneError';
  }
}

/** Counts and hashes the bytes going through; fails as soon as more than `maxBytes` went by. */
class Meter extends Transform {
  size = 0;
  private readonly md5 = createHash('md5');
  private readonly crc32c = new Crc32c();

  constructor(
    private readonly maxBytes = Number.POSITIVE_INFINITY,
    private readonly hashing = true,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      done(new BodyTooLargeError(this.maxBytes));
      return;
    }
    if (this.hashing) {
      this.md5.update(chunk);
      this.crc32c.update(chunk);
    }
    done(null, chunk);
  }

  result(): Written {
    return { size: this.size, md5Hash: this.md5.digest('base64'), crc32c: this.crc32c.toString() };
  }
}

/** Drops the first `remaining` bytes that go through. */
class SkipBytes extends Transform {
  constructor(private remaining: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.remaining >= chunk.length) {
      this.remaining -= chunk.length;
      done();
      return;
    }
    const rest = chunk.subarray(this.remaining);
    this.remaining = 0;
    done(null, rest);
  }
}

export interface ReceiveOptions {
  maxBytes?: number;
  /** 'wx' for a new temp file, 'a' to append to a resumable session. */
  flags?: 'wx' | 'a';
  /** Leading bytes to count but not write: a resent chunk's part the server already has. */
  skip?: number;
  /** False when the hashes are taken later from the whole file (resumable chunks). */
  hash?: boolean;
}

/**
 * Streams a request body (or one part of it) into `file`, hashing as it goes. The source is
 * never destroyed here, so that the caller can still answer on the same connection after a
 * size violation; a source that closes before its end (the client went away) rejects.
 */
export async function receiveBody(source: Readable, file: string, options: ReceiveOptions = {}): Promise<Written> {
  const meter = new Meter(options.maxBytes, options.hash ?? true);
  const sink = createWriteStream(file, { flags: options.flags ?? 'wx' });
  const abort = (): void => {
    if (!source.readableEnded) meter.destroy(new ClientGoneError());
  };
  source.once('close', abort);
  source.once('error', abort);
  source.pipe(meter);
  try {
    await pipeline(meter, new SkipBytes(options.skip ?? 0), sink);
  } finally {
    source.unpipe(meter);
    source.off('close', abort);
    source.off('error', abort);
  }
  return meter.result();
}

/** The size and hashes of a file already on disk (a finished resumable session). */
export async function measureFile(file: string): Promise<Written> {
  const meter = new Meter();
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  await pipeline(createReadStream(file), meter, discard);
  return meter.result();
}
