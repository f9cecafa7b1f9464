import type { Request } from '@google-cloud/functions-framework';
import {
  imageNotRetryable,
  quotaExceeded,
  unsupportedUploadType,
  uploadTooLarge,
  validationError,
  type FieldError,
} from '../core/errors';
import { newId } from '../core/ids';
import {
  checkFilename,
  isAcceptedType,
  MAX_UPLOAD_BYTES,
  originalKey,
  parseOptions,
  parseUploadRequest,
  sniffImageType,
  retryMarkerKey,
  type Image,
  uneditedImage,
} from '../core/image';
import { appDeps, type Deps, type DepsProvider } from '../deps';
import type { User } from '../ports';
import { requireUser } from './auth';
import { mediaType, readJson } from './body';
import { httpFunction, type Reply } from './http-function';
import { imageJson } from './image-json';
import { ownImage } from './own-image';
import { ByteCounter, peek, readMultipart } from './multipart';

const MAX_JSON_BYTES = 8192;
const FILE_FIELD = 'image_file';

/** Direct to the bucket: record the image, hand back a signed PUT bound to its key, type and size. */
async function issueDirectUpload(req: Request, user: User, deps: Deps): Promise<Reply> {
  const input = parseUploadRequest(await readJson(req, MAX_JSON_BYTES));
  if (!isAcceptedType(input.contentType)) throw unsupportedUploadType();
  if (input.size > MAX_UPLOAD_BYTES) throw uploadTooLarge(MAX_UPLOAD_BYTES);
  const now = deps.clock.now();
  const image: Image = {
    id: newId(),
    userId: user.id,
    status: 'awaiting_upload',
    filename: input.filename,
    contentType: input.contentType,
    bytes: input.size,
    options: input.options,
    createdAt: now,
    updatedAt: now,
    ...uneditedImage(input.options),
  };
  const expiresAt = new Date(now.getTime() + deps.config.storage.signedUrlTtlSeconds * 1000);
  // Signed before the record is written: a failure here leaves nothing behind.
  const upload = await (
    await deps.uploads()
  ).signedUpload(originalKey(user.id, image.id), { contentType: image.contentType, maxBytes: input.size, expiresAt });
  await (await deps.images()).create(image);
  return {
    status: 201,
    body: { image: imageJson(image), upload: { ...upload, expiresAt: upload.expiresAt.toISOString() } },
  };
}

/**
 * Through the function: the file streams to the bucket as it arrives, its type decided by its
 * first bytes. Any failure (too large, a second file, a broken body) removes the object and
 * the record, so nothing half-written remains.
 */
async function receiveUpload(req: Request, user: User, deps: Deps): Promise<Reply> {
  const form = readMultipart(req, FILE_FIELD, MAX_UPLOAD_BYTES);
  const part = await form.file;
  if (!part)
    throw (await form.finished) ?? validationError([{ field: FILE_FIELD, message: 'is required: the image file' }]);
  const errors: FieldError[] = [];
  const { filename: fieldName, ...optionFields } = part.fields;
  const filename = checkFilename(fieldName ?? (part.filename || 'image'), errors);
  const options = parseOptions(optionFields, '', errors);
  if (errors.length > 0) throw validationError(errors);
  const contentType = sniffImageType(await peek(part.stream, 12));
  if (!contentType) throw unsupportedUploadType();

  const now = deps.clock.now();
  const image: Image = {
    id: newId(),
    userId: user.id,
    status: 'awaiting_upload',
    filename,
    contentType,
    bytes: 0,
    options,
    createdAt: now,
    updatedAt: now,
    ...uneditedImage(options),
  };
  const [images, uploads] = await Promise.all([deps.images(), deps.uploads()]);
  const key = originalKey(user.id, image.id);
  await images.create(image);
  try {
    const counter = new ByteCounter(part.stream, () => uploadTooLarge(MAX_UPLOAD_BYTES));
    await uploads.write(key, part.stream.pipe(counter), contentType);
    const problem = await form.finished;
    if (problem) throw problem;
    await images.markQueued(image.id, { contentType, bytes: counter.bytes }, deps.clock.now());
    return { status: 202, body: { image: imageJson({ ...image, status: 'queued', bytes: counter.bytes }) } };
  } catch (error) {
    await Promise.allSettled([uploads.delete(key), images.discard(image.id)]);
    throw error;
  }
}

/**
 * POST /api/images/{id}/retry: a failed image back to the queue, processed again from its
 * stored original. The trigger runs on finalize events only, so a small marker object beside
 * the original starts it (core/process-guard.ts); the job is reopened as a later attempt, so a
 * cutout an earlier attempt stored is reused and never paid for twice.
 */
async function retry(id: string, user: User, deps: Deps): Promise<Reply> {
  const image = await ownImage(deps, user.id, id);
  if (image.status !== 'failed') throw imageNotRetryable(`The image is ${image.status.replace('_', ' ')}, not failed.`);
  const uploads = await deps.uploads();
  if (!(await uploads.exists(originalKey(user.id, id))))
    throw imageNotRetryable('The upload never arrived, so there is nothing to process: upload the image again.');
  const now = deps.clock.now();
  if (!(await (await deps.images()).markRetrying(id, now)))
    throw imageNotRetryable('The image is being retried already.');
  await (await deps.jobs()).reopen(id, now);
  await uploads.put(retryMarkerKey(image, newId()), Buffer.alloc(0), 'application/octet-stream');
  const queued: Image = { ...image, status: 'queued', error: undefined, updatedAt: now, processedAt: undefined };
  return { status: 202, body: { image: imageJson(queued) } };
}

/** `/api/images/{id}/retry` through Hosting (its rewrite to this function), or `/{id}/retry` called directly. */
const retryTarget = (path: string): string | undefined =>
  /^(?:\/api\/images)?\/([A-Za-z0-9_-]{22})\/retry\/?$/.exec(path)?.[1];

export const makeUploadHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    async POST({ req, deps, log }) {
      const user = await requireUser(req, deps);
      const quota = await deps.uploadQuota();
      const counted = { scope: 'upload', subject: user.id };
      // Taken before the work and given back if it fails: parallel requests cannot overdraw it.
      const unit = await quota.take(counted);
      if ('retryAfter' in unit) throw quotaExceeded(unit.retryAfter);
      const retrying = retryTarget(req.path);
      const reply = await (
        retrying
          ? retry(retrying, user, deps)
          : mediaType(req) === 'multipart/form-data'
            ? receiveUpload(req, user, deps)
            : issueDirectUpload(req, user, deps)
      ).catch(async (error: unknown) => {
        await quota.release(counted, unit.ticket).catch(() => undefined);
        throw error;
      });
      log.info('Upload accepted', { userId: user.id, status: reply.status });
      return reply;
    },
  });

export const upload = makeUploadHandler(appDeps);
