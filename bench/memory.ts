import { randomFillSync } from 'node:crypto';
import sharp from 'sharp';
import { MAX_MEGAPIXELS, MAX_UPLOAD_BYTES, type AcceptedType } from '../functions/src/core/image';
import { scenePng } from '../test/support/scenes-images';
import { artifactDir } from './artifact';
import type { BenchContext } from './context';
import { Instance, send, startInstanceWorld } from './instance';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { ratio } from './stats';

interface Input {
  key: string;
  label: string;
  bytes: Buffer;
  contentType: AcceptedType;
  width: number;
  height: number;
}

interface MemoryRun {
  input: string;
  mode: 'url' | 'file';
  status: string;
  baselineMiB: number;
  peakMiB: number;
  /** VmHWM, as a cross-check of maxRSS. */
  hwmMiB: number;
  seconds: number;
}

/** Noise defeats JPEG's compression: the largest file for its pixels. Sized to just under 22 MB. */
async function noiseJpeg(): Promise<Input> {
  const encode = (width: number, height: number) =>
    sharp(randomFillSync(Buffer.allocUnsafe(width * height * 3)), { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 100, chromaSubsampling: '4:4:4' })
      .toBuffer();
  const sample = await encode(800, 600);
  let pixels = (MAX_UPLOAD_BYTES * 0.99) / (sample.length / (800 * 600));
  for (let attempt = 0; attempt < 6; attempt += 1) {
    const width = Math.round(Math.sqrt((pixels * 4) / 3));
    const height = Math.round((width * 3) / 4);
    const bytes = await encode(width, height);
    if (bytes.length <= MAX_UPLOAD_BYTES && bytes.length > MAX_UPLOAD_BYTES * 0.95) {
      return { key: 'jpeg22', label: 'noise JPEG, 22 MB', bytes, contentType: 'image/jpeg', width, height };
    }
    pixels *= (MAX_UPLOAD_BYTES * 0.985) / bytes.length;
  }
  throw new Error('Could not size a JPEG to just under 22 MB');
}

/** A studio shot at the pixel limit: a disc on a sweep, one bit of noise in green (so not trivially small). */
async function largePng(): Promise<Input> {
  const width = 8160;
  const height = 6120; // 49.94 MP, under the 50 MP limit
  if (width * height > MAX_MEGAPIXELS * 1e6) throw new Error('over the pixel limit');
  const raw = Buffer.alloc(width * height * 3);
  const radius2 = (height / 3) ** 2;
  let seed = 12345;
  for (let y = 0; y < height; y += 1) {
    const f = y / height;
    const [r, g, b] = [(235 - f * 65) | 0, (238 - f * 58) | 0, (242 - f * 47) | 0];
    const dy2 = (y + 0.5 - height / 2) ** 2;
    for (let x = 0, i = y * width * 3; x < width; x += 1, i += 3) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const bit = (seed >>> 16) & 1;
      const inside = (x + 0.5 - width / 2) ** 2 + dy2 <= radius2;
      raw[i] = inside ? 210 : r;
      raw[i + 1] = (inside ? 60 : g) ^ bit;
      raw[i + 2] = inside ? 50 : b;
    }
  }
  const bytes = await sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 3 })
    .toBuffer();
  if (bytes.length > MAX_UPLOAD_BYTES) throw new Error(`The 50 MP PNG is ${bytes.length} bytes, over 22 MB`);
  return { key: 'png50', label: 'PNG, 50 megapixels', bytes, contentType: 'image/png', width, height };
}

/**
 * Section 4: peak RSS of a processUpload instance (the built artifact in its own process, as
 * deployed) handling the largest accepted inputs, read from process.resourceUsage().maxRSS.
 */
export async function memoryBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const dir = await artifactDir();
  ctx.log('generating the inputs');
  const small = await scenePng();
  const inputs: Input[] = [
    {
      key: 'small',
      label: 'reference: 400×300 PNG',
      bytes: small.png,
      contentType: 'image/png',
      width: 400,
      height: 300,
    },
    await noiseJpeg(),
    await largePng(),
  ];
  const modes: MemoryRun['mode'][] = ctx.quick ? ['url'] : ['url', 'file'];
  const world = await startInstanceWorld();
  const runs: MemoryRun[] = [];
  try {
    const userId = await world.createUser('mem');
    for (const mode of modes) {
      for (const input of inputs) {
        const { id, event } = await world.queuedUpload(userId, input.bytes, input.contentType);
        const instance = new Instance('processUpload', dir, { ...world.env, REMOVE_BG_INPUT: mode });
        try {
          const { port } = await instance.listening();
          const baseline = await instance.report();
          const t = performance.now();
          const reply = await send(port, 'POST', '/', event.headers, event.body, 180_000);
          const seconds = (performance.now() - t) / 1000;
          const peak = await instance.report();
          const row = await world.database.db
            .selectFrom('images')
            .select(['status', 'error_code'])
            .where('id', '=', id)
            .executeTakeFirst();
          const status =
            reply.status >= 300
              ? `HTTP ${reply.status}`
              : `${row?.status ?? '?'}${row?.error_code ? ` ${row.error_code}` : ''}`;
          runs.push({
            input: input.key,
            mode,
            status,
            baselineMiB: baseline.maxRssKiB / 1024,
            peakMiB: peak.maxRssKiB / 1024,
            hwmMiB: peak.hwmKiB / 1024,
            seconds,
          });
          ctx.log(
            `${input.label}, ${mode}: peak ${num(peak.maxRssKiB / 1024)} MiB (${status}, ${seconds.toFixed(1)} s)`,
          );
        } finally {
          await instance.stop();
        }
      }
    }
  } finally {
    await world.stop();
  }

  const metrics: Metrics = { inputs: [] };
  const reference = (mode: string) => runs.find((r) => r.input === 'small' && r.mode === mode);
  const rows: Table['rows'] = runs.map((run) => {
    const input = inputs.find((i) => i.key === run.input) as Input;
    if (run.input !== 'small') {
      // The target holds for every mode measured; the worst one is reported.
      const name = `${input.label}`;
      const previous = metrics[`peak_mib_${name}`];
      metrics[`peak_mib_${name}`] = Math.max(typeof previous === 'number' ? previous : 0, run.peakMiB);
      if (!(metrics.inputs as string[]).includes(name)) (metrics.inputs as string[]).push(name);
    }
    const ref = reference(run.mode);
    return [
      input.label,
      `${input.width}×${input.height}`,
      num(input.bytes.length / 2 ** 20, 1),
      `REMOVE_BG_INPUT=${run.mode}`,
      run.status,
      num(run.peakMiB),
      num(run.hwmMiB),
      num(run.baselineMiB),
      num(ref?.peakMiB),
      times(ratio(run.peakMiB, ref?.peakMiB ?? NaN)),
      ms(run.seconds * 1000),
    ];
  });
  const table: Table = {
    title: 'processUpload peak RSS (maxRSS of the instance process)',
    columns: [
      'input',
      'pixels',
      'MiB',
      'mode',
      'result',
      'peak RSS MiB (maxRSS)',
      'VmHWM MiB',
      'after load MiB',
      'reference peak MiB',
      '÷ reference',
      'event ms',
    ],
    rows,
    notes: [
      "One fresh instance per input: node bench/launcher.js processUpload dist/functions, started through /bin/sh (so maxRSS does not start at this process's RSS, which Linux carries into a forked child); the finalize CloudEvent is posted to it; process.resourceUsage().maxRSS and /proc VmHWM read over IPC after loading and after the event.",
      'The remover is bench/removebg-stub.ts (returns the input as the cutout), so the instance holds and thumbnails a result as large as the input. Reference: the same instance on a 400×300 PNG.',
      ctx.quick
        ? '--quick: only REMOVE_BG_INPUT=url (the default).'
        : 'url (the default) lets the remover fetch the original; file sends the bytes from the instance.',
    ],
  };
  return {
    name: 'memory',
    title: '4. Memory',
    tables: [table],
    metrics,
    data: { runs },
    seconds: (performance.now() - started) / 1000,
  };
}
