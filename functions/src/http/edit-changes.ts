import { imageNotReady } from '../core/errors';
import type { Image } from '../core/image';
import type { Deps } from '../deps';
import type { Logger } from '../logger';
import type { EditChange } from '../ports';
import { ownImage } from './own-image';

/** Tries of a change that meets a concurrent one: each try starts from the image as it now is. */
const TRIES = 3;

/** The caller's image as it is now, if it can still be edited. */
export async function editableImage(deps: Deps, id: string, userId: string): Promise<Image> {
  const image = await ownImage(deps, userId, id);
  if (image.status !== 'done') throw imageNotReady(image.status);
  return image;
}

/**
 * Saves a change of what an image renders, made from the image as it is (a concurrent change
 * is never overwritten: the save is conditional on the version it was made from, and retried
 * from the newer one). Then the objects the change made obsolete go: every render of the old
 * version, and a replaced mask or background. Those deletions are best effort; what one
 * leaves behind is removed with the image (delete.ts removes everything under its prefix).
 */
export async function saveChange(
  deps: Deps,
  log: Logger,
  start: Image,
  change: (image: Image) => EditChange,
): Promise<Image> {
  const repo = await deps.images();
  let image = start;
  for (let attempt = 1; ; attempt += 1) {
    const next = change(image);
    if (await repo.saveEdits(image.id, next, image.editVersion, deps.clock.now())) {
      const obsolete = Object.values(image.renders).map((render) => render.key);
      if (next.maskKey !== undefined && image.maskKey) obsolete.push(image.maskKey);
      if (next.backgroundKey !== undefined && image.backgroundKey) obsolete.push(image.backgroundKey);
      await removeQuietly(deps, log, obsolete);
      return editableImage(deps, image.id, image.userId);
    }
    if (attempt >= TRIES) throw new Error(`Edits of image ${image.id} kept changing underneath`);
    image = await editableImage(deps, image.id, image.userId);
  }
}

/** Deletes objects of the results bucket; a failure is logged, never the caller's error. */
export async function removeQuietly(deps: Deps, log: Logger, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  const results = await deps.results();
  await Promise.all(
    keys.map((key) =>
      results.delete(key).catch((error: unknown) => log.warn('An obsolete object was not deleted', { key, error })),
    ),
  );
}
