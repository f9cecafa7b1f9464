import { ApiError, deleteImage } from './api';
import { confirmDelete } from './confirm-dialog';
import { announce } from './dom';
import { publish } from './image-store';
import { stop } from './poller';
import type { Image } from './types';

export type DeleteOutcome = { kind: 'cancelled' } | { kind: 'deleted' } | { kind: 'failed'; message: string };

/** Confirm, DELETE /api/delete/{id}, and tell every view the image is gone. */
export async function deleteWithConfirmation(image: Image, fallback: () => HTMLElement): Promise<DeleteOutcome> {
  if (!(await confirmDelete(image.filename, fallback))) return { kind: 'cancelled' };
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
  announce(`Deleted ${image.filename}.`);
  return { kind: 'deleted' };
}
