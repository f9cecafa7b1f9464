/** Adds one to a histogram bin. */
export const bump = (histogram: Uint32Array, bin: number): void => {
  histogram[bin] = (histogram[bin] as number) + 1;
};

/** One stretch of the image border: a rectangle of the border band and the median colour in it. */
export interface BorderSegment {
  /** Half-open rectangle [x0, x1) × [y0, y1) in pixels. */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Its centre in normalised coordinates (−1…1 across the image). */
  u: number;
  v: number;
  median: [number, number, number];
  count: number;
}

/** Segments per edge: enough that a subject touching the border spoils only a few of them. */
const SEGMENTS_PER_EDGE = 24;

/** Band width: about 1 % of the short side, so the samples outweigh noise without reaching the subject. */
function borderBand(width: number, height: number): number {
  const short = Math.min(width, height);
  return Math.max(1, Math.min(Math.round(short * 0.01), 32, Math.floor(short / 2)));
}

const normalised = (position: number, size: number): number => (size > 1 ? (2 * position) / (size - 1) - 1 : 0);

/**
 * The border band cut into short segments, each summarised by its per-channel median. Medians,
 * not means: noise and a few stray subject pixels do not move them, and a segment the subject
 * covers stands out whole, so the model fit can drop it.
 */
export function borderSegments(rgba: Uint8Array, width: number, height: number): BorderSegment[] {
  const band = borderBand(width, height);
  const segments: BorderSegment[] = [];
  const histogram = new Uint32Array(768);
  const add = (x0: number, y0: number, x1: number, y1: number): void => {
    if (x1 <= x0 || y1 <= y0) return;
    histogram.fill(0);
    for (let y = y0; y < y1; y += 1) {
      for (let i = (y * width + x0) * 4, end = (y * width + x1) * 4; i < end; i += 4) {
        bump(histogram, rgba[i] as number);
        bump(histogram, 256 + (rgba[i + 1] as number));
        bump(histogram, 512 + (rgba[i + 2] as number));
      }
    }
    const count = (x1 - x0) * (y1 - y0);
    const median = [0, 1, 2].map((c) => {
      let seen = 0;
      for (let value = 0; value < 256; value += 1) {
        seen += histogram[c * 256 + value] as number;
        if (seen * 2 >= count) return value;
      }
      return 255;
    }) as [number, number, number];
    const u = normalised((x0 + x1 - 1) / 2, width);
    const v = normalised((y0 + y1 - 1) / 2, height);
    segments.push({ x0, y0, x1, y1, u, v, median, count });
  };
  const split = (length: number, each: (start: number, end: number) => void): void => {
    const step = Math.max(4, Math.ceil(length / SEGMENTS_PER_EDGE));
    for (let start = 0; start < length; start += step) each(start, Math.min(length, start + step));
  };
  split(width, (a, b) => add(a, 0, b, band));
  if (height > band) split(width, (a, b) => add(a, height - band, b, height));
  const inner = height - 2 * band;
  if (inner > 0) {
    split(inner, (a, b) => add(0, band + a, band, band + b));
    if (width > band) split(inner, (a, b) => add(width - band, band + a, width, band + b));
  }
  return segments;
}

/** A segment found on a copy shrunk by `factor`, mapped back onto the full image. */
export function scaleSegment(s: BorderSegment, factor: number, width: number, height: number): BorderSegment {
  const x1 = s.x1 * factor >= width - (width % factor) ? width : s.x1 * factor;
  const y1 = s.y1 * factor >= height - (height % factor) ? height : s.y1 * factor;
  return { ...s, x0: s.x0 * factor, y0: s.y0 * factor, x1, y1, count: (x1 - s.x0 * factor) * (y1 - s.y0 * factor) };
}
