import { newCanvas } from './edit-assets';

/**
 * A brush stroke, kept in the cutout's own pixels, so that the same list draws the small mask
 * the brush works on and the full-size one that is saved: replaying it is exact at any scale,
 * where enlarging a display-size mask would blur the model's fine edges everywhere.
 */
export interface Stroke {
  mode: 'erase' | 'restore';
  /** Diameter, in cutout pixels. */
  size: number;
  /** 0 (hard) to 1 (all falloff). */
  softness: number;
  /** x0, y0, x1, y1, … in cutout pixels; one point is a dab. */
  points: number[];
}

/**
 * Masks come in two forms. `alpha`: white whose opacity is the mask (the editor's, so that
 * drawing it with destination-in masks a picture). `grey`: opaque, the grey level is the mask
 * (the PNG the API stores). Erasing one is destination-out; erasing the other paints black.
 */
export type MaskForm = 'alpha' | 'grey';

// Safari before 18 has no canvas filters: there the brush is hard-edged, and still correct.
const canBlur = typeof CanvasRenderingContext2D !== 'undefined' && 'filter' in CanvasRenderingContext2D.prototype;

/** A soft brush is a narrower hard line, blurred: its visible width stays close to `size`. */
const coreWidth = (stroke: Stroke): number => stroke.size * (canBlur ? 1 - stroke.softness / 2 : 1);
const blurRadius = (stroke: Stroke): number => (canBlur ? (stroke.size * stroke.softness) / 5 : 0);

export interface Scratch {
  canvas: HTMLCanvasElement;
  context: CanvasRenderingContext2D;
}

export function newScratch(width: number, height: number): Scratch {
  const [canvas, context] = newCanvas(width, height);
  return { canvas, context };
}

/** A rectangle of canvas pixels. */
export interface Area {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * The pixels a stroke's points from `from` on can touch at `scale` (with the segment that
 * leads to `from`), clipped to the canvas; null when they miss it.
 */
export function reach(stroke: Stroke, scale: number, width: number, height: number, from = 0): Area | null {
  const pad = coreWidth(stroke) / 2 + 3 * blurRadius(stroke) + 2;
  let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = Math.max(0, from - 1) * 2; i < stroke.points.length; i += 2) {
    const x = stroke.points[i]!;
    const y = stroke.points[i + 1]!;
    [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
  }
  const x = Math.max(0, Math.floor((left - pad) * scale));
  const y = Math.max(0, Math.floor((top - pad) * scale));
  const w = Math.min(width, Math.ceil((right + pad) * scale)) - x;
  const h = Math.min(height, Math.ceil((bottom + pad) * scale)) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

export const union = (a: Area, b: Area): Area => {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
};

/**
 * Traces a stroke hard-edged on `scratch`, from point `from` on (a stroke being drawn adds
 * its new segments only: opaque round-capped lines can overlap without changing anything).
 */
export function trace(scratch: Scratch, stroke: Stroke, scale: number, form: MaskForm, from = 0): void {
  const { context } = scratch;
  const points = stroke.points;
  const start = Math.max(0, from - 1) * 2;
  context.strokeStyle = form === 'grey' && stroke.mode === 'erase' ? '#000' : '#fff';
  context.lineWidth = Math.max(0.5, coreWidth(stroke) * scale);
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.beginPath();
  context.moveTo(points[start]! * scale, points[start + 1]! * scale);
  // A dab is a zero-length line: its round caps make the disc.
  if (points.length === 2) context.lineTo(points[0]! * scale + 0.01, points[1]! * scale);
  for (let i = start + 2; i < points.length; i += 2) context.lineTo(points[i]! * scale, points[i + 1]! * scale);
  context.stroke();
}

/** `area` with what a blur of `blur` px reads around it, within the canvas. */
function blurred(area: Area, blur: number, canvas: { width: number; height: number }): Area {
  const pad = Math.ceil(3 * blur) + 1;
  const x = Math.max(0, area.x - pad);
  const y = Math.max(0, area.y - pad);
  return {
    x,
    y,
    w: Math.min(canvas.width, area.x + area.w + pad) - x,
    h: Math.min(canvas.height, area.y + area.h + pad) - y,
  };
}

/**
 * Lays a traced stroke from `scratch` onto a mask, within `area` only: erasing or restoring,
 * through the blur that makes the soft edge. The blur reads past `area` by its own reach, so
 * that an area laid on its own matches the same area of the whole stroke laid at once.
 */
export function lay(
  target: CanvasRenderingContext2D,
  scratch: Scratch,
  stroke: Stroke,
  scale: number,
  form: MaskForm,
  area: Area,
): void {
  const blur = blurRadius(stroke) * scale;
  const { x, y, w, h } = blurred(area, blur, target.canvas);
  target.save();
  target.beginPath();
  target.rect(area.x, area.y, area.w, area.h);
  target.clip();
  target.globalCompositeOperation = form === 'alpha' && stroke.mode === 'erase' ? 'destination-out' : 'source-over';
  if (blur >= 0.3) target.filter = `blur(${blur.toFixed(2)}px)`;
  target.drawImage(scratch.canvas, x, y, w, h, x, y, w, h);
  target.restore();
}

/**
 * Draws one whole stroke into a mask drawn at `scale` (display size, or 1 for the saved mask),
 * within its own reach, so that a 12 MP mask costs each stroke its area, not the image's.
 */
export function applyStroke(
  target: CanvasRenderingContext2D,
  scratch: Scratch,
  stroke: Stroke,
  scale: number,
  form: MaskForm,
): Area | null {
  const area = reach(stroke, scale, target.canvas.width, target.canvas.height);
  if (!area) return null;
  // Cleared as far as the blur reads: an earlier stroke's trace there would bleed in.
  const read = blurred(area, blurRadius(stroke) * scale, target.canvas);
  scratch.context.clearRect(read.x, read.y, read.w, read.h);
  trace(scratch, stroke, scale, form);
  lay(target, scratch, stroke, scale, form, area);
  return area;
}

export function toPng(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The mask could not be encoded.'))), 'image/png'),
  );
}
