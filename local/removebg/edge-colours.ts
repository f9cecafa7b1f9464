import type { GuidedFilter } from './guided-filter';

/**
 * The subject's and the backdrop's mean colours around each pixel of the working copy: six
 * planes (subject red, green, blue, then backdrop), in byte units. At the outline a pixel's
 * colour is a blend of the two (I = αF + (1 − α)B); these local means let each partly covered
 * pixel be given the subject's colour alone, so no backdrop tint rides along on hair, fur or a
 * soft edge when the cutout goes onto another background ("blur fusion": Forte & Pitié,
 * "Approximate Fast Foreground Colour Estimation", ICIP 2021).
 */
export function edgeColours(filter: GuidedFilter, guide: readonly Float32Array[], alpha: Float32Array): Float32Array[] {
  const n = alpha.length;
  const weight = filter.mean(alpha);
  const subject: Float32Array[] = [];
  const backdrop: Float32Array[] = [];
  guide.forEach((channel, c) => {
    const frontMean = filter.meanOfProduct(channel, alpha);
    const channelMean = filter.means[c] as Float32Array;
    const back = new Float32Array(n);
    for (let i = 0; i < n; i += 1) {
      const w = weight[i]!;
      // Where a window holds (almost) none of one side, its mean is the window's own colour.
      const f = w > 1e-3 ? frontMean[i]! / w : channelMean[i]!;
      const b = w < 1 - 1e-3 ? (channelMean[i]! - frontMean[i]!) / (1 - w) : channelMean[i]!;
      frontMean[i] = f * 255;
      back[i] = b * 255;
    }
    subject.push(frontMean);
    backdrop.push(back);
  });
  return [...subject, ...backdrop];
}

/** The subject's colour of one partly covered pixel (bytes), from its own and the local means. */
export function unmix(observed: number, subject: number, backdrop: number, alpha: number): number {
  const value = subject + alpha * (observed - alpha * subject - (1 - alpha) * backdrop);
  return value < 0 ? 0 : value > 255 ? 255 : value;
}
