import type { Request } from '@google-cloud/functions-framework';
import { applyEditsPatch } from '../core/edits';
import {
  AppError,
  imageNotFound,
  methodNotAllowed,
  unsupportedUploadType,
  uploadTooLarge,
  validationError,
} from '../core/errors';
import { isId, newId } from '../core/ids';
import {
  backgroundKey,
  isAcceptedType,
  MAX_MEGAPIXELS,
  MAX_UPLOAD_BYTES,
  maskKey,
  sniffImageType,
  type Image,
} from '../core/image';
import { appDeps, type DepsProvider } from '../deps';
import { requireUser } from './auth';
import { mediaType, readBody, readJson } from './body';
import { editableImage, saveChange } from './edit-changes';
import { render } from './edit-render';
import type { Context, Method, Reply } from './http-function';
import { httpFunction } from './http-function';
import { jsonBytes, SerialisedImages } from './image-json';

/*
 * The edit function: everything below an image (/api/images/{id}/…), per docs/api.md "Edits".
 * Separate from `images` so that the gallery's instances stay small while these have the
 * memory a 50-megapixel render needs.
 */

const MAX_EDITS_JSON = 4096;

type Resource = 'edits' | 'render' | 'mask' | 'background';
type Action = (ctx: Context, image: Image) => Promise<Reply>;

const serialised = new SerialisedImages();

async function imageReply(ctx: Context, image: Image): Promise<Reply> {
  const [json] = await serialised.of([image], ctx.deps);
  return { status: 200, body: jsonBytes`{"image":${json!}}` };
}

/** `/api/images/{id}/{resource}` through Hosting, `/{id}/{resource}` called directly. */
function target(path: string): { id: string; resource: Resource } {
  const match = /^(?:\/api\/images)?\/([^/]+)\/(edits|render|mask|background)\/?$/.exec(path);
  if (!match || !isId(match[1]!)) throw imageNotFound();
  return { id: match[1]!, resource: match[2] as Resource };
}

/** A binary body of one of `types` (415 otherwise, also when its bytes say another type), at most 22 MB. */
async function imageBody(req: Request, types: string[]): Promise<{ bytes: Buffer; type: string }> {
  const unsupported = () =>
    types.length === 1
      ? new AppError('UPLOAD.UNSUPPORTED_TYPE', 415, 'Send a PNG image (Content-Type: image/png).')
      : unsupportedUploadType();
  if (!types.includes(mediaType(req))) throw unsupported();
  const bytes = await readBody(req, MAX_UPLOAD_BYTES).catch((error: unknown) => {
    throw error instanceof AppError && error.code === 'REQUEST.TOO_LARGE' ? uploadTooLarge(MAX_UPLOAD_BYTES) : error;
  });
  const type = sniffImageType(bytes);
  if (!type || !types.includes(type)) throw unsupported();
  return { bytes, type };
}

const patchEdits: Action = async (ctx, image) => {
  const patch = await readJson(ctx.req, MAX_EDITS_JSON);
  // Checked once against the image as read, so a mistake is a 400 before anything is saved;
  // a patch that changes nothing keeps the renders already made.
  const next = applyEditsPatch(image.edits, patch, image.backgroundKey !== undefined);
  if (JSON.stringify(next) === JSON.stringify(image.edits)) return imageReply(ctx, image);
  const saved = await saveChange(ctx.deps, ctx.log, image, (now) => ({
    edits: applyEditsPatch(now.edits, patch, now.backgroundKey !== undefined),
  }));
  return imageReply(ctx, saved);
};

const putMask: Action = async (ctx, image) => {
  const { bytes } = await imageBody(ctx.req, ['image/png']);
  const { normaliseMask } = await import('../adapters/sharp-render');
  const size = `${image.width} × ${image.height} px`;
  const mask = await normaliseMask(bytes, image.width ?? 0, image.height ?? 0).catch(() => null);
  if (mask === null) throw validationError([{ field: 'mask', message: 'could not be read as a PNG' }]);
  if (!mask) throw validationError([{ field: 'mask', message: `must be ${size}, the cutout's size` }]);
  const key = maskKey(image, newId());
  const results = await ctx.deps.results();
  await results.put(key, mask, 'image/png');
  const saved = await saveChange(ctx.deps, ctx.log, image, (now) => ({ edits: now.edits, maskKey: key })).catch(
    async (error: unknown) => {
      await results.delete(key);
      throw error;
    },
  );
  ctx.log.info('Touch-up saved', { imageId: image.id, bytes: mask.length });
  return imageReply(ctx, saved);
};

const deleteMask: Action = async (ctx, image) =>
  imageReply(
    ctx,
    image.maskKey ? await saveChange(ctx.deps, ctx.log, image, (now) => ({ edits: now.edits, maskKey: null })) : image,
  );

const putBackground: Action = async (ctx, image) => {
  const { bytes, type } = await imageBody(ctx.req, ['image/jpeg', 'image/png', 'image/webp']);
  const { checkedImageSize } = await import('../adapters/sharp-render');
  const size = await checkedImageSize(bytes, MAX_MEGAPIXELS * 1e6);
  if (size === 'too-many-pixels')
    throw validationError([{ field: 'background', message: `must be at most ${MAX_MEGAPIXELS} megapixels` }]);
  if (!size || !isAcceptedType(type))
    throw validationError([{ field: 'background', message: 'could not be read; it may be damaged or incomplete' }]);
  const key = backgroundKey(image, newId());
  const results = await ctx.deps.results();
  await results.put(key, bytes, type);
  const saved = await saveChange(ctx.deps, ctx.log, image, (now) => ({
    edits: { ...now.edits, background: { type: 'image' } },
    backgroundKey: key,
  })).catch(async (error: unknown) => {
    await results.delete(key);
    throw error;
  });
  return imageReply(ctx, saved);
};

const ACTIONS: Record<Resource, Partial<Record<Method, Action>>> = {
  edits: { PATCH: patchEdits },
  render: { GET: (ctx, image) => render(ctx.deps, ctx.log, image, ctx.req.query) },
  mask: { PUT: putMask, DELETE: deleteMask },
  background: { PUT: putBackground },
};

/** Authentication, then the path, then the image (the caller's, done), then the body. */
async function route(ctx: Context): Promise<Reply> {
  const user = await requireUser(ctx.req, ctx.deps);
  const { id, resource } = target(ctx.req.path);
  const actions = ACTIONS[resource];
  const action = actions[ctx.req.method as Method];
  if (!action) throw methodNotAllowed(Object.keys(actions));
  return action(ctx, await editableImage(ctx.deps, id, user.id));
}

export const makeEditHandler = (deps: DepsProvider) =>
  httpFunction(deps, { GET: route, PATCH: route, PUT: route, DELETE: route });

export const edit = makeEditHandler(appDeps);
