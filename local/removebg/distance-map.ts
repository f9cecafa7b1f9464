import { fieldStretches, stretchesFor, type BackgroundField } from './background-field';

// Math's functions held locally: a global lookup per pixel is slow in a vm context (as under Jest).
const { sqrt } = Math;
/** Multiplying is several times cheaper than dividing, per pixel and channel. */
const NINTH = 1 / 9;

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
  const stretches = stretchesFor(field);
  const { ends, model } = stretches;
  rowSums(rgba, width, 0, rows, 0);
  rowSums(rgba, width, 0, rows, stride);
  rowSums(rgba, width, Math.min(1, height - 1), rows, 2 * stride);
  let above = 0;
  let current = stride;
  let below = 2 * stride;
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    const count = fieldStretches(field, y, width, height, stretches);
    for (let k = 0; k < count; k += 1) {
      // The field is linear along a stretch: its start colour, then its step per pixel.
      let mr = model[k * 6] as number;
      let mg = model[k * 6 + 1] as number;
      let mb = model[k * 6 + 2] as number;
      const sr = model[k * 6 + 3] as number;
      const sg = model[k * 6 + 4] as number;
      const sb = model[k * 6 + 5] as number;
      for (let x = ends[k] as number, j = x * 3, to = ends[k + 1] as number; x < to; x += 1, j += 3) {
        const r = (rows[above + j] as number) + (rows[current + j] as number) + (rows[below + j] as number);
        const g = (rows[above + j + 1] as number) + (rows[current + j + 1] as number) + (rows[below + j + 1] as number);
        const b = (rows[above + j + 2] as number) + (rows[current + j + 2] as number) + (rows[below + j + 2] as number);
        const er = r * NINTH - mr;
        const eg = g * NINTH - mg;
        const eb = b * NINTH - mb;
        const d = sqrt(er * er + eg * eg + eb * eb);
        // `| 0` first: storing a double into a Uint8Array takes V8's slow path.
        out[row + x] = d >= 255 ? 255 : (d + 0.5) | 0;
        mr += sr;
        mg += sg;
        mb += sb;
      }
    }
    const spare = above;
    above = current;
    current = below;
    below = spare;
    rowSums(rgba, width, Math.min(y + 2, height - 1), rows, below);
  }
  return out;
}

/**
 * Sums of each pixel with its left and right neighbours (edges repeated), per channel. The three
 * pixels ride along in locals, so each pixel is read once rather than three times.
 */
function rowSums(rgba: Uint8Array, width: number, y: number, out: Int32Array, offset: number): void {
  const base = y * width * 4;
  const last = base + (width - 1) * 4;
  let lr = rgba[base] as number;
  let lg = rgba[base + 1] as number;
  let lb = rgba[base + 2] as number;
  let mr = lr;
  let mg = lg;
  let mb = lb;
  for (let p = base, j = offset; p <= last; p += 4, j += 3) {
    const q = p < last ? p + 4 : p;
    const rr = rgba[q] as number;
    const rg = rgba[q + 1] as number;
    const rb = rgba[q + 2] as number;
    out[j] = lr + mr + rr;
    out[j + 1] = lg + mg + rg;
    out[j + 2] = lb + mb + rb;
    lr = mr;
    lg = mg;
    lb = mb;
    mr = rr;
    mg = rg;
    mb = rb;
  }
}
