import { h } from './dom';
import type { Image } from './types';

/**
 * Before/after: the cutout on a checkerboard with the original laid over it, clipped at the
 * slider. The range input drives a CSS custom property through the CSSOM (allowed by the CSP,
 * unlike style attributes), and is the keyboard's way in: arrows, Home, End.
 */
export function compareView(image: Image): HTMLElement {
  const after = h('img', {
    class: 'compare-after',
    src: image.resultUrl,
    alt: `Cutout of ${image.filename}`,
    decoding: 'async',
  });
  const before = image.originalUrl
    ? h('img', { class: 'compare-before', src: image.originalUrl, alt: '', decoding: 'async' })
    : null;
  const range = h('input', {
    class: 'compare-range',
    type: 'range',
    min: 0,
    max: 100,
    value: 50,
    'aria-label': `Compare original and cutout of ${image.filename}`,
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
  if (image.width && image.height) view.style.setProperty('--ratio', String(image.width / image.height));
  const update = (): void => {
    view.style.setProperty('--split', `${range.value}%`);
    range.setAttribute('aria-valuetext', `${range.value}% original, ${100 - Number(range.value)}% cutout`);
  };
  range.addEventListener('input', update);
  update();
  return view;
}
