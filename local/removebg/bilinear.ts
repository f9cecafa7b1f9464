interface Size {
  width: number;
  height: number;
}

/** The two source rows an output row lies between (already resampled along x) and its weight. */
export interface RowPair {
  top: readonly Float32Array[];
  bottom: readonly Float32Array[];
  /** 0 at `top`, 1 at `bottom`. */
  t: number;
}

/**
 * Bilinear resampling of float planes that share a size, one output row at a time, so a caller
 * can consume a 12-megapixel result row by row without ever holding it whole (and blend the
 * two rows itself inside its own loop, which is where the time goes at that size). Pixel
 * centres are aligned, as image resamplers do, and edges clamp.
 */
export function rowPairs(planes: readonly Float32Array[], from: Size, to: Size): (y: number) => RowPair {
  const columns = taps(from.width, to.width);
  const rows = taps(from.height, to.height);
  // Each source row is resampled along x once and kept while the output rows still need it.
  const cache = new Map<number, Float32Array[]>();
  const source = (sy: number): Float32Array[] => {
    let done = cache.get(sy);
    if (!done) {
      done = planes.map((plane) => horizontal(plane, sy * from.width, columns, to.width));
      for (const key of cache.keys()) if (key < sy - 1) cache.delete(key);
      cache.set(sy, done);
    }
    return done;
  };
  return (y) => ({
    top: source(rows.low[y] as number),
    bottom: source(rows.high[y] as number),
    t: rows.weight[y] as number,
  });
}

/** One plane resampled whole. */
export function resizePlane(plane: Float32Array, from: Size, to: Size): Float32Array {
  const out = new Float32Array(to.width * to.height);
  const pairAt = rowPairs([plane], from, to);
  for (let y = 0; y < to.height; y += 1) {
    const { top, bottom, t } = pairAt(y);
    const a = top[0] as Float32Array;
    const b = bottom[0] as Float32Array;
    for (let x = 0, o = y * to.width; x < to.width; x += 1, o += 1) out[o] = a[x]! + (b[x]! - a[x]!) * t;
  }
  return out;
}

interface Taps {
  low: Int32Array;
  high: Int32Array;
  weight: Float32Array;
}

function taps(source: number, target: number): Taps {
  const low = new Int32Array(target);
  const high = new Int32Array(target);
  const weight = new Float32Array(target);
  const scale = source / target;
  for (let i = 0; i < target; i += 1) {
    const at = Math.min(source - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    const floor = Math.floor(at);
    low[i] = floor;
    high[i] = Math.min(source - 1, floor + 1);
    weight[i] = at - floor;
  }
  return { low, high, weight };
}

function horizontal(plane: Float32Array, offset: number, columns: Taps, width: number): Float32Array {
  const { low, high, weight } = columns;
  const out = new Float32Array(width);
  for (let x = 0; x < width; x += 1) {
    const a = plane[offset + low[x]!]!;
    out[x] = a + (plane[offset + high[x]!]! - a) * weight[x]!;
  }
  return out;
}
