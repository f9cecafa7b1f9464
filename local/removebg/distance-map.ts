import { forEachStretch, type BackgroundField } from './background-field';

// Math's functions held locally: a global lookup per pixel is slow in a vm context (as under Jest).
const { sqrt } = Math;

/**
 * Per pixel, the RGB distance (rounded, capped at 255) between the image seen through a 3×3 box
 * blur and the background field. The blur divides uncorrelated noise by three, so a grainy
 * backdrop does not read as a thousand tiny subjects; it also widens the subject's edge by a
 * pixel, which the soft-alpha pass undoes. One pass, three rows of horizontal sums in rotation.
 */
export function distanceMap(rgba: Uint8Array, width: number, height: number, field: BackgroundField): Uint8Array {
  const out = new Uint8Array(width * height);
  const stride = width * 3;
  const rows = new Int32Array(stride * 3);
  const model = new Float64Array(6);
  rowSums(rgba, width, 0, rows, 0);
  rowSums(rgba, width, 0, rows, stride);
  rowSums(rgba, width, Math.min(1, height - 1), rows, 2 * stride);
  let above = 0;
  let current = stride;
  let below = 2 * stride;
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    forEachStretch(field, y, width, height, model, (from, to) => {
      // The field is linear along a stretch: start colour in model[0…2], step per pixel in model[3…5].
      let mr = model[0] as number;
      let mg = model[1] as number;
      let mb = model[2] as number;
      const sr = model[3] as number;
      const sg = model[4] as number;
      const sb = model[5] as number;
      for (let x = from, j = from * 3; x < to; x += 1, j += 3) {
        const r = (rows[above + j] as number) + (rows[current + j] as number) + (rows[below + j] as number);
        const g = (rows[above + j + 1] as number) + (rows[current + j + 1] as number) + (rows[below + j + 1] as number);
        const b = (rows[above + j + 2] as number) + (rows[current + j + 2] as number) + (rows[below + j + 2] as number);
        const er = r / 9 - mr;
        const eg = g / 9 - mg;
        const eb = b / 9 - mb;
        const d = sqrt(er * er + eg * eg + eb * eb);
        // `| 0` first: storing a double into a Uint8Array takes V8's slow path.
        out[row + x] = d >= 255 ? 255 : (d + 0.5) | 0;
        mr += sr;
        mg += sg;
        mb += sb;
      }
    });
    const spare = above;
    above = current;
    current = below;
    below = spare;
    rowSums(rgba, width, Math.min(y + 2, height - 1), rows, below);
  }
  return out;
}

/** Sums of each pixel with its left and right neighbours (edges repeated), per channel. */
function rowSums(rgba: Uint8Array, width: number, y: number, out: Int32Array, offset: number): void {
  const base = y * width * 4;
  for (let x = 0; x < width; x += 1) {
    const left = base + (x > 0 ? x - 1 : 0) * 4;
    const mid = base + x * 4;
    const right = base + (x < width - 1 ? x + 1 : x) * 4;
    const j = offset + x * 3;
    out[j] = (rgba[left] as number) + (rgba[mid] as number) + (rgba[right] as number);
    out[j + 1] = (rgba[left + 1] as number) + (rgba[mid + 1] as number) + (rgba[right + 1] as number);
    out[j + 2] = (rgba[left + 2] as number) + (rgba[mid + 2] as number) + (rgba[right + 2] as number);
  }
}
