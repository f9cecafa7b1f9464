import { h, icon, ICONS } from './dom';
import { downloadLink } from './download-link';
import { badge, STATUS_LABEL } from './status';
import type { Image } from './types';

export interface CardActions {
  open(image: Image): void;
  remove(image: Image): void;
}

function media(image: Image): HTMLElement {
  if (image.status === 'done' && image.thumbnailUrl) {
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
    h('span', { class: 'placeholder-text' }, failed ? 'Could not cut out' : `${STATUS_LABEL[image.status]}…`),
  );
}

/** One gallery tile: the thumbnail opens the image; download and delete sit underneath. */
export function galleryCard(image: Image, actions: CardActions): HTMLLIElement {
  const open = h('button', { type: 'button', class: 'card-open', 'data-focus': 'open' }, media(image));
  open.setAttribute('aria-label', `Open ${image.filename} (${STATUS_LABEL[image.status]})`);
  open.addEventListener('click', () => actions.open(image));

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
    { class: 'card', 'data-id': image.id, 'data-status': image.status },
    open,
    h(
      'div',
      { class: 'card-footer' },
      h('p', { class: 'card-name', title: image.filename }, image.filename),
      h('div', { class: 'card-row' }, badge(image.status), h('div', { class: 'card-actions' }, download, remove)),
    ),
  );
}
