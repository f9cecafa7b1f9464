import { h, icon, ICONS } from './dom';
import { downloadLink } from './download-link';
import { canRetry } from './retry-flow';
import { badge, STATUS_LABEL } from './status';
import type { Image } from './types';

export interface CardActions {
  open(image: Image): void;
  remove(image: Image): void;
  /** Settles once the retry was accepted (the card is drawn again) or refused. */
  retry(image: Image): Promise<void>;
  uploadAgain(): void;
  select(image: Image, on: boolean): void;
}

const RETRY_ICON = 'M20 11a8 8 0 1 0-2.3 5.7M20 4v7h-7';
const UPLOAD_ICON = 'M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3';

/** What the tile shows in words instead of a thumbnail, if anything. */
const placeholderText = (image: Image): string | null => {
  if (image.status === 'done' && image.thumbnailUrl) return null;
  return image.status === 'failed' ? 'Could not cut out' : `${STATUS_LABEL[image.status]}…`;
};

function media(image: Image): HTMLElement {
  const words = placeholderText(image);
  if (words === null) {
    return h(
      'span',
      { class: 'card-media checkerboard' },
      h('img', { src: image.thumbnailUrl, alt: '', loading: 'lazy', decoding: 'async' }),
    );
  }
  const failed = image.status === 'failed';
  return h(
    'span',
    { class: `card-media placeholder placeholder-${failed ? 'failed' : 'working'}` },
    failed ? icon(ICONS.alert) : h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    h('span', { class: 'placeholder-text' }, words),
  );
}

/** Why it failed, and the one thing to do about it: try again, or (nothing stored) upload again. */
function failure(image: Image, actions: CardActions): HTMLElement[] {
  const reason = h(
    'p',
    { class: 'card-error', id: `error-${image.id}` },
    image.error?.message ?? 'This image could not be processed.',
  );
  const again = canRetry(image)
    ? h(
        'button',
        { type: 'button', class: 'button small retry', 'data-focus': 'retry', 'aria-describedby': reason.id },
        icon(RETRY_ICON),
        h('span', {}, 'Retry'),
      )
    : h(
        'button',
        { type: 'button', class: 'button small retry', 'data-focus': 'upload-again', 'aria-describedby': reason.id },
        icon(UPLOAD_ICON),
        h('span', {}, 'Upload again'),
      );
  // The visible words first in the name (WCAG 2.5.3), then which image: every card has one.
  again.setAttribute('aria-label', canRetry(image) ? `Retry ${image.filename}` : `Upload again: ${image.filename}`);
  again.addEventListener('click', () => {
    if (!canRetry(image)) return actions.uploadAgain();
    // Not `disabled`: that would throw the keyboard's focus out of the card. One request at a time.
    if (again.getAttribute('aria-busy') === 'true') return;
    again.setAttribute('aria-busy', 'true');
    void actions.retry(image).finally(() => again.removeAttribute('aria-busy'));
  });
  return [reason, again];
}

/**
 * One gallery tile: a tick box for bulk actions, the thumbnail (opens the image), the name (two
 * lines, the whole of it in the tooltip and the dialog), then download and delete; a failed
 * image says why and offers what can be done about it.
 */
export function galleryCard(image: Image, actions: CardActions, selected: boolean): HTMLLIElement {
  const open = h('button', { type: 'button', class: 'card-open', 'data-focus': 'open' }, media(image));
  // The words shown on the tile are part of its name (WCAG 2.5.3: what is seen can be spoken).
  const words = placeholderText(image);
  open.setAttribute(
    'aria-label',
    words ? `Open ${image.filename}: ${words}` : `Open ${image.filename} (${STATUS_LABEL[image.status]})`,
  );
  open.addEventListener('click', () => actions.open(image));

  const tick = h('input', {
    type: 'checkbox',
    class: 'card-check',
    'data-focus': 'select',
    'aria-label': `Select ${image.filename}`,
  });
  tick.checked = selected;
  tick.addEventListener('change', () => actions.select(image, tick.checked));

  const remove = h(
    'button',
    { type: 'button', class: 'icon-button', 'data-focus': 'delete', 'aria-label': `Delete ${image.filename}` },
    icon(ICONS.trash),
  );
  remove.addEventListener('click', () => actions.remove(image));

  const download = image.status === 'done' && image.downloadUrl ? downloadLink(image, 'icon-button', '') : null;
  if (download) {
    download.setAttribute('aria-label', `Download ${image.filename} cutout`);
    download.dataset.focus = 'download';
  }

  return h(
    'li',
    { class: `card${selected ? ' selected' : ''}`, 'data-id': image.id, 'data-status': image.status },
    // A label around the box: the whole corner is the target, 44 px square.
    h('label', { class: 'card-select' }, tick),
    open,
    h(
      'div',
      { class: 'card-footer' },
      h('p', { class: 'card-name', title: image.filename }, image.filename),
      ...(image.status === 'failed' ? failure(image, actions) : []),
      h('div', { class: 'card-row' }, badge(image.status), h('div', { class: 'card-actions' }, download, remove)),
    ),
  );
}
