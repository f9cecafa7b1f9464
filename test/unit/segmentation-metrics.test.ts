import { alphaMask, boundaryF, boundaryOf, iou, within } from '../support/segmentation-metrics';

/** A mask of w × h drawn by a predicate on pixel centres. */
function draw(w: number, h: number, inside: (x: number, y: number) => boolean): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) mask[y * w + x] = inside(x + 0.5, y + 0.5) ? 1 : 0;
  return mask;
}

const disc = (cx: number, cy: number, r: number) => (x: number, y: number) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
const square = (x0: number, y0: number, side: number) => (x: number, y: number) =>
  x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;

describe('alphaMask', () => {
  it('keeps the pixels with alpha of at least 128', () => {
    const rgba = Uint8Array.from([9, 9, 9, 0, 9, 9, 9, 127, 9, 9, 9, 128, 9, 9, 9, 255]);
    expect([...alphaMask(rgba)]).toEqual([0, 0, 1, 1]);
  });
});

describe('iou', () => {
  const a = draw(100, 100, square(20, 20, 40));
  it('is 1 for identical masks and 0 for disjoint ones', () => {
    expect(iou(a, a)).toBe(1);
    expect(iou(a, draw(100, 100, square(60, 60, 30)))).toBe(0);
  });
  it('is a third for two equal squares overlapping by half', () => {
    expect(iou(a, draw(100, 100, square(40, 20, 40)))).toBeCloseTo(1 / 3, 10);
  });
  it('is 1 when both are empty, 0 when only one is', () => {
    const empty = new Uint8Array(100 * 100);
    expect(iou(empty, empty)).toBe(1);
    expect(iou(empty, a)).toBe(0);
    expect(iou(a, empty)).toBe(0);
  });
  it('refuses masks of different sizes', () => {
    expect(() => iou(new Uint8Array(4), new Uint8Array(5))).toThrow(RangeError);
  });
});

describe('boundaryOf', () => {
  it('marks both sides of every edge, four-connected', () => {
    const dot = draw(5, 5, (x, y) => x === 2.5 && y === 2.5);
    expect([...boundaryOf(dot, 5, 5)]).toEqual([7, 11, 12, 13, 17]);
  });
  it('draws no outline along the frame', () => {
    expect(boundaryOf(new Uint8Array(16).fill(1), 4, 4)).toHaveLength(0);
    const leftHalf = draw(4, 4, (x) => x < 2);
    expect([...boundaryOf(leftHalf, 4, 4)].map((i) => i % 4)).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
  });
});

describe('within', () => {
  it('grows a pixel into a disc of the tolerance', () => {
    expect(within(Int32Array.of(5 * 11 + 5), 11, 11, 2).reduce((n, v) => n + v, 0)).toBe(13);
    expect(within(Int32Array.of(5 * 11 + 5), 11, 11, 1).reduce((n, v) => n + v, 0)).toBe(5);
  });
  it('stops at the frame', () => {
    expect(within(Int32Array.of(0), 11, 11, 2).reduce((n, v) => n + v, 0)).toBe(6);
  });
});

describe('boundaryF', () => {
  const [w, h] = [200, 160];
  const truth = draw(w, h, disc(100, 80, 50));

  it('is 1 for identical masks', () => {
    expect(boundaryF(truth, truth, w, h, 2)).toEqual({ precision: 1, recall: 1, f: 1 });
  });

  it('forgives a shift of one pixel at a tolerance of 2, not at 0', () => {
    expect(boundaryF(draw(w, h, disc(101, 80, 50)), truth, w, h, 2).f).toBe(1);
    expect(boundaryF(draw(w, h, disc(101, 81, 50)), truth, w, h, 2).f).toBe(1);
    expect(boundaryF(draw(w, h, disc(101, 80, 50)), truth, w, h, 0).f).toBeLessThan(0.8);
  });

  it('is low for a shift of five pixels', () => {
    // Only the stretches of the outline running along the shift stay close: about a quarter of a circle.
    const shifted = boundaryF(draw(w, h, disc(105, 80, 50)), truth, w, h, 2);
    expect(shifted.f).toBeGreaterThan(0.1);
    expect(shifted.f).toBeLessThan(0.4);
    const diagonal = boundaryF(draw(w, h, square(45, 35, 80)), draw(w, h, square(40, 30, 80)), w, h, 2);
    expect(diagonal.f).toBeLessThan(0.1);
  });

  it('scores a ragged outline low on precision, a missing part low on recall', () => {
    const ragged = draw(w, h, (x, y) => disc(100, 80, 50)(x, y) && !(Math.floor(x) % 7 === 0 && y < 60));
    const score = boundaryF(ragged, truth, w, h, 2);
    expect(score.recall).toBeGreaterThan(0.95);
    expect(score.precision).toBeLessThan(0.6);
    const half = boundaryF(
      draw(w, h, (x, y) => x < 100 && disc(100, 80, 50)(x, y)),
      truth,
      w,
      h,
      2,
    );
    // The cut (100 px) is outline the truth lacks; the lost half-circle (157 px) is outline it misses.
    expect(half.precision).toBeCloseTo(157 / 257, 1);
    expect(half.recall).toBeCloseTo(0.5, 1);
  });

  it('is 1 when neither mask has an outline, 0 when only one has', () => {
    const empty = new Uint8Array(w * h);
    expect(boundaryF(empty, empty, w, h, 2).f).toBe(1);
    expect(boundaryF(new Uint8Array(w * h).fill(1), empty, w, h, 2).f).toBe(1);
    expect(boundaryF(empty, truth, w, h, 2)).toEqual({ precision: 1, recall: 0, f: 0 });
    expect(boundaryF(truth, empty, w, h, 2)).toEqual({ precision: 0, recall: 1, f: 0 });
  });

  // Its speed (about 0.15 s for both scores at 12 MP) is what lets the quality suite score 12 MP
  // scenes; it is reported there, not asserted here.
  it('scores a 12-megapixel pair', () => {
    const [W, H] = [4000, 3000];
    const a = draw(W, H, disc(2000, 1500, 1000));
    const b = draw(W, H, disc(2001, 1499, 1000));
    expect(boundaryF(a, b, W, H, 2).f).toBe(1);
    expect(iou(a, b)).toBeGreaterThan(0.99);
  });
});
