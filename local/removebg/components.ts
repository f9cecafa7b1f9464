import { BACKGROUND, FILLED, FOREGROUND, UNDECIDED, VISITING } from './labels';

export interface CleanupLimits {
  /** Enclosed background-like regions at least this large (pixels) are holes, cut out. */
  minHole: number;
  /** Subject pieces smaller than this (pixels) are specks of the backdrop, dropped. */
  minIsland: number;
}

export const limitsFor = (pixels: number): CleanupLimits => ({
  minHole: Math.max(64, Math.round(pixels * 0.001)),
  minIsland: Math.max(16, Math.round(pixels * 0.0002)),
});

// Imported bindings compile to getters under CommonJS; the hot loops read these copies.
const undecided = UNDECIDED;
const filled = FILLED;
const visiting = VISITING;

/** Which pixels a walk collects. */
const HOLE_LIKE = 0;
const SUBJECT = 1;

/**
 * After the flood: (1) background-like regions the subject encloses become background when they
 * are large and close to the backdrop's colour (the inside of a ring, the gap under an arm) and
 * are filled as subject otherwise (a pale highlight); (2) undecided pieces smaller than an
 * island become background. Leaves every pixel BACKGROUND or FOREGROUND.
 */
export function cleanUp(
  labels: Uint8Array,
  distance: Uint8Array,
  width: number,
  height: number,
  tolerance: number,
  limits: CleanupLimits,
  queue: Int32Array,
): void {
  const n = width * height;
  const walker = { labels, distance, width, height, tolerance, queue };
  for (let i = 0; i < n; i += 1) {
    if (!member(walker, HOLE_LIKE, i)) continue;
    const size = walk(walker, HOLE_LIKE, i);
    let sum = 0;
    for (let k = 0; k < size; k += 1) sum += distance[queue[k] as number] as number;
    const hole = size >= limits.minHole && sum <= size * tolerance * 0.5;
    relabel(labels, queue, size, hole ? BACKGROUND : filled);
  }
  for (let i = 0; i < n; i += 1) {
    if (!member(walker, SUBJECT, i)) continue;
    const size = walk(walker, SUBJECT, i);
    relabel(labels, queue, size, size < limits.minIsland ? BACKGROUND : FOREGROUND);
  }
}

interface Walker {
  labels: Uint8Array;
  distance: Uint8Array;
  width: number;
  height: number;
  tolerance: number;
  queue: Int32Array;
}

function member(w: Walker, kind: number, i: number): boolean {
  const label = w.labels[i] as number;
  if (kind === HOLE_LIKE) return label === undecided && (w.distance[i] as number) <= w.tolerance;
  return label === undecided || label === filled;
}

/**
 * Collects the 4-connected component of `start` whose pixels are members of `kind` into
 * queue[0…size) (marking them VISITING so none is taken twice) and returns its size.
 */
function walk(w: Walker, kind: number, start: number): number {
  const { labels, queue, width } = w;
  const last = width * (w.height - 1);
  let size = 0;
  labels[start] = visiting;
  queue[size++] = start;
  for (let head = 0; head < size; head += 1) {
    const i = queue[head] as number;
    const x = i % width;
    if (x > 0 && member(w, kind, i - 1)) {
      labels[i - 1] = visiting;
      queue[size++] = i - 1;
    }
    if (x < width - 1 && member(w, kind, i + 1)) {
      labels[i + 1] = visiting;
      queue[size++] = i + 1;
    }
    if (i >= width && member(w, kind, i - width)) {
      labels[i - width] = visiting;
      queue[size++] = i - width;
    }
    if (i < last && member(w, kind, i + width)) {
      labels[i + width] = visiting;
      queue[size++] = i + width;
    }
  }
  return size;
}

function relabel(labels: Uint8Array, queue: Int32Array, size: number, label: number): void {
  for (let k = 0; k < size; k += 1) labels[queue[k] as number] = label;
}
