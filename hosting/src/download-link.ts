import { ApiError, getRender } from './api';
import { h, icon, ICONS } from './dom';
import { publish } from './image-store';
import type { Image, RenderFormat } from './types';

/** What the API names the file too (Content-Disposition): "name-nobg.png". */
const downloadName = (filename: string): string => `${filename.replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'image'}-nobg.png`;

/** A signed URL with attachment disposition: following it downloads, and leaves the page where it is. */
export function follow(url: string, host: HTMLElement): void {
  const link = h('a', { href: url, download: '', hidden: true });
  host.append(link);
  link.click();
  link.remove();
}

/**
 * A download of the image as its saved edits render it (a PNG unless told otherwise): what a
 * person sees in the editor is what they get, wherever they click. The link's own href is the
 * model's cutout, for a browser that follows it without the script (a middle click).
 */
export function downloadLink(
  image: Image,
  className: string,
  text = 'Download',
  format: RenderFormat = 'png',
): HTMLAnchorElement {
  const link = h(
    'a',
    { class: className, href: image.downloadUrl, download: downloadName(image.filename) },
    icon(ICONS.download),
    text ? h('span', {}, text) : null,
  );
  link.addEventListener('click', (event) => {
    event.preventDefault();
    link.setAttribute('aria-busy', 'true');
    void getRender(image.id, format)
      .then((render) => follow(render.url, link.parentElement ?? document.body))
      .catch((error: unknown) => {
        // A 401 is handled globally; a 404 means it was deleted elsewhere.
        if (error instanceof ApiError && error.status === 404) publish({ kind: 'removed', id: image.id });
      })
      .finally(() => link.removeAttribute('aria-busy'));
  });
  return link;
}
