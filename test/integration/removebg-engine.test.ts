import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine, type Engine } from '../../local/removebg/engine';
import { DEFAULT_MODEL_PATH, MODEL_SHA256 } from '../../local/removebg/segmenter';
import { BLANKS, iou, largeScene, renderScene, SCENES, type Scene } from '../support/scenes';

/** The box around the mask, for comparing with the engine's foreground box. */
function maskBounds(scene: Scene): { left: number; top: number; width: number; height: number } {
  let [left, top, right, bottom] = [scene.width, scene.height, -1, -1];
  for (let y = 0; y < scene.height; y += 1) {
    for (let x = 0; x < scene.width; x += 1) {
      if (scene.mask[y * scene.width + x] !== 1) continue;
      [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), y];
    }
  }
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}

/** How far (x, y) is from the outline, in pixels, up to `limit`. */
function outlineDistance(scene: Scene, x: number, y: number, limit: number): number {
  const at = scene.mask[y * scene.width + x];
  for (let radius = 1; radius <= limit; radius += 1) {
    for (let dy = -radius; dy <= radius; dy += 1) {
      for (let dx = -radius; dx <= radius; dx += 1) {
        const [nx, ny] = [x + dx, y + dy];
        if (nx < 0 || ny < 0 || nx >= scene.width || ny >= scene.height) continue;
        if (scene.mask[ny * scene.width + nx] !== at) return radius;
      }
    }
  }
  return limit + 1;
}

const alphaOf = (rgba: Uint8Array, width: number, x: number, y: number): number =>
  rgba[(y * width + x) * 4 + 3] as number;

describe('the local engine (U²-Netp and a guided filter)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadEngine();
  });
  afterAll(() => engine?.release());

  const cut = (scene: Scene) => engine.cutOut(Buffer.from(scene.rgba), scene.width, scene.height);

  describe.each(SCENES.map((spec) => [spec.name, spec] as const))('%s', (_name, spec) => {
    const scene = renderScene(spec);

    it('overlaps the true subject (IoU ≥ 0.95), reports its box, and keeps soft alpha to the outline', async () => {
      const result = await cut(scene);
      expect(iou(result.rgba, scene.mask)).toBeGreaterThanOrEqual(0.95);

      const truth = maskBounds(scene);
      // A soft edge's faint outer fringe is visible, so counts, beyond the half-coverage mask.
      // On a noisy backdrop a few faint specks next to the subject count too.
      const slack = 3 + (spec.edge ?? 1) + (spec.difficulty === 'noisy' ? 4 : 0);
      for (const side of ['left', 'top', 'width', 'height'] as const) {
        expect({ side, off: Math.abs((result.foreground?.[side] ?? -99) - truth[side]) <= slack }).toEqual({
          side,
          off: true,
        });
      }

      // Partial coverage belongs on the outline: no haze over the backdrop, no holes in the subject.
      let soft = 0;
      let stray = 0;
      for (let y = 0; y < scene.height; y += 1) {
        for (let x = 0; x < scene.width; x += 1) {
          const alpha = alphaOf(result.rgba, scene.width, x, y);
          if (alpha === 0 || alpha === 255) continue;
          soft += 1;
          if (outlineDistance(scene, x, y, (spec.edge ?? 1) + 4) > (spec.edge ?? 1) + 4) stray += 1;
        }
      }
      expect(soft).toBeGreaterThan(0);
      expect(stray / (scene.width * scene.height)).toBeLessThan(0.002);
    });
  });

  it('keeps a subject that runs off the bottom edge, down to the last row', async () => {
    const scene = renderScene(SCENES.find((s) => s.name === 'touching the bottom border')!);
    const result = await cut(scene);
    expect(alphaOf(result.rgba, scene.width, 200, scene.height - 1)).toBe(255);
    expect(Math.abs((result.foreground?.top ?? 0) - 90)).toBeLessThanOrEqual(3);
    expect((result.foreground?.top ?? 0) + (result.foreground?.height ?? 0)).toBe(scene.height);
  });

  it('cuts out the hole of a ring but not the ring', async () => {
    const scene = renderScene(SCENES.find((s) => s.name.startsWith('ring'))!);
    const result = await cut(scene);
    expect(alphaOf(result.rgba, scene.width, 200, 150)).toBe(0);
    expect(alphaOf(result.rgba, scene.width, 280, 150)).toBe(255);
  });

  it('follows a hard edge at full resolution: the outline is crisp, not an upscaled blur', async () => {
    const scene = largeScene(4000, 3000);
    const result = await cut(scene);
    expect(iou(result.rgba, scene.mask)).toBeGreaterThan(0.995);
    // Along the middle row the disc's edges are sharp in the photo: alpha goes 0 → 255 within 3 px.
    const y = 1500;
    const row = Array.from({ length: scene.width }, (_, x) => alphaOf(result.rgba, scene.width, x, y));
    const partial = row.filter((alpha) => alpha > 0 && alpha < 255).length;
    expect(partial).toBeLessThanOrEqual(6);
  });

  it('unmixes edge colours, so no backdrop tint rides along on the outline', async () => {
    // The subject is blue (shaded 40,90,200 → 20,50,130) on near-white (242,242,240): an edge
    // pixel left as the photo has it is a pale blue-grey blend; unmixed it is blue.
    const scene = renderScene(SCENES[0]!);
    const result = await cut(scene);
    let soft = 0;
    for (let i = 0; i < scene.width * scene.height; i += 1) {
      const [r, g, b, a] = result.rgba.subarray(i * 4, i * 4 + 4);
      if (a === 0 || a === 255) continue;
      soft += 1;
      expect({ i, blueEnough: b! - r! > 60 && b! - g! > 40 }).toEqual({ i, blueEnough: true });
    }
    expect(soft).toBeGreaterThan(50);
  });

  it.each(BLANKS.map((spec) => [spec.name, spec] as const))('finds no subject on a %s backdrop', async (_n, spec) => {
    const scene = renderScene(spec);
    const result = await cut(scene);
    expect(result.foreground).toBeUndefined();
    expect(result.rgba.every((value, i) => i % 4 !== 3 || value === 0)).toBe(true);
  });

  it('keeps transparency the input already had', async () => {
    const scene = renderScene(SCENES[0]!);
    const rgba = Buffer.from(scene.rgba);
    rgba[(150 * scene.width + 200) * 4 + 3] = 0;
    const result = await engine.cutOut(rgba, scene.width, scene.height);
    expect(alphaOf(result.rgba, scene.width, 200, 150)).toBe(0);
    expect(alphaOf(result.rgba, scene.width, 210, 150)).toBe(255);
  });

  it('handles tiny and one-pixel-wide images', async () => {
    expect((await engine.cutOut(Buffer.alloc(4, 255), 1, 1)).rgba).toHaveLength(4);
    expect((await engine.cutOut(Buffer.alloc(40 * 4, 200), 1, 40)).rgba).toHaveLength(160);
    expect((await engine.cutOut(Buffer.alloc(3 * 3 * 4, 0), 3, 3)).rgba).toHaveLength(36);
  });

  it('refuses a buffer that does not match the dimensions', async () => {
    await expect(engine.cutOut(Buffer.alloc(10), 2, 2)).rejects.toThrow(RangeError);
    await expect(engine.cutOut(Buffer.alloc(0), 0, 0)).rejects.toThrow(RangeError);
  });
});

describe('the model file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cutout-model-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('must exist: the engine stops at load, naming the file and the checksum it expects', async () => {
    const missing = join(dir, 'absent.onnx');
    await expect(loadEngine(missing)).rejects.toThrow(missing);
    await expect(loadEngine(missing)).rejects.toThrow(MODEL_SHA256);
  });

  it('must be the vendored U²-Netp byte for byte: a corrupted copy is refused at load', async () => {
    const corrupt = join(dir, 'corrupt.onnx');
    const bytes = await readFile(DEFAULT_MODEL_PATH);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] as number) ^ 0xff;
    await writeFile(corrupt, bytes);
    await expect(loadEngine(corrupt)).rejects.toThrow(`${corrupt} is not the expected file`);
    await expect(loadEngine(corrupt)).rejects.toThrow(MODEL_SHA256);
  });

  it('loads from another path when it is the same file', async () => {
    const copy = join(dir, 'copy.onnx');
    await copyFile(DEFAULT_MODEL_PATH, copy);
    const engine = await loadEngine(copy);
    const scene = renderScene(SCENES[0]!);
    const result = await engine.cutOut(Buffer.from(scene.rgba), scene.width, scene.height);
    expect(iou(result.rgba, scene.mask)).toBeGreaterThan(0.95);
    await engine.release();
  });
});
