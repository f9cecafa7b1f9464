/**
 * How close a cutout's alpha is to a known mask: intersection over union of the regions, and the
 * boundary F-score (Martin et al.; as in the DAVIS benchmark) of their outlines at a tolerance in
 * pixels. Both take a 12 MP image in a few tens of milliseconds.
 */

const { floor, sqrt } = Math;

/** 1 where alpha ≥ 128: the pixels a cutout keeps. */
export function alphaMask(rgba: Uint8Array): Uint8Array {
  const mask = new Uint8Array(rgba.length / 4);
  for (let i = 0, p = 3; i < mask.length; i += 1, p += 4) mask[i] = (rgba[p] as number) >= 128 ? 1 : 0;
  return mask;
}

/** Intersection over union of two masks (1 = in); 1 when both are empty. */
export function iou(predicted: Uint8Array, truth: Uint8Array): number {
  if (predicted.length !== truth.length) throw new RangeError('Masks of different sizes');
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i += 1) {
    const p = predicted[i] === 1;
    const t = truth[i] === 1;
    if (p && t) intersection += 1;
    if (p || t) union += 1;
  }
  return union === 0 ? 1 : intersection / union;
}

/**
 * The pixels whose 4-neighbourhood changes: both sides of every edge between in and out. The
 * frame is no edge: a subject cut by it has no outline there.
 */
export function boundaryOf(mask: Uint8Array, width: number, height: number): Int32Array {
  if (mask.length !== width * height) throw new RangeError('Mask does not match its dimensions');
  const found: number[] = [];
  for (let y = 0; y < height; y += 1) {
    // A neighbour beyond the frame is taken to be the pixel itself (offset 0).
    const up = y > 0 ? -width : 0;
    const down = y + 1 < height ? width : 0;
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) {
      const here = mask[i];
      if (mask[i + up] !== here || mask[i + down] !== here) found.push(i);
      else if ((x > 0 && mask[i - 1] !== here) || (x + 1 < width && mask[i + 1] !== here)) found.push(i);
    }
  }
  return Int32Array.from(found);
}

/** 1 on every pixel within `tolerance` (Euclidean) of one of the given pixels: a dilation by a disc. */
export function within(pixels: Int32Array, width: number, height: number, tolerance: number): Uint8Array {
  const near = new Uint8Array(width * height);
  const reach = floor(tolerance);
  const spans = Int32Array.from({ length: 2 * reach + 1 }, (_, k) => floor(sqrt(tolerance ** 2 - (k - reach) ** 2)));
  for (let k = 0; k < pixels.length; k += 1) {
    const i = pixels[k] as number;
    const x = i % width;
    const y = (i - x) / width;
    for (let dy = -reach; dy <= reach; dy += 1) {
      const row = y + dy;
      if (row < 0 || row >= height) continue;
      const span = spans[dy + reach] as number;
      const from = x - span < 0 ? 0 : x - span;
      const to = x + span >= width ? width - 1 : x + span;
      near.fill(1, row * width + from, row * width + to + 1);
    }
  }
  return near;
}

export interface BoundaryScore {
  /** Share of the predicted outline within the tolerance of the true one. */
  precision: number;
  /** Share of the true outline within the tolerance of the predicted one. */
  recall: number;
  f: number;
}

/**
 * Boundary F-score at `tolerance` pixels. With no outline on either side it is 1; with an outline
 * on one side only, 0.
 */
export function boundaryF(
  predicted: Uint8Array,
  truth: Uint8Array,
  width: number,
  height: number,
  tolerance: number,
): BoundaryScore {
  const predictedEdge = boundaryOf(predicted, width, height);
  const trueEdge = boundaryOf(truth, width, height);
  if (predictedEdge.length === 0 && trueEdge.length === 0) return { precision: 1, recall: 1, f: 1 };
  if (predictedEdge.length === 0 || trueEdge.length === 0) {
    return { precision: predictedEdge.length === 0 ? 1 : 0, recall: trueEdge.length === 0 ? 1 : 0, f: 0 };
  }
  const precision = share(predictedEdge, within(trueEdge, width, height, tolerance));
  const recall = share(trueEdge, within(predictedEdge, width, height, tolerance));
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

function share(pixels: Int32Array, near: Uint8Array): number {
  let hits = 0;
  for (let k = 0; k < pixels.length; k += 1) hits += near[pixels[k] as number] as number;
  return hits / pixels.length;
}
