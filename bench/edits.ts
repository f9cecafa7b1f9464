import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { normaliseMask, renderCutout, type RenderSources } from '../functions/src/adapters/sharp-render';
import { DEFAULT_EDITS, type Edits } from '../functions/src/core/edits';
import type { LocalCloud } from '../local/local-cloud';
import { QUALITY_SCENES, renderQualityScene } from '../test/support/quality-scenes';
import type { BenchContext } from './context';
import type { TimedReply, TimedRequest } from './edits-client';
import { PHOTO_SCENE } from './engine-inputs';
import { call, expectStatus, register, startBenchCloud } from './fixtures';
import { LoadClient, type LoadResult } from './load';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { ratio, settle, sleep, summarize, timed, within, type Summary } from './stats';

/** A row of one request's timings: label, count, median, spread, and what was sent. */
const timedRow = (label: string, samples: number[], body = ''): (string | number)[] => [
  label,
  samples.length,
  ms(medianOf(samples)),
  spread(summarize(samples)),
  body,
];

const WIDTH = 4000;
const HEIGHT = 3000;
/** The colour background of the measured renders, and the ones the PATCHes cycle through. */
const COLOUR = '2f6fb0';
const OTHER_COLOURS = ['c0392b', '27ae60', '8e44ad', 'f39c12', '16a085', 'd35400'];
const COLOUR_EDITS: Edits = { ...DEFAULT_EDITS, background: { type: 'color', color: COLOUR } };
const LEVELS = [1, 8] as const;

const raw = (width: number, height: number, channels: 1 | 3 | 4) => ({ raw: { width, height, channels } }) as const;

/** What the section sends and renders, drawn once. */
interface Inputs {
  /** The photo uploaded (JPEG, quality 90). */
  photo: Buffer;
  /** Its cutout as the remover would give it: RGBA PNG, soft edge, blanked where transparent. */
  cutout: Buffer;
  /** A touch-up of the cutout's opacity (a band restored, a disc erased), grey PNG. */
  mask: Buffer;
  /** The same touch-up one column narrower: refused for its size after the same upload. */
  wrongMask: Buffer;
  /** The same touch-up as the web editor sends it: a canvas's RGBA PNG, white keeps, black erases. */
  canvasMask: Buffer;
  /** The worst case: a mask PNG cannot compress (random grey), near the 22 MB limit of a body. */
  noiseMask: Buffer;
}

/**
 * A 12 MP synthetic photograph (test/support/quality-scenes.ts: textured subject, backdrop,
 * grain), and its cutout: the subject's mask, blurred to a soft edge of a few pixels, as alpha.
 */
async function drawInputs(width: number, height: number): Promise<Inputs> {
  const spec = QUALITY_SCENES.find((s) => s.name === PHOTO_SCENE);
  if (!spec) throw new Error(`No quality scene named ${PHOTO_SCENE}`);
  const scene = renderQualityScene(spec, width, height);
  const pixels = width * height;
  const photo = await sharp(scene.rgba, raw(width, height, 4))
    .removeAlpha()
    .jpeg({ quality: 90 })
    .toBuffer();
  const hard = Buffer.alloc(pixels);
  for (let i = 0; i < pixels; i += 1) hard[i] = scene.mask[i] ? 255 : 0;
  const alpha = await sharp(hard, raw(width, height, 1))
    .blur(1.5)
    .extractChannel(0)
    .raw()
    .toBuffer();
  if (alpha.length !== pixels) throw new Error(`soft mask: ${alpha.length} bytes, not ${pixels}`);
  const rgba = Buffer.from(scene.rgba);
  for (let i = 0; i < pixels; i += 1) {
    const a = alpha[i] as number;
    rgba[i * 4 + 3] = a;
    if (a === 0) rgba.fill(0, i * 4, i * 4 + 3);
  }
  // As the local remover encodes its cutouts (local/removebg/render.ts).
  const cutout = await sharp(rgba, raw(width, height, 4))
    .png({ compressionLevel: 2, adaptiveFiltering: false })
    .toBuffer();
  const touched = Buffer.from(alpha);
  const band = { left: Math.round(width * 0.1), right: Math.round(width * 0.3), top: Math.round(height * 0.75) };
  for (let y = band.top; y < height; y += 1) touched.fill(255, y * width + band.left, y * width + band.right);
  const disc = { x: width * 0.6, y: height * 0.35, r: Math.min(width, height) * 0.08 };
  for (let y = Math.floor(disc.y - disc.r); y <= disc.y + disc.r; y += 1)
    for (let x = Math.floor(disc.x - disc.r); x <= disc.x + disc.r; x += 1)
      if ((x - disc.x) ** 2 + (y - disc.y) ** 2 <= disc.r ** 2) touched[y * width + x] = 0;
  // A grey PNG at sharp's default compression, as a client would send it.
  const grey = (w: number) =>
    sharp(touched, raw(width, height, 1))
      .extract({ left: 0, top: 0, width: w, height })
      .toColourspace('b-w')
      .png()
      .toBuffer();
  const canvasMask = await sharp(touched, raw(width, height, 1))
    .toColourspace('srgb')
    .ensureAlpha()
    .png()
    .toBuffer();
  const noiseMask = await sharp(randomBytes(pixels), raw(width, height, 1))
    .toColourspace('b-w')
    .png()
    .toBuffer();
  return { photo, cutout, mask: await grey(width), wrongMask: await grey(width - 1), canvasMask, noiseMask };
}

/** The forked client (bench/edits-client.ts): one timed request at a time, from its own process. */
class TimedClient {
  private readonly dir = mkdtempSync(join(tmpdir(), 'cutout-bench-edits-bodies-'));
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (message: { reply?: TimedReply; error?: string }) => void>();

  constructor(bodies: readonly Buffer[]) {
    const files = bodies.map((body, i) => {
      const file = join(this.dir, `${i}.bin`);
      writeFileSync(file, body);
      return file;
    });
    this.child = fork(join(__dirname, 'edits-client.ts'), files, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { id: number; reply?: TimedReply; error?: string }) => {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
    this.child.on('exit', (code) => {
      for (const answer of this.waiting.values()) answer({ error: `edits client exited (${code})` });
      this.waiting.clear();
    });
  }

  /** One request; rejects unless it answered `expect`. */
  async send(request: TimedRequest, expect: number): Promise<TimedReply> {
    const id = (this.nextId += 1);
    const message = await within(
      new Promise<{ reply?: TimedReply; error?: string }>((answer) => {
        this.waiting.set(id, answer);
        this.child.send({ id, request });
      }),
      90_000,
      `${request.method} ${request.url}`,
    );
    if (!message.reply) throw new Error(message.error ?? 'edits client failed');
    if (message.reply.status !== expect)
      throw new Error(
        `${request.method} ${new URL(request.url).pathname}: expected ${expect}, got ${message.reply.status} ${message.reply.text ?? ''}`,
      );
    return message.reply;
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

interface RenderJson {
  url: string;
  width: number;
  height: number;
  bytes: number;
}

interface LoadPair {
  c: number;
  reference: LoadResult;
  cached: LoadResult;
}

interface CloudRun {
  /** Upload PUT → image done, the one remover call (s). */
  cutoutSeconds: number;
  engineCutout: Buffer;
  size: { width: number; height: number };
  firstRender: number[];
  repeatRender: number[];
  renderBytes: number;
  pairs: LoadPair[];
  maskPut: number[];
  wrongPut: number[];
  canvasPut: number[];
  noisePut: number[];
  touchedRender: number[];
  maskBytes: number;
  paid: { calls: number; credits: number };
  after: { calls: number; credits: number };
  editRequests: number;
}

const renderOf = (reply: TimedReply): RenderJson => (JSON.parse(reply.text ?? '{}') as { render: RenderJson }).render;
const objectPath = (url: string) => new URL(url).pathname;

/** 2 to 4 over HTTP: one 12 MP image made once by the local remover, then only edits. */
async function overHttp(ctx: BenchContext, inputs: Inputs): Promise<CloudRun> {
  const reps = ctx.quick ? 3 : 7;
  const duration = ctx.quick ? 2 : 5;
  const warmup = ctx.quick ? 0.5 : 1;
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-bench-edits-'));
  const client = new TimedClient([inputs.mask, inputs.wrongMask, inputs.canvasMask, inputs.noiseMask]);
  const load = new LoadClient();
  let cloud: LocalCloud | undefined;
  try {
    ctx.log('starting the local cloud (local remover)');
    cloud = await startBenchCloud(dataDir);
    const remover = cloud.removeBg;
    if (!remover) throw new Error('the edits section needs the local remover (REMOVE_BG_API_KEY is set)');
    const origin = cloud.url.replace('//localhost:', '//127.0.0.1:');
    const account = await register(`${origin}/api/register`, 'editor');
    const auth = { Authorization: `Bearer ${account.token}` };
    let editRequests = 0;

    ctx.log(`uploading a ${WIDTH}×${HEIGHT} photo (${num(inputs.photo.length / 2 ** 20, 1)} MiB) for its cutout`);
    const issued = expectStatus(
      await call(`${origin}/api/upload`, {
        token: account.token,
        body: {
          filename: 'portrait.jpg',
          contentType: 'image/jpeg',
          size: inputs.photo.length,
          options: { size: 'full' },
        },
      }),
      201,
      'upload',
    ).body;
    const id = (issued.image as { id: string }).id;
    const upload = issued.upload as { url: string; headers: Record<string, string> };
    const cutoutStarted = performance.now();
    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: inputs.photo });
    if (put.status !== 200) throw new Error(`original PUT answered ${put.status}`);
    await within(cloud.storage.idle(), 120_000, 'the cutout');
    const imageUrl = `${origin}/api/images/${id}`;
    let image = expectStatus(await call(imageUrl, { token: account.token }), 200, 'image').body.image as {
      status: string;
      width: number;
      height: number;
      resultUrl: string;
    };
    for (let i = 0; i < 600 && image.status !== 'done' && image.status !== 'failed'; i += 1) {
      await sleep(100);
      image = (await call(imageUrl, { token: account.token })).body.image as typeof image;
    }
    const cutoutSeconds = (performance.now() - cutoutStarted) / 1000;
    if (image.status !== 'done') throw new Error(`the 12 MP image ended ${image.status}`);
    if (image.width !== WIDTH || image.height !== HEIGHT)
      throw new Error(`the cutout is ${image.width}×${image.height}, not ${WIDTH}×${HEIGHT}`);
    const paid = { calls: remover.calls(), credits: remover.credits() };
    const stored = await fetch(image.resultUrl);
    if (!stored.ok) throw new Error(`the stored cutout answered ${stored.status}`);
    const engineCutout = Buffer.from(await stored.arrayBuffer());
    ctx.log(`cutout done in ${cutoutSeconds.toFixed(1)} s (remover: ${paid.calls} call, ${paid.credits} credits)`);

    const patch = async (body: unknown) => {
      editRequests += 1;
      expectStatus(
        await call(`${imageUrl}/edits`, { method: 'PATCH', token: account.token, body }),
        200,
        'PATCH edits',
      );
    };
    const renderUrl = `${imageUrl}/render?format=jpg`;
    const getRender = async () => {
      editRequests += 1;
      return client.send({ url: renderUrl, method: 'GET', headers: auth }, 200);
    };

    // First requests after a change of settings: each renders and stores a new JPEG.
    const firstRender: number[] = [];
    const repeatRender: number[] = [];
    const firstCount = ctx.quick ? 2 : 5;
    let made: RenderJson | undefined;
    for (let i = 0; i < firstCount; i += 1) {
      const colour = i === firstCount - 1 ? COLOUR : (OTHER_COLOURS[i % OTHER_COLOURS.length] as string);
      await patch({ background: { type: 'color', color: colour } });
      const first = await getRender();
      made = renderOf(first);
      const again = await getRender();
      if (objectPath(renderOf(again).url) !== objectPath(made.url))
        throw new Error('a repeated render request did not answer with the stored render');
      firstRender.push(first.ms);
      repeatRender.push(again.ms);
    }
    if (!made || made.width !== WIDTH || made.height !== HEIGHT)
      throw new Error(`the render is ${made?.width}×${made?.height}, not ${WIDTH}×${HEIGHT}`);
    ctx.log(
      `first render over HTTP: ${firstRender.map((t) => ms(t)).join(', ')} ms (${num(made.bytes / 2 ** 20, 1)} MiB)`,
    );

    // The cached render under load, next to the image's JSON at the same concurrency.
    const renderPath = `/api/images/${id}/render?format=jpg`;
    const run = async (path: string, c: number, seconds: number) => {
      const result = await load.run({
        origin,
        method: 'GET',
        headers: auth,
        paths: [path],
        connections: c,
        durationSeconds: seconds,
        timeoutSeconds: 30,
        expect: [200],
      });
      return result;
    };
    const pairs: LoadPair[] = [];
    for (const c of LEVELS) {
      await settle();
      await sleep(ctx.quick ? 50 : 300);
      await run(`/api/images/${id}`, c, warmup);
      const reference = await run(`/api/images/${id}`, c, duration);
      const warm = await run(renderPath, c, warmup);
      const cached = await run(renderPath, c, duration);
      for (const result of [warm, cached]) editRequests += result.ok + result.failures;
      pairs.push({ c, reference, cached });
      ctx.log(
        `c${c}: cached render p50 ${ms(cached.latency.p50)} ms, p99 ${ms(cached.latency.p99)} ms, ${num(cached.rps)} rps; image JSON p99 ${ms(reference.latency.p99)} ms, ${num(reference.rps)} rps` +
          (cached.failures || reference.failures
            ? `; failures ${JSON.stringify(cached.statuses)} / ${JSON.stringify(reference.statuses)}`
            : ''),
      );
    }
    const still = await getRender();
    if (objectPath(renderOf(still).url) !== objectPath(made.url))
      throw new Error('the render was made again under load instead of answered from storage');

    // Touch-up masks: the right size (saved), one column narrower (refused for its size), the
    // editor's RGBA form, and one that cannot compress.
    const maskRequest = (body: number): TimedRequest => ({
      url: `${imageUrl}/mask`,
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'image/png' },
      body,
    });
    await client.send(maskRequest(0), 200);
    await client.send(maskRequest(1), 400);
    editRequests += 2;
    const maskPut: number[] = [];
    const wrongPut: number[] = [];
    const canvasPut: number[] = [];
    for (let i = 0; i < reps; i += 1) {
      canvasPut.push((await client.send(maskRequest(2), 200)).ms);
      wrongPut.push((await client.send(maskRequest(1), 400)).ms);
      maskPut.push((await client.send(maskRequest(0), 200)).ms);
      editRequests += 3;
    }
    const noisePut: number[] = [];
    for (let i = 0; i < (ctx.quick ? 1 : 3); i += 1) {
      noisePut.push((await client.send(maskRequest(3), 200)).ms);
      editRequests += 1;
    }
    // The last mask saved is the touch-up, for the renders below.
    await client.send(maskRequest(0), 200);
    editRequests += 1;
    ctx.log(
      `PUT mask: ${maskPut.map((t) => ms(t)).join(', ')} ms; refused for its size: ${wrongPut.map((t) => ms(t)).join(', ')} ms; canvas form ${canvasPut.map((t) => ms(t)).join(', ')} ms; random ${noisePut.map((t) => ms(t)).join(', ')} ms`,
    );
    const touched = expectStatus(await call(imageUrl, { token: account.token }), 200, 'image').body.image as {
      touchedUp: boolean;
    };
    if (!touched.touchedUp) throw new Error('the image is not touched up after its mask was saved');

    // A render with the touch-up: it restores pixels, so the original photo is read too.
    const touchedRender: number[] = [];
    for (let i = 0; i < (ctx.quick ? 1 : 3); i += 1) {
      if (i > 0) await patch({ background: { type: 'color', color: OTHER_COLOURS[i] as string } });
      touchedRender.push((await getRender()).ms);
    }

    await within(cloud.storage.idle(), 60_000, 'storage');
    const after = { calls: remover.calls(), credits: remover.credits() };
    return {
      cutoutSeconds,
      engineCutout,
      size: { width: image.width, height: image.height },
      firstRender,
      repeatRender,
      renderBytes: made.bytes,
      pairs,
      maskPut,
      wrongPut,
      canvasPut,
      noisePut,
      touchedRender,
      maskBytes: inputs.mask.length,
      paid,
      after,
      editRequests,
    };
  } finally {
    client.close();
    load.close();
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface RendererRow {
  key: string;
  label: string;
  times: number[];
  bytes: number;
}

/** 1: renderCutout in this process, each repetition interleaved with the references. */
async function rendererSpeed(
  inputs: Inputs,
  engineCutout: Buffer,
  reps: number,
): Promise<{ rows: RendererRow[]; normalise: number[] }> {
  const sources = (cutout: Buffer, mask?: Buffer): RenderSources => ({
    cutout,
    mask,
    original: () => Promise.resolve(inputs.photo),
    background: () => Promise.reject(new Error('no background image in this bench')),
  });
  const storedMask = await normaliseMask(inputs.mask, WIDTH, HEIGHT);
  if (!storedMask) throw new Error('the touch-up mask was refused by normaliseMask');
  const quality = COLOUR_EDITS.quality;
  const jobs: { key: string; label: string; run: () => Promise<Buffer> }[] = [
    {
      key: 'render',
      label: 'renderCutout → JPEG on a colour (the generated cutout)',
      run: async () => (await renderCutout(sources(inputs.cutout), COLOUR_EDITS, 'jpg')).bytes,
    },
    {
      key: 'decode_encode',
      label: "reference: sharp's plain decode of the PNG + JPEG encode (one pipeline)",
      run: () => sharp(inputs.cutout).jpeg({ quality }).toBuffer(),
    },
    {
      key: 'flatten',
      label: 'reference: the same output from sharp alone (PNG → flatten on the colour → JPEG)',
      run: () =>
        sharp(inputs.cutout)
          .flatten({ background: `#${COLOUR}` })
          .jpeg({ quality })
          .toBuffer(),
    },
    {
      key: 'decode_raw',
      label: "for the breakdown: sharp's decode of the PNG to raw RGBA alone (renderCutout's first step)",
      run: () => sharp(inputs.cutout).ensureAlpha().raw().toBuffer(),
    },
    {
      key: 'engine_cutout',
      label: "renderCutout → JPEG on a colour (the local remover's cutout of the same photo)",
      run: async () => (await renderCutout(sources(engineCutout), COLOUR_EDITS, 'jpg')).bytes,
    },
    {
      key: 'touched',
      label: 'renderCutout → JPEG on a colour, with the touch-up mask (restores from the photo)',
      run: async () => (await renderCutout(sources(inputs.cutout, storedMask), COLOUR_EDITS, 'jpg')).bytes,
    },
  ];
  const rows: RendererRow[] = jobs.map((job) => ({ key: job.key, label: job.label, times: [], bytes: 0 }));
  // Warm-up: sharp's threads and caches, the JIT of the per-pixel loops.
  for (const [i, job] of jobs.entries()) (rows[i] as RendererRow).bytes = (await job.run()).length;
  const normalise: number[] = [];
  for (let rep = 0; rep < reps; rep += 1) {
    for (const [i, job] of jobs.entries()) (rows[i] as RendererRow).times.push((await timed(job.run)).ms);
    normalise.push((await timed(() => normaliseMask(inputs.mask, WIDTH, HEIGHT))).ms);
  }
  return { rows, normalise };
}

const medianOf = (values: number[]): number => summarize(values).p50;
const spread = (s: Summary): string => `${ms(s.min)}–${ms(s.max)}`;
const mib = (bytes: number): string =>
  bytes < 2 ** 20 ? `${num(bytes / 2 ** 10)} KiB` : `${num(bytes / 2 ** 20, 1)} MiB`;

/**
 * Section 7: edits of one 12 MP cutout (docs/api.md "Edits"). The renderer in this process
 * against sharp's decode + encode of the same PNG; through the local cloud over HTTP: a
 * cached render under load next to the image's JSON, a touch-up mask saved next to the same
 * upload refused for its size, and the remover's count of calls before and after it all.
 */
export async function editsBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const reps = ctx.quick ? 3 : 11;
  ctx.log(`drawing a ${WIDTH}×${HEIGHT} photo, its cutout and a touch-up mask`);
  const inputs = await drawInputs(WIDTH, HEIGHT);
  ctx.log(
    `photo ${mib(inputs.photo.length)}, cutout PNG ${mib(inputs.cutout.length)}, mask PNG ${mib(inputs.mask.length)} (canvas RGBA: ${mib(inputs.canvasMask.length)})`,
  );
  const cloud = await overHttp(ctx, inputs);

  ctx.log(`renderCutout in this process, ${reps} times each, interleaved with the references`);
  const renderer = await rendererSpeed(inputs, cloud.engineCutout, reps);
  const byKey = (key: string) => renderer.rows.find((row) => row.key === key) as RendererRow;
  const reference = medianOf(byKey('decode_encode').times);
  for (const row of renderer.rows) ctx.log(`${row.key}: median ${ms(medianOf(row.times))} ms`);

  const metrics: Metrics = {
    render_jpg_ms: medianOf(byKey('render').times),
    render_decode_encode_ms: reference,
    render_flatten_ms: medianOf(byKey('flatten').times),
    render_decode_raw_ms: medianOf(byKey('decode_raw').times),
    render_engine_cutout_ms: medianOf(byKey('engine_cutout').times),
    render_touched_ms: medianOf(byKey('touched').times),
    render_reps: reps,
    http_first_render_ms: medianOf(cloud.firstRender),
    http_repeat_render_ms: medianOf(cloud.repeatRender),
    http_touched_render_ms: medianOf(cloud.touchedRender),
    mask_put_ms: medianOf(cloud.maskPut),
    mask_put_wrong_size_ms: medianOf(cloud.wrongPut),
    mask_put_canvas_ms: medianOf(cloud.canvasPut),
    mask_put_noise_ms: medianOf(cloud.noisePut),
    mask_normalise_ms: medianOf(renderer.normalise),
    mask_put_reps: cloud.maskPut.length,
    mask_bytes: cloud.maskBytes,
    remover_calls_before: cloud.paid.calls,
    remover_credits_before: cloud.paid.credits,
    remover_calls_extra: cloud.after.calls - cloud.paid.calls,
    remover_credits_extra: cloud.after.credits - cloud.paid.credits,
    edit_requests: cloud.editRequests,
    cutout_seconds: cloud.cutoutSeconds,
  };
  for (const { c, reference: ref, cached } of cloud.pairs) {
    metrics[`cached_render_c${c}_p50`] = cached.latency.p50;
    metrics[`cached_render_c${c}_p99`] = cached.latency.p99;
    metrics[`cached_render_c${c}_rps`] = cached.rps;
    metrics[`cached_render_c${c}_failures`] = cached.failures;
    metrics[`image_json_c${c}_p50`] = ref.latency.p50;
    metrics[`image_json_c${c}_p99`] = ref.latency.p99;
    metrics[`image_json_c${c}_rps`] = ref.rps;
  }

  const tables: Table[] = [
    {
      title: `Edits: a ${WIDTH}×${HEIGHT} cutout rendered (renderCutout, in this process)`,
      columns: ['render', 'n', 'median ms', 'min–max ms', 'output', 'median ÷ decode + encode'],
      rows: renderer.rows.map((row) => {
        const s = summarize(row.times);
        return [row.label, s.n, ms(s.p50), spread(s), mib(row.bytes), times(ratio(s.p50, reference))];
      }),
      notes: [
        `The cutout: a synthetic 12 MP photograph (test/support/quality-scenes.ts, "${PHOTO_SCENE}") with its subject's mask blurred (σ 1.5 px) as alpha and blanked where transparent, as RGBA PNG (${mib(inputs.cutout.length)}, compression 2 as the local remover writes it). The edits: colour background #${COLOUR}, full size, quality ${COLOUR_EDITS.quality}; no crop, scale or move.`,
        `Each repetition runs every row once, in turn, after one untimed warm-up of each: both figures of a ratio see the same machine (shared: see the load line at the top; the min–max column shows how much). The reference is the least any renderer pays: sharp decoding the PNG and encoding it as JPEG at the same quality, in one libvips pipeline with nothing in between. sharp.concurrency() here: ${sharp.concurrency()} thread(s) per image.`,
        "The local remover's cutout: the one the cloud below made of the same photo (its PNG as stored). The touch-up row restores a band the model removed, so it reads and decodes the original JPEG as well.",
      ],
    },
    {
      title: 'Edits over HTTP: a cached render under load, next to the image JSON (autocannon, 127.0.0.1)',
      columns: [
        'c',
        'render p50 ms',
        'render p95 ms',
        'render p99 ms',
        'render rps',
        'image JSON p50 ms',
        'image JSON p99 ms',
        'image JSON rps',
        'p99 ÷ image JSON p99',
        'failures',
      ],
      rows: cloud.pairs.map(({ c, reference: ref, cached }) => [
        c,
        ms(cached.latency.p50),
        ms(cached.latency.p95),
        ms(cached.latency.p99),
        num(cached.rps),
        ms(ref.latency.p50),
        ms(ref.latency.p99),
        num(ref.rps),
        times(ratio(cached.latency.p99, ref.latency.p99)),
        cached.failures + ref.failures,
      ]),
      notes: [
        `GET /api/images/{id}/render?format=jpg through the local cloud's Hosting server (its rewrite to the edit function), for one ${WIDTH}×${HEIGHT} image whose JPEG was rendered and stored by the request before: each answer is the stored render's signed URL (checked: the same object before and after the load). ${ctx.quick ? '--quick: ' : ''}${num(cloud.pairs[0]?.cached.seconds ?? NaN, 1)} s per run after a warm-up at the same concurrency; autocannon in its own process.`,
        "Reference, run right before at the same concurrency: GET /api/images/{id} (the same image's JSON, from the images function through the same Hosting server): the same authentication and row read, with the gallery's caches.",
      ],
    },
    {
      title: 'Edits over HTTP: one request at a time',
      columns: ['request', 'n', 'median ms', 'min–max ms', 'body'],
      rows: [
        [
          'the 12 MP cutout itself: original PUT → image done (the one remover call)',
          1,
          ms(cloud.cutoutSeconds * 1000),
          '',
          mib(inputs.photo.length),
        ],
        timedRow('GET render?format=jpg, first after a change (renders and stores it)', cloud.firstRender),
        timedRow('GET render?format=jpg, the next request (stored)', cloud.repeatRender),
        timedRow('PUT mask, 4000×3000 grey PNG (saved: 200)', cloud.maskPut, mib(cloud.maskBytes)),
        timedRow(
          'reference: the same PUT, one column narrower (refused for its size: 400)',
          cloud.wrongPut,
          mib(inputs.wrongMask.length),
        ),
        timedRow(
          'PUT mask, the same touch-up as the web editor sends it (canvas RGBA PNG, saved: 200)',
          cloud.canvasPut,
          mib(inputs.canvasMask.length),
        ),
        timedRow(
          'PUT mask, worst case: one that cannot compress (random grey PNG, saved: 200)',
          cloud.noisePut,
          mib(inputs.noiseMask.length),
        ),
        timedRow('reference: normaliseMask alone, in this process', renderer.normalise),
        timedRow('GET render?format=jpg with the touch-up, first after a change', cloud.touchedRender),
      ],
      notes: [
        "Sent one at a time from a forked client (bench/edits-client.ts), so the upload comes from another event loop as a browser's would; time from sending to the last byte of the answer.",
        "The mask's two references: the 400 is the same request (authentication, the image read, the 22 MB-bounded body read of a PNG of nearly the same bytes, its header) stopped where the size check fails, before decoding; normaliseMask is the decode + grey PNG encode the saved PUT adds. The saved PUT also stores the mask, writes the row and deletes the renders of the old settings.",
        "The touch-up (the soft cutout mask with a band restored and a disc erased) is mostly runs of 0 and 255, so its PNG is small, as an editor's is; the canvas form is what hosting/src/mask-strokes.ts sends (canvas.toBlob, RGBA). The random one is the most a 12 MP mask can weigh: every byte uploaded, inflated and stored.",
      ],
    },
    {
      title: 'Edits: the remover asked once',
      columns: ['', 'remover calls', 'credits'],
      rows: [
        ['after the cutout was made', cloud.paid.calls, cloud.paid.credits],
        ['after every edit request below', cloud.after.calls, cloud.after.credits],
        [
          `added by ${cloud.editRequests} edit requests`,
          cloud.after.calls - cloud.paid.calls,
          cloud.after.credits - cloud.paid.credits,
        ],
      ],
      notes: [
        "cloud.removeBg.calls() and credits(): the local remove.bg endpoint's own count of requests received and credits charged. The edit requests: PATCHes, renders (first, repeated, and under load with their warm-ups), mask PUTs saved and refused.",
      ],
    },
  ];
  return {
    name: 'edits',
    title: '7. Edits',
    tables,
    metrics,
    data: {
      renderer: renderer.rows,
      normalise: renderer.normalise,
      http: { ...cloud, engineCutout: undefined },
      inputs: {
        photo: inputs.photo.length,
        cutout: inputs.cutout.length,
        mask: inputs.mask.length,
        canvasMask: inputs.canvasMask.length,
        noiseMask: inputs.noiseMask.length,
      },
    },
    seconds: (performance.now() - started) / 1000,
  };
}
