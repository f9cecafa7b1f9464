/**
 * Synthetic photographs with a known mask, for the segmentation quality tests (issue 15): shaded,
 * textured subjects (round, thin, concave, people) in focus, on plain, gradient, textured and busy
 * backgrounds, at any size. The mask is the pixels at least half covered by the subject.
 *
 * Rendering 12 MP in about a second: the subject's signed distance, its shaded colour and the
 * background are computed on a grid of at most about 1024 cells across and interpolated per pixel;
 * what a camera resolves below a cell (sensor grain, weave, grain lines) comes from small tiles.
 * The mask is read from the same interpolated distance as the coverage, so the two always agree.
 */
import { BACKDROPS, cellU, cellV, type BackdropKind, type BackdropName, type Grid } from './quality-backdrops';
import { detailTile, TILE } from './quality-fields';
import {
  ball,
  bracket,
  chair,
  crescent,
  figure,
  lamp,
  portrait,
  LOOKS,
  SUBJECT_KIND,
  woodenStar,
  type Part,
  type Person,
  type Standing,
  type SubjectKind,
  type SubjectName,
} from './quality-subjects';

const { ceil, floor, imul, max, min, pow, sqrt } = Math;

export interface QualitySceneSpec {
  name: string;
  backdrop: BackdropName;
  subject: SubjectName | undefined;
  parts: () => Part[];
  /** Darkness of the soft shadow the subject casts down and to the right on the backdrop (0: none). */
  shadow: number;
  seed: number;
}

export interface QualityScene {
  spec: QualitySceneSpec;
  width: number;
  height: number;
  rgba: Buffer;
  /** 1 where the subject covers at least half the pixel. */
  mask: Uint8Array;
}

export const backdropKind = (spec: QualitySceneSpec): BackdropKind => BACKDROPS[spec.backdrop].kind;
export const subjectKind = (spec: QualitySceneSpec): SubjectKind | undefined =>
  spec.subject && SUBJECT_KIND[spec.subject];

const ANA: Person = {
  skin: [222, 170, 138],
  hair: [58, 38, 28],
  top: [38, 58, 108],
  longHair: true,
};
const BEN: Standing = {
  skin: [146, 98, 70],
  hair: [30, 24, 22],
  top: [192, 80, 42],
  bottom: [196, 184, 158],
  shoes: [44, 38, 34],
};
const CHLOE: Person = {
  skin: [238, 198, 172],
  hair: [150, 98, 52],
  top: [118, 38, 50],
};
const DAN: Standing = {
  skin: [198, 150, 112],
  hair: [24, 20, 20],
  top: [96, 44, 108],
  bottom: [42, 54, 84],
  shoes: [30, 28, 28],
};
const EVA: Person = {
  skin: [232, 184, 150],
  hair: [196, 160, 100],
  top: [200, 200, 206],
  longHair: true,
};

/** Every scene, run at about 0.3 MP. */
export const QUALITY_SCENES: QualitySceneSpec[] = [
  scene('white studio', 'ball', () => ball([200, 92, 40]), 0.3),
  scene('grey studio', 'portrait', () => portrait(ANA), 0.25),
  scene('white studio', 'lamp', () => lamp([40, 110, 120], [40, 40, 44]), 0.3),
  scene('warm sweep', 'chair', () => chair([46, 78, 64]), 0.3),
  scene('blue sweep', 'figure', () => figure(BEN), 0.25),
  scene('blue sweep', 'star', () => woodenStar([214, 170, 60]), 0.3),
  scene('linen', 'crescent', () => crescent([70, 110, 160]), 0.25),
  scene('linen', 'portrait', () => portrait(CHLOE), 0.2),
  scene('oak planks', 'bracket', () => bracket([150, 156, 166]), 0.3),
  scene('oak planks', 'chair', () => chair([236, 234, 228]), 0.25),
  scene('room', 'figure', () => figure(DAN), 0),
  scene('bokeh', 'portrait', () => portrait(EVA), 0),
  scene('bokeh', 'ball', () => ball([230, 196, 60]), 0),
  scene('room', 'lamp', () => lamp([200, 150, 50], [170, 140, 70]), 0),
];

/** The subset run at about 4 MP, and the smaller one at 12 MP: every kind of background and subject. */
export const AT_4_MP = [
  'ball on white studio',
  'chair on warm sweep',
  'figure on blue sweep',
  'crescent on linen',
  'bracket on oak planks',
  'portrait on bokeh',
  'lamp in a room',
];
export const AT_12_MP = ['portrait on grey studio', 'star on blue sweep', 'chair on oak planks', 'figure in a room'];

/** Backgrounds with nothing in front of them: the engine must find no subject. */
export const QUALITY_BLANKS: QualitySceneSpec[] = (['white studio', 'warm sweep', 'oak planks', 'linen'] as const).map(
  (backdrop, k) => ({
    name: `blank ${backdrop}`,
    backdrop,
    subject: undefined,
    parts: () => [],
    shadow: 0,
    seed: 100 + k,
  }),
);

function scene(backdrop: BackdropName, subject: SubjectName, parts: () => Part[], shadow: number): QualitySceneSpec {
  const name = `${subject} ${backdrop === 'room' ? 'in a' : 'on'} ${backdrop}`;
  let seed = 7;
  for (const c of name) seed = (imul(seed, 31) + c.charCodeAt(0)) >>> 0;
  return { name, backdrop, subject, parts, shadow, seed };
}

/** Light from the upper left and in front; the halfway vector for highlights, the viewer being straight ahead. */
const LIGHT = unit(-0.45, -0.6, 0.66);
const HALFWAY = unit(LIGHT[0], LIGHT[1], LIGHT[2] + 1);
/** Distance, in pixels, stored where no subject is. */
const FAR = 1e6;
/** The grid is at most about this many cells across. */
const GRID_CELLS = 1024;
/** Half the width, in image heights, of the shadow's soft edge. */
const SHADOW_SOFT = 0.04;
/** Spread of the sensor noise on every pixel, in levels. */
const SENSOR_NOISE = 2.5;

export function renderQualityScene(spec: QualitySceneSpec, width: number, height: number): QualityScene {
  const step = max(1, ceil(max(width, height) / GRID_CELLS));
  const grid: Grid = { width, height, step, columns: ceil(width / step), rows: ceil(height / step) };
  const subject = drawSubject(spec.parts(), grid, spec.seed);
  const backdrop = BACKDROPS[spec.backdrop];
  const background = backdrop.paint(grid, spec.seed);
  if (spec.shadow > 0) castShadow(background, subject.distance, grid, spec.shadow);
  // In the order of GRAIN, WEAVE and STREAKS, which Look.tile indexes.
  const tiles = [
    detailTile('grain', spec.seed),
    detailTile('weave', spec.seed + 1),
    detailTile('streaks', spec.seed + 2),
  ];
  const backTile = detailTile(backdrop.detail.tile, spec.seed + 3);
  const { rgba, mask } = compose(
    grid,
    subject,
    background,
    { tiles, backTile, backAmplitude: backdrop.detail.amplitude },
    spec.seed,
  );
  return { spec, width, height, rgba, mask };
}

interface SubjectGrid {
  /** Signed distance to the subject's outline, in output pixels. */
  distance: Float32Array;
  colour: Float32Array;
  /** Which tile and how strong, per cell. */
  tile: Uint8Array;
  detail: Float32Array;
}

/** Cells per side of the blocks the subject's distance is first taken over. */
const BLOCK = 8;

/**
 * Per cell: the distance to the union of the parts, and the colour of the front-most part that
 * covers the cell (or the nearest, just outside), shaded by the relief of its rounded section.
 *
 * Distances change by at most their step, so one taken at a block's centre bounds the whole
 * block: a block far from the subject is filled with that bound, and within a near one only the
 * parts that can be nearest or in front anywhere in it are evaluated.
 */
function drawSubject(parts: Part[], grid: Grid, seed: number): SubjectGrid {
  const { columns, rows, step } = grid;
  const cells = columns * rows;
  const out: SubjectGrid = {
    distance: new Float32Array(cells).fill(FAR),
    colour: new Float32Array(cells * 3),
    tile: new Uint8Array(cells),
    detail: new Float32Array(cells),
  };
  if (parts.length === 0) return out;
  const h = grid.height;
  // Colour is needed wherever a pixel can be partly covered, up to a cell's diagonal out.
  const band = 2 * step + 2;
  // Distance is needed as far out as the shadow reaches.
  const near = (max(band, SHADOW_SOFT * h) + 1) / h;
  const centres = new Float64Array(parts.length);
  const relevant = new Int32Array(parts.length);
  for (let bj = 0; bj < rows; bj += BLOCK) {
    const bj1 = min(rows, bj + BLOCK);
    for (let bi = 0; bi < columns; bi += BLOCK) {
      const bi1 = min(columns, bi + BLOCK);
      const radius = (0.5 * step * sqrt((bi1 - bi - 1) ** 2 + (bj1 - bj - 1) ** 2)) / h;
      const cu = (cellU(grid, bi) + cellU(grid, bi1 - 1)) / 2;
      const cv = (cellV(grid, bj) + cellV(grid, bj1 - 1)) / 2;
      let best = Infinity;
      for (let k = 0; k < parts.length; k += 1) best = min(best, (centres[k] = (parts[k] as Part).field(cu, cv)));
      if (best - radius > near) {
        for (let j = bj; j < bj1; j += 1) out.distance.fill((best - radius) * h, j * columns + bi, j * columns + bi1);
        continue;
      }
      let count = 0;
      const reach = radius + max(best + radius, 0);
      for (let k = 0; k < parts.length; k += 1) if ((centres[k] as number) <= reach) relevant[count++] = k;
      for (let j = bj; j < bj1; j += 1) {
        for (let i = bi; i < bi1; i += 1) shadeCell(parts, relevant, count, grid, i, j, band, seed, out);
      }
    }
  }
  return out;
}

function shadeCell(
  parts: Part[],
  relevant: Int32Array,
  count: number,
  grid: Grid,
  i: number,
  j: number,
  band: number,
  seed: number,
  out: SubjectGrid,
): void {
  const h = grid.height;
  const u = cellU(grid, i);
  const v = cellV(grid, j);
  let nearest = 0;
  let best = Infinity;
  let front = -1;
  let frontD = 0;
  for (let n = 0; n < count; n += 1) {
    const k = relevant[n] as number;
    const d = (parts[k] as Part).field(u, v);
    if (d < best) [best, nearest] = [d, k];
    if (d <= 0) [front, frontD] = [k, d];
  }
  const c = j * grid.columns + i;
  out.distance[c] = best * h;
  if (best * h > band) return;
  const part = parts[front >= 0 ? front : nearest] as Part;
  const relief = part.relief ?? part.field;
  const d0 = part.relief ? relief(u, v) : front >= 0 ? frontD : best;
  const e = (0.5 * grid.step) / h;
  const gx = relief(u + e, v) - d0;
  const gy = relief(u, v + e) - d0;
  const g = sqrt(gx * gx + gy * gy) || 1;
  const o = 1 - min(1, max(0, -d0 / part.round));
  const nx = (o * gx) / g;
  const ny = (o * gy) / g;
  const nz = sqrt(1 - o * o);
  const diffuse = max(0, nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2]);
  const look = LOOKS[part.surface];
  const shine = 255 * look.specular * pow(max(0, nx * HALFWAY[0] + ny * HALFWAY[1] + nz * HALFWAY[2]), look.shininess);
  const lit = look.texture(u, v, seed + part.surface.length) * (0.32 + 0.78 * diffuse);
  for (let k = 0; k < 3; k += 1) out.colour[c * 3 + k] = (part.albedo[k] as number) * lit + shine;
  out.tile[c] = look.tile;
  out.detail[c] = look.detail;
}

/** A soft drop shadow: the outline moved down and right, blurred over a few hundredths of the frame. */
function castShadow(background: Float32Array, distance: Float32Array, grid: Grid, strength: number): void {
  const di = round((0.03 * grid.height) / grid.step);
  const dj = round((0.02 * grid.height) / grid.step);
  const soft = SHADOW_SOFT * grid.height;
  for (let j = 0; j < grid.rows; j += 1) {
    const sj = min(grid.rows - 1, max(0, j - dj));
    for (let i = 0; i < grid.columns; i += 1) {
      const si = min(grid.columns - 1, max(0, i - di));
      const d = distance[sj * grid.columns + si] as number;
      if (d >= soft) continue;
      const t = min(1, max(0, (d + soft) / (2 * soft)));
      const f = 1 - strength * (1 - t * t * (3 - 2 * t));
      const c = (j * grid.columns + i) * 3;
      for (let k = 0; k < 3; k += 1) background[c + k] = (background[c + k] as number) * f;
    }
  }
}

interface Detail {
  tiles: Float32Array[];
  backTile: Float32Array;
  backAmplitude: number;
}

/**
 * Full-size pixels: the grid interpolated bilinearly (rows blended once per output row), coverage
 * from the interpolated distance over an edge about as wide as a lens blurs at that size (1 px at
 * 0.3 MP, 2 px at 12 MP), the tiles' detail and the sensor's noise on top.
 */
function compose(
  grid: Grid,
  subject: SubjectGrid,
  background: Float32Array,
  detail: Detail,
  seed: number,
): { rgba: Buffer; mask: Uint8Array } {
  const { width, height, step, columns, rows } = grid;
  const edge = max(1, step / 2);
  const rgba = Buffer.alloc(width * height * 4);
  // Whole pixels written at once (little-endian: R in the low byte), as one store is cheaper than four.
  const pixels = new Int32Array(rgba.buffer, rgba.byteOffset, width * height);
  const mask = new Uint8Array(width * height);
  // Per column: the grid cells either side, the weight of the right one, the nearer one.
  const left = new Int32Array(width);
  const right = new Int32Array(width);
  const nearer = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x += 1) {
    const gx = min(columns - 1, max(0, (x + 0.5) / step - 0.5));
    const a = max(0, min(columns - 2, floor(gx)));
    left[x] = a;
    right[x] = min(columns - 1, a + 1);
    fx[x] = gx - a;
    nearer[x] = gx - a < 0.5 ? a : min(columns - 1, a + 1);
  }
  const rowD = new Float32Array(columns);
  const rowBack = new Float32Array(columns * 3);
  const rowFront = new Float32Array(columns * 3);
  const { distance, colour, tile, detail: strength } = subject;
  const { tiles, backTile, backAmplitude } = detail;
  // Held locally: an imported binding is a getter call per use once compiled to CommonJS.
  const tileSide = TILE;
  const wrap = TILE - 1;
  const lerpRow = (from: Float32Array, to: Float32Array, j0: number, j1: number, t: number, n: number): void => {
    for (let k = 0, a = j0 * columns * n, b = j1 * columns * n; k < columns * n; k += 1) {
      const p = from[a + k] as number;
      to[k] = p + ((from[b + k] as number) - p) * t;
    }
  };
  const inner = -0.5 * edge;
  const outer = 0.5 * edge;
  for (let y = 0; y < height; y += 1) {
    const gy = min(rows - 1, max(0, (y + 0.5) / step - 0.5));
    const j0 = max(0, min(rows - 2, floor(gy)));
    const j1 = min(rows - 1, j0 + 1);
    const fy = gy - j0;
    lerpRow(distance, rowD, j0, j1, fy, 1);
    lerpRow(background, rowBack, j0, j1, fy, 3);
    lerpRow(colour, rowFront, j0, j1, fy, 3);
    const nearRow = (fy < 0.5 ? j0 : j1) * columns;
    const tileRow = (y & wrap) * tileSide;
    for (let x = 0, m = y * width; x < width; x += 1, m += 1) {
      const a = left[x] as number;
      const b = right[x] as number;
      const f = fx[x] as number;
      const da = rowD[a] as number;
      const d = da + ((rowD[b] as number) - da) * f;
      const t = tileRow + (x & wrap);
      const noise = SENSOR_NOISE * grainAt(x, y, seed);
      const a3 = a * 3;
      const b3 = b * 3;
      const back = (backTile[t] as number) * backAmplitude + noise;
      let r = (rowBack[a3] as number) + ((rowBack[b3] as number) - (rowBack[a3] as number)) * f + back;
      let g = (rowBack[a3 + 1] as number) + ((rowBack[b3 + 1] as number) - (rowBack[a3 + 1] as number)) * f + back;
      let bl = (rowBack[a3 + 2] as number) + ((rowBack[b3 + 2] as number) - (rowBack[a3 + 2] as number)) * f + back;
      if (d < outer) {
        const cover = d <= inner ? 1 : 0.5 - d / edge;
        if (d <= 0) mask[m] = 1;
        const c = nearRow + (nearer[x] as number);
        const front = ((tiles[tile[c] as number] as Float32Array)[t] as number) * (strength[c] as number) + noise;
        const fr = (rowFront[a3] as number) + ((rowFront[b3] as number) - (rowFront[a3] as number)) * f + front;
        const fg =
          (rowFront[a3 + 1] as number) + ((rowFront[b3 + 1] as number) - (rowFront[a3 + 1] as number)) * f + front;
        const fb =
          (rowFront[a3 + 2] as number) + ((rowFront[b3 + 2] as number) - (rowFront[a3 + 2] as number)) * f + front;
        r += (fr - r) * cover;
        g += (fg - g) * cover;
        bl += (fb - bl) * cover;
      }
      pixels[m] = byte(r) | (byte(g) << 8) | (byte(bl) << 16) | OPAQUE;
    }
  }
  return { rgba, mask };
}

const OPAQUE = 0xff000000 | 0;

/** A channel value rounded and saturated, as texture and noise can push it past either end. */
function byte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : (value + 0.5) | 0;
}

/** Sensor noise: a triangular distribution with unit spread, hashed from the pixel's position. */
function grainAt(x: number, y: number, seed: number): number {
  let h = imul(x, 0x27d4eb2d) ^ imul(y, 0x165667b1) ^ seed;
  h = imul(h ^ (h >>> 15), 0x85ebca6b);
  h ^= h >>> 13;
  return (((h & 0xffff) + ((h >>> 16) & 0xffff)) / 65536 - 1) * 2.45;
}

function unit(x: number, y: number, z: number): readonly [number, number, number] {
  const n = sqrt(x * x + y * y + z * z);
  return [x / n, y / n, z / n];
}

function round(x: number): number {
  return floor(x + 0.5);
}
