import { alphaFromCutout, newCanvas, type EditAssets } from './edit-assets';
import type { Box } from './edit-geometry';
import { applyStroke, newScratch, toPng, type Area, type Scratch, type Stroke } from './mask-strokes';

const SUBJECT_THRESHOLD = 8;
const NOTHING: Area = { x: 0, y: 0, w: 0, h: 0 };

/**
 * The touch-up being made: where it starts (the stored mask, or the model's cutout), the
 * strokes on top with their undo and redo, and the display-size mask they make, which the
 * brush view and the edit preview both draw with.
 */
export class MaskEdits {
  /** The display-size mask (alpha form): the start plus every stroke. */
  readonly working: HTMLCanvasElement;
  /** Bumped on every change, so that drawings made from the mask know when to redo. */
  version = 0;
  private readonly context: CanvasRenderingContext2D;
  private readonly scratch: Scratch;
  private start: HTMLCanvasElement;
  private fromStored: boolean;
  private strokes: Stroke[] = [];
  private undone: Stroke[] = [];
  private saved: readonly Stroke[] = [];
  private bounds: { version: number; box: Box | null } | null = null;
  private readonly listeners = new Set<(area: Area | null) => void>();

  constructor(private readonly assets: EditAssets) {
    this.start = assets.baseMask;
    this.fromStored = assets.maskImage !== null;
    // Read back for the subject's box after each change.
    [this.working, this.context] = newCanvas(this.start.width, this.start.height, true);
    this.scratch = newScratch(this.start.width, this.start.height);
    this.redraw();
  }

  get canUndo(): boolean {
    return this.strokes.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** Differs from what the server has: the strokes are not the ones last saved. */
  get dirty(): boolean {
    return this.strokes.length !== this.saved.length || this.strokes.some((stroke, i) => stroke !== this.saved[i]);
  }

  /** Whether the server holds a touch-up (the start is the stored mask, or strokes were saved). */
  get touchedUp(): boolean {
    return this.fromStored || this.saved.length > 0;
  }

  /** `area`: the display pixels that changed; null for any (undo, reset); empty when only saved. */
  onChange(listener: (area: Area | null) => void): void {
    this.listeners.add(listener);
  }

  add(stroke: Stroke): void {
    this.strokes.push(stroke);
    this.undone = [];
    this.changed(applyStroke(this.context, this.scratch, stroke, this.assets.scale, 'alpha'));
  }

  undo(): void {
    const stroke = this.strokes.pop();
    if (!stroke) return;
    this.undone.push(stroke);
    this.redraw();
    this.changed(null);
  }

  redo(): void {
    const stroke = this.undone.pop();
    if (!stroke) return;
    this.strokes.push(stroke);
    this.changed(applyStroke(this.context, this.scratch, stroke, this.assets.scale, 'alpha'));
  }

  markSaved(): void {
    this.saved = [...this.strokes];
    this.changed(NOTHING);
  }

  /** After DELETE …/mask: the model's cutout again, with nothing to undo. */
  resetToModel(): void {
    const { cutoutImage } = this.assets;
    this.start = alphaFromCutout(cutoutImage, this.working.width, this.working.height);
    this.fromStored = false;
    this.strokes = [];
    this.undone = [];
    this.saved = [];
    this.redraw();
    this.changed(null);
  }

  /** The subject's box in cutout pixels (opacity above 8 of 255, as the server's), or null. */
  subjectBounds(): Box | null {
    if (this.bounds?.version === this.version) return this.bounds.box;
    const { width, height } = this.working;
    const data = this.context.getImageData(0, 0, width, height).data;
    let [left, top, right, bottom] = [width, height, -1, -1];
    for (let y = 0; y < height; y += 1) {
      const row = y * width * 4;
      for (let x = 0; x < width; x += 1) {
        if (data[row + x * 4 + 3]! <= SUBJECT_THRESHOLD) continue;
        [left, right, top, bottom] = [Math.min(left, x), Math.max(right, x), Math.min(top, y), Math.max(bottom, y)];
      }
    }
    const scale = this.assets.scale;
    const box =
      right < 0
        ? null
        : { x: left / scale, y: top / scale, width: (right - left + 1) / scale, height: (bottom - top + 1) / scale };
    this.bounds = { version: this.version, box };
    return box;
  }

  /**
   * The mask to save: a grey PNG the cutout's full size (white keeps, black erases), built
   * from the full-size start and every stroke replayed at scale 1.
   */
  async fullSize(): Promise<Blob> {
    const { width, height, cutoutImage, maskImage } = this.assets;
    const [canvas, context] = newCanvas(width, height);
    if (this.fromStored && maskImage) context.drawImage(maskImage, 0, 0, width, height);
    else {
      context.fillStyle = '#000';
      context.fillRect(0, 0, width, height);
      context.drawImage(alphaFromCutout(cutoutImage, width, height), 0, 0);
    }
    const scratch = newScratch(width, height);
    for (const stroke of this.strokes) applyStroke(context, scratch, stroke, 1, 'grey');
    return toPng(canvas);
  }

  private redraw(): void {
    this.context.clearRect(0, 0, this.working.width, this.working.height);
    this.context.drawImage(this.start, 0, 0);
    for (const stroke of this.strokes) applyStroke(this.context, this.scratch, stroke, this.assets.scale, 'alpha');
  }

  /** `area`: the pixels that changed; null for any; empty when only the saved state moved. */
  private changed(area: Area | null): void {
    if (area === null || area.w > 0) this.version += 1;
    for (const listener of this.listeners) listener(area);
  }
}
