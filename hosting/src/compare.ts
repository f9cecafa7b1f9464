import { h } from './dom';
import type { Image } from './types';

/**
 * Before/after: the cutout on a checkerboard with the original laid over it, clipped at the
 * slider. The range input drives a CSS custom property through the CSSOM (allowed by the CSP,
 * unlike style attributes), and is the keyboard's way in: arrows, Home, End.
 */
export function compareView(image: Image): HTMLElement {
  const ratio = image.width && image.height ? image.width / image.height : undefined;
  return comparePair({ before: image.originalUrl, after: image.resultUrl, name: image.filename, ratio });
}

/** Any original and cutout side by side the same way (the landing page's samples are no Image). */
export function comparePair(pair: { before?: string; after?: string; name: string; ratio?: number }): HTMLElement {
  const after = h('img', {
    class: 'compare-after',
    src: pair.after,
    alt: `Cutout of ${pair.name}`,
    decoding: 'async',
  });
  const before = pair.before
    ? h('img', { class: 'compare-before', src: pair.before, alt: '', decoding: 'async' })
    : null;
  const range = h('input', {
    class: 'compare-range',
    type: 'range',
    min: 0,
    max: 100,
    value: 50,
    'aria-label': `Compare original and cutout of ${pair.name}`,
    'aria-valuetext': 'Half original, half cutout',
  });
  const view = h(
    'div',
    { class: `compare checkerboard${before ? '' : ' compare-single'}` },
    after,
    before,
    before && h('div', { class: 'compare-handle', 'aria-hidden': 'true' }),
    before && h('span', { class: 'compare-tag compare-tag-before', 'aria-hidden': 'true' }, 'Original'),
    before && h('span', { class: 'compare-tag compare-tag-after', 'aria-hidden': 'true' }, 'Cutout'),
    before && range,
  );
  if (pair.ratio) view.style.setProperty('--ratio', String(pair.ratio));
  const update = (): void => {
    view.style.setProperty('--split', `${range.value}%`);
    range.setAttribute('aria-valuetext', `${range.value}% original, ${100 - Number(range.value)}% cutout`);
  };
  range.addEventListener('input', update);
  update();
  return view;
}
