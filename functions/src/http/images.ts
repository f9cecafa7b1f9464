import { requireSecret } from '../config';
import { validationError } from '../core/errors';
import { PageTokens } from '../core/page-token';
import { strandedReason, type Image } from '../core/image';
import { appDeps, type Deps, type DepsProvider } from '../deps';
import type { User } from '../ports';
import { requireUser } from './auth';
import type { Context, Reply } from './http-function';
import { httpFunction } from './http-function';
import { jsonBytes, SerialisedImages } from './image-json';
import { ownImage } from './own-image';
import { pathId } from './path-id';

const DEFAULT_PAGE = 24;
const MAX_PAGE = 100;

function pageSize(raw: unknown): number {
  if (raw === undefined) return DEFAULT_PAGE;
  const size = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(size) || size < 1 || size > MAX_PAGE) {
    throw validationError([{ field: 'pageSize', message: `must be a whole number from 1 to ${MAX_PAGE}` }]);
  }
  return size;
}

/**
 * Marks the images that can no longer finish as failed, so nobody waits on them forever. An
 * upload whose bytes never came gives its unit of the day's quota back. (It leaves no partial
 * object: a signed PUT is one request, which stores all of the bytes or none.)
 */
async function settle(images: Image[], deps: Deps): Promise<Image[]> {
  const now = deps.clock.now();
  const limits = {
    uploadSeconds: deps.config.storage.signedUrlTtlSeconds,
    eventMaxAgeSeconds: deps.config.processing.eventMaxAgeSeconds,
    leaseSeconds: deps.config.processing.leaseSeconds,
  };
  const writes: Promise<void>[] = [];
  const settled = images.map((image): Image => {
    const reason = strandedReason(image, now, limits);
    if (!reason) return image;
    writes.push(deps.images().then((repo) => repo.markFailed(image.id, reason, now)));
    if (image.status === 'awaiting_upload')
      writes.push(
        deps.uploadQuota().then((quota) => quota.giveBack({ scope: 'upload', subject: image.userId }, image.createdAt)),
      );
    return { ...image, status: 'failed', error: reason, updatedAt: now, processedAt: now };
  });
  await Promise.all(writes);
  return settled;
}

/** The caller's gallery, newest first, paged by an opaque keyset token. */
async function list({ req, deps }: Context, user: User, serialised: SerialisedImages): Promise<Reply> {
  const limit = pageSize(req.query.pageSize);
  const tokens = new PageTokens(requireSecret(deps.config.tokens.signingKey, 'TOKEN_SIGNING_KEY'));
  const raw = req.query.pageToken;
  if (raw !== undefined && typeof raw !== 'string')
    throw validationError([{ field: 'pageToken', message: 'must be a single value' }]);
  const after = raw ? tokens.decode(user.id, raw) : undefined;
  // One more than asked for says whether there is a next page without a second query.
  const rows = await (await deps.images()).listByUser(user.id, { limit: limit + 1, after });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextPageToken =
    rows.length > limit && last ? tokens.encode(user.id, { createdAt: last.createdAt.getTime(), id: last.id }) : null;
  const images = await serialised.of(await settle(page, deps), deps);
  return { status: 200, body: jsonBytes`{"images":[${images}],"nextPageToken":${nextPageToken}}` };
}

export function makeImagesHandler(deps: DepsProvider) {
  const serialised = new SerialisedImages();
  return httpFunction(deps, {
    async GET(ctx) {
      const user = await requireUser(ctx.req, ctx.deps);
      const id = pathId(ctx.req.path, 'images');
      if (id === undefined) return list(ctx, user, serialised);
      const [image] = await serialised.of(await settle([await ownImage(ctx.deps, user.id, id)], ctx.deps), ctx.deps);
      return { status: 200, body: jsonBytes`{"image":${image!}}` };
    },
  });
}

export const images = makeImagesHandler(appDeps);
