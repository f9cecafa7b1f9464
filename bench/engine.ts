import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEngine, type Engine } from '../local/removebg/engine';
import { parseOptions } from '../local/removebg/options';
import { removeBackground } from '../local/removebg/render';
import { DEFAULT_MODEL_PATH } from '../local/removebg/segmenter';
import { iou, largeScene, renderScene, SCENES, type Scene } from '../test/support/scenes';
import type { BenchContext } from './context';
import {
  cutoutIou,
  decodeAndEncode,
  decodeRgba,
  FULL_PNG,
  overLimitJpeg,
  photoJpeg,
  PHOTO_SCENE,
  type Photo,
} from './engine-inputs';
import {
  childScript,
  loadRun,
  peakRun,
  refusalRun,
  type LoadRun,
  type MemoryRun,
  type RefusalRun,
} from './engine-process';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { median, ratio, timed } from './stats';

/** The IoU the engine's tests hold it to: every scene, and the camera-size disc. */
const SCENE_BAR = 0.95;
const LARGE_BAR = 0.995;
const OVER_LIMIT = { width: 8200, height: 6200 };

interface Speed {
  photo: Photo;
  bytes: number;
  reps: number;
  e2e: number[];
  reference: number[];
  cutOut: number[];
  iou: number;
}

const range = (values: number[]): string => `${ms(Math.min(...values))}–${ms(Math.max(...values))}`;

/** End to end in this process, interleaved with the reference so both see the same machine. */
async function speedOf(engine: Engine, photo: Photo, reps: number): Promise<Speed> {
  const options = await parseOptions({ ...FULL_PNG });
  const pixels = await decodeRgba(photo.jpeg);
  const warm = await removeBackground(engine, photo.jpeg, options);
  await decodeAndEncode(photo.jpeg);
  const speed: Speed = {
    photo,
    bytes: warm.body.length,
    reps,
    e2e: [],
    reference: [],
    cutOut: [],
    iou: await cutoutIou(warm.body, photo.mask),
  };
  for (let rep = 0; rep < reps; rep += 1) {
    speed.e2e.push((await timed(() => removeBackground(engine, photo.jpeg, options))).ms);
    speed.reference.push((await timed(() => decodeAndEncode(photo.jpeg))).ms);
    const copy = Buffer.from(pixels.data);
    speed.cutOut.push((await timed(() => engine.cutOut(copy, pixels.width, pixels.height))).ms);
  }
  return speed;
}

async function sceneRows(engine: Engine, quick: boolean): Promise<{ rows: Table['rows']; min: number; below: number }> {
  const scenes: { scene: Scene; bar: number }[] = SCENES.map((spec) => ({ scene: renderScene(spec), bar: SCENE_BAR }));
  const sizes: [number, number][] = quick
    ? [[4000, 3000]]
    : [
        [2000, 1500],
        [4000, 3000],
      ];
  for (const [w, h] of sizes) scenes.push({ scene: largeScene(w, h), bar: LARGE_BAR });
  const rows: Table['rows'] = [];
  let min = 1;
  let below = 0;
  for (const { scene, bar } of scenes) {
    const { ms: took, value } = await timed(() => engine.cutOut(Buffer.from(scene.rgba), scene.width, scene.height));
    const overlap = iou(value.rgba, scene.mask);
    min = Math.min(min, overlap);
    if (overlap < bar) below += 1;
    const size = `${scene.width}×${scene.height}`;
    rows.push([
      scene.spec.name,
      scene.spec.difficulty,
      size,
      ms(took),
      num(overlap, 4),
      num(bar, 3),
      overlap >= bar ? 'yes' : 'NO',
    ]);
  }
  return { rows, min, below };
}

/**
 * Section 5: the local remove.bg engine (U²-Netp + guided filter). In fresh processes: the
 * model's load time and the first photo's extra cost, the peak RSS of a 12 MP photo, and a
 * 50 MP photo refused before decoding. In this process: 1 MP and 12 MP photos end to end
 * against decode + encode alone, and IoU on the test scenes.
 */
export async function engineBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'cutout-bench-engine-'));
  let engine: Engine | undefined;
  try {
    ctx.log('bundling the engine process, drawing the photos');
    const script = await childScript();
    const small = await photoJpeg(1155, 866);
    const large = await photoJpeg(4000, 3000);
    const over = await overLimitJpeg(OVER_LIMIT.width, OVER_LIMIT.height);
    const files = { small: join(dir, 'small.jpg'), large: join(dir, 'large.jpg'), over: join(dir, 'over.jpg') };
    writeFileSync(files.small, small.jpeg);
    writeFileSync(files.large, large.jpeg);
    writeFileSync(files.over, over);

    // Untimed: fills the file cache (Node, sharp, onnxruntime, the model).
    await loadRun(script, DEFAULT_MODEL_PATH, files.small, 0);
    const loads: LoadRun[] = [];
    for (const pauseMs of ctx.quick ? [0] : [0, 0, 0, 2000, 2000]) {
      const run = await loadRun(script, DEFAULT_MODEL_PATH, files.small, pauseMs);
      loads.push(run);
      ctx.log(
        `fresh process: loadEngine ${ms(run.loadMs)} ms; first 1 MP photo ${pauseMs ? `${pauseMs} ms later` : 'at once'} ${ms(run.firstMs)} ms, then ${ms(run.warmMs)} ms`,
      );
    }
    const peak = await peakRun(script, DEFAULT_MODEL_PATH, files.large);
    ctx.log(`load + one 12 MP photo: peak RSS ${num(peak.peakMiB)} MiB`);
    const refusal = await refusalRun(script, DEFAULT_MODEL_PATH, files.small, files.over);
    // For scale: what decoding it would have cost (the buffer is dropped at once).
    const overDecode = await timed(async () => (await decodeRgba(over)).data.length);
    const overDecodeMiB = overDecode.value / 2 ** 20;
    ctx.log(
      `50 MP: ${refusal.refused ? `${refusal.refused.status} ${refusal.refused.code}` : 'NOT refused'} in ${ms(refusal.ms)} ms, peak +${num(refusal.peakMiB - refusal.resetMiB)} MiB (a decode: ${ms(overDecode.ms)} ms, ${num(overDecodeMiB)} MiB)`,
    );

    engine = await loadEngine();
    const speeds: Speed[] = [];
    for (const [photo, reps] of [
      [small, ctx.quick ? 3 : 5],
      [large, ctx.quick ? 1 : 3],
    ] as const) {
      const speed = await speedOf(engine, photo, reps);
      speeds.push(speed);
      ctx.log(
        `${photo.label} end to end ${ms(median(speed.e2e))} ms (decode + encode alone ${ms(median(speed.reference))} ms)`,
      );
    }
    const scenes = await sceneRows(engine, ctx.quick);
    ctx.log(`lowest IoU on the scenes ${num(scenes.min, 4)}`);

    const atOnce = loads.filter((r) => r.pauseMs === 0);
    const metrics: Metrics = {
      load_ms: median(loads.map((r) => r.loadMs)),
      first_extra_ms: median(atOnce.map((r) => r.firstMs - r.warmMs)),
      peak_rss_mib_12mp: peak.peakMiB,
      refusal_code: refusal.refused?.code ?? 'not refused',
      refusal_ms: refusal.ms,
      refusal_growth_mib: refusal.peakMiB - refusal.resetMiB,
      refusal_decode_ms: overDecode.ms,
      refusal_decode_mib: overDecodeMiB,
      min_iou: scenes.min,
      below_bar: scenes.below,
    };
    for (const [key, speed] of [
      ['1mp', speeds[0]],
      ['12mp', speeds[1]],
    ] as const) {
      if (!speed) continue;
      metrics[`e2e_ms_${key}`] = median(speed.e2e);
      metrics[`e2e_reference_ms_${key}`] = median(speed.reference);
      metrics[`e2e_label_${key}`] = `${speed.photo.width}×${speed.photo.height}`;
    }
    return {
      name: 'engine',
      title: '5. Local engine',
      tables: tables({ speeds, loads, peak, refusal, overDecode: { ms: overDecode.ms, mib: overDecodeMiB }, scenes }),
      metrics,
      data: { speeds: speeds.map(({ photo, ...rest }) => ({ photo: photo.label, ...rest })), loads, peak, refusal },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await engine?.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

function tables(figures: {
  speeds: Speed[];
  loads: LoadRun[];
  peak: MemoryRun;
  refusal: RefusalRun;
  overDecode: { ms: number; mib: number };
  scenes: { rows: Table['rows'] };
}): Table[] {
  const { speeds, loads, peak, refusal, overDecode, scenes } = figures;
  const limits: Record<string, number> = { '1155×866': 400, '4000×3000': 1500 };
  const speedTable: Table = {
    title: 'Local engine: a photo end to end (removeBackground, size=full, format=png)',
    columns: [
      'photo',
      'pixels',
      'JPEG MiB',
      'end to end ms (median)',
      'range',
      'decode + encode alone ms (reference)',
      '÷ reference',
      'cutOut alone ms',
      'PNG MiB',
      'IoU of the cutout',
      'target',
    ],
    rows: speeds.map((s) => {
      const size = `${s.photo.width}×${s.photo.height}`;
      const e2e = median(s.e2e);
      const limit = limits[size];
      return [
        s.photo.label,
        size,
        num(s.photo.jpeg.length / 2 ** 20, 2),
        ms(e2e),
        range(s.e2e),
        ms(median(s.reference)),
        times(ratio(e2e, median(s.reference))),
        ms(median(s.cutOut)),
        num(s.bytes / 2 ** 20, 1),
        num(s.iou, 4),
        limit === undefined ? '—' : `≤ ${limit} ms: ${e2e <= limit ? 'pass' : 'miss'}`,
      ];
    }),
    notes: [
      `removeBackground(engine, jpeg, parseOptions({ size: 'full', format: 'png' })) from local/removebg/render.ts in the bench process: header check, decode, cutOut (U²-Netp on onnxruntime-node + guided filter), PNG encode; median of ${speeds.map((s) => s.reps).join(' and ')} runs after one warm-up.`,
      'Reference: the same header read, decode to RGBA and PNG encode (compression level 2, as render.ts) with sharp alone, timed alternately with the engine; "÷ reference" is what segmenting multiplies a bare decode + encode by. "cutOut alone": engine.cutOut on the decoded pixels.',
      `The photos: "${PHOTO_SCENE}" from test/support/quality-scenes.ts (a synthetic photograph: shaded, textured subject, backdrop texture, sensor grain), JPEG quality 90; there are no real photos in the repository. The old classical engine is no longer in the tree, so it is not measured side by side here.`,
    ],
  };
  const row = (label: string, runs: LoadRun[]): Table['rows'][number] => [
    label,
    runs.length,
    ms(median(runs.map((r) => r.readyMs))),
    ms(median(runs.map((r) => r.loadMs))),
    range(runs.map((r) => r.loadMs)),
    ms(median(runs.map((r) => r.firstMs))),
    ms(median(runs.map((r) => r.warmMs))),
    ms(median(runs.map((r) => r.firstMs - r.warmMs))),
    num(median(runs.map((r) => r.afterLoadMiB))),
  ];
  const atOnce = loads.filter((r) => r.pauseMs === 0);
  const later = loads.filter((r) => r.pauseMs > 0);
  const loadTable: Table = {
    title: 'Local engine: model load and the first photo, each in a fresh process',
    columns: [
      'first photo sent',
      'processes',
      'process start → script loaded ms',
      'loadEngine ms (median)',
      'range',
      'first 1 MP photo ms',
      'same photo again ms',
      'first − again',
      'RSS after load MiB',
    ],
    rows: [
      row('as soon as loadEngine resolved', atOnce),
      ...(later.length ? [row(`${later[0]?.pauseMs} ms after`, later)] : []),
    ],
    notes: [
      'node dist/bench-engine/engine-child.js (bench/engine-child.ts bundled with esbuild; sharp and onnxruntime-node required as packages), started through /bin/sh; loadEngine(models/u2netp.onnx) timed inside it (read, SHA-256, onnxruntime session), after one untimed process that fills the file cache.',
      'loadEngine starts one cutOut of a drawn subject (640×480) without awaiting it, and a photo that arrives before that run ends waits for it. "first − again": what the first photo costs beyond the next one; the photo sent 2 s after the load (the warm-up long done) shows how much of that the warm-up hides.',
    ],
  };
  const memoryRow = (label: string, run: MemoryRun): Table['rows'][number] => [
    label,
    'PNG',
    ms(run.ms),
    num(run.atStartMiB),
    num(run.afterLoadMiB),
    num(run.peakMiB),
    num(run.hwmMiB),
    num(run.peakMiB - run.afterLoadMiB),
  ];
  const memoryTable: Table = {
    title: 'Local engine: peak RSS and the 50 MP refusal, each in a fresh process',
    columns: [
      'process',
      'result',
      'ms',
      'RSS at start MiB',
      'RSS before the photo MiB',
      'peak RSS MiB (maxRSS)',
      'VmHWM MiB',
      'peak − RSS before MiB',
    ],
    rows: [
      memoryRow('loadEngine + one 12 MP photo end to end', peak),
      memoryRow('loadEngine + one 1 MP photo end to end (reference)', refusal.before),
      [
        `… then a ${OVER_LIMIT.width}×${OVER_LIMIT.height} JPEG (${num((OVER_LIMIT.width * OVER_LIMIT.height) / 1e6, 1)} MP)`,
        refusal.refused ? `${refusal.refused.status} ${refusal.refused.code}` : 'NOT refused',
        ms(refusal.ms),
        '—',
        num(refusal.resetMiB),
        num(refusal.peakMiB),
        '—',
        num(refusal.peakMiB - refusal.resetMiB),
      ],
    ],
    notes: [
      'process.resourceUsage().maxRSS (and /proc VmHWM) of the engine process after the photo; the target is on the 12 MP row. "RSS before the photo" is right after loadEngine resolved (its warm-up cutOut still going).',
      refusal.reset
        ? 'The refused photo: the peak was reset to the current RSS just before it was sent (/proc/self/clear_refs), so its peak is its own.'
        : 'The refused photo: the peak could not be reset here, so its growth is over the process peak before it.',
      `Refusal: ${refusal.refused ? `"${refusal.refused.title}: ${refusal.refused.detail ?? ''}"` : 'none'}. For scale, decoding that JPEG to RGBA with sharp alone (in the bench process) takes ${ms(overDecode.ms)} ms and a ${num(overDecode.mib)} MiB buffer: a growth far below that means the pixels were never decoded.`,
    ],
  };
  const sceneTable: Table = {
    title: 'Local engine: accuracy on the test scenes',
    columns: ['scene', 'kind', 'size', 'cutOut ms', 'IoU', 'bar (engine tests)', 'clears bar'],
    rows: scenes.rows,
    notes: [
      'engine.cutOut on the scenes of test/support/scenes.ts, then largeScene at camera sizes; IoU of alpha ≥ 128 against the drawn mask (pixels at least half covered).',
    ],
  };
  return [speedTable, loadTable, memoryTable, sceneTable];
}
