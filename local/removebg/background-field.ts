import { modelColour } from './background-model';

/**
 * The backdrop's colour as a coarse grid of cells, read between cell centres by bilinear
 * interpolation. It starts as the quadratic fitted to the border and is then re-estimated
 * from the pixels the flood has already called background, so it follows lighting a quadratic
 * cannot (a spotlight peaking mid-frame, a shadow pooling beside the subject). Cells the
 * subject covers take the colour of the nearest measured cells, never the subject's.
 */
export interface BackgroundField {
  cols: number;
  rows: number;
  /** Colour at each cell centre: rows × cols × RGB. */
  colours: Float64Array;
}

/** Cells along the image's long side: fine enough for a vignette, coarse enough to stay smooth. */
const CELLS_LONG_SIDE = 24;
/** A cell is measured when at least this share of its pixels is background. */
const MEASURED_SHARE = 0.2;

export function fieldFromSurface(coefficients: Float64Array, width: number, height: number): BackgroundField {
  const cols = width >= height ? CELLS_LONG_SIDE : Math.max(2, Math.round((CELLS_LONG_SIDE * width) / height));
  const rows = height >= width ? CELLS_LONG_SIDE : Math.max(2, Math.round((CELLS_LONG_SIDE * height) / width));
  const colours = new Float64Array(cols * rows * 3);
  const colour = new Float64Array(3);
  for (let r = 0; r < rows; r += 1) {
    for (let c = 0; c < cols; c += 1) {
      modelColour(coefficients, (2 * (c + 0.5)) / cols - 1, (2 * (r + 0.5)) / rows - 1, colour);
      colours.set(colour, (r * cols + c) * 3);
    }
  }
  return { cols, rows, colours };
}

/** Scratch for fieldStretches: at most cols + 1 stretches a row. */
export interface Stretches {
  /** Stretch k covers pixels ends[k] to ends[k + 1] − 1 (ends[0] is 0). */
  ends: Int32Array;
  /** Per stretch: the colour at its first pixel (RGB), then the step per pixel (RGB). */
  model: Float64Array;
}

export const stretchesFor = (field: BackgroundField): Stretches => ({
  ends: new Int32Array(field.cols + 2),
  model: new Float64Array((field.cols + 1) * 6),
});

/**
 * Splits pixel row y into the stretches between cell centres; along one the field is linear.
 * Returns how many there are. Plain arrays rather than a callback per stretch, so the caller's
 * per-pixel loop runs on locals.
 */
export function fieldStretches(
  field: BackgroundField,
  y: number,
  width: number,
  height: number,
  out: Stretches,
): number {
  const { cols } = field;
  const line = blendRows(field, y, height);
  const span = width / cols;
  let count = 0;
  out.ends[0] = 0;
  for (let c = -1; c < cols; c += 1) {
    const from = c < 0 ? 0 : Math.max(0, Math.ceil((c + 0.5) * span - 0.5));
    const to = c + 1 >= cols ? width : Math.min(width, Math.ceil((c + 1.5) * span - 0.5));
    if (to <= from) continue;
    const left = Math.max(0, c);
    const right = Math.min(cols - 1, c + 1);
    const offset = from + 0.5 - (left + 0.5) * span;
    for (let k = 0; k < 3; k += 1) {
      const a = line[left * 3 + k] as number;
      const step = right === left ? 0 : ((line[right * 3 + k] as number) - a) / span;
      out.model[count * 6 + k] = a + offset * step;
      out.model[count * 6 + 3 + k] = step;
    }
    count += 1;
    out.ends[count] = to;
  }
  return count;
}

/** The field's colour at one pixel, into `out`. */
export function fieldAt(
  field: BackgroundField,
  x: number,
  y: number,
  width: number,
  height: number,
  out: Float64Array,
): void {
  const line = blendRows(field, y, height);
  const gx = Math.min(field.cols - 1, Math.max(0, ((x + 0.5) * field.cols) / width - 0.5));
  const c0 = Math.floor(gx);
  const c1 = Math.min(field.cols - 1, c0 + 1);
  for (let k = 0; k < 3; k += 1) {
    const a = line[c0 * 3 + k] as number;
    out[k] = a + ((line[c1 * 3 + k] as number) - a) * (gx - c0);
  }
}

/** The cell colours interpolated to pixel row y: one colour per column of cells. */
function blendRows(field: BackgroundField, y: number, height: number): Float64Array {
  const { cols, rows, colours } = field;
  const gy = Math.min(rows - 1, Math.max(0, ((y + 0.5) * rows) / height - 0.5));
  const r0 = Math.floor(gy);
  const r1 = Math.min(rows - 1, r0 + 1);
  const t = gy - r0;
  const line = new Float64Array(cols * 3);
  for (let j = 0; j < cols * 3; j += 1) {
    const a = colours[r0 * cols * 3 + j] as number;
    line[j] = a + ((colours[r1 * cols * 3 + j] as number) - a) * t;
  }
  return line;
}

/**
 * Re-estimates the field from the pixels labelled `background`: each well-covered cell takes
 * their mean colour; the rest are filled ring by ring from measured neighbours. With no measured
 * cell at all the field is returned unchanged.
 */
export function refineField(
  field: BackgroundField,
  rgba: Uint8Array,
  width: number,
  height: number,
  labels: Uint8Array,
  background: number,
): BackgroundField {
  const { cols, rows } = field;
  const sums = new Float64Array(cols * rows * 3);
  const counts = new Float64Array(cols * rows);
  const cellOfColumn = Int32Array.from({ length: width }, (_, x) => Math.min(cols - 1, Math.floor((x * cols) / width)));
  for (let y = 0; y < height; y += 1) {
    const rowCell = Math.min(rows - 1, Math.floor((y * rows) / height)) * cols;
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) {
      if (labels[i] !== background) continue;
      const cell = rowCell + (cellOfColumn[x] as number);
      sums[cell * 3] = (sums[cell * 3] as number) + (rgba[i * 4] as number);
      sums[cell * 3 + 1] = (sums[cell * 3 + 1] as number) + (rgba[i * 4 + 1] as number);
      sums[cell * 3 + 2] = (sums[cell * 3 + 2] as number) + (rgba[i * 4 + 2] as number);
      counts[cell] = (counts[cell] as number) + 1;
    }
  }
  const cellPixels = (width * height) / (cols * rows);
  const colours = new Float64Array(cols * rows * 3);
  const known = new Uint8Array(cols * rows);
  let measured = 0;
  for (let cell = 0; cell < cols * rows; cell += 1) {
    const n = counts[cell] as number;
    if (n < Math.max(4, cellPixels * MEASURED_SHARE)) continue;
    for (let k = 0; k < 3; k += 1) colours[cell * 3 + k] = (sums[cell * 3 + k] as number) / n;
    known[cell] = 1;
    measured += 1;
  }
  if (measured === 0) return field;
  fillFromNeighbours(colours, known, cols, rows);
  return { cols, rows, colours };
}

function fillFromNeighbours(colours: Float64Array, known: Uint8Array, cols: number, rows: number): void {
  let missing = known.length - known.reduce((sum, k) => sum + k, 0);
  while (missing > 0) {
    const ring: number[] = [];
    for (let r = 0; r < rows; r += 1) {
      for (let c = 0; c < cols; c += 1) {
        if (known[r * cols + c] === 0 && hasKnownNeighbour(known, cols, rows, c, r)) ring.push(r * cols + c);
      }
    }
    for (const cell of ring) {
      const c = cell % cols;
      const r = (cell - c) / cols;
      const sum = [0, 0, 0];
      let n = 0;
      forNeighbours(cols, rows, c, r, (other) => {
        if (known[other] !== 1) return;
        for (let k = 0; k < 3; k += 1) sum[k] = (sum[k] as number) + (colours[other * 3 + k] as number);
        n += 1;
      });
      for (let k = 0; k < 3; k += 1) colours[cell * 3 + k] = (sum[k] as number) / n;
    }
    // Only now do this ring's cells count as known, so each ring draws on the one before it.
    for (const cell of ring) known[cell] = 1;
    missing -= ring.length;
  }
}

function hasKnownNeighbour(known: Uint8Array, cols: number, rows: number, c: number, r: number): boolean {
  let found = false;
  forNeighbours(cols, rows, c, r, (other) => {
    if (known[other] === 1) found = true;
  });
  return found;
}

function forNeighbours(cols: number, rows: number, c: number, r: number, each: (cell: number) => void): void {
  for (let dr = -1; dr <= 1; dr += 1) {
    for (let dc = -1; dc <= 1; dc += 1) {
      const rr = r + dr;
      const cc = c + dc;
      if ((dr !== 0 || dc !== 0) && rr >= 0 && rr < rows && cc >= 0 && cc < cols) each(rr * cols + cc);
    }
  }
}
