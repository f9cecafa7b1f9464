import { hideAlert, showAlert } from './alerts';
import { ApiError, listImages } from './api';
import { initBulkActions, refreshBulkActions } from './bulk-actions';
import { deleteWithConfirmation } from './delete-flow';
import { byId } from './dom';
import { galleryCard, type CardActions } from './gallery-card';
import { openImage } from './image-dialog';
import { subscribe } from './image-store';
import { track } from './poller';
import { chooseFilesAgain, retryFailed } from './retry-flow';
import { clearSelection, isSelected, onSelectionChange, setSelected } from './selection';
import { isFinal, type Image, type ImageStatus } from './types';

const grid = () => byId('gallery-grid', HTMLUListElement);
const title = () => byId('gallery-title', HTMLHeadingElement);
const alertBox = () => byId('gallery-alert', HTMLDivElement);

const shown = new Map<string, { card: HTMLLIElement; image: Image }>();
/** Files on their way in whose image does not exist yet: cards at the top of the same list. */
const pending = new Set<HTMLElement>();
let nextPageToken: string | null = null;
let loading = false;
// Bumped on every reset, so that a page arriving after sign-out is dropped.
let generation = 0;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** What the count counts, in words: "12 cutouts, 1 failed, 2 processing". */
export function countText(statuses: readonly ImageStatus[], more: boolean): string {
  const of = (...wanted: ImageStatus[]) => statuses.filter((status) => wanted.includes(status)).length;
  const parts = [
    plural(of('done'), 'cutout'),
    of('failed') ? `${of('failed')} failed` : '',
    of('queued', 'processing') ? `${of('queued', 'processing')} processing` : '',
    of('awaiting_upload') ? `${of('awaiting_upload')} uploading` : '',
  ].filter(Boolean);
  return statuses.length === 0 ? '' : parts.join(', ') + (more ? ' · more below' : '');
}

function refreshChrome(): void {
  const empty = shown.size === 0 && pending.size === 0;
  byId('gallery-empty', HTMLDivElement).hidden = loading || !empty;
  byId('gallery-loading', HTMLParagraphElement).hidden = !loading || !empty;
  const more = byId('load-more', HTMLButtonElement);
  more.hidden = nextPageToken === null;
  more.disabled = loading;
  more.textContent = loading ? 'Loading…' : 'Load more';
  const statuses = [...shown.values()].map(({ image }) => image.status);
  byId('gallery-count', HTMLSpanElement).textContent = countText(statuses, nextPageToken !== null);
  refreshBulkActions();
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
  retry: async (image) => {
    hideAlert(alertBox());
    const outcome = await retryFailed(image);
    if (outcome.kind === 'failed') showAlert(alertBox(), outcome.message);
  },
  uploadAgain: chooseFilesAgain,
  select: (image, on) => setSelected([image.id], on),
};

/** Draws a tile again, keeping the keyboard's place in it (or on its thumbnail, if that control went). */
function redraw(entry: { card: HTMLLIElement; image: Image }): void {
  const card = galleryCard(entry.image, actions, isSelected(entry.image.id));
  const focused = entry.card.contains(document.activeElement)
    ? ((document.activeElement as HTMLElement).dataset.focus ?? 'open')
    : undefined;
  entry.card.replaceWith(card);
  entry.card = card;
  if (focused)
    (card.querySelector<HTMLElement>(`[data-focus="${focused}"]`) ?? card.querySelector('.card-open'))?.focus();
}

/** Shows or updates a tile. Fresh uploads arrive through claimUpload; older images come with paging. */
function place(image: Image, where: 'end' | 'update'): void {
  const existing = shown.get(image.id);
  if (!existing && where === 'update') return;
  if (existing && existing.image.status === image.status) {
    existing.image = image; // newer signed URLs; the tile itself looks the same
    return;
  }
  if (existing) {
    existing.image = image;
    redraw(existing);
  } else {
    const card = galleryCard(image, actions, isSelected(image.id));
    grid().append(card);
    shown.set(image.id, { card, image });
  }
  if (!isFinal(image.status)) track(image.id);
}

/** A file's card, at the top of the list, before its image exists. */
export function addUpload(element: HTMLElement): void {
  pending.add(element);
  grid().prepend(element);
  refreshChrome();
}

/** The file's image exists now: its card stands for it until the image's status moves on. */
export function claimUpload(image: Image, element: HTMLLIElement): void {
  pending.delete(element);
  element.dataset.id = image.id;
  shown.set(image.id, { card: element, image });
  refreshChrome();
}

/** The file's image is gone again (its upload failed and it was deleted): the card stays, to say why. */
export function unclaimUpload(id: string, element: HTMLLIElement): void {
  if (shown.get(id)?.card !== element) return;
  shown.delete(id);
  delete element.dataset.id;
  if (element.isConnected) pending.add(element);
  refreshChrome();
}

/** A file's card taken away before (or without) its image: cancelled, refused, dismissed. */
export function dropUpload(element: HTMLElement): void {
  pending.delete(element);
  element.remove();
  refreshChrome();
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
    for (const image of page.images) place(image, shown.has(image.id) ? 'update' : 'end');
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
  initBulkActions({
    // A file still on its way has no tick box: there is nothing to download or delete yet.
    images: () =>
      [...shown.values()].filter(({ card }) => !card.classList.contains('upload')).map(({ image }) => image),
    alertBox,
    focusAfter: () => title(),
  });
  onSelectionChange(() => {
    for (const { card, image } of shown.values()) {
      const on = isSelected(image.id);
      card.classList.toggle('selected', on);
      const tick = card.querySelector<HTMLInputElement>('.card-check');
      if (tick) tick.checked = on;
    }
    refreshBulkActions();
  });
  subscribe((event) => {
    if (event.kind === 'changed') place(event.image, 'update');
    const stalled = event.kind === 'stalled' ? shown.get(event.id) : undefined;
    const text = stalled?.card.querySelector('.placeholder-text');
    if (stalled && text) {
      text.textContent = 'Taking longer than usual';
      stalled.card
        .querySelector('.card-open')
        ?.setAttribute('aria-label', `Open ${stalled.image.filename}: ${text.textContent}`);
    }
    if (event.kind === 'removed') {
      shown.get(event.id)?.card.remove();
      shown.delete(event.id);
      setSelected([event.id], false);
    }
    refreshChrome();
  });
}

/** Empties the gallery (sign-out) and, with `load`, fetches the first page again. */
export function resetGallery(load: boolean): void {
  generation += 1;
  shown.clear();
  pending.clear();
  clearSelection();
  grid().replaceChildren();
  nextPageToken = null;
  loading = false;
  hideAlert(alertBox());
  refreshChrome();
  if (load) void loadPage();
}
