import { ApiError, getImage } from './api';
import { compareView } from './compare';
import { deleteWithConfirmation } from './delete-flow';
import { byId, formatBytes, formatDate, h, icon, ICONS } from './dom';
import { downloadLink } from './download-link';
import { editorView } from './editor-view';
import { publish, subscribe, urlsAreFresh } from './image-store';
import { closeOnBackdrop, openModal } from './modal';
import { track } from './poller';
import { canRetry, chooseFilesAgain, retryFailed } from './retry-flow';
import { badge, STATUS_LABEL } from './status';
import { isFinal, type Image } from './types';

const dialog = () => byId('image-dialog', HTMLDialogElement);
const body = () => byId('image-dialog-body', HTMLDivElement);
const title = () => byId('image-dialog-title', HTMLHeadingElement);
const galleryTitle = () => byId('gallery-title', HTMLHeadingElement);

/** Where an open image lives, so that it can be bookmarked or reloaded: /images/{id}. */
export const imagePath = (id: string): string => `/images/${encodeURIComponent(id)}`;

export function imageIdFromPath(path: string): string | null {
  const match = /^\/images\/([^/]+)\/?$/.exec(path);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return null;
  }
}

let shownId: string | null = null;
/**
 * How the open image got its address: `pushed`, an entry of its own above the gallery's (so
 * Back closes the dialog, and closing it goes back); `landed`, the page was loaded at it (a
 * link or a reload), so closing it puts the gallery's address in its place.
 */
let entry: 'pushed' | 'landed' | null = null;
/** The dialog is closing because history already moved (Back): leave history alone. */
let closedByHistory = false;
let shownStatus: string | null = null;

const SUBJECTS: Record<string, string> = {
  auto: 'Detected automatically',
  person: 'Person',
  product: 'Product',
  car: 'Car',
};

/** The saved edits' background; a server without edits has the upload's colour only. */
function backgroundText(image: Image): string {
  const background = image.edits?.background;
  if (!background) return image.options.bgColor ? `#${image.options.bgColor}` : 'Transparent';
  if (background.type === 'color') return `#${background.color}`;
  if (background.type === 'blur') return `Blurred photo (${background.radius} px)`;
  return background.type === 'image' ? 'Your image' : 'Transparent';
}

function details(image: Image): HTMLElement {
  const rows: [string, string][] = [
    ['Size', formatBytes(image.bytes) + (image.width ? ` · ${image.width} × ${image.height} px` : '')],
    ['Uploaded', formatDate(image.createdAt)],
    ['Subject', SUBJECTS[image.options.type] ?? image.options.type],
    ['Background', backgroundText(image)],
  ];
  // <div> groups in a <dl> are valid HTML and keep each term beside its value when lines wrap.
  return h(
    'dl',
    { class: 'details' },
    ...rows.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', { 'data-term': term }, value))),
  );
}

/** A failed image's way forward: Retry, or (its upload never arrived) the file picker. */
function again(image: Image, problem: HTMLElement): HTMLButtonElement {
  if (!canRetry(image)) {
    const upload = h('button', { type: 'button', class: 'button primary' }, 'Upload again');
    upload.addEventListener('click', () => {
      dialog().close();
      chooseFilesAgain();
    });
    return upload;
  }
  const retry = h('button', { type: 'button', class: 'button primary' }, 'Retry');
  retry.addEventListener('click', () => {
    retry.disabled = true;
    problem.hidden = true;
    void retryFailed(image).then((outcome) => {
      // Queued: the published change draws the dialog again, showing the image's progress.
      if (outcome.kind !== 'failed') return;
      retry.disabled = false;
      problem.textContent = outcome.message;
      problem.hidden = false;
    });
  });
  return retry;
}

function render(image: Image): void {
  shownStatus = image.status;
  title().textContent = image.filename;
  const status = image.status;
  const media =
    status === 'done'
      ? image.edits
        ? editorView(image)
        : compareView(image)
      : h(
          'div',
          { class: `placeholder placeholder-${status === 'failed' ? 'failed' : 'working'}` },
          status === 'failed' ? icon(ICONS.alert) : h('span', { class: 'spinner', 'aria-hidden': 'true' }),
          h(
            'p',
            {},
            status === 'failed'
              ? (image.error?.message ?? 'This image could not be processed.')
              : `${STATUS_LABEL[status]}…`,
          ),
        );
  const problem = h('div', { class: 'alert', role: 'alert', hidden: true });
  const remove = h(
    'button',
    { type: 'button', class: 'button danger-quiet' },
    icon(ICONS.trash),
    h('span', {}, 'Delete'),
  );
  remove.addEventListener('click', () => {
    void deleteWithConfirmation(image, galleryTitle).then((outcome) => {
      if (outcome.kind === 'deleted') dialog().close();
      if (outcome.kind === 'failed') {
        problem.textContent = outcome.message;
        problem.hidden = false;
      }
    });
  });
  const actions = h(
    'div',
    { class: 'dialog-actions' },
    remove,
    image.status === 'failed' ? again(image, problem) : null,
    image.status === 'done' && image.downloadUrl ? downloadLink(image, 'button primary', 'Download PNG') : null,
  );
  body().replaceChildren(
    media,
    h('div', { class: 'dialog-meta' }, badge(image.status), details(image)),
    problem,
    actions,
  );
}

function renderMissing(): void {
  title().textContent = 'Image not found';
  const back = h('button', { type: 'button', class: 'button primary' }, 'Back to your cutouts');
  back.addEventListener('click', () => dialog().close());
  body().replaceChildren(
    h(
      'div',
      { class: 'placeholder placeholder-failed' },
      icon(ICONS.alert),
      h('p', {}, 'This image does not exist. It may have been deleted, or it belongs to a different account.'),
    ),
    h('div', { class: 'dialog-actions' }, back),
  );
}

export function initImageDialog(): void {
  const box = dialog();
  byId('image-dialog-close', HTMLButtonElement).addEventListener('click', () => box.close());
  closeOnBackdrop(box);
  box.addEventListener('close', () => {
    // The event comes a task after close(): if the dialog was opened again meanwhile (Back, then
    // Forward at once), this close is over already.
    if (box.open) return;
    shownId = null;
    body().replaceChildren();
    if (entry === 'pushed' && !closedByHistory) history.back();
    else if (imageIdFromPath(location.pathname)) history.replaceState(null, '', '/');
    entry = null;
    closedByHistory = false;
  });
  window.addEventListener('popstate', () => {
    const id = imageIdFromPath(location.pathname);
    if (box.open && id === null) {
      closedByHistory = true;
      box.close();
    } else if (!box.open && id !== null) {
      // Forward again onto an image's address: it is an entry above the gallery's, as when pushed.
      openImage(id, undefined, 'history');
    }
  });
  subscribe((event) => {
    if (event.kind === 'changed' && event.image.id === shownId && event.image.status !== shownStatus) {
      render(event.image);
    } else if (event.kind === 'changed' && event.image.id === shownId) {
      // An edit saved in the open dialog: its details follow, the editor stays as it is.
      const background = body().querySelector('dd[data-term="Background"]');
      if (background) background.textContent = backgroundText(event.image);
    }
    if (event.kind === 'removed' && event.id === shownId && box.open) box.close();
  });
}

/**
 * Opens one image; `known` is shown at once when its signed URLs are still fresh. `via` says
 * where the address came from: a click (a new history entry), the page's own address at load,
 * or a move through history (the entry exists already).
 */
export function openImage(id: string, known?: Image, via: 'click' | 'load' | 'history' = 'click'): void {
  const box = dialog();
  shownId = id;
  shownStatus = null;
  if (via === 'click') history.pushState(null, '', imagePath(id));
  else if (via === 'load') history.replaceState(null, '', imagePath(id));
  entry = via === 'load' ? 'landed' : 'pushed';
  closedByHistory = false;
  title().textContent = known?.filename ?? 'Cutout';
  body().replaceChildren(h('p', { class: 'muted center' }, 'Loading…'));
  if (!box.open) openModal(box, byId('image-dialog-close', HTMLButtonElement), galleryTitle);
  if (known && urlsAreFresh(id)) {
    render(known);
    if (!isFinal(known.status)) track(id);
    return;
  }
  getImage(id)
    .then((image) => {
      if (shownId !== id) return;
      render(image); // first, so that the published change is not rendered twice
      publish({ kind: 'changed', image });
      if (!isFinal(image.status)) track(id);
    })
    .catch((error: unknown) => {
      if (shownId !== id) return;
      if (error instanceof ApiError && error.status === 404) return renderMissing();
      if (error instanceof ApiError && error.sessionExpired) return;
      body().replaceChildren(
        h(
          'div',
          { class: 'alert', role: 'alert' },
          error instanceof Error ? error.message : 'Could not load this image.',
        ),
      );
    });
}
