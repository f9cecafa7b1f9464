import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneError } from './body-sink';
import type { StorageContext } from './context';
import { decodePathPart, sendJson } from './http-util';
import { sendJsonError } from './json-errors';
import { MediaPartStream, relatedBoundary } from './multipart-related';
import { checkObjectName, fieldsFromJson, objectResource } from './object-resource';
import { preconditionsFromQuery } from './preconditions';
import { cancelResumable, putResumable, startResumable } from './resumable';
import { storeBody } from './store-body';
import { noSuchBucket, StorageError } from './storage-errors';

const PATH = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/;

const declaredLength = (req: IncomingMessage): number | undefined => {
  const header = req.headers['content-length'];
  return header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
};

/** `POST /upload/storage/v1/b/{bucket}/o` with uploadType media, multipart or resumable, and the session URIs. */
export async function handleUpload(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  query: URLSearchParams,
): Promise<void> {
  try {
    const match = PATH.exec(rawPath);
    if (!match) throw new StorageError('invalid', 'Unknown upload path.');
    const bucket = decodePathPart(match[1] ?? '');
    if (!ctx.buckets.has(bucket) || !ctx.files.hasBucket(bucket)) throw noSuchBucket();
    const uploadId = query.get('upload_id');
    if (uploadId !== null) {
      if (req.method === 'DELETE') return await cancelResumable(ctx, res, bucket, uploadId);
      return await putResumable(ctx, req, res, bucket, uploadId);
    }
    if (req.method !== 'POST') throw new StorageError('invalid', `Unsupported method ${req.method} for uploads.`);
    const preconditions = preconditionsFromQuery(query);
    switch (query.get('uploadType')) {
      case 'media': {
        const object = await storeBody(ctx, {
          bucket,
          name: checkObjectName(query.get('name')),
          body: req,
          fields: { contentType: req.headers['content-type'] },
          preconditions,
          declaredLength: declaredLength(req),
        });
        return sendJson(res, 200, objectResource(ctx.baseUrl, object));
      }
      case 'multipart':
        return await multipartUpload(ctx, req, res, bucket, query);
      case 'resumable':
        return await startResumable(ctx, req, res, bucket, query, preconditions);
      default:
        throw new StorageError('invalid', 'Invalid or missing uploadType.');
    }
  } catch (error) {
    if (error instanceof StorageError) return sendJsonError(req, res, error);
    throw error;
  }
}

async function multipartUpload(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  query: URLSearchParams,
): Promise<void> {
  const boundary = relatedBoundary(req.headers['content-type']);
  if (!boundary) throw new StorageError('invalid', 'Multipart upload needs a multipart/related body.');
  const parts = new MediaPartStream(boundary);
  // Failures surface through head() and the body pipeline; this keeps a late one from crashing.
  parts.on('error', () => undefined);
  const abort = (): void => {
    if (!req.readableEnded) parts.destroy(new ClientGoneError());
  };
  req.once('close', abort);
  req.pipe(parts);
  try {
    const head = await parts.head();
    const { name, ...fields } = fieldsFromJson(head.metadata);
    const object = await storeBody(ctx, {
      bucket,
      name: checkObjectName(name ?? query.get('name')),
      body: parts,
      fields: { ...fields, contentType: fields.contentType ?? head.mediaType },
      preconditions: preconditionsFromQuery(query),
    });
    sendJson(res, 200, objectResource(ctx.baseUrl, object));
  } finally {
    req.off('close', abort);
    req.unpipe(parts);
  }
}
