import { newCanvas, type EditAssets } from './edit-assets';
import { layout, type Layout } from './edit-geometry';
import type { MaskEdits } from './mask-edits';
import type { Edits, RenderFormat } from './types';

export interface PreviewInput {
  assets: EditAssets;
  mask: MaskEdits;
  edits: Edits;
  format: RenderFormat;
  /** The uploaded background, once loaded. */
  background: CanvasImageSource | null;
}

// The preview is a guide, drawn in the page: a quarter of the work of the display-size assets.
const PREVIEW_LONGEST_SIDE = 900;

const sizeOf = (source: CanvasImageSource): { width: number; height: number } =>
  source instanceof HTMLImageElement
    ? { width: source.naturalWidth, height: source.naturalHeight }
    : (source as { width: number; height: number });

/** The subject as it shows: its colours, masked by the touch-up (or the model's opacity). */
function maskedSubject(assets: EditAssets, mask: MaskEdits, format: RenderFormat): HTMLCanvasElement {
  if (format === 'mask') return mask.working;
  const [canvas, context] = newCanvas(mask.working.width, mask.working.height);
  context.drawImage(assets.colour, 0, 0);
  context.globalCompositeOperation = 'destination-in';
  context.drawImage(mask.working, 0, 0);
  return canvas;
}

/**
 * An approximation of GET …/render for these settings, drawn on `canvas`: the same geometry
 * (edit-geometry.ts), the background, and the subject from the working mask. Returns the
 * layout, whose `output` is the size the download will have.
 */
export function drawPreview(canvas: HTMLCanvasElement, input: PreviewInput): Layout {
  const { assets, mask, edits, format } = input;
  const bounds = mask.subjectBounds();
  const plan = layout(edits, assets.width, assets.height, bounds);
  const { frame, subject } = plan;
  // Preview pixels per cutout pixel: never finer than the display-size assets.
  const k = Math.min(assets.scale, PREVIEW_LONGEST_SIDE / Math.max(frame.width, frame.height));
  canvas.width = Math.max(1, Math.round(frame.width * k));
  canvas.height = Math.max(1, Math.round(frame.height * k));
  const context = canvas.getContext('2d');
  if (!context) return plan;
  context.clearRect(0, 0, canvas.width, canvas.height);

  const background = edits.background;
  if (format === 'mask') fill(context, '#000');
  else if (background.type === 'color') fill(context, `#${background.color}`);
  else if (background.type === 'blur' && assets.original) {
    // The part of the photo behind the subject, or (subject moved) the whole photo covering.
    const at = plan.inPlace
      ? ([-frame.x * k, -frame.y * k, assets.width * k, assets.height * k] as const)
      : cover(assets.original, canvas);
    // Drawn sharp first, so that the blur's fade at the photo's edges does not show through.
    context.drawImage(assets.original, ...at);
    context.filter = `blur(${(background.radius * k).toFixed(2)}px)`;
    context.drawImage(assets.original, ...at);
    context.filter = 'none';
  } else if (background.type === 'image' && input.background) {
    context.drawImage(input.background, ...cover(input.background, canvas));
  } else if (format === 'jpg') fill(context, '#fff'); // JPEG has no transparency: white, as the server does

  const from = bounds ?? { x: 0, y: 0, width: assets.width, height: assets.height };
  const s = assets.scale;
  context.drawImage(
    maskedSubject(assets, mask, format),
    from.x * s,
    from.y * s,
    from.width * s,
    from.height * s,
    subject.x * k,
    subject.y * k,
    subject.width * k,
    subject.height * k,
  );
  return plan;
}

/** Where `source` goes to cover `canvas`, centred: x, y, width, height. */
function cover(source: CanvasImageSource, canvas: HTMLCanvasElement): [number, number, number, number] {
  const size = sizeOf(source);
  const k = Math.max(canvas.width / size.width, canvas.height / size.height);
  const [w, h] = [size.width * k, size.height * k];
  return [(canvas.width - w) / 2, (canvas.height - h) / 2, w, h];
}

function fill(context: CanvasRenderingContext2D, colour: string): void {
  context.fillStyle = colour;
  context.fillRect(0, 0, context.canvas.width, context.canvas.height);
}
