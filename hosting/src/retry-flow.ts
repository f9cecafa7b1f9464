import { ApiError, retryImage } from './api';
import { announce } from './dom';
import { publish } from './image-store';
import { track } from './poller';
import type { Image } from './types';

export type RetryOutcome = { kind: 'queued' } | { kind: 'cancelled' } | { kind: 'failed'; message: string };

/**
 * An image whose upload never arrived has no original to process again (the server answers
 * 409 IMAGE.NOT_RETRYABLE): the only way forward is to upload it again. The code is the one
 * sign the page has of that; an image that expired mid-processing is refused the same way.
 */
export const canRetry = (image: Image): boolean => image.status === 'failed' && image.error?.code !== 'IMAGE.EXPIRED';

/** POST …/retry; the image comes back queued and is followed like a fresh upload from there. */
export async function retryFailed(image: Image): Promise<RetryOutcome> {
  try {
    const queued = await retryImage(image.id);
    publish({ kind: 'changed', image: queued });
    track(image.id);
    announce(`Trying ${image.filename} again.`);
    return { kind: 'queued' };
  } catch (error) {
    if (error instanceof ApiError && error.sessionExpired) return { kind: 'cancelled' };
    if (error instanceof ApiError && error.status === 404) {
      publish({ kind: 'removed', id: image.id });
      return { kind: 'failed', message: `${image.filename} was deleted meanwhile.` };
    }
    const message = error instanceof Error ? error.message : 'The image could not be tried again.';
    return { kind: 'failed', message: `${image.filename}: ${message}` };
  }
}

/** "Upload again": the file picker, as the drop zone's button opens it. */
export function chooseFilesAgain(): void {
  document.getElementById('file-input')?.click();
}
