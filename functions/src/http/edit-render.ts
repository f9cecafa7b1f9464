import { createHash } from 'node:crypto';
import { DEFAULT_EDITS, readFormat, RENDER_TYPES, renderName, type RenderFormat } from '../core/edits';
import { originalKey, renderKey, resultKey, type Image, type StoredRender } from '../core/image';
import type { Deps } from '../deps';
import type { Logger } from '../logger';
import { editableImage, removeQuietly } from './edit-changes';
import type { Reply } from './http-function';
import { urlExpiry } from './image-json';

/** Tries of a render whose image changed while it was made. */
const TRIES = 3;

/** Renders being made in this instance, by key: asked twice at once, made once. */
const making = new Map<string, Promise<StoredRender>>();

/** The settings a render depends on, hashed: its key, unique to the version it belongs to. */
function digest(image: Image, format: RenderFormat): string {
  const settings = [image.editVersion, format, image.edits, image.maskKey ?? null, image.backgroundKey ?? null];
  return createHash('sha256').update(JSON.stringify(settings)).digest('base64url').slice(0, 22);
}

async function make(deps: Deps, image: Image, format: RenderFormat, key: string): Promise<StoredRender> {
  const { renderCutout } = await import('../adapters/sharp-render');
  const [uploads, results] = await Promise.all([deps.uploads(), deps.results()]);
  const [cutout, mask] = await Promise.all([
    results.read(resultKey(image)),
    image.maskKey ? results.read(image.maskKey) : undefined,
  ]);
  const rendered = await renderCutout(
    {
      cutout,
      mask,
      original: () => uploads.read(originalKey(image.userId, image.id)),
      background: () => results.read(image.backgroundKey ?? ''),
    },
    image.edits,
    format,
  );
  await results.put(key, rendered.bytes, RENDER_TYPES[format].contentType);
  return { key, width: rendered.width, height: rendered.height, bytes: rendered.bytes.length };
}

/**
 * The stored render of an image's current edits in one format, made and recorded if there is
 * none. Written before it is recorded, and recorded only if the image is still at the version
 * it was made for: a render of settings that changed meanwhile (or of an image deleted
 * meanwhile) is taken back and, while the image lasts, made again from the new settings.
 */
export async function storedRender(deps: Deps, log: Logger, start: Image, format: RenderFormat): Promise<StoredRender> {
  const repo = await deps.images();
  let image = start;
  for (let attempt = 1; ; attempt += 1) {
    const known = image.renders[format];
    if (known) return known;
    const key = renderKey(image, digest(image, format), RENDER_TYPES[format].extension);
    let pending = making.get(key);
    if (!pending) {
      pending = make(deps, image, format, key).finally(() => making.delete(key));
      making.set(key, pending);
    }
    const render = await pending;
    const now = await repo.findById(image.id);
    if (now?.editVersion === image.editVersion) {
      if (await repo.recordRenders(image.id, image.editVersion, { ...now.renders, [format]: render })) return render;
    }
    await removeQuietly(deps, log, [render.key]);
    if (attempt >= TRIES) throw new Error(`Image ${image.id} kept changing while it was rendered`);
    image = await editableImage(deps, image.id, image.userId);
  }
}

/**
 * The bytes of a render: the stored cutout itself when nothing was edited and the format is
 * its own, else the stored render (made first if there is none).
 */
export async function renderedBytes(deps: Deps, log: Logger, image: Image, format: RenderFormat): Promise<Buffer> {
  const results = await deps.results();
  const unedited = format === 'png' && !image.maskKey && JSON.stringify(image.edits) === JSON.stringify(DEFAULT_EDITS);
  return results.read(unedited ? resultKey(image) : (await storedRender(deps, log, image, format)).key);
}

/** GET /api/images/{id}/render?format=…: a signed URL of the stored render. */
export async function render(deps: Deps, log: Logger, image: Image, query: Record<string, unknown>): Promise<Reply> {
  const format = readFormat(query.format);
  const stored = await storedRender(deps, log, image, format);
  const expiresAt = urlExpiry(deps);
  const [url] = await (
    await deps.results()
  ).signedDownloads([{ key: stored.key, filename: renderName(image.filename, format) }], expiresAt);
  return {
    status: 200,
    body: {
      render: {
        url,
        format,
        contentType: RENDER_TYPES[format].contentType,
        width: stored.width,
        height: stored.height,
        bytes: stored.bytes,
        expiresAt: expiresAt.toISOString(),
      },
    },
  };
}
