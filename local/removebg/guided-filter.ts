/**
 * The colour guided filter (He, Sun, Tang, "Guided Image Filtering", 2013), in the fast form
 * (He & Sun, 2015): the linear model alpha ≈ a·I + b is fitted in every window of a reduced copy
 * of the photo, and the averaged a and b are then applied to the full-resolution pixels. Where
 * the photo has an edge the model's alpha follows it at full resolution; where the photo is
 * smooth the alpha stays smooth. All planes are Float32Array, row-major, width × height.
 */
export interface Coefficients {
  /** Per-pixel a for red, green, blue, and b: four planes of the reduced size. */
  planes: [Float32Array, Float32Array, Float32Array, Float32Array];
  width: number;
  height: number;
}

type Rgb = readonly [Float32Array, Float32Array, Float32Array];

/**
 * A guide image's window statistics, computed once and shared by every fit on that guide: its
 * window means and the inverse of each window's regularised colour covariance.
 */
export class GuidedFilter {
  /** The guide's window means, red, green, blue. */
  readonly means: Rgb;
  /** The six distinct entries of each window's (Σ + εU)⁻¹: rr, rg, rb, gg, gb, bb. */
  private readonly inverse: Float32Array[];
  private readonly scratch: Float32Array;

  /**
   * `guide` is three planes in [0, 1]; `radius` is the window's half side, `epsilon` how much
   * variation in the guide it takes to count as an edge (larger: smoother alpha).
   */
  constructor(
    private readonly guide: Rgb,
    readonly width: number,
    readonly height: number,
    readonly radius: number,
    epsilon: number,
  ) {
    const n = width * height;
    this.scratch = new Float32Array(n);
    const [r, g, b] = guide;
    this.means = [this.mean(r), this.mean(g), this.mean(b)];
    const [mr, mg, mb] = this.means;
    const [rr, rg, rb, gg, gb, bb] = [
      this.meanOfProduct(r, r),
      this.meanOfProduct(r, g),
      this.meanOfProduct(r, b),
      this.meanOfProduct(g, g),
      this.meanOfProduct(g, b),
      this.meanOfProduct(b, b),
    ];
    for (let i = 0; i < n; i += 1) {
      const ur = mr[i]!;
      const ug = mg[i]!;
      const ub = mb[i]!;
      const srr = rr[i]! - ur * ur + epsilon;
      const srg = rg[i]! - ur * ug;
      const srb = rb[i]! - ur * ub;
      const sgg = gg[i]! - ug * ug + epsilon;
      const sgb = gb[i]! - ug * ub;
      const sbb = bb[i]! - ub * ub + epsilon;
      // The inverse of the symmetric 3×3 matrix through its adjugate, written over the products.
      const i00 = sgg * sbb - sgb * sgb;
      const i01 = srb * sgb - srg * sbb;
      const i02 = srg * sgb - srb * sgg;
      const det = srr * i00 + srg * i01 + srb * i02;
      rr[i] = i00 / det;
      rg[i] = i01 / det;
      rb[i] = i02 / det;
      gg[i] = (srr * sbb - srb * srb) / det;
      gb[i] = (srb * srg - srr * sgb) / det;
      bb[i] = (srr * sgg - srg * srg) / det;
    }
    this.inverse = [rr, rg, rb, gg, gb, bb];
  }

  /** The window-averaged a and b that best map the guide onto `input` (the rough alpha). */
  fit(input: Float32Array): Coefficients {
    const [r, g, b] = this.guide;
    const [mr, mg, mb] = this.means;
    const [irr, irg, irb, igg, igb, ibb] = this.inverse as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const mp = this.mean(input);
    const ar = this.meanOfProduct(r, input);
    const ag = this.meanOfProduct(g, input);
    const ab = this.meanOfProduct(b, input);
    for (let i = 0; i < mp.length; i += 1) {
      const ur = mr[i]!;
      const ug = mg[i]!;
      const ub = mb[i]!;
      const up = mp[i]!;
      // The window's covariance of colour with the input, then a = (Σ + εU)⁻¹ c.
      const cr = ar[i]! - ur * up;
      const cg = ag[i]! - ug * up;
      const cb = ab[i]! - ub * up;
      const x = irr[i]! * cr + irg[i]! * cg + irb[i]! * cb;
      const y = irg[i]! * cr + igg[i]! * cg + igb[i]! * cb;
      const z = irb[i]! * cr + igb[i]! * cg + ibb[i]! * cb;
      ar[i] = x;
      ag[i] = y;
      ab[i] = z;
      mp[i] = up - x * ur - y * ug - z * ub;
    }
    return {
      planes: [this.mean(ar), this.mean(ag), this.mean(ab), this.mean(mp)],
      width: this.width,
      height: this.height,
    };
  }

  /** The window mean of a plane. */
  mean(plane: Float32Array): Float32Array {
    return boxMean(plane, this.width, this.height, this.radius, this.scratch);
  }

  /** The window mean of two planes' product. */
  meanOfProduct(x: Float32Array, y: Float32Array): Float32Array {
    const product = new Float32Array(x.length);
    for (let i = 0; i < product.length; i += 1) product[i] = x[i]! * y[i]!;
    return this.mean(product);
  }

  /** a·I + b on the guide itself, with what lies within `snap` of 0 or 1 made exactly that. */
  apply(fit: Coefficients, snap: number): Float32Array {
    const [ar, ag, ab, b] = fit.planes;
    const [r, g, bl] = this.guide;
    const out = new Float32Array(ar.length);
    const span = 1 - 2 * snap;
    for (let i = 0; i < out.length; i += 1) {
      const q = ar[i]! * r[i]! + ag[i]! * g[i]! + ab[i]! * bl[i]! + b[i]!;
      out[i] = q <= snap ? 0 : q >= 1 - snap ? 1 : (q - snap) / span;
    }
    return out;
  }
}

/**
 * The mean over a (2·radius + 1)² window clamped to the image, in O(1) a pixel: running sums
 * along each row, then down each column. Returns a new plane; `scratch` is overwritten.
 */
export function boxMean(
  plane: Float32Array,
  width: number,
  height: number,
  radius: number,
  scratch: Float32Array,
): Float32Array {
  const rows = scratch;
  const across = reciprocalCounts(width, radius);
  for (let y = 0; y < height; y += 1) {
    const row = y * width;
    let sum = 0;
    for (let x = 0; x < Math.min(radius, width); x += 1) sum += plane[row + x]!;
    for (let x = 0; x < width; x += 1) {
      if (x + radius < width) sum += plane[row + x + radius]!;
      if (x > radius) sum -= plane[row + x - radius - 1]!;
      rows[row + x] = sum * across[x]!;
    }
  }
  const down = reciprocalCounts(height, radius);
  const out = new Float32Array(width * height);
  const sums = new Float64Array(width);
  for (let y = 0; y < Math.min(radius, height); y += 1) {
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) sums[x] = sums[x]! + rows[i]!;
  }
  for (let y = 0; y < height; y += 1) {
    const add = y + radius < height ? (y + radius) * width : -1;
    const drop = y > radius ? (y - radius - 1) * width : -1;
    const scale = down[y]!;
    if (add >= 0) for (let x = 0; x < width; x += 1) sums[x] = sums[x]! + rows[add + x]!;
    if (drop >= 0) for (let x = 0; x < width; x += 1) sums[x] = sums[x]! - rows[drop + x]!;
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) out[i] = sums[x]! * scale;
  }
  return out;
}

/** 1 / the number of positions a window of this radius covers at each index of a line. */
function reciprocalCounts(length: number, radius: number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i += 1) out[i] = 1 / (Math.min(length - 1, i + radius) - Math.max(0, i - radius) + 1);
  return out;
}
