/** An RGBA image. */
export interface Raster {
  rgba: Uint8Array;
  width: number;
  height: number;
}

/**
 * The backdrop is smooth (a grid of 24 cells along the long side), so it is learnt on a copy
 * of about this many pixels: ~10 pixels a cell. Learning is several passes; at 300 000 they
 * cost a small photo more than the one full-size pass, for the same cutouts on every scene.
 */
const WORKING_PIXELS = 75_000;

/** The integer shrink factor that brings an image near WORKING_PIXELS (1 for small images). */
export function shrinkFactor(width: number, height: number): number {
  const wanted = Math.ceil(Math.sqrt((width * height) / WORKING_PIXELS));
  return Math.max(1, Math.min(wanted, Math.floor(Math.min(width, height) / 16)));
}

/** Box-averages factor × factor blocks; a remainder narrower than a block is left out. */
export function shrink(image: Raster, factor: number): Raster {
  if (factor === 1) return image;
  const { rgba, width } = image;
  const w = Math.floor(width / factor);
  const h = Math.floor(image.height / factor);
  const out = new Uint8Array(w * h * 4);
  const sums = new Uint32Array(w * 4);
  const area = factor * factor;
  for (let y = 0; y < h; y += 1) {
    sums.fill(0);
    for (let sy = y * factor; sy < (y + 1) * factor; sy += 1) {
      for (let j = 0, p = sy * width * 4; j < w * 4; j += 4) {
        for (let end = p + factor * 4; p < end; p += 4) {
          sums[j] = (sums[j] as number) + (rgba[p] as number);
          sums[j + 1] = (sums[j + 1] as number) + (rgba[p + 1] as number);
          sums[j + 2] = (sums[j + 2] as number) + (rgba[p + 2] as number);
          sums[j + 3] = (sums[j + 3] as number) + (rgba[p + 3] as number);
        }
      }
    }
    for (let j = 0; j < w * 4; j += 1) out[y * w * 4 + j] = ((sums[j] as number) / area + 0.5) | 0;
  }
  return { rgba: out, width: w, height: h };
}
