import { BACKGROUND, UNDECIDED } from './labels';

// Imported bindings compile to getters under CommonJS; the hot loops read these copies.
const background = BACKGROUND;
const undecided = UNDECIDED;

/**
 * Labels as background every pixel joined to the image edge (4-connected) through pixels within
 * `tolerance` of the background field; everything else stays undecided. Only the edge seeds the
 * fill, so a subject coloured like the backdrop survives as long as its outline separates it,
 * and a subject touching the border is simply not a seed. `queue` is scratch space of one slot
 * per pixel (each pixel is pushed at most once).
 */
export function floodFromEdges(
  distance: Uint8Array,
  width: number,
  height: number,
  tolerance: number,
  queue: Int32Array,
): Uint8Array {
  const labels = new Uint8Array(width * height);
  let top = 0;
  for (let y = 0; y < height; y += 1) {
    const step = y === 0 || y === height - 1 ? 1 : Math.max(1, width - 1);
    for (let x = 0, i = y * width; x < width; x += step, i += step) {
      if (labels[i] === undecided && (distance[i] as number) <= tolerance) {
        labels[i] = background;
        queue[top++] = i;
      }
    }
  }
  const last = width * (height - 1);
  while (top > 0) {
    const i = queue[--top] as number;
    const x = i % width;
    if (x > 0 && labels[i - 1] === undecided && (distance[i - 1] as number) <= tolerance) {
      labels[i - 1] = background;
      queue[top++] = i - 1;
    }
    if (x < width - 1 && labels[i + 1] === undecided && (distance[i + 1] as number) <= tolerance) {
      labels[i + 1] = background;
      queue[top++] = i + 1;
    }
    if (i >= width && labels[i - width] === undecided && (distance[i - width] as number) <= tolerance) {
      labels[i - width] = background;
      queue[top++] = i - width;
    }
    if (i < last && labels[i + width] === undecided && (distance[i + width] as number) <= tolerance) {
      labels[i + width] = background;
      queue[top++] = i + width;
    }
  }
  return labels;
}
