import type { IncomingMessage } from 'node:http';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import { AppError, malformedRequest, validationError } from '../core/errors';

/** A file stream that fails is the client's body ending early or malformed, not our fault. */
const broken = (error: unknown): AppError =>
  error instanceof AppError ? error : malformedRequest('The multipart body ended early or is malformed.');

export interface FilePart {
  /** The form fields that came before the file. */
  fields: Record<string, string>;
  filename: string;
  stream: Readable & { truncated?: boolean };
}

export interface MultipartUpload {
  /** The one file, once its part begins; undefined when the form has none. */
  file: Promise<FilePart | undefined>;
  /** Resolves when the whole form has been read, with the first problem found after the file. */
  finished: Promise<AppError | undefined>;
}

/**
 * Reads a multipart form as it streams: fields first, then exactly one file in `fileField`,
 * which the caller consumes while it arrives. Anything after the file (a second file, a late
 * field) is a problem reported through `finished`, so the caller can undo what it stored.
 */
export function readMultipart(req: IncomingMessage, fileField: string, maxFileBytes: number): MultipartUpload {
  let form: busboy.Busboy;
  try {
    // busboy flags a file that reaches its limit, so its limit is one byte past ours.
    form = busboy({
      headers: req.headers,
      limits: { files: 1, fileSize: maxFileBytes + 1, fields: 20, fieldSize: 1024, parts: 40 },
    });
  } catch {
    const problem = malformedRequest('The multipart body has no boundary.');
    return { file: Promise.reject(problem), finished: Promise.resolve(problem) };
  }
  const fields: Record<string, string> = {};
  let seenFile = false;
  let problem: AppError | undefined;
  const late = (message: string) => (problem ??= validationError([{ field: fileField, message }]));

  const file = new Promise<FilePart | undefined>((resolve, reject) => {
    form.on('field', (name, value, info) => {
      if (seenFile) late(`send option fields before ${fileField}`);
      else if (info.valueTruncated) problem ??= validationError([{ field: name, message: 'is too long' }]);
      else fields[name] = value;
    });
    form.on('file', (name, stream, info) => {
      if (name !== fileField) {
        problem ??= validationError([{ field: name, message: `is not a file field; send the image in ${fileField}` }]);
        stream.resume();
        return;
      }
      seenFile = true;
      // A body that ends inside the file fails the stream at once, possibly before the caller
      // is listening; without a listener that error would crash the request. Readers check
      // `stream.errored` (peek, ByteCounter).
      stream.on('error', () => undefined);
      resolve({ fields: { ...fields }, filename: info.filename ?? '', stream });
    });
    form.on('filesLimit', () => late('send exactly one file'));
    form.on('close', () => resolve(undefined));
    form.on('error', (error) => reject(broken(error)));
  });
  const finished = new Promise<AppError | undefined>((resolve) => {
    form.on('close', () => resolve(problem));
    form.on('error', (error) => resolve(problem ?? broken(error)));
  });
  req.pipe(form);
  return { file, finished };
}

/** Counts bytes on the way through, and fails the stream when the source hit its size limit. */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(
    private readonly source: FilePart['stream'],
    private readonly tooLarge: () => Error,
  ) {
    super();
    if (source.errored) process.nextTick(() => this.destroy(broken(source.errored)));
    source.on('limit', () => this.destroy(tooLarge()));
    source.on('error', (error) => this.destroy(broken(error)));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    done(this.source.truncated ? this.tooLarge() : null);
  }
}

/** The first `n` bytes of a paused stream, put back so the stream still yields everything. */
export function peek(stream: Readable, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.errored) return reject(broken(stream.errored));
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      stream.off('readable', onReadable).off('end', finish).off('error', reject);
      const head = Buffer.concat(chunks);
      if (head.length > 0 && !stream.readableEnded) stream.unshift(head);
      resolve(head.subarray(0, n));
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (size < n && (chunk = stream.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size >= n) finish();
    };
    stream
      .on('readable', onReadable)
      .on('end', finish)
      .on('error', (error) => reject(broken(error)));
  });
}
