import { ApiError, getImage } from './api';
import { publish } from './image-store';
import { isFinal } from './types';

// 0.5 s doubling to 4 s: quick for the small images that finish in a second or two, gentle on
// the API for big ones. Bounded: after ten minutes the page stops asking and says so.
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 4000;
const GIVE_UP_AFTER_MS = 10 * 60 * 1000;

const active = new Map<string, number>();

/** Polls GET /api/images/{id} until the image is done or failed, publishing every change. */
export function track(id: string): void {
  if (active.has(id)) return;
  const started = Date.now();
  let delay = FIRST_DELAY_MS;
  let lastStatus = '';

  const tick = async (): Promise<void> => {
    if (!active.has(id)) return;
    try {
      const image = await getImage(id);
      if (!active.has(id)) return;
      if (image.status !== lastStatus) {
        lastStatus = image.status;
        delay = FIRST_DELAY_MS; // a change means work is moving: look again soon
        publish({ kind: 'changed', image });
      }
      if (isFinal(image.status)) return stop(id);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        stop(id);
        return publish({ kind: 'removed', id });
      }
      if (error instanceof ApiError && error.sessionExpired) return stop(id);
      // Otherwise (offline, 5xx) keep trying with the same backoff.
    }
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      stop(id);
      return publish({ kind: 'stalled', id });
    }
    active.set(
      id,
      window.setTimeout(() => void tick(), delay),
    );
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  };

  active.set(
    id,
    window.setTimeout(() => void tick(), delay),
  );
  delay *= 2;
}

export function stop(id: string): void {
  window.clearTimeout(active.get(id));
  active.delete(id);
}

export function stopAll(): void {
  for (const id of [...active.keys()]) stop(id);
}
