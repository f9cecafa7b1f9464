import { AT_12_MP, AT_4_MP, QUALITY_BLANKS, QUALITY_SCENES, renderQualityScene } from '../support/quality-scenes';
import { iou } from '../support/segmentation-metrics';

const named = (name: string) => QUALITY_SCENES.find((spec) => spec.name === name)!;
const share = (mask: Uint8Array): number => mask.reduce((n, v) => n + v, 0) / mask.length;

describe('the quality scenes', () => {
  it('are drawn the same on every run', () => {
    const spec = named('figure in a room');
    const [a, b] = [renderQualityScene(spec, 320, 240), renderQualityScene(spec, 320, 240)];
    expect(a.rgba.equals(b.rgba)).toBe(true);
    expect(Buffer.from(a.mask).equals(Buffer.from(b.mask))).toBe(true);
  });

  it('name only scenes that exist in their 4 MP and 12 MP subsets', () => {
    const names = QUALITY_SCENES.map((spec) => spec.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of [...AT_4_MP, ...AT_12_MP]) expect(names).toContain(name);
  });

  it('put a subject in every scene and none on a blank', () => {
    for (const spec of QUALITY_SCENES) {
      const covered = share(renderQualityScene(spec, 160, 120).mask);
      expect({ name: spec.name, sensible: covered > 0.03 && covered < 0.4 }).toEqual({
        name: spec.name,
        sensible: true,
      });
    }
    for (const spec of QUALITY_BLANKS) expect(share(renderQualityScene(spec, 160, 120).mask)).toBe(0);
  });

  it('keep thin parts at least 2.4 % of the image height across', () => {
    const [w, h] = [640, 480];
    for (const [name, row] of [
      ['chair on warm sweep', 0.75],
      ['lamp on white studio', 0.6],
    ] as const) {
      const { mask } = renderQualityScene(named(name), w, h);
      const y = Math.round(row * h);
      const runs: number[] = [];
      for (let x = 0, run = 0; x <= w; x += 1) {
        if (x < w && mask[y * w + x] === 1) {
          run += 1;
        } else if (run > 0) {
          runs.push(run);
          run = 0;
        }
      }
      expect(runs.length).toBeGreaterThan(0);
      expect(Math.min(...runs)).toBeGreaterThanOrEqual(0.024 * h);
    }
  });

  it('draw the same outline at every size', () => {
    const spec = named('portrait on grey studio');
    const small = renderQualityScene(spec, 640, 480);
    const large = renderQualityScene(spec, 4000, 3000);
    // The large mask sampled at the small one's pixel centres.
    const sampled = new Uint8Array(640 * 480);
    for (let y = 0; y < 480; y += 1) {
      for (let x = 0; x < 640; x += 1)
        sampled[y * 640 + x] = large.mask[Math.floor((y + 0.5) * 6.25) * 4000 + Math.floor((x + 0.5) * 6.25)]!;
    }
    expect(iou(sampled, small.mask)).toBeGreaterThan(0.99);
    expect(Math.abs(share(large.mask) - share(small.mask))).toBeLessThan(0.002);
  });

  it('blend the subject into the backdrop over about a pixel, crossing halfway on the outline', () => {
    const { rgba, mask, width } = renderQualityScene(named('ball on white studio'), 640, 480);
    // Along the row through the ball's centre, from the backdrop at the left into the ball.
    const y = Math.round(0.52 * 480);
    let edge = 0;
    while (mask[y * width + edge] === 0) edge += 1;
    const luma = (x: number) => rgba[(y * width + x) * 4]! + rgba[(y * width + x) * 4 + 1]!;
    const outside = luma(edge - 4);
    const inside = luma(edge + 3);
    expect(outside - inside).toBeGreaterThan(150);
    // The first pixel in the mask is at least half ball; the one before it at most half.
    expect(luma(edge)).toBeLessThan((outside + inside) / 2 + 20);
    expect(luma(edge - 1)).toBeGreaterThan((outside + inside) / 2 - 20);
  });
});
