/** Small DOM helpers: elements are built with properties and text, never from HTML strings. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined>;

/** `h('a', { class: 'button', href }, 'Download')`. `false`/`null`/`undefined` attributes are left out. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

/** An element that index.html is known to contain; a missing one is a bug worth failing loudly on. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is missing from the page`);
  return element;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A stroked 24×24 icon from one path. */
export function icon(path: string): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const shape = document.createElementNS(SVG, 'path');
  shape.setAttribute('d', path);
  svg.append(shape);
  return svg;
}

export const ICONS = {
  download: 'M12 4v11m0 0 4.5-4.5M12 15l-4.5-4.5M4 19h16',
  trash: 'M5 7h14M10 7V5h4v2m-7 0 1 12h8l1-12',
  close: 'M6 6l12 12M18 6 6 18',
  file: 'M7 3h7l4 4v14H7zM14 3v4h4',
  alert: 'M12 8v5m0 3.5v.5M10.3 4.2 3 17a2 2 0 0 0 1.7 3h14.6a2 2 0 0 0 1.7-3L13.7 4.2a2 2 0 0 0-3.4 0Z',
};

/** Says a status change to screen readers through the page's one polite live region. */
export function announce(message: string): void {
  const region = byId('announcer', HTMLDivElement);
  // Cleared first so that the same words twice are still read twice.
  region.textContent = '';
  window.setTimeout(() => (region.textContent = message), 50);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const formatDate = (iso: string): string => dateFormat.format(new Date(iso));
