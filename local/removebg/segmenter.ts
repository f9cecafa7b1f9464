import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceSession } from 'onnxruntime-node';

/** The model's square input and output side. */
export const MODEL_SIDE = 320;
export const DEFAULT_MODEL_PATH = join(__dirname, '..', '..', 'models', 'u2netp.onnx');
/** The SHA-256 of the vendored U²-Netp (models/NOTICE.md); any other bytes are refused. */
export const MODEL_SHA256 = '309c8469258dda742793dce0ebea8e6dd393174f89934733ecc8b14c76f4ddd8';

const MEAN = [0.485, 0.456, 0.406] as const;
const STD = [0.229, 0.224, 0.225] as const;
const PLANE = MODEL_SIDE * MODEL_SIDE;

/** What the network saw: a 320×320 map in [0, 1] and how sure it was anything stood out. */
export interface Saliency {
  map: Float32Array;
  /** The strongest raw response: a blank backdrop leaves it low, whatever min–max makes of it. */
  peak: number;
}

export interface Segmenter {
  /** 320×320 RGB, 3 bytes a pixel, in; the min–max normalised saliency map out. */
  saliency(rgb: Uint8Array): Promise<Saliency>;
  /** Waits for queued runs, then frees the session. */
  release(): Promise<void>;
}

export class ModelFileError extends Error {}

/**
 * Loads U²-Netp once: reads the file, checks its checksum (a missing, truncated or substituted
 * file stops the engine here, not on the first photo), and opens an onnxruntime session on the
 * CPU. Runs are queued one at a time: the two cores are already the session's, and a second
 * concurrent run would only grow the memory arena.
 */
export async function loadSegmenter(path = DEFAULT_MODEL_PATH): Promise<Segmenter> {
  const bytes = await readModel(path);
  // Loaded here rather than at import: only the processes that segment pay for the native library.
  const ort = await import('onnxruntime-node');
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    // Without a precomputed memory pattern the arena stays ~200 MB smaller at the same speed.
    enableMemPattern: false,
    // Idle pool threads would otherwise spin for a while after each run, starving the edge
    // refinement and PNG encoding that follow it on the same two cores.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  if (!input || !output) throw new ModelFileError(`${path} has no input or output`);
  let queue: Promise<unknown> = Promise.resolve();
  const run = (rgb: Uint8Array): Promise<Saliency> => {
    const next = queue.then(() => infer(session, input, output, rgb, ort.Tensor));
    queue = next.catch(() => undefined);
    return next;
  };
  return { saliency: run, release: () => queue.then(() => session.release()) };
}

async function readModel(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ModelFileError(
      `Cannot read the segmentation model ${path} (${reason}); expected U²-Netp, SHA-256 ${MODEL_SHA256}`,
    );
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== MODEL_SHA256) {
    throw new ModelFileError(
      `The segmentation model ${path} is not the expected file: SHA-256 ${actual}, expected ${MODEL_SHA256} (see models/NOTICE.md)`,
    );
  }
  return bytes;
}

type TensorConstructor = typeof import('onnxruntime-node').Tensor;

async function infer(
  session: InferenceSession,
  input: string,
  output: string,
  rgb: Uint8Array,
  Tensor: TensorConstructor,
): Promise<Saliency> {
  if (rgb.length !== PLANE * 3) throw new RangeError(`Expected ${MODEL_SIDE}×${MODEL_SIDE} RGB`);
  const result = await session.run({ [input]: new Tensor('float32', normalise(rgb), [1, 3, MODEL_SIDE, MODEL_SIDE]) });
  const raw = result[output]?.data;
  if (!(raw instanceof Float32Array) || raw.length !== PLANE) throw new Error('Unexpected model output');
  return stretch(raw);
}

/** As the model was trained: scaled by the image's maximum, then ImageNet mean and std, planar. */
function normalise(rgb: Uint8Array): Float32Array {
  let max = 0;
  for (const value of rgb) if (value > max) max = value;
  const scale = 1 / Math.max(max, 1e-6);
  const tensor = new Float32Array(PLANE * 3);
  for (let c = 0; c < 3; c += 1) {
    const mean = MEAN[c] as number;
    const factor = scale / (STD[c] as number);
    const shift = mean / (STD[c] as number);
    for (let i = 0, o = c * PLANE; i < PLANE; i += 1, o += 1) tensor[o] = (rgb[i * 3 + c] as number) * factor - shift;
  }
  return tensor;
}

function stretch(raw: Float32Array): Saliency {
  let low = Infinity;
  let high = -Infinity;
  for (const value of raw) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  const span = high - low;
  const map = new Float32Array(PLANE);
  if (span > 0) for (let i = 0; i < PLANE; i += 1) map[i] = ((raw[i] as number) - low) / span;
  return { map, peak: high };
}
