import { readMargin, readPosition, readScale, type Edits } from './edits';

/*
 * Where everything goes in a render, in whole pixels, decided before any pixel is touched:
 * which part of the cutout is drawn, how large the output is, where the subject lands, and
 * which part of the photo a background shows. Pure arithmetic, unit-tested on its own.
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Layout {
  /** The part of the cutout drawn: the subject's box when cropped or moved, else the whole frame. */
  source: Rect;
  width: number;
  height: number;
  /** Where `source` lands in the output; always inside it. */
  target: Rect;
  /**
   * The part of the frame (cutout pixels, possibly beyond its edges) the output shows when the
   * subject keeps its place: a photo background is cut from there. Undefined when the subject
   * was moved or scaled: a background then covers the output.
   */
  view?: Rect;
  /** Output pixels per cutout pixel of the canvas (≤ 1: renders are never enlarged). */
  factor: number;
}

/** remove.bg's preview size: about a quarter of a megapixel. */
const PREVIEW_PIXELS = 250_000;

function outputFactor(size: Edits['size'], width: number, height: number): number {
  if (size === 'full') return 1;
  if (size === 'preview') return Math.min(1, Math.sqrt(PREVIEW_PIXELS / (width * height)));
  return Math.min(1, size / Math.max(width, height));
}

const clamp = (value: number, low: number, high: number): number => Math.min(Math.max(value, low), high);

/**
 * The layout of one render. `subject` is the box of the cutout's visible pixels (undefined when
 * nothing is visible: the whole frame stands in for it).
 */
export function layoutRender(
  frame: { width: number; height: number },
  subject: Rect | undefined,
  edits: Edits,
): Layout {
  const whole = { left: 0, top: 0, width: frame.width, height: frame.height };
  const scale = readScale(edits.scale) ?? 'original';
  const chosen = readPosition(edits.position) ?? 'original';
  // As remove.bg: a scale moves the subject to the centre unless a position is given.
  const position = chosen === 'original' && scale !== 'original' ? { x: 0.5, y: 0.5 } : chosen;
  const box = subject ?? whole;
  const margin = readMargin(edits.cropMargin) ?? { px: 0 };
  const pad = Math.round('px' in margin ? margin.px : margin.fraction * Math.max(box.width, box.height));
  const canvas = edits.crop
    ? { left: box.left - pad, top: box.top - pad, width: box.width + 2 * pad, height: box.height + 2 * pad }
    : whole;
  const factor = outputFactor(edits.size, canvas.width, canvas.height);
  const width = Math.max(1, Math.round(canvas.width * factor));
  const height = Math.max(1, Math.round(canvas.height * factor));
  const fit = (rect: Rect): Rect => {
    const w = clamp(Math.round(rect.width), 1, width);
    const h = clamp(Math.round(rect.height), 1, height);
    return {
      left: clamp(Math.round(rect.left), 0, width - w),
      top: clamp(Math.round(rect.top), 0, height - h),
      width: w,
      height: h,
    };
  };

  if (position === 'original') {
    // The subject keeps its place: the whole frame uncropped, or its box inside the crop.
    const source = edits.crop ? box : whole;
    const target = fit({
      left: (source.left - canvas.left) * factor,
      top: (source.top - canvas.top) * factor,
      width: source.width * factor,
      height: source.height * factor,
    });
    return { source, width, height, target, view: canvas, factor };
  }
  const grow =
    scale === 'original' ? 1 : Math.min((scale * canvas.width) / box.width, (scale * canvas.height) / box.height);
  // Never larger than the canvas, whatever the scale says.
  const k = Math.min(grow, canvas.width / box.width, canvas.height / box.height) * factor;
  const w = box.width * k;
  const h = box.height * k;
  const target = fit({ left: (width - w) * position.x, top: (height - h) * position.y, width: w, height: h });
  return { source: box, width, height, target, factor };
}

/** The box of the pixels whose opacity is above `threshold` in an RGBA buffer, or undefined. */
export function opaqueBounds(rgba: Uint8Array, width: number, height: number, threshold = 8): Rect | undefined {
  let top = -1;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y += 1) {
    const row = y * width * 4 + 3;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x += 1) {
      if (rgba[row + x * 4]! > threshold) {
        if (first < 0) first = x;
        last = x;
      }
    }
    if (first < 0) continue;
    if (top < 0) top = y;
    bottom = y;
    left = Math.min(left, first);
    right = Math.max(right, last);
  }
  if (top < 0) return undefined;
  return { left, top, width: right - left + 1, height: bottom - top + 1 };
}
