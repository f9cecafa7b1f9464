import { cutOut } from '../local/removebg/engine';
import { iou, largeScene, renderScene, SCENES, type Scene } from '../test/support/scenes';
import type { BenchContext } from './context';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { median, ratio } from './stats';

/** The IoU bars the engine's unit tests hold each kind of scene to. */
const BAR: Record<string, number> = { plain: 0.95, gradient: 0.9, noisy: 0.9 };

/** The reference: one read-compute-write pass over the pixels (luma into a byte per pixel). */
function onePass(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < out.length; i += 1, p += 4) {
    out[i] = ((rgba[p] as number) * 77 + (rgba[p + 1] as number) * 150 + (rgba[p + 2] as number) * 29) >> 8;
  }
  return out;
}

function timeIt(reps: number, work: () => unknown): number {
  const samples: number[] = [];
  for (let i = 0; i < reps; i += 1) {
    const started = performance.now();
    work();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

/**
 * Section 5: the local remove.bg engine (cutOut) in milliseconds per megapixel, on the
 * generated scenes and at camera sizes, and its intersection-over-union with the known masks.
 */
export async function engineBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const reps = ctx.quick ? 1 : 3;
  const scenes: { scene: Scene; difficulty: string; bar: number | undefined }[] = SCENES.map((spec) => ({
    scene: renderScene(spec),
    difficulty: spec.difficulty,
    bar: BAR[spec.difficulty],
  }));
  const sizes: [number, number][] = ctx.quick
    ? [[4000, 3000]]
    : [
        [2000, 1500],
        [4000, 3000],
      ];
  for (const [w, h] of sizes) scenes.push({ scene: largeScene(w, h), difficulty: 'gradient', bar: 0.99 });
  // JIT warm-up, untimed: every small scene a few times, so the first scenes timed are not the
  // ones that pay for V8's optimising tiers (a running local endpoint is past them after a
  // handful of requests).
  for (let round = 0; round < 3; round += 1)
    for (const { scene } of scenes.slice(0, SCENES.length)) cutOut(scene.rgba, scene.width, scene.height);

  const rows: Table['rows'] = [];
  const perMp: { size: string; scene: string; value: number }[] = [];
  let minIou = 1;
  let belowBar = 0;
  for (const { scene, difficulty, bar } of scenes) {
    const mp = (scene.width * scene.height) / 1e6;
    let result = cutOut(scene.rgba, scene.width, scene.height);
    const engineMs = timeIt(
      mp < 1 ? Math.max(reps, 5) : reps,
      () => (result = cutOut(scene.rgba, scene.width, scene.height)),
    );
    const passMs = timeIt(Math.max(reps, 5), () => onePass(scene.rgba, scene.width, scene.height));
    const overlap = iou(result.rgba, scene.mask);
    minIou = Math.min(minIou, overlap);
    if (bar !== undefined && overlap < bar) belowBar += 1;
    perMp.push({ size: `${scene.width}×${scene.height}`, scene: scene.spec.name, value: engineMs / mp });
    rows.push([
      scene.spec.name,
      difficulty,
      `${scene.width}×${scene.height}`,
      ms(engineMs),
      ms(engineMs / mp),
      ms(passMs / mp),
      times(ratio(engineMs, passMs)),
      num(overlap, 3),
      bar === undefined ? '—' : num(bar, 2),
      bar === undefined ? '—' : overlap >= bar ? 'yes' : 'NO',
    ]);
  }
  // Per size: the worst scene of that size.
  const metrics: Metrics = { min_iou: minIou, below_bar: belowBar, sizes: [] };
  for (const entry of perMp) {
    const previous = metrics[`ms_per_mp_${entry.size}`];
    if (typeof previous === 'number' && previous >= entry.value) continue;
    if (previous === undefined) (metrics.sizes as string[]).push(entry.size);
    metrics[`ms_per_mp_${entry.size}`] = entry.value;
    const same = perMp.filter((e) => e.size === entry.size).length;
    metrics[`label_${entry.size}`] = same > 1 ? `worst of ${same} scenes: ${entry.scene}` : entry.scene;
  }
  ctx.log(
    `${(metrics.sizes as string[]).map((size) => `${size}: ${ms(metrics[`ms_per_mp_${size}`] as number)} ms/MP`).join(', ')}; lowest IoU ${num(minIou, 3)}`,
  );
  const table: Table = {
    title: 'Local engine: cutOut speed and accuracy',
    columns: [
      'scene',
      'kind',
      'size',
      'cutOut ms',
      'ms/MP',
      'one pass ms/MP (reference)',
      '÷ one pass',
      'IoU',
      'IoU bar (unit tests)',
      'clears bar',
    ],
    rows,
    notes: [
      `cutOut(rgba, width, height) from local/removebg/engine.ts on the scenes of test/support/scenes.ts (median of 5 runs for the small scenes, ${reps} for the large, after a warm-up); the last rows are largeScene at camera sizes (bar 0.99, as its unit test).`,
      'Reference: one JavaScript pass over the same pixels (RGBA → luma byte), so "÷ one pass" says how many such passes the engine costs, whatever the machine.',
      'IoU: alpha ≥ 128 against the drawn mask (pixels at least half covered).',
    ],
  };
  return {
    name: 'engine',
    title: '5. Local engine',
    tables: [table],
    metrics,
    data: { rows },
    seconds: (performance.now() - started) / 1000,
  };
}
