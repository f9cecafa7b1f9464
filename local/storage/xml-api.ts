import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageContext } from './context';
import { addCorsHeaders, answerPreflight, isPreflight } from './cors';
import { decodePathPart } from './http-util';
import { objectHeaders, sendObject } from './object-download';
import { checkObjectName } from './object-resource';
import { checkPreconditions, preconditionsFromHeaders } from './preconditions';
import { verifySignedUrl } from './signed-url';
import { storeBody, type LengthRange } from './store-body';
import { noSuchBucket, StorageError } from './storage-errors';
import { sendXmlError, sendXmlStorageError } from './xml-errors';

const lengthRange = (header: string | string[] | undefined): LengthRange | undefined => {
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(header) : null;
  if (!match) throw new StorageError('invalid', `Invalid x-goog-content-length-range: ${String(header)}`);
  return { min: Number(match[1]), max: Number(match[2]) };
};

/** `x-goog-meta-*` request headers: the XML API's way to set custom metadata. */
const metadataFromHeaders = (req: IncomingMessage): Record<string, string> | undefined => {
  const entries = Object.entries(req.headers).filter(
    (entry): entry is [string, string] => entry[0].startsWith('x-goog-meta-') && typeof entry[1] === 'string',
  );
  return entries.length > 0
    ? Object.fromEntries(entries.map(([name, value]) => [name.slice('x-goog-meta-'.length), value]))
    : undefined;
};

const queryParam = (rawQuery: string, name: string): string | undefined =>
  new URLSearchParams(rawQuery).get(name) ?? undefined;

/**
 * The XML API at `/{bucket}/{object}`, as reached through V4 signed URLs: GET/HEAD serve the
 * object, PUT writes and finalizes it, DELETE removes it; OPTIONS answers CORS preflights.
 * Requests without a signature are anonymous, which no bucket here allows.
 */
export async function handleXmlApi(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  rawPath: string,
  rawQuery: string,
): Promise<void> {
  try {
    const [, rawBucket = '', ...rest] = rawPath.split('/');
    const bucketName = decodePathPart(rawBucket);
    const bucket = ctx.buckets.get(bucketName);
    if (isPreflight(req)) return answerPreflight(bucket?.cors, req, res);
    addCorsHeaders(bucket?.cors, req, res);

    const verdict = verifySignedUrl(
      { method: req.method ?? 'GET', rawPath, rawQuery, headers: req.headers },
      ctx.signers,
      ctx.now(),
    );
    if (verdict.kind === 'rejected')
      return sendXmlError(req, res, verdict.status, verdict.code, verdict.message, verdict.extra);
    if (verdict.kind === 'anonymous') {
      return sendXmlError(req, res, 403, 'AccessDenied', 'Access denied.', {
        Details: 'Anonymous caller does not have access to the Google Cloud Storage object.',
      });
    }
    if (!bucket || !ctx.files.hasBucket(bucketName)) throw noSuchBucket();
    const name = checkObjectName(decodePathPart(rest.join('/')));
    const preconditions = preconditionsFromHeaders(req.headers);

    switch (req.method) {
      case 'GET':
      case 'HEAD': {
        const object = ctx.files.require(bucketName, name);
        checkPreconditions(object, preconditions, true);
        return await sendObject(req, res, ctx.files, object, {
          contentType: queryParam(rawQuery, 'response-content-type'),
          contentDisposition: queryParam(rawQuery, 'response-content-disposition'),
          metadataHeaders: true,
        });
      }
      case 'PUT': {
        const length = req.headers['content-length'];
        const object = await storeBody(ctx, {
          bucket: bucketName,
          name,
          body: req,
          fields: {
            contentType: req.headers['content-type'],
            contentDisposition: req.headers['content-disposition'],
            cacheControl: req.headers['cache-control'],
            metadata: metadataFromHeaders(req),
          },
          preconditions,
          range: lengthRange(req.headers['x-goog-content-length-range']),
          declaredLength: length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined,
        });
        const { ETag, ...others } = objectHeaders(object);
        const stored = Object.fromEntries(Object.entries(others).filter(([header]) => header.startsWith('x-goog-')));
        res.writeHead(200, { ETag, ...stored, 'Content-Length': '0' }).end();
        return;
      }
      case 'DELETE':
        await ctx.files.remove(bucketName, name, preconditions);
        res.writeHead(204).end();
        return;
      default:
        return sendXmlError(
          req,
          res,
          405,
          'MethodNotAllowed',
          'The specified method is not allowed against this resource.',
        );
    }
  } catch (error) {
    if (error instanceof StorageError) return sendXmlStorageError(req, res, error);
    throw error;
  }
}
