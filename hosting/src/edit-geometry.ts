import type { Edits } from './types';

/**
 * Where things go in a render, as docs/api.md ("Edits") describes it, in the cutout's own
 * pixels. The page uses it for its preview only: the server's render is what is downloaded.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Layout {
  /** The render's canvas, as a region of the cutout's frame (it may reach past the frame). */
  frame: Box;
  /** Where the subject's box lands on that canvas, in the same pixels. */
  subject: Box;
  /** The downloaded image's size, after `size`. */
  output: { width: number; height: number };
  /** The subject keeps its place in the photo: a photo background shows the part behind it (else it covers). */
  inPlace: boolean;
}

const PERCENT = /^(\d{1,3}(?:\.\d{1,2})?)%$/;
const percent = (text: string): number | null => {
  const match = PERCENT.exec(text.trim());
  return match ? Number(match[1]) / 100 : null;
};

/** "0", "12px" or "5%" (of the subject's longer side) in pixels; anything else counts as 0. */
export function marginPx(text: string, subject: Box): number {
  const px = /^(\d+)px$/.exec(text);
  if (px) return Number(px[1]);
  return (percent(text) ?? 0) * Math.max(subject.width, subject.height);
}

/** "original", or a share of the canvas (0.1–1). */
export const readScale = (text: string): number | 'original' => percent(text) ?? 'original';

/** "original", or where the subject sits within the free space (0–1 on each axis). */
export function readPosition(text: string): { x: number; y: number } | 'original' {
  if (text === 'center') return { x: 0.5, y: 0.5 };
  const parts = text.split(' ').map(percent);
  const [x, y = x] = parts;
  return x === null || x === undefined || y === null || y === undefined || parts.length > 2 ? 'original' : { x, y };
}

/** Longest side in pixels; "preview" is about a quarter megapixel; never enlarged. */
export function outputSize(size: Edits['size'], width: number, height: number): { width: number; height: number } {
  const factor =
    size === 'full'
      ? 1
      : size === 'preview'
        ? Math.min(1, Math.sqrt(250_000 / (width * height)))
        : Math.min(1, size / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * factor)), height: Math.max(1, Math.round(height * factor)) };
}

/** `bounds`: the subject's bounding box in the cutout (null when it is empty). */
export function layout(edits: Edits, width: number, height: number, bounds: Box | null): Layout {
  const subject = bounds ?? { x: 0, y: 0, width, height };
  let frame: Box = { x: 0, y: 0, width, height };
  if (edits.crop) {
    const margin = Math.round(marginPx(edits.cropMargin, subject));
    frame = {
      x: subject.x - margin,
      y: subject.y - margin,
      width: subject.width + 2 * margin,
      height: subject.height + 2 * margin,
    };
  }
  const scale = readScale(edits.scale);
  // A scale implies centring, as remove.bg does, unless a position is given.
  const position = readPosition(edits.position);
  const place = position === 'original' && scale !== 'original' ? { x: 0.5, y: 0.5 } : position;
  // Never larger than the canvas, whatever the scale says.
  const fits = Math.min(frame.width / subject.width, frame.height / subject.height);
  const factor = Math.min(scale === 'original' ? 1 : scale * fits, fits);
  const placed = { width: subject.width * factor, height: subject.height * factor };
  const at =
    place === 'original'
      ? { x: subject.x - frame.x, y: subject.y - frame.y }
      : { x: (frame.width - placed.width) * place.x, y: (frame.height - placed.height) * place.y };
  return {
    frame,
    subject: { ...at, ...placed },
    output: outputSize(edits.size, frame.width, frame.height),
    inPlace: place === 'original',
  };
}
