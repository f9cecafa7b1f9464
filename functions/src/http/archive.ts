import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import { requireSecret } from '../config';
import {
  ARCHIVE_LINK_SECONDS,
  decodeArchiveLink,
  encodeArchiveLink,
  parseArchiveIds,
  uniqueNames,
  type ArchiveRequest,
} from '../core/archive-link';
import { renderName } from '../core/edits';
import { AppError } from '../core/errors';
import { appDeps, type Deps, type DepsProvider } from '../deps';
import type { Logger } from '../logger';
import { requireUser } from './auth';
import { readJson } from './body';
import { renderedBytes } from './edit-render';
import { httpFunction, type Context, type Reply } from './http-function';

/*
 * Several images as one ZIP (docs/api.md, "POST /api/archive"): a signed link made for the
 * caller, then the ZIP streamed to whoever follows it, each image as its saved edits render it.
 * Images are stored compressed already, so entries are stored as they are (no deflate).
 */

const MAX_BODY_BYTES = 8192;

const linkNotFound = () =>
  new AppError('REQUEST.NOT_FOUND', 404, 'The link has expired or is not one this API made. Ask for a new one.');

const secretOf = (deps: Deps) => requireSecret(deps.config.tokens.signingKey, 'TOKEN_SIGNING_KEY');

async function makeLink({ req, deps }: Context): Promise<Reply> {
  const user = await requireUser(req, deps);
  const ids = parseArchiveIds(await readJson(req, MAX_BODY_BYTES));
  const expiresAt = new Date(deps.clock.now().getTime() + ARCHIVE_LINK_SECONDS * 1000);
  const token = encodeArchiveLink(secretOf(deps), { userId: user.id, ids, expiresAt });
  return { status: 201, body: { url: `/api/archive/${token}`, expiresAt: expiresAt.toISOString() } };
}

/** Writes the entries one image at a time, waiting whenever the client reads slower than we render. */
async function fill(out: PassThrough, request: ArchiveRequest, deps: Deps, log: Logger): Promise<void> {
  const { Zip, ZipPassThrough } = await import('fflate');
  const zip = new Zip((error, chunk, final) => {
    if (error) out.destroy(error);
    else out.write(chunk);
    if (final) out.end();
  });
  const repo = await deps.images();
  const found = await Promise.all(request.ids.map((id) => repo.findById(id)));
  // Another user's, deleted, or not done: left out, as if not asked for.
  const images = found.filter((image) => image?.userId === request.userId && image.status === 'done');
  const names = uniqueNames(images.map((image) => renderName(image!.filename, 'png')));
  for (const [i, image] of images.entries()) {
    const bytes = await renderedBytes(deps, log, image!, 'png').catch((error: unknown) => {
      log.warn('An image left out of an archive', { imageId: image!.id, error });
      return undefined;
    });
    if (!bytes) continue;
    const entry = new ZipPassThrough(names[i]!);
    zip.add(entry);
    entry.push(bytes, true);
    if (out.writableNeedDrain) await once(out, 'drain');
  }
  zip.end();
}

async function download({ deps, log }: Context, token: string): Promise<Reply> {
  const request = decodeArchiveLink(secretOf(deps), token, deps.clock.now());
  if (!request) throw linkNotFound();
  const out = new PassThrough();
  fill(out, request, deps, log).catch((error: unknown) => {
    log.error('An archive failed midway', { error });
    out.destroy(error as Error);
  });
  const day = deps.clock.now().toISOString().slice(0, 10);
  log.info('Archive sent', { userId: request.userId, images: request.ids.length });
  return {
    status: 200,
    body: out as Readable,
    headers: { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="cutouts-${day}.zip"` },
  };
}

/** `/api/archive/<link>` through Hosting, `/<link>` called directly. */
const linkIn = (path: string): string | undefined => /^(?:\/api\/archive)?\/([A-Za-z0-9_.-]+)\/?$/.exec(path)?.[1];

export const makeArchiveHandler = (deps: DepsProvider) =>
  httpFunction(deps, {
    POST: makeLink,
    GET: async (ctx) => {
      const token = linkIn(ctx.req.path);
      if (!token) throw linkNotFound();
      return download(ctx, token);
    },
  });

export const archive = makeArchiveHandler(appDeps);
