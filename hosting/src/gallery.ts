import { hideAlert, showAlert } from './alerts';
import { ApiError, listImages } from './api';
import { deleteWithConfirmation } from './delete-flow';
import { byId } from './dom';
import { galleryCard, type CardActions } from './gallery-card';
import { openImage } from './image-dialog';
import { subscribe } from './image-store';
import { track } from './poller';
import { isFinal, type Image } from './types';

const grid = () => byId('gallery-grid', HTMLUListElement);
const title = () => byId('gallery-title', HTMLHeadingElement);
const alertBox = () => byId('gallery-alert', HTMLDivElement);

const shown = new Map<string, { card: HTMLLIElement; image: Image }>();
let nextPageToken: string | null = null;
let loading = false;
// Bumped on every reset, so that a page arriving after sign-out is dropped.
let generation = 0;

function refreshChrome(): void {
  byId('gallery-empty', HTMLDivElement).hidden = loading || shown.size > 0;
  byId('gallery-loading', HTMLParagraphElement).hidden = !loading || shown.size > 0;
  const more = byId('load-more', HTMLButtonElement);
  more.hidden = nextPageToken === null;
  more.disabled = loading;
  more.textContent = loading ? 'Loading…' : 'Load more';
  const count = shown.size;
  byId('gallery-count', HTMLSpanElement).textContent =
    count === 0 ? '' : `${count}${nextPageToken ? '+' : ''} ${count === 1 ? 'image' : 'images'}`;
}

/** Where focus goes once a card is deleted: the next card, else the previous one, else the heading. */
function neighbourOf(id: string): HTMLElement {
  const card = shown.get(id)?.card;
  const next = card?.nextElementSibling ?? card?.previousElementSibling;
  return next?.querySelector<HTMLElement>('.card-open') ?? title();
}

const actions: CardActions = {
  // The latest copy: its signed URLs may be newer than the ones the tile was drawn with.
  open: (image) => openImage(image.id, shown.get(image.id)?.image ?? image),
  remove: (image) => {
    const after = neighbourOf(image.id);
    void deleteWithConfirmation(image, title).then((outcome) => {
      if (outcome.kind === 'failed') showAlert(alertBox(), outcome.message);
      if (outcome.kind === 'deleted') after.focus();
    });
  },
};

/** Shows or updates a tile. Only fresh uploads are added at the top; older images come with paging. */
function place(image: Image, where: 'start' | 'end' | 'update'): void {
  const existing = shown.get(image.id);
  if (!existing && where === 'update') return;
  if (existing && existing.image.status === image.status) {
    existing.image = image; // newer signed URLs; the tile itself looks the same
    return;
  }
  const card = galleryCard(image, actions);
  if (existing) {
    // Replacing a tile must not lose the keyboard's place inside it.
    const focused = existing.card.contains(document.activeElement)
      ? (document.activeElement as HTMLElement).dataset.focus
      : undefined;
    existing.card.replaceWith(card);
    if (focused) card.querySelector<HTMLElement>(`[data-focus="${focused}"]`)?.focus();
  } else if (where === 'start') grid().prepend(card);
  else grid().append(card);
  shown.set(image.id, { card, image });
  if (!isFinal(image.status)) track(image.id);
}

async function loadPage(): Promise<void> {
  if (loading) return;
  const mine = generation;
  loading = true;
  hideAlert(alertBox());
  refreshChrome();
  try {
    const page = await listImages(nextPageToken);
    if (mine !== generation) return;
    for (const image of page.images) place(image, 'end');
    nextPageToken = page.nextPageToken;
  } catch (error) {
    if (mine !== generation || (error instanceof ApiError && error.sessionExpired)) return;
    showAlert(alertBox(), error instanceof Error ? error.message : 'Your cutouts could not be loaded.');
  } finally {
    if (mine === generation) {
      loading = false;
      refreshChrome();
    }
  }
}

export function initGallery(): void {
  byId('load-more', HTMLButtonElement).addEventListener('click', () => void loadPage());
  subscribe((event) => {
    if (event.kind === 'changed') place(event.image, event.fresh ? 'start' : 'update');
    if (event.kind === 'removed') {
      shown.get(event.id)?.card.remove();
      shown.delete(event.id);
    }
    refreshChrome();
  });
}

/** Empties the gallery (sign-out) and, with `load`, fetches the first page again. */
export function resetGallery(load: boolean): void {
  generation += 1;
  shown.clear();
  grid().replaceChildren();
  nextPageToken = null;
  loading = false;
  hideAlert(alertBox());
  refreshChrome();
  if (load) void loadPage();
}
