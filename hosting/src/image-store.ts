import type { Image } from './types';

/**
 * One source of truth for what the page knows about each image: the uploader, the gallery
 * and the detail dialog all show the same image, so every change is published here.
 */
export type ImageEvent =
  | { kind: 'changed'; image: Image }
  | { kind: 'removed'; id: string }
  /** Polling gave up before the image was finished; it may still finish later. */
  | { kind: 'stalled'; id: string };

type Listener = (event: ImageEvent) => void;

const listeners = new Set<Listener>();
/** When each image's signed URLs were issued, so that stale ones are fetched again. */
const fetchedAt = new Map<string, number>();

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function publish(event: ImageEvent): void {
  if (event.kind === 'changed') fetchedAt.set(event.image.id, Date.now());
  if (event.kind === 'removed') fetchedAt.delete(event.id);
  for (const listener of listeners) listener(event);
}

// Signed URLs live at least 15 minutes (SIGNED_URL_TTL_SECONDS); refresh well before that.
const URL_FRESH_MS = 5 * 60 * 1000;

export const urlsAreFresh = (id: string): boolean => Date.now() - (fetchedAt.get(id) ?? 0) < URL_FRESH_MS;

export function forgetAll(): void {
  fetchedAt.clear();
}
