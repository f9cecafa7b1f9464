import { ApiError, deleteImage } from './api';
import { confirmDelete, confirmDeleteMany } from './confirm-dialog';
import { announce } from './dom';
import { publish } from './image-store';
import { stop } from './poller';
import type { Image } from './types';

export type DeleteOutcome = { kind: 'cancelled' } | { kind: 'deleted' } | { kind: 'failed'; message: string };

/** DELETE /api/delete/{id}, and tell every view the image is gone; no confirmation here. */
async function deleteOne(image: Image): Promise<DeleteOutcome> {
  try {
    await deleteImage(image.id);
  } catch (error) {
    // Already gone (another tab, another device): the end result is the one asked for.
    const gone = error instanceof ApiError && error.status === 404;
    if (!gone) {
      if (error instanceof ApiError && error.sessionExpired) return { kind: 'cancelled' };
      return { kind: 'failed', message: error instanceof Error ? error.message : 'The image could not be deleted.' };
    }
  }
  stop(image.id);
  publish({ kind: 'removed', id: image.id });
  return { kind: 'deleted' };
}

/** Confirm, then delete one image. */
export async function deleteWithConfirmation(image: Image, fallback: () => HTMLElement): Promise<DeleteOutcome> {
  if (!(await confirmDelete(image.filename, fallback))) return { kind: 'cancelled' };
  const outcome = await deleteOne(image);
  if (outcome.kind === 'deleted') announce(`Deleted ${image.filename}.`);
  return outcome;
}

export interface BulkDeleteResult {
  deleted: number;
  failed: { image: Image; message: string }[];
}

/** A few at a time: quick for a page of images without a burst of requests for a hundred. */
const AT_ONCE = 3;

/**
 * One confirmation for the lot, then every image deleted, `progress` told after each. A failure
 * does not stop the others; the session ending does. Null when the person said no.
 */
export async function deleteManyWithConfirmation(
  images: readonly Image[],
  fallback: () => HTMLElement,
  progress: (finished: number, total: number) => void,
): Promise<BulkDeleteResult | null> {
  if (!(await confirmDeleteMany(images.length, fallback))) return null;
  const result: BulkDeleteResult = { deleted: 0, failed: [] };
  const queue = [...images];
  let finished = 0;
  let ended = false;
  progress(0, images.length);
  const worker = async (): Promise<void> => {
    for (let image = queue.shift(); image && !ended; image = queue.shift()) {
      const outcome = await deleteOne(image);
      if (outcome.kind === 'cancelled') ended = true;
      if (outcome.kind === 'deleted') result.deleted += 1;
      if (outcome.kind === 'failed') result.failed.push({ image, message: outcome.message });
      finished += 1;
      progress(finished, images.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, images.length) }, worker));
  return result;
}
