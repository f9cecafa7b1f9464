import type { Readable } from 'node:stream';
import { rm } from 'node:fs/promises';
import { BodyTooLargeError, receiveBody } from './body-sink';
import type { StorageContext } from './context';
import type { ObjectFields, StoredObject } from './object-files';
import { checkPreconditions, type Preconditions } from './preconditions';
import { StorageError } from './storage-errors';

export interface LengthRange {
  min: number;
  max: number;
}

export const tooLarge = (): StorageError =>
  new StorageError('entityTooLarge', 'Content-length exceeds upper bound on range');
export const tooSmall = (): StorageError =>
  new StorageError('entityTooSmall', 'Content-length smaller than lower bound on range');

export interface StoreRequest {
  bucket: string;
  name: string;
  body: Readable;
  fields: ObjectFields;
  preconditions: Preconditions;
  /** Bounds on the body size; checked against Content-Length up front and while streaming. */
  range?: LengthRange;
  declaredLength?: number;
}

/**
 * A single-request upload (JSON media/multipart, XML PUT): checks what can be checked before
 * the body arrives, streams it to a temp file, then commits it as the new generation. A failed
 * or aborted write removes its temp file, so it leaves nothing behind.
 */
export async function storeBody(ctx: StorageContext, request: StoreRequest): Promise<StoredObject> {
  const { bucket, name, range, declaredLength } = request;
  checkPreconditions(ctx.files.get(bucket, name), request.preconditions);
  if (range && declaredLength !== undefined) {
    if (declaredLength > range.max) throw tooLarge();
    if (declaredLength < range.min) throw tooSmall();
  }
  const temp = ctx.files.tempFile(bucket);
  try {
    const written = await receiveBody(request.body, temp, { maxBytes: range?.max });
    if (range && written.size < range.min) throw tooSmall();
    const object = await ctx.files.commit(bucket, name, temp, written, request.fields, request.preconditions);
    ctx.finalized(object);
    return object;
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof BodyTooLargeError) throw tooLarge();
    throw error;
  }
}
