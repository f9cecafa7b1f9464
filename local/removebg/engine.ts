import { composeCutout } from './alpha';
import { fieldFromSurface, refineField, type BackgroundField } from './background-field';
import { fitBackground, toleranceFor, type BackgroundModel } from './background-model';
import { scaleSegment } from './border-samples';
import { cleanUp, limitsFor } from './components';
import { distanceMap } from './distance-map';
import { shrink, shrinkFactor, type Raster } from './downsample';
import { floodFromEdges } from './flood-fill';
import { BACKGROUND } from './labels';

export interface Cutout {
  rgba: Buffer;
  width: number;
  height: number;
  foreground: { left: number; top: number; width: number; height: number } | undefined;
}

/** Rounds of flood-then-refit while learning the backdrop; it usually settles in two or three. */
const LEARNING_ROUNDS = 4;

/**
 * Raw RGBA in, RGBA with the background made transparent out; foreground undefined when no
 * subject was found.
 *
 * A classical segmenter, no learned model: it assumes the backdrop is what the image border
 * shows — plain, smoothly lit, or evenly noisy — and the subject is what differs from it.
 * Good on studio and product shots; a busy or photographic background defeats it.
 *
 * 1. On a copy of about 0.075 MP: fit a quadratic colour surface to the border (dropping
 *    border stretches the subject covers), then alternate flooding from the edges with
 *    re-estimating the backdrop from what was flooded, so the model reaches the middle.
 * 2. At full size: flood from the edges once against that backdrop, fill small holes and cut
 *    large ones, drop specks, and matte a narrow band along the outline.
 */
export function cutOut(rgba: Uint8Array, width: number, height: number): Cutout {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid dimensions ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) throw new RangeError('Expected width × height × 4 bytes of RGBA');
  const factor = shrinkFactor(width, height);
  const small = shrink({ rgba, width, height }, factor);
  const model = fitBackground(small.rgba, small.width, small.height);
  const field = learnBackdrop(small, fieldFromSurface(model.coefficients, small.width, small.height), model);

  const distance = distanceMap(rgba, width, height, field);
  const border = model.inliers.map((s) => scaleSegment(s, factor, width, height));
  const tolerance = toleranceFor(distance, width, border);
  const queue = new Int32Array(width * height);
  const labels = floodFromEdges(distance, width, height, tolerance, queue);
  cleanUp(labels, distance, width, height, tolerance, limitsFor(width * height), queue);
  const out = composeCutout({ rgba, width, height, labels, field, tolerance });
  return { rgba: out, width, height, foreground: opaqueBounds(out, width, height) };
}

function learnBackdrop(image: Raster, start: BackgroundField, model: BackgroundModel): BackgroundField {
  const { rgba, width, height } = image;
  const queue = new Int32Array(width * height);
  // Imported bindings compile to getters under CommonJS; the loops read this copy.
  const background = BACKGROUND;
  let field = start;
  let flooded = 0;
  for (let round = 0; round < LEARNING_ROUNDS; round += 1) {
    const distance = distanceMap(rgba, width, height, field);
    const labels = floodFromEdges(distance, width, height, toleranceFor(distance, width, model.inliers), queue);
    let count = 0;
    for (const label of labels) if (label === background) count += 1;
    if (round > 0 && count <= flooded * 1.002) break;
    flooded = count;
    field = refineField(field, rgba, width, height, labels, background);
  }
  return field;
}

/** The bounding box of every pixel that is not fully transparent. */
function opaqueBounds(rgba: Buffer, width: number, height: number): Cutout['foreground'] {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0, p = y * width * 4 + 3; x < width; x += 1, p += 4) {
      if (rgba[p] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return right < 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1 };
}
