/**
 * Backgrounds for the quality scenes, painted on a coarse grid (at most about a thousand cells
 * across) and interpolated to full size, with pixel-scale detail added from a tile afterwards.
 * Coordinates are in image heights: u runs from the centre line, v from the top.
 */
import type { Rgb } from './scenes';
import { box, disc, fbm, noise, seeded, type Field } from './quality-fields';

const { exp, floor, max, min, PI, sin } = Math;

export interface Grid {
  /** Output size in pixels. */
  width: number;
  height: number;
  /** Output pixels per cell, each way. */
  step: number;
  columns: number;
  rows: number;
}

export type BackdropKind = 'plain' | 'gradient' | 'textured' | 'busy';
export type BackdropName =
  'white studio' | 'grey studio' | 'warm sweep' | 'blue sweep' | 'oak planks' | 'linen' | 'bokeh' | 'room';

export interface Backdrop {
  kind: BackdropKind;
  /** RGB per cell, 0–255. */
  paint(grid: Grid, seed: number): Float32Array;
  /** Pixel-scale texture: which tile, and its spread in levels. */
  detail: { tile: 'grain' | 'weave' | 'streaks'; amplitude: number };
}

export const cellU = (grid: Grid, i: number): number => ((i + 0.5) * grid.step - grid.width / 2) / grid.height;
export const cellV = (grid: Grid, j: number): number => ((j + 0.5) * grid.step) / grid.height;

export const BACKDROPS: Record<BackdropName, Backdrop> = {
  'white studio': { kind: 'plain', paint: studio([236, 236, 232]), detail: { tile: 'grain', amplitude: 1 } },
  'grey studio': { kind: 'plain', paint: studio([132, 134, 137]), detail: { tile: 'grain', amplitude: 1 } },
  'warm sweep': {
    kind: 'gradient',
    paint: sweep([150, 118, 96], [232, 212, 186]),
    detail: { tile: 'grain', amplitude: 1 },
  },
  'blue sweep': {
    kind: 'gradient',
    paint: sweep([58, 82, 128], [170, 192, 220]),
    detail: { tile: 'grain', amplitude: 1 },
  },
  'oak planks': { kind: 'textured', paint: planks, detail: { tile: 'streaks', amplitude: 7 } },
  linen: { kind: 'textured', paint: linen, detail: { tile: 'weave', amplitude: 7 } },
  bokeh: { kind: 'busy', paint: bokeh, detail: { tile: 'grain', amplitude: 1 } },
  room: { kind: 'busy', paint: room, detail: { tile: 'grain', amplitude: 1 } },
};

function eachCell(grid: Grid, colour: (u: number, v: number, out: Float32Array, at: number) => void): Float32Array {
  const rgb = new Float32Array(grid.columns * grid.rows * 3);
  for (let j = 0; j < grid.rows; j += 1) {
    const v = cellV(grid, j);
    for (let i = 0; i < grid.columns; i += 1) colour(cellU(grid, i), v, rgb, (j * grid.columns + i) * 3);
  }
  return rgb;
}

function put(out: Float32Array, at: number, colour: Rgb, factor: number): void {
  out[at] = colour[0] * factor;
  out[at + 1] = colour[1] * factor;
  out[at + 2] = colour[2] * factor;
}

/** Seamless paper, lit evenly but for a slight fall-off towards the corners and a faint mottle. */
function studio(colour: Rgb): Backdrop['paint'] {
  return (grid, seed) =>
    eachCell(grid, (u, v, out, at) => {
      const r2 = u * u * 0.6 + (v - 0.45) * (v - 0.45);
      put(out, at, colour, (1 - 0.09 * r2) * (1 + 0.03 * fbm(u * 1.5, v * 1.5, seed, 3)));
    });
}

/** A paper sweep: darker wall above curving into a lighter floor, with a spotlight behind the subject. */
function sweep(wall: Rgb, floor: Rgb): Backdrop['paint'] {
  return (grid, seed) =>
    eachCell(grid, (u, v, out, at) => {
      const t = smoothstep(0.1, 1.05, v);
      const spot = 1 + 0.22 * exp(-((u + 0.15) * (u + 0.15) + (v - 0.4) * (v - 0.4)) / 0.12);
      const f = spot * (1 + 0.03 * fbm(u * 2, v * 2, seed, 3));
      for (let k = 0; k < 3; k += 1) out[at + k] = ((wall[k] as number) * (1 - t) + (floor[k] as number) * t) * f;
    });
}

/** A wall of vertical oak boards: wavy grain lines, a tint per board, dark seams between boards. */
function planks(grid: Grid, seed: number): Float32Array {
  const light: Rgb = [200, 154, 106];
  const dark: Rgb = [128, 84, 52];
  const board = 0.17;
  return eachCell(grid, (u, v, out, at) => {
    const x = u + 10;
    const p = floor(x / board);
    const across = x - p * board;
    const tint = 0.9 + 0.25 * noise(p * 7.31, 0.5, seed);
    const seam = 1 - 0.5 * exp(-((min(across, board - across) / 0.003) ** 2));
    const warp = fbm(across * 3, v * 0.9 + p * 13.7, seed + 1, 3);
    const ring = 0.5 + 0.5 * sin(2 * PI * (across * 26 + warp * 2.4 + p * 0.37));
    const t = 0.55 * ring * ring * ring + 0.3 * (fbm(u * 40, v * 2.5, seed + 2, 2) + 0.5);
    const f = tint * seam * (1 - 0.12 * u * u);
    for (let k = 0; k < 3; k += 1) out[at + k] = ((light[k] as number) * (1 - t) + (dark[k] as number) * t) * f;
  });
}

/** Draped linen: broad folds, a mottle, and slubs (thicker threads) running across. */
function linen(grid: Grid, seed: number): Float32Array {
  const colour: Rgb = [206, 196, 176];
  return eachCell(grid, (u, v, out, at) => {
    const folds = 0.1 * sin(2 * PI * (u * 1.3 + v * 0.5 + 0.9 * fbm(u * 1.2, v * 1.2, seed, 3)));
    const mottle = 0.05 * fbm(u * 8, v * 8, seed + 1, 3);
    const slubs = 0.05 * fbm(u * 2.5, v * 160, seed + 2, 2);
    put(out, at, colour, 1 + folds + mottle + slubs);
  });
}

/** Out-of-focus lights at night: soft discs of many colours over a dark, uneven ground. */
function bokeh(grid: Grid, seed: number): Float32Array {
  const rgb = eachCell(grid, (u, v, out, at) => {
    const t = smoothstep(0, 1, v);
    const cloud = 1 + 0.5 * fbm(u * 1.5, v * 1.5, seed, 3);
    out[at] = (72 - 30 * t) * cloud;
    out[at + 1] = (54 - 18 * t) * cloud;
    out[at + 2] = (50 - 6 * t) * cloud;
  });
  const lights: Rgb[] = [
    [255, 196, 120],
    [255, 160, 80],
    [150, 190, 255],
    [190, 230, 150],
    [255, 130, 150],
  ];
  const random = seeded(seed + 7);
  const half = grid.width / grid.height / 2;
  for (let k = 0; k < 60; k += 1) {
    const r = 0.02 + 0.06 * random();
    const [cx, cy] = [(random() * 2 - 1) * half, random()];
    const colour = lights[floor(random() * lights.length)] as Rgb;
    // A defocused highlight: a flat disc whose edge softness grows with its size.
    paint(grid, rgb, [cx - r, cy - r, cx + r, cy + r], disc(cx, cy, r), colour, 0.08 + 0.2 * random(), 0.25 * r, 'add');
  }
  return rgb;
}

/** A living room out of focus behind the subject: wall, floor, window, shelves, sofa, plant. */
function room(grid: Grid, seed: number): Float32Array {
  const rgb = eachCell(grid, (u, v, out, at) => {
    const floorT = smoothstep(0.7, 0.74, v);
    const f = 1 + 0.06 * fbm(u * 2, v * 2, seed, 3) - 0.1 * u * u;
    out[at] = (178 * (1 - floorT) + 118 * floorT) * f;
    out[at + 1] = (166 * (1 - floorT) + 92 * floorT) * f;
    out[at + 2] = (148 * (1 - floorT) + 70 * floorT) * f;
  });
  // Out of focus: every edge blurred over a few hundredths of the frame, as at f/2 a few metres behind.
  const soft = 0.025;
  const rect = (x0: number, y0: number, x1: number, y1: number, colour: Rgb, round = 0.004): void => {
    const field = box((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2, round);
    paint(grid, rgb, [x0, y0, x1, y1], field, colour, 1, soft, 'over');
  };
  rect(-0.62, 0.08, -0.28, 0.5, [150, 130, 110]);
  rect(-0.6, 0.1, -0.3, 0.48, [226, 232, 238]);
  rect(-0.455, 0.1, -0.425, 0.48, [150, 130, 110]);
  rect(-0.6, 0.28, -0.3, 0.3, [150, 130, 110]);
  rect(-0.7, 0.55, -0.2, 0.8, [84, 96, 120], 0.04);
  rect(-0.68, 0.5, -0.22, 0.6, [96, 108, 132], 0.04);
  rect(0.3, 0.12, 0.7, 0.78, [104, 76, 56]);
  const random = seeded(seed + 3);
  const books: Rgb[] = [
    [170, 60, 50],
    [60, 90, 140],
    [210, 190, 120],
    [70, 120, 80],
    [230, 225, 215],
    [40, 40, 45],
  ];
  for (let shelf = 0; shelf < 4; shelf += 1) {
    const base = 0.28 + shelf * 0.15;
    rect(0.31, base - 0.005, 0.69, base + 0.01, [140, 108, 80]);
    for (let x = 0.32; x < 0.66;) {
      const w = 0.015 + 0.03 * random();
      const h = 0.06 + 0.06 * random();
      rect(x, base - 0.005 - h, min(0.68, x + w), base - 0.005, books[floor(random() * books.length)] as Rgb, 0.002);
      x += w + 0.004 + (random() < 0.2 ? 0.04 : 0);
    }
  }
  rect(0.05, 0.14, 0.22, 0.32, [60, 50, 45]);
  rect(0.065, 0.155, 0.205, 0.305, [120, 150, 170]);
  for (let k = 0; k < 14; k += 1) {
    const [cx, cy, r] = [-0.2 + 0.1 * (random() - 0.5), 0.45 + 0.25 * random(), 0.03 + 0.03 * random()];
    const green: Rgb = [50 + 40 * random(), 100 + 50 * random(), 50 + 30 * random()];
    paint(grid, rgb, [cx - r, cy - r, cx + r, cy + r], disc(cx, cy, r), green, 0.9, soft, 'over');
  }
  rect(-0.25, 0.66, -0.15, 0.78, [150, 80, 60], 0.01);
  return haze(rgb, 0.2);
}

/** Pulls every colour a share of the way to the mean: defocus and depth lower a background's contrast. */
function haze(rgb: Float32Array, share: number): Float32Array {
  const mean = [0, 1, 2].map((k) => {
    let sum = 0;
    for (let at = k; at < rgb.length; at += 3) sum += rgb[at] as number;
    return (3 * sum) / rgb.length;
  });
  for (let at = 0; at < rgb.length; at += 1) {
    rgb[at] = (rgb[at] as number) * (1 - share) + (mean[at % 3] as number) * share;
  }
  return rgb;
}

/**
 * Paints a soft-edged shape over the cells of its bounds (grown by the softness): `over` covers
 * what is there, `add` adds light, as a defocused highlight does.
 */
export function paint(
  grid: Grid,
  rgb: Float32Array,
  bounds: readonly [number, number, number, number],
  field: Field,
  colour: Rgb,
  opacity: number,
  soft: number,
  mode: 'over' | 'add',
): void {
  const toI = (u: number): number => (u * grid.height + grid.width / 2) / grid.step;
  const toJ = (v: number): number => (v * grid.height) / grid.step;
  const i0 = max(0, floor(toI(bounds[0] - soft)));
  const i1 = min(grid.columns - 1, floor(toI(bounds[2] + soft)) + 1);
  const j0 = max(0, floor(toJ(bounds[1] - soft)));
  const j1 = min(grid.rows - 1, floor(toJ(bounds[3] + soft)) + 1);
  for (let j = j0; j <= j1; j += 1) {
    const v = cellV(grid, j);
    for (let i = i0; i <= i1; i += 1) {
      const cover = opacity * (1 - smoothstep(-soft, soft, field(cellU(grid, i), v)));
      if (cover <= 0) continue;
      const at = (j * grid.columns + i) * 3;
      for (let k = 0; k < 3; k += 1) {
        const c = colour[k] as number;
        rgb[at + k] =
          mode === 'add' ? (rgb[at + k] as number) + c * cover : (rgb[at + k] as number) * (1 - cover) + c * cover;
      }
    }
  }
}

export function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = min(1, max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}
