import { comparePair } from './compare';
import { byId, h } from './dom';

/** One before/after pair, as scripts/make-samples.ts writes it into samples/manifest.json. */
interface Sample {
  title: string;
  before: string;
  after: string;
  width: number;
  height: number;
}

const isSample = (value: unknown): value is Sample => {
  if (typeof value !== 'object' || value === null) return false;
  const { title, before, after, width, height } = value as Partial<Sample>;
  return (
    typeof title === 'string' &&
    typeof before === 'string' &&
    typeof after === 'string' &&
    typeof width === 'number' &&
    typeof height === 'number'
  );
};

/** The manifest's samples, or none: a build without them (the engine could not run) is still a page. */
async function loadSamples(): Promise<Sample[]> {
  try {
    const response = await fetch('/samples/manifest.json', { credentials: 'omit' });
    // A missing file is answered with the page itself (the "**" rewrite), not a 404.
    if (!response.ok || !response.headers.get('Content-Type')?.includes('json')) return [];
    const body = (await response.json()) as { samples?: unknown };
    return Array.isArray(body.samples) ? body.samples.filter(isSample) : [];
  } catch {
    return [];
  }
}

/**
 * The landing page's before/after pairs: drawn scenes that our own engine cut out at build
 * time, so that a visitor sees what the product does before signing up. Hidden without them.
 */
export function initSamples(): void {
  const section = byId('samples', HTMLElement);
  void loadSamples().then((samples) => {
    if (samples.length === 0) return;
    byId('samples-list', HTMLUListElement).replaceChildren(
      ...samples.map((sample) =>
        h(
          'li',
          { class: 'sample' },
          comparePair({
            before: sample.before,
            after: sample.after,
            name: sample.title,
            ratio: sample.width / sample.height,
          }),
          h('p', { class: 'sample-title' }, sample.title),
        ),
      ),
    );
    section.hidden = false;
  });
}
