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
  const area = factor * factor;
  // One block at a time, its sums in locals: no per-pixel read-modify-write of a sums array.
  for (let y = 0, o = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1, o += 4) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = y * factor; sy < (y + 1) * factor; sy += 1) {
        for (let p = (sy * width + x * factor) * 4, end = p + factor * 4; p < end; p += 4) {
          r += rgba[p] as number;
          g += rgba[p + 1] as number;
          b += rgba[p + 2] as number;
          a += rgba[p + 3] as number;
        }
      }
      out[o] = (r / area + 0.5) | 0;
      out[o + 1] = (g / area + 0.5) | 0;
      out[o + 2] = (b / area + 0.5) | 0;
      out[o + 3] = (a / area + 0.5) | 0;
    }
  }
  return { rgba: out, width: w, height: h };
}
