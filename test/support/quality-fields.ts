/**
 * Signed distance fields, value noise and pixel-scale detail tiles for drawing synthetic
 * photographs (quality-scenes.ts). Distances are negative inside and (nearly) 1-Lipschitz, so a
 * field sampled on a coarse grid and interpolated keeps its outline where it was drawn and still
 * anti-aliases over about one pixel.
 */

// Math's functions held locally: a global lookup per pixel is slow in a vm context (as under Jest).
const { abs, cos, floor, imul, max, min, PI, sin, sqrt } = Math;

export type Field = (x: number, y: number) => number;
export type Point = readonly [number, number];

export function disc(cx: number, cy: number, r: number): Field {
  return (x, y) => sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) - r;
}

/**
 * A limb: a segment from a to b whose radius goes from ra to rb (Quílez's uneven capsule), so
 * arms, legs, necks and heads taper as they do.
 */
export function limb(ax: number, ay: number, ra: number, bx: number, by: number, rb: number): Field {
  const h = sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay));
  const ux = (bx - ax) / h;
  const uy = (by - ay) / h;
  const b = (ra - rb) / h;
  const a = sqrt(1 - b * b);
  return (x, y) => {
    const px = x - ax;
    const py = y - ay;
    const along = px * ux + py * uy;
    const across = abs(px * uy - py * ux);
    const k = a * along - b * across;
    if (k < 0) return sqrt(px * px + py * py) - ra;
    if (k > a * h) return sqrt(across * across + (along - h) * (along - h)) - rb;
    return across * a + along * b - ra;
  };
}

/** A box centred on (cx, cy) with half sizes hw × hh, corners rounded by r, turned by angle radians. */
export function box(cx: number, cy: number, hw: number, hh: number, r: number, angle = 0): Field {
  const c = cos(angle);
  const s = sin(angle);
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    const qx = abs(dx * c + dy * s) - (hw - r);
    const qy = abs(dy * c - dx * s) - (hh - r);
    const ox = max(qx, 0);
    const oy = max(qy, 0);
    return sqrt(ox * ox + oy * oy) + min(max(qx, qy), 0) - r;
  };
}

/** A polygon (either winding), grown by `round` so its corners are rounded as a real object's are. */
export function polygon(points: readonly Point[], round = 0): Field {
  const xs = Float64Array.from(points, (p) => p[0]);
  const ys = Float64Array.from(points, (p) => p[1]);
  const n = points.length;
  return (x, y) => {
    let nearest = Infinity;
    let inside = false;
    for (let k = 0, j = n - 1; k < n; j = k, k += 1) {
      const ax = xs[j] as number;
      const ay = ys[j] as number;
      const ex = (xs[k] as number) - ax;
      const ey = (ys[k] as number) - ay;
      const t = min(1, max(0, ((x - ax) * ex + (y - ay) * ey) / (ex * ex + ey * ey)));
      const dx = x - ax - t * ex;
      const dy = y - ay - t * ey;
      nearest = min(nearest, dx * dx + dy * dy);
      if (ay > y !== ay + ey > y && x < ax + ((y - ay) * ex) / ey) inside = !inside;
    }
    return (inside ? -sqrt(nearest) : sqrt(nearest)) - round;
  };
}

export function star(cx: number, cy: number, outer: number, inner: number, points: number, turn = 0): Point[] {
  const vertices: Point[] = [];
  for (let k = 0; k < points * 2; k += 1) {
    const r = k % 2 === 0 ? outer : inner;
    const angle = turn - PI / 2 + (k * PI) / points;
    vertices.push([cx + r * cos(angle), cy + r * sin(angle)]);
  }
  return vertices;
}

export function union(...fields: Field[]): Field {
  return (x, y) => {
    let d = Infinity;
    for (const field of fields) d = min(d, field(x, y));
    return d;
  };
}

/** Union with the crease filled over width k, as flesh fills the angle between neck and shoulder. */
export function blend(a: Field, b: Field, k: number): Field {
  return (x, y) => {
    const da = a(x, y);
    const db = b(x, y);
    const h = max(k - abs(da - db), 0) / k;
    return min(da, db) - h * h * k * 0.25;
  };
}

export function subtract(from: Field, cut: Field): Field {
  return (x, y) => max(from(x, y), -cut(x, y));
}

export function intersect(a: Field, b: Field): Field {
  return (x, y) => max(a(x, y), b(x, y));
}

/** Seeded uniform numbers in [0, 1) (mulberry32), so every run draws the same scene. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(ix: number, iy: number, seed: number): number {
  let h = imul(ix, 0x27d4eb2d) ^ imul(iy, 0x165667b1) ^ seed;
  h = imul(h ^ (h >>> 15), 0x85ebca6b);
  h = imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Value noise in [-0.5, 0.5], smooth between integer lattice points. */
export function noise(x: number, y: number, seed: number): number {
  const ix = floor(x);
  const iy = floor(y);
  const fx = x - ix;
  const fy = y - iy;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = hash(ix, iy, seed);
  const b = hash(ix + 1, iy, seed);
  const c = hash(ix, iy + 1, seed);
  const d = hash(ix + 1, iy + 1, seed);
  return a + (b - a) * sx + (c - a + (d - c - b + a) * sx) * sy - 0.5;
}

/** Fractal noise: octaves of value noise, each twice the frequency and half the amplitude. */
export function fbm(x: number, y: number, seed: number, octaves = 4): number {
  let sum = 0;
  let amplitude = 1;
  let total = 0;
  for (let k = 0; k < octaves; k += 1) {
    sum += amplitude * noise(x, y, seed + k * 1013);
    total += amplitude;
    x *= 2.03;
    y *= 2.03;
    amplitude *= 0.5;
  }
  return sum / total;
}

export const TILE = 64;

/**
 * Texture finer than the coarse grid (sensor grain, weave, grain lines), looked up per pixel from
 * a 64×64 tile with unit spread: what a camera resolves at full size and a downscaled copy loses.
 */
export function detailTile(kind: 'grain' | 'weave' | 'streaks', seed: number): Float32Array {
  const random = seeded(seed);
  const white = Float32Array.from({ length: TILE * TILE }, () => random() - 0.5);
  const tile = new Float32Array(TILE * TILE);
  const at = (x: number, y: number): number => white[((y + TILE) % TILE) * TILE + ((x + TILE) % TILE)] as number;
  for (let y = 0; y < TILE; y += 1) {
    for (let x = 0; x < TILE; x += 1) {
      let v: number;
      if (kind === 'grain') v = at(x, y) + 0.5 * (at(x + 1, y) + at(x, y + 1));
      else if (kind === 'weave') {
        // Threads four pixels apart, over and under, each a little uneven.
        const warp = sin((2 * PI * x) / 4) * (y % 8 < 4 ? 1 : -1);
        const weft = sin((2 * PI * y) / 4) * (x % 8 < 4 ? 1 : -1);
        v = 0.6 * warp + 0.6 * weft + at(x, y);
      } else {
        // Lines running down the tile: white noise averaged along a column.
        v = 0;
        for (let k = -6; k <= 6; k += 1) v += at(x, y + k) + 0.5 * at(x + 1, y + k);
      }
      tile[y * TILE + x] = v;
    }
  }
  return normalise(tile);
}

function normalise(values: Float32Array): Float32Array {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let variance = 0;
  for (const v of values) variance += (v - mean) ** 2 / values.length;
  const spread = sqrt(variance) || 1;
  return values.map((v) => (v - mean) / spread);
}
