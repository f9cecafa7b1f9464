import { cutOut } from '../../local/removebg/engine';
import { BLANKS, iou, largeScene, renderScene, SCENES, type Scene } from '../support/scenes';

/** The IoU each kind of scene must reach (alpha ≥ 128 against the drawn mask). */
const BAR = { plain: 0.95, gradient: 0.9, noisy: 0.9 };

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

/** Whether the mask changes somewhere within `radius` pixels of (x, y): the pixel is near the outline. */
function nearOutline(scene: Scene, x: number, y: number, radius: number): boolean {
  const at = scene.mask[y * scene.width + x];
  for (let dy = -radius; dy <= radius; dy += 1) {
    for (let dx = -radius; dx <= radius; dx += 1) {
      const [nx, ny] = [x + dx, y + dy];
      if (nx < 0 || ny < 0 || nx >= scene.width || ny >= scene.height) continue;
      if (scene.mask[ny * scene.width + nx] !== at) return true;
    }
  }
  return false;
}

describe('the built-in segmentation engine', () => {
  describe.each(SCENES.map((spec) => [spec.name, spec] as const))('%s', (_name, spec) => {
    const scene = renderScene(spec);
    const cut = cutOut(scene.rgba, scene.width, scene.height);

    it(`overlaps the true subject (IoU ≥ ${BAR[spec.difficulty]})`, () => {
      expect(iou(cut.rgba, scene.mask)).toBeGreaterThanOrEqual(BAR[spec.difficulty]);
    });

    it('reports the subject’s box (everything not fully transparent)', () => {
      const truth = maskBounds(scene);
      const found = cut.foreground;
      expect(found).toBeDefined();
      // A soft edge's faint outer fringe is visible, so counts, beyond the half-coverage mask.
      const slack = 2 + (spec.edge ?? 1);
      for (const side of ['left', 'top', 'width', 'height'] as const) {
        expect(Math.abs((found?.[side] ?? -1) - truth[side])).toBeLessThanOrEqual(slack);
      }
    });

    it('keeps fractional alpha to a narrow band along the outline', () => {
      let soft = 0;
      for (let y = 0; y < scene.height; y += 1) {
        for (let x = 0; x < scene.width; x += 1) {
          const alpha = cut.rgba[(y * scene.width + x) * 4 + 3] as number;
          if (alpha === 0 || alpha === 255) continue;
          soft += 1;
          expect({ x, y, near: nearOutline(scene, x, y, (spec.edge ?? 1) + 3) }).toEqual({ x, y, near: true });
        }
      }
      expect(soft).toBeGreaterThan(0);
    });
  });

  it('keeps a subject that runs off the bottom edge, down to the last row', () => {
    const spec = SCENES.find((s) => s.name === 'touching the bottom border');
    const scene = renderScene(spec!);
    const cut = cutOut(scene.rgba, scene.width, scene.height);
    const bottomCentre = ((scene.height - 1) * scene.width + 200) * 4 + 3;
    expect(cut.rgba[bottomCentre]).toBe(255);
    expect(cut.foreground).toMatchObject({ top: 90, height: scene.height - 90 });
  });

  it('cuts out the hole of a ring but not the ring', () => {
    const scene = renderScene(SCENES.find((s) => s.name.startsWith('ring'))!);
    const cut = cutOut(scene.rgba, scene.width, scene.height);
    const alphaAt = (x: number, y: number) => cut.rgba[(y * scene.width + x) * 4 + 3];
    expect(alphaAt(200, 150)).toBe(0);
    expect(alphaAt(200 + 80, 150)).toBe(255);
  });

  it('unmixes edge colours, so no backdrop tint rides along on the outline', () => {
    const scene = renderScene(SCENES[0]!);
    const cut = cutOut(scene.rgba, scene.width, scene.height);
    for (let i = 0; i < scene.width * scene.height; i += 1) {
      const [r, g, b, a] = cut.rgba.subarray(i * 4, i * 4 + 4);
      // The subject is blue (shaded 40,90,200 → 20,50,130) on near-white.
      if (a! > 0 && a! < 255) expect({ i, blueEnough: b! - r! > 60 && b! - g! > 40 }).toEqual({ i, blueEnough: true });
    }
  });

  it.each(BLANKS.map((spec) => [spec.name, spec] as const))('finds no subject on a %s backdrop', (_name, spec) => {
    const scene = renderScene(spec);
    const cut = cutOut(scene.rgba, scene.width, scene.height);
    expect(cut.foreground).toBeUndefined();
    expect(cut.rgba.every((value, i) => i % 4 !== 3 || value === 0)).toBe(true);
  });

  it('keeps transparency the input already had', () => {
    const scene = renderScene(SCENES[0]!);
    const rgba = Buffer.from(scene.rgba);
    rgba[(150 * scene.width + 200) * 4 + 3] = 0;
    const cut = cutOut(rgba, scene.width, scene.height);
    expect(cut.rgba[(150 * scene.width + 200) * 4 + 3]).toBe(0);
    expect(cut.rgba[(150 * scene.width + 210) * 4 + 3]).toBe(255);
  });

  it('handles tiny and one-pixel-wide images', () => {
    expect(cutOut(Buffer.alloc(4, 255), 1, 1).foreground).toBeUndefined();
    expect(cutOut(Buffer.alloc(40 * 4, 200), 1, 40).foreground).toBeUndefined();
    expect(cutOut(Buffer.alloc(3 * 3 * 4, 0), 3, 3).rgba).toHaveLength(36);
  });

  it('refuses a buffer that does not match the dimensions', () => {
    expect(() => cutOut(Buffer.alloc(10), 2, 2)).toThrow(RangeError);
    expect(() => cutOut(Buffer.alloc(0), 0, 0)).toThrow(RangeError);
  });

  // Its speed (ms per megapixel) is measured by `npm run bench`, not asserted here.
  it('cuts out a 12-megapixel image', () => {
    const scene = largeScene(4000, 3000);
    const cut = cutOut(scene.rgba, scene.width, scene.height);
    expect(iou(cut.rgba, scene.mask)).toBeGreaterThan(0.99);
  });
});
