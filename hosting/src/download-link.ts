import { ApiError, getImage } from './api';
import { h, icon, ICONS } from './dom';
import { publish } from './image-store';
import type { Image } from './types';

/** What the API names the file too (Content-Disposition): "name-nobg.png". */
const downloadName = (filename: string): string => `${filename.replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'image'}-nobg.png`;

/**
 * An <a download> to the signed downloadUrl. Signed URLs expire, so a link shown long ago asks
 * for a fresh one before the browser follows it.
 */
export function downloadLink(image: Image, className: string, text = 'Download'): HTMLAnchorElement {
  const link = h(
    'a',
    { class: className, href: image.downloadUrl, download: downloadName(image.filename) },
    icon(ICONS.download),
    text ? h('span', {}, text) : null,
  );
  // Signed URLs live at least 15 minutes (SIGNED_URL_TTL_SECONDS); refresh well before that.
  let issuedAt = Date.now();
  link.addEventListener('click', (event) => {
    if (Date.now() - issuedAt < 5 * 60 * 1000) return;
    event.preventDefault();
    void getImage(image.id)
      .then((fresh) => {
        publish({ kind: 'changed', image: fresh });
        if (!fresh.downloadUrl) return;
        link.href = fresh.downloadUrl;
        issuedAt = Date.now();
        link.click();
      })
      .catch((error: unknown) => {
        // A 401 is handled globally; a 404 means it was deleted elsewhere.
        if (error instanceof ApiError && error.status === 404) publish({ kind: 'removed', id: image.id });
      });
  });
  return link;
}
