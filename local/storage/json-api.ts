import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageContext } from './context';
import { decodePathPart, readJsonBody, sendJson } from './http-util';
import { sendJsonError } from './json-errors';
import { listPage } from './listing';
import { sendObject } from './object-download';
import { bucketResource, fieldsFromJson, objectResource } from './object-resource';
import { checkPreconditions, preconditionsFromQuery } from './preconditions';
import { noSuchBucket, noSuchObject, StorageError } from './storage-errors';

const PATH = /^\/(download\/)?storage\/v1\/b\/([^/]+)(?:\/(o)(?:\/(.+))?)?\/?$/;

const notFound = (res: ServerResponse): void => {
  res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Not Found');
};

/**
 * The JSON API routes the client calls outside uploads: bucket metadata, object metadata,
 * download (`alt=media`, also under /download/), list, PATCH and DELETE.
 */
export async function handleJsonApi(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  query: URLSearchParams,
): Promise<void> {
  const match = PATH.exec(rawPath);
  if (!match) return notFound(res);
  const [, download, rawBucket = '', collection, rawName] = match;
  try {
    const bucket = decodePathPart(rawBucket);
    const config = ctx.buckets.get(bucket);
    if (!config || !ctx.files.hasBucket(bucket)) throw noSuchBucket();
    if (!collection) {
      if (req.method !== 'GET' || download) return notFound(res);
      return sendJson(res, 200, bucketResource(ctx.baseUrl, config, ctx.files.bucketTimeCreated(bucket)));
    }
    if (rawName === undefined) {
      if (req.method !== 'GET' || download) return notFound(res);
      return listObjects(ctx, res, bucket, query);
    }
    const name = decodePathPart(rawName);
    const preconditions = preconditionsFromQuery(query);
    switch (req.method) {
      case 'GET': {
        const object = ctx.files.require(bucket, name);
        const generation = query.get('generation');
        if (generation !== null && generation !== object.generation) throw noSuchObject(bucket, name);
        checkPreconditions(object, preconditions, true);
        if (download || query.get('alt') === 'media') return await sendObject(req, res, ctx.files, object);
        return sendJson(res, 200, objectResource(ctx.baseUrl, object));
      }
      case 'PATCH': {
        const fields = fieldsFromJson(await readJsonBody(req), ctx.files.require(bucket, name).metadata);
        delete fields.name;
        const object = await ctx.files.update(bucket, name, fields, preconditions);
        return sendJson(res, 200, objectResource(ctx.baseUrl, object));
      }
      case 'DELETE':
        await ctx.files.remove(bucket, name, preconditions);
        res.writeHead(204).end();
        return;
      default:
        return notFound(res);
    }
  } catch (error) {
    if (error instanceof StorageError) return sendJsonError(req, res, error);
    throw error;
  }
}

function listObjects(ctx: StorageContext, res: ServerResponse, bucket: string, query: URLSearchParams): void {
  const maxResults = Number(query.get('maxResults') ?? '1000');
  if (!Number.isInteger(maxResults) || maxResults < 1) throw new StorageError('invalid', 'Invalid maxResults.');
  const page = listPage(ctx.files.list(bucket), {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') || undefined,
    maxResults: Math.min(maxResults, 1000),
    pageToken: query.get('pageToken') || undefined,
  });
  // GCS leaves out empty lists rather than sending [].
  sendJson(res, 200, {
    kind: 'storage#objects',
    ...(page.nextPageToken && { nextPageToken: page.nextPageToken }),
    ...(page.prefixes.length > 0 && { prefixes: page.prefixes }),
    ...(page.items.length > 0 && { items: page.items.map((o) => objectResource(ctx.baseUrl, o)) }),
  });
}
