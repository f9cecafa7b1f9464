import { AppError } from '../../functions/src/core/errors';
import {
  applyEditsPatch,
  DEFAULT_EDITS,
  initialEdits,
  readFormat,
  readMargin,
  readPosition,
  readScale,
  renderName,
  type Edits,
} from '../../functions/src/core/edits';
import { layoutRender, opaqueBounds } from '../../functions/src/core/render-layout';

const fieldsOf = (run: () => unknown): string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return ((error as AppError).errors ?? []).map((e) => e.field).sort();
  }
  throw new Error('expected a validation error');
};

describe('edits', () => {
  it('reads remove.bg-style margins, scales and positions, refusing what is out of range', () => {
    expect(readMargin('0')).toEqual({ px: 0 });
    expect(readMargin('30px')).toEqual({ px: 30 });
    expect(readMargin('12.5%')).toEqual({ fraction: 0.125 });
    for (const bad of ['501px', '51%', '-1px', '5', 'px', '1e2px']) expect(readMargin(bad)).toBeUndefined();
    expect(readScale('original')).toBe('original');
    expect(readScale('80%')).toBe(0.8);
    for (const bad of ['9%', '101%', '50', 'big']) expect(readScale(bad)).toBeUndefined();
    expect(readPosition('center')).toEqual({ x: 0.5, y: 0.5 });
    expect(readPosition('25%')).toEqual({ x: 0.25, y: 0.25 });
    expect(readPosition('0% 100%')).toEqual({ x: 0, y: 1 });
    for (const bad of ['left', '101%', '10% 20% 30%', '']) expect(readPosition(bad)).toBeUndefined();
  });

  it('applies a patch over the current edits, normalising colours', () => {
    const next = applyEditsPatch(DEFAULT_EDITS, { background: { type: 'color', color: '#AABBCC' }, crop: true }, false);
    expect(next).toEqual({ ...DEFAULT_EDITS, background: { type: 'color', color: 'aabbcc' }, crop: true });
    expect(applyEditsPatch(next, { size: 1024, quality: 75 }, false)).toMatchObject({
      crop: true,
      size: 1024,
      quality: 75,
    });
    expect(initialEdits('ff0000').background).toEqual({ type: 'color', color: 'ff0000' });
    expect(initialEdits(null)).toEqual(DEFAULT_EDITS);
  });

  it('lists every mistake of a patch and keeps the background image for when one exists', () => {
    expect(
      fieldsOf(() =>
        applyEditsPatch(
          DEFAULT_EDITS,
          { background: { type: 'blur', radius: 0, extra: 1 }, crop: 'yes', size: 'huge', colour: 'red' },
          false,
        ),
      ),
    ).toEqual(['background.extra', 'background.radius', 'colour', 'crop', 'size']);
    expect(fieldsOf(() => applyEditsPatch(DEFAULT_EDITS, { background: { type: 'image' } }, false))).toEqual([
      'background.type',
    ]);
    expect(applyEditsPatch(DEFAULT_EDITS, { background: { type: 'image' } }, true).background).toEqual({
      type: 'image',
    });
    expect(fieldsOf(() => applyEditsPatch(DEFAULT_EDITS, [], false))).toEqual(['']);
  });

  it('names renders after the original and knows its formats', () => {
    expect(renderName('holiday.jpeg', 'jpg')).toBe('holiday-nobg.jpg');
    expect(renderName('scan', 'mask')).toBe('scan-mask.png');
    expect(readFormat(undefined)).toBe('png');
    expect(readFormat('webp')).toBe('webp');
    expect(fieldsOf(() => readFormat('gif'))).toEqual(['format']);
  });
});

describe('render layout', () => {
  const frame = { width: 1000, height: 800 };
  const subject = { left: 400, top: 300, width: 200, height: 100 };
  const edits = (change: Partial<Edits>): Edits => ({ ...DEFAULT_EDITS, ...change });

  it('keeps the whole frame when nothing moves', () => {
    expect(layoutRender(frame, subject, DEFAULT_EDITS)).toEqual({
      source: { left: 0, top: 0, ...frame },
      ...frame,
      target: { left: 0, top: 0, ...frame },
      view: { left: 0, top: 0, ...frame },
      factor: 1,
    });
  });

  it('crops to the subject plus a margin of its longer side, keeping the photo region behind it', () => {
    const layout = layoutRender(frame, subject, edits({ crop: true, cropMargin: '10%' }));
    expect(layout).toMatchObject({
      width: 240,
      height: 140,
      source: subject,
      target: { left: 20, top: 20, width: 200, height: 100 },
    });
    expect(layout.view).toEqual({ left: 380, top: 280, width: 240, height: 140 });
  });

  it('scales the subject into a share of the canvas, centred unless placed, never beyond it', () => {
    const half = layoutRender(frame, subject, edits({ scale: '50%' }));
    expect(half.target).toEqual({ left: 250, top: 275, width: 500, height: 250 });
    expect(half.view).toBeUndefined();
    const corner = layoutRender(frame, subject, edits({ scale: '50%', position: '0% 100%' }));
    expect(corner.target).toEqual({ left: 0, top: 550, width: 500, height: 250 });
    const full = layoutRender(frame, subject, edits({ scale: '100%' }));
    expect(full.target.width).toBeLessThanOrEqual(1000);
    expect(full.target.height).toBeLessThanOrEqual(800);
  });

  it('sizes the output by its longest side or as a preview, never enlarging', () => {
    expect(layoutRender(frame, subject, edits({ size: 500 }))).toMatchObject({ width: 500, height: 400, factor: 0.5 });
    const preview = layoutRender(frame, subject, edits({ size: 'preview' }));
    expect(preview.width * preview.height).toBeLessThanOrEqual(250_000 * 1.01);
    expect(layoutRender(frame, subject, edits({ size: 4000 }))).toMatchObject({ width: 1000, height: 800, factor: 1 });
  });

  it('finds the box of the visible pixels', () => {
    const rgba = new Uint8Array(10 * 6 * 4);
    for (const [x, y] of [
      [2, 1],
      [7, 4],
    ] as const)
      rgba[(y * 10 + x) * 4 + 3] = 255;
    expect(opaqueBounds(rgba, 10, 6)).toEqual({ left: 2, top: 1, width: 6, height: 4 });
    expect(opaqueBounds(new Uint8Array(16), 2, 2)).toBeUndefined();
  });
});
