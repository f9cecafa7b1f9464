import sharp from 'sharp';
import { resizePlane, rowPairs, type RowPair } from './bilinear';
import { edgeColours, unmix } from './edge-colours';
import { GuidedFilter } from './guided-filter';
import { loadSegmenter, MODEL_SIDE, type Saliency, type Segmenter } from './segmenter';

export interface Cutout {
  rgba: Buffer;
  width: number;
  height: number;
  foreground: { left: number; top: number; width: number; height: number } | undefined;
}

export interface Engine {
  /**
   * Raw RGBA in; the same pixels with the background made transparent out. The alpha is written
   * into `rgba` itself (a 12 MP copy costs ~50 MB and a noticeable share of the time), so pass
   * pixels you no longer need as they were.
   */
  cutOut(rgba: Uint8Array, width: number, height: number): Promise<Cutout>;
  /** Frees the model's memory (~0.4 GB); the engine must not be used after. */
  release(): Promise<void>;
}

/** The longest side of the copy the edges are fitted on; the alpha is then applied at full size. */
const WORK_SIDE = 640;
/** The guided filter's regularisation: colour variance below this reads as flat, not an edge. */
const EPSILON = 1e-3;
/** Below this raw response nothing stands out: a blank backdrop, however min–max stretches it. */
const NO_SUBJECT_PEAK = 0.25;
/** Alpha within this of 0 or 1 is the filter's ripple, not coverage. */
const SNAP = 0.1;
/** The filter's window half-side, in model pixels: wide enough to reach from the model's edge to the photo's. */
const RADIUS_MODEL_PIXELS = 4;
/**
 * The model's outline ramps over two or three of its pixels; steepened this much before the
 * filter, every window that sees partial alpha also sees the photo's edge, so the alpha snaps to
 * that edge instead of leaving a halo on a smooth backdrop.
 */
const STEEPEN = 3;
/**
 * The model's value that the steepening maps to one half: below 0.5, because thin parts (legs,
 * cables, a lamp's stem) come out of the 320×320 view faint; measured on the quality scenes.
 */
const PIVOT = 0.4;
/** What of the first fit's alpha counts as ripple before the second fit. */
const SECOND_SNAP = 0.15;

/**
 * The local remove.bg's segmenter: U²-Netp finds the salient subject on a 320×320 view, and a
 * colour guided filter carries its rough mask onto the photo's own edges at full resolution,
 * so hard outlines stay crisp and hair or fur keeps soft partial coverage.
 */
export async function loadEngine(modelPath?: string): Promise<Engine> {
  const segmenter = await loadSegmenter(modelPath);
  // The first photo through a fresh process is slow while onnxruntime grows its memory arena
  // and V8 compiles the filter's loops (~0.4 s more, measured): a drawn subject, not awaited,
  // pays that before a real photo arrives (which queues behind it if early).
  const warm = cutOut(segmenter, drawnSubject(), WARM_UP_SIZE.width, WARM_UP_SIZE.height).catch(() => undefined);
  return {
    cutOut: (rgba, width, height) => cutOut(segmenter, rgba, width, height),
    release: () => warm.then(() => segmenter.release()),
  };
}

async function cutOut(segmenter: Segmenter, rgba: Uint8Array, width: number, height: number): Promise<Cutout> {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`Invalid dimensions ${width}×${height}`);
  }
  if (rgba.length !== width * height * 4) throw new RangeError('Expected width × height × 4 bytes of RGBA');
  const work = workingSize(width, height);
  const small = await sharp(rgba, { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .resize({ ...work, fit: 'fill' })
    .raw()
    .toBuffer();
  const view = await sharp(small, { raw: { ...work, channels: 3 } })
    .resize({ width: MODEL_SIDE, height: MODEL_SIDE, fit: 'fill' })
    .raw()
    .toBuffer();
  const saliency = await segmenter.saliency(view);
  const out = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  if (saliency.peak < NO_SUBJECT_PEAK) return clear(out, width, height);
  applyAlpha(out, { width, height }, refine(saliency, small, work));
  return { rgba: out, width, height, foreground: opaqueBounds(out, width, height) };
}

const WARM_UP_SIZE = { width: WORK_SIDE + 40, height: 480 };

/** A dark disc on a light backdrop, enough of a subject for every step of the engine to run. */
function drawnSubject(): Buffer {
  const { width, height } = WARM_UP_SIZE;
  const rgba = Buffer.alloc(width * height * 4, 235);
  const radius2 = (height / 3) ** 2;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if ((x - width / 2) ** 2 + (y - height / 2) ** 2 < radius2)
        rgba.fill(60, (y * width + x) * 4, (y * width + x) * 4 + 3);
    }
  }
  return rgba;
}

function workingSize(width: number, height: number): { width: number; height: number } {
  const scale = Math.min(1, WORK_SIDE / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

interface Refined {
  /** The guided filter's a (red, green, blue) and b. */
  coefficients: Float32Array[];
  /** The subject's local red, green, blue, then the backdrop's (edge-colours.ts). */
  colours: Float32Array[];
  width: number;
  height: number;
}

/**
 * On the working copy: the guided filter fitted in two passes (wide, then narrow), and the
 * local subject and backdrop colours around the alpha that fit gives.
 */
function refine(saliency: Saliency, rgb: Buffer, size: { width: number; height: number }): Refined {
  const { width, height } = size;
  const rough = resizePlane(saliency.map, { width: MODEL_SIDE, height: MODEL_SIDE }, size);
  for (let i = 0; i < rough.length; i += 1) rough[i] = Math.min(1, Math.max(0, (rough[i]! - PIVOT) * STEEPEN + 0.5));
  const n = width * height;
  const guide: [Float32Array, Float32Array, Float32Array] = [
    new Float32Array(n),
    new Float32Array(n),
    new Float32Array(n),
  ];
  for (let i = 0; i < n; i += 1) {
    for (let c = 0; c < 3; c += 1) (guide[c] as Float32Array)[i] = (rgb[i * 3 + c] as number) / 255;
  }
  const modelPixel = Math.max(width, height) / MODEL_SIDE;
  const filter = new GuidedFilter(
    guide,
    width,
    height,
    Math.max(1, Math.round(RADIUS_MODEL_PIXELS * modelPixel)),
    EPSILON,
  );
  // Where the model's outline sits a pixel off the photo's, one fit leaves a faint tail across
  // the window; a second fit, of the first's result (now on the photo's edges), removes it.
  const first = filter.apply(filter.fit(rough), SECOND_SNAP);
  const second = filter.fit(first);
  const colours = edgeColours(filter, guide, filter.apply(second, SNAP));
  return { coefficients: second.planes, colours, width, height };
}

/**
 * At every full-size pixel: alpha = a·RGB + b, times whatever alpha the input already had; a
 * partly covered pixel also gets the subject's colour without the backdrop's share.
 */
function applyAlpha(rgba: Buffer, size: { width: number; height: number }, refined: Refined): void {
  const { width, height } = size;
  const coefficientsAt = rowPairs(refined.coefficients, refined, size);
  // Only partly covered pixels need the local colours: a row without one never resamples them.
  const coloursAt = rowPairs(refined.colours, refined, size);
  const span = 1 / (1 - 2 * SNAP);
  for (let y = 0; y < height; y += 1) {
    const { top, bottom, t } = coefficientsAt(y);
    let colours: RowPair | undefined;
    const [r0, g0, b0, c0] = top as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array];
    const [r1, g1, b1, c1] = bottom as Float32Array[] as [Float32Array, Float32Array, Float32Array, Float32Array];
    for (let x = 0, p = y * width * 4; x < width; x += 1, p += 4) {
      const ar = r0[x]! + (r1[x]! - r0[x]!) * t;
      const ag = g0[x]! + (g1[x]! - g0[x]!) * t;
      const ab = b0[x]! + (b1[x]! - b0[x]!) * t;
      const b = c0[x]! + (c1[x]! - c0[x]!) * t;
      // The coefficients were fitted on colours in [0, 1]; these are bytes.
      const q = (ar * rgba[p]! + ag * rgba[p + 1]! + ab * rgba[p + 2]!) / 255 + b;
      if (q <= SNAP) {
        rgba[p + 3] = 0;
      } else if (q < 1 - SNAP) {
        const alpha = (q - SNAP) * span;
        colours ??= coloursAt(y);
        for (let c = 0; c < 3; c += 1) {
          const subject = lerp(colours.top[c]!, colours.bottom[c]!, x, t);
          const backdrop = lerp(colours.top[3 + c]!, colours.bottom[3 + c]!, x, t);
          rgba[p + c] = unmix(rgba[p + c]!, subject, backdrop, alpha) + 0.5;
        }
        rgba[p + 3] = alpha * rgba[p + 3]! + 0.5;
      }
    }
  }
}

const lerp = (a: Float32Array, b: Float32Array, x: number, t: number): number => a[x]! + (b[x]! - a[x]!) * t;

function clear(rgba: Buffer, width: number, height: number): Cutout {
  for (let p = 3; p < rgba.length; p += 4) rgba[p] = 0;
  return { rgba, width, height, foreground: undefined };
}

/** The bounding box of every pixel that is not fully transparent. */
function opaqueBounds(rgba: Buffer, width: number, height: number): Cutout['foreground'] {
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0, p = y * width * 4 + 3; x < width; x += 1, p += 4) {
      if (rgba[p] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  return right < 0 ? undefined : { left, top, width: right - left + 1, height: bottom - top + 1 };
}
