/**
 * Synthetic studio shots with a known answer: shapes on plain, gradient or noisy backdrops,
 * drawn with anti-aliased (or deliberately soft) edges. The mask is the ideal cutout: pixels at
 * least half covered by a shape.
 */
export type Rgb = readonly [number, number, number];

// Math's functions held locally: a global lookup per pixel is slow in a vm context (as under Jest).
const { abs, cos, hypot, log, max, min, round, sin, sqrt, imul, PI, SQRT2 } = Math;

export type Shape =
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'ring'; cx: number; cy: number; r: number; inner: number }
  | { kind: 'roundedRect'; x: number; y: number; w: number; h: number; radius: number }
  | { kind: 'polygon'; points: readonly (readonly [number, number])[] };

export type Backdrop =
  | { kind: 'plain'; colour: Rgb }
  | { kind: 'linear'; from: Rgb; to: Rgb; angleDegrees: number }
  | { kind: 'radial'; centre: Rgb; edge: Rgb };

export interface SceneSpec {
  name: string;
  /** Which IoU bar the scene must clear. */
  difficulty: 'plain' | 'gradient' | 'noisy';
  width: number;
  height: number;
  backdrop: Backdrop;
  shapes: Shape[];
  /** Subject colour at its top and bottom (shaded like a lit object). */
  fill: readonly [Rgb, Rgb];
  /** Width in pixels of the edge's transition; 1 is ordinary anti-aliasing. */
  edge?: number;
  /** Standard deviation of Gaussian noise added to every channel of every pixel. */
  noise?: number;
  seed?: number;
}

export interface Scene {
  spec: SceneSpec;
  width: number;
  height: number;
  rgba: Buffer;
  /** 1 where the subject is (coverage ≥ 0.5). */
  mask: Uint8Array;
}

export function renderScene(spec: SceneSpec): Scene {
  const { width, height } = spec;
  const edge = spec.edge ?? 1;
  const random = gaussian(spec.seed ?? 1);
  const rgba = Buffer.alloc(width * height * 4);
  const mask = new Uint8Array(width * height);
  const bounds = verticalBounds(spec.shapes, width, height);
  for (let y = 0; y < height; y += 1) {
    const shade = min(1, max(0, (y - bounds.top) / max(1, bounds.bottom - bounds.top)));
    const fill = mix(spec.fill[0], spec.fill[1], shade);
    for (let x = 0; x < width; x += 1) {
      const i = y * width + x;
      const d = signedDistance(spec.shapes, x + 0.5, y + 0.5);
      const coverage = min(1, max(0, 0.5 - d / edge));
      if (d <= 0) mask[i] = 1;
      const back = backdropAt(spec.backdrop, x, y, width, height);
      for (let k = 0; k < 3; k += 1) {
        const value = coverage * (fill[k] as number) + (1 - coverage) * (back[k] as number);
        rgba[i * 4 + k] = clamp(value + (spec.noise ? spec.noise * random() : 0));
      }
      rgba[i * 4 + 3] = 255;
    }
  }
  return { spec, width, height, rgba, mask };
}

/** Intersection over union of alpha ≥ 128 against the known mask. */
export function iou(rgba: Uint8Array, mask: Uint8Array): number {
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < mask.length; i += 1) {
    const predicted = (rgba[i * 4 + 3] as number) >= 128;
    const truth = mask[i] === 1;
    if (predicted && truth) intersection += 1;
    if (predicted || truth) union += 1;
  }
  return union === 0 ? 1 : intersection / union;
}

export function star(cx: number, cy: number, outer: number, inner: number, points = 5): [number, number][] {
  const vertices: [number, number][] = [];
  for (let k = 0; k < points * 2; k += 1) {
    const r = k % 2 === 0 ? outer : inner;
    const angle = -PI / 2 + (k * PI) / points;
    vertices.push([cx + r * cos(angle), cy + r * sin(angle)]);
  }
  return vertices;
}

const W = 400;
const H = 300;
const STUDIO_WHITE: Rgb = [242, 242, 240];
const BLUE: readonly [Rgb, Rgb] = [
  [40, 90, 200],
  [20, 50, 130],
];
const RED: readonly [Rgb, Rgb] = [
  [210, 60, 50],
  [140, 30, 30],
];
const GREEN: readonly [Rgb, Rgb] = [
  [60, 160, 80],
  [30, 100, 50],
];
const SWEEP: Backdrop = { kind: 'linear', from: [235, 238, 242], to: [170, 180, 195], angleDegrees: 90 };
const VIGNETTE: Backdrop = { kind: 'radial', centre: [250, 245, 235], edge: [185, 175, 160] };

/** The scenes the engine is held to (400×300, as a typical preview). */
export const SCENES: SceneSpec[] = [
  scene('circle on plain', 'plain', STUDIO_WHITE, [{ kind: 'circle', cx: 200, cy: 150, r: 90 }], BLUE),
  scene('rounded rectangle on plain', 'plain', STUDIO_WHITE, [rect(110, 70, 180, 160, 24)], RED),
  scene('star on plain', 'plain', STUDIO_WHITE, [{ kind: 'polygon', points: star(200, 155, 120, 50) }], GREEN),
  scene('ring on plain (hole cut out)', 'plain', [225, 232, 240], [ring(200, 150, 110, 55)], RED),
  scene('touching the bottom border', 'plain', STUDIO_WHITE, [rect(140, 90, 120, 260, 30)], BLUE),
  scene('circle on a linear sweep', 'gradient', SWEEP, [{ kind: 'circle', cx: 190, cy: 140, r: 95 }], RED),
  scene('star on a vignette', 'gradient', VIGNETTE, [{ kind: 'polygon', points: star(200, 150, 125, 55) }], BLUE),
  scene('soft-edged circle on a sweep', 'gradient', SWEEP, [{ kind: 'circle', cx: 210, cy: 150, r: 85 }], GREEN, {
    edge: 4,
  }),
  scene('rectangle touching the right border on a sweep', 'gradient', SWEEP, [rect(230, 60, 300, 170, 20)], BLUE),
  scene('rounded rectangle on noise', 'noisy', [200, 205, 210], [rect(100, 60, 200, 180, 30)], RED, { noise: 10 }),
  scene('star on noise', 'noisy', STUDIO_WHITE, [{ kind: 'polygon', points: star(200, 150, 125, 50) }], BLUE, {
    noise: 12,
  }),
  scene('two circles on a noisy vignette', 'noisy', VIGNETTE, [circle(120, 150, 70), circle(290, 140, 60)], GREEN, {
    noise: 8,
  }),
];

/** Backdrops with nothing on them: the engine must report no subject. */
export const BLANKS: SceneSpec[] = [
  scene('blank plain', 'plain', STUDIO_WHITE, [], BLUE),
  scene('blank sweep', 'gradient', SWEEP, [], BLUE),
  scene('blank noise', 'noisy', [200, 205, 210], [], BLUE, { noise: 10 }),
];

function scene(
  name: string,
  difficulty: SceneSpec['difficulty'],
  backdrop: Backdrop | Rgb,
  shapes: Shape[],
  fill: readonly [Rgb, Rgb],
  extra: Partial<SceneSpec> = {},
): SceneSpec {
  const resolved: Backdrop = 'kind' in backdrop ? backdrop : { kind: 'plain', colour: backdrop };
  return { name, difficulty, width: W, height: H, backdrop: resolved, shapes, fill, seed: name.length, ...extra };
}

function rect(x: number, y: number, w: number, h: number, radius: number): Shape {
  return { kind: 'roundedRect', x, y, w, h, radius };
}

function ring(cx: number, cy: number, r: number, inner: number): Shape {
  return { kind: 'ring', cx, cy, r, inner };
}

function circle(cx: number, cy: number, r: number): Shape {
  return { kind: 'circle', cx, cy, r };
}

function signedDistance(shapes: Shape[], px: number, py: number): number {
  let best = Infinity;
  for (const shape of shapes) best = min(best, shapeDistance(shape, px, py));
  return best;
}

function shapeDistance(shape: Shape, px: number, py: number): number {
  switch (shape.kind) {
    case 'circle':
      return hypot(px - shape.cx, py - shape.cy) - shape.r;
    case 'ring': {
      const d = hypot(px - shape.cx, py - shape.cy);
      return max(d - shape.r, shape.inner - d);
    }
    case 'roundedRect': {
      const qx = abs(px - (shape.x + shape.w / 2)) - (shape.w / 2 - shape.radius);
      const qy = abs(py - (shape.y + shape.h / 2)) - (shape.h / 2 - shape.radius);
      return hypot(max(qx, 0), max(qy, 0)) + min(max(qx, qy), 0) - shape.radius;
    }
    case 'polygon':
      return polygonDistance(shape.points, px, py);
  }
}

function polygonDistance(points: readonly (readonly [number, number])[], px: number, py: number): number {
  let nearest = Infinity;
  let inside = false;
  for (let k = 0, j = points.length - 1; k < points.length; j = k, k += 1) {
    const [ax, ay] = points[j] as readonly [number, number];
    const [bx, by] = points[k] as readonly [number, number];
    const ex = bx - ax;
    const ey = by - ay;
    const t = min(1, max(0, ((px - ax) * ex + (py - ay) * ey) / (ex * ex + ey * ey)));
    nearest = min(nearest, hypot(px - ax - t * ex, py - ay - t * ey));
    if (ay > py !== by > py && px < ax + ((py - ay) * ex) / ey) inside = !inside;
  }
  return inside ? -nearest : nearest;
}

function verticalBounds(shapes: Shape[], width: number, height: number): { top: number; bottom: number } {
  let top = height;
  let bottom = 0;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width && shapes.length > 0; x += 2) {
      if (signedDistance(shapes, x + 0.5, y + 0.5) <= 0) {
        top = min(top, y);
        bottom = max(bottom, y);
        break;
      }
    }
  }
  return { top, bottom };
}

function backdropAt(backdrop: Backdrop, x: number, y: number, width: number, height: number): Rgb {
  switch (backdrop.kind) {
    case 'plain':
      return backdrop.colour;
    case 'linear': {
      const angle = (backdrop.angleDegrees * PI) / 180;
      const dx = cos(angle);
      const dy = sin(angle);
      const extent = abs(dx) * width + abs(dy) * height;
      const t = ((x - (dx < 0 ? width : 0)) * dx + (y - (dy < 0 ? height : 0)) * dy) / extent;
      return mix(backdrop.from, backdrop.to, t);
    }
    case 'radial': {
      const t = hypot((x - width / 2) / (width / 2), (y - height / 2) / (height / 2)) / SQRT2;
      return mix(backdrop.centre, backdrop.edge, t);
    }
  }
}

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

const clamp = (value: number): number => max(0, min(255, round(value)));

/** Seeded standard normal samples (mulberry32 + Box–Muller), so every run draws the same noise. */
function gaussian(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => sqrt(-2 * log(1 - uniform())) * cos(2 * PI * uniform());
}

/**
 * A big scene drawn cheaply (hard-edged disc on a vertical sweep), for timing the engine at
 * camera resolutions where the exact renderer above would take longer than the engine.
 */
export function largeScene(width: number, height: number): Scene {
  const rgba = Buffer.alloc(width * height * 4);
  const mask = new Uint8Array(width * height);
  const cx = width / 2;
  const cy = height / 2;
  const r2 = (min(width, height) / 3) ** 2;
  for (let y = 0; y < height; y += 1) {
    const back = mix([235, 238, 242], [170, 180, 195], y / height);
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) {
      const inside = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r2;
      const colour = inside ? (RED[0] as Rgb) : back;
      rgba[i * 4] = colour[0];
      rgba[i * 4 + 1] = colour[1];
      rgba[i * 4 + 2] = colour[2];
      rgba[i * 4 + 3] = 255;
      mask[i] = inside ? 1 : 0;
    }
  }
  const spec: SceneSpec = {
    name: `disc on a sweep, ${width}×${height}`,
    difficulty: 'gradient',
    width,
    height,
    backdrop: SWEEP,
    shapes: [{ kind: 'circle', cx, cy, r: sqrt(r2) }],
    fill: RED,
  };
  return { spec, width, height, rgba, mask };
}
