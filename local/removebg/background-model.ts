import { borderSegments, bump, type BorderSegment } from './border-samples';
import { basis, solveQuadratic, TERMS } from './least-squares';

/**
 * The backdrop as first guessed from the border: per channel c0 + c1·u + c2·v + c3·u² + c4·u·v +
 * c5·v² over coordinates normalised to −1…1. A quadratic follows a studio sweep's falloff, yet
 * is too stiff to bend around a subject; the background field refines it from the inside.
 */
export interface BackgroundModel {
  /** Three channels of TERMS coefficients, channel-major. */
  coefficients: Float64Array;
  /** The border segments that agree with the surface: the background's own samples. */
  inliers: BorderSegment[];
}

/** A segment further than this from the surface (RGB distance) is never called background… */
const MIN_RESIDUAL_LIMIT = 10;
/** …and otherwise the limit is this many times the typical residual. */
const RESIDUAL_SPREAD = 3;
const ROUNDS = 6;

export function modelColour(coefficients: Float64Array, u: number, v: number, out: Float64Array): void {
  const phi = new Float64Array(TERMS);
  basis(u, v, phi);
  for (let k = 0; k < 3; k += 1) {
    let sum = 0;
    for (let t = 0; t < TERMS; t += 1) sum += (coefficients[k * TERMS + t] as number) * (phi[t] as number);
    out[k] = sum;
  }
}

/**
 * Fits the surface to the border by trimmed least squares: start from the median border colour,
 * drop the segments that sit far from the current surface (where the subject touches the
 * border), refit on the rest, and repeat until the inlier set settles.
 */
export function fitBackground(rgba: Uint8Array, width: number, height: number): BackgroundModel {
  const segments = borderSegments(rgba, width, height);
  let coefficients: Float64Array = new Float64Array(3 * TERMS);
  for (let k = 0; k < 3; k += 1) coefficients[k * TERMS] = median(segments.map((s) => s.median[k] as number));
  let inlier = segments.map(() => true);
  for (let round = 0; round < ROUNDS; round += 1) {
    const residuals = residualsOf(segments, coefficients);
    const limit = Math.max(MIN_RESIDUAL_LIMIT, RESIDUAL_SPREAD * median(residuals));
    const next = residuals.map((r) => r <= limit);
    if (next.filter(Boolean).length < TERMS) break;
    const settled = round > 0 && next.every((value, i) => value === inlier[i]);
    inlier = next;
    if (settled) break;
    coefficients = solveQuadratic(
      segments.filter((_, i) => inlier[i]).map((s) => ({ u: s.u, v: s.v, value: s.median, weight: s.count })),
    );
  }
  const inliers = segments.filter((_, i) => inlier[i]);
  return { coefficients, inliers: inliers.length > 0 ? inliers : segments };
}

/**
 * How far (in the distance map's units) a pixel may sit from the background field and still
 * count as background: from the border's own spread (noise plus misfit), so a noisy or unevenly
 * lit backdrop gets a wider margin and a clean one a tight margin that keeps pale subjects.
 */
export function toleranceFor(distance: Uint8Array, width: number, inliers: BorderSegment[]): number {
  const histogram = new Uint32Array(256);
  for (const s of inliers) {
    for (let y = s.y0; y < s.y1; y += 1) {
      for (let i = y * width + s.x0, end = y * width + s.x1; i < end; i += 1) bump(histogram, distance[i] as number);
    }
  }
  return clamp(3 * quantile(histogram, 0.75) + 10, 14, 110);
}

const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, Math.round(value)));

function quantile(histogram: Uint32Array, q: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  let seen = 0;
  for (let value = 0; value < histogram.length; value += 1) {
    seen += histogram[value] as number;
    if (seen >= total * q) return value;
  }
  return histogram.length - 1;
}

function residualsOf(segments: BorderSegment[], coefficients: Float64Array): number[] {
  const colour = new Float64Array(3);
  return segments.map((s) => {
    modelColour(coefficients, s.u, s.v, colour);
    return Math.hypot(
      s.median[0] - (colour[0] as number),
      s.median[1] - (colour[1] as number),
      s.median[2] - (colour[2] as number),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[(sorted.length - 1) >> 1] as number);
}
