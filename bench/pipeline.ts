import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../functions/src/adapters/sql/database';
import { loadConfig } from '../functions/src/config';
import { DEFAULT_OPTIONS, originalKey, resultKey, uneditedImage, type Image } from '../functions/src/core/image';
import { newId } from '../functions/src/core/ids';
import { appDeps } from '../functions/src/deps';
import { makeThumbnail } from '../functions/src/events/process-image';
import type { LocalCloud } from '../local/local-cloud';
import { scenePng } from '../test/support/scenes-images';
import { SCENES } from '../test/support/scenes';
import type { BenchContext } from './context';
import { call, expectStatus, register, startBenchCloud } from './fixtures';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { pipelineInInstance } from './pipeline-instance';
import { startRemoveBgStub } from './removebg-stub';
import { Uploader } from './uploader';
import { ratio, summarize, type Summary, within } from './stats';

const LEVELS = [1, 8, 32] as const;

/** The columns every pipeline level starts with, and their cells. */
const LEVEL_COLUMNS = ['uploads at once', 'images', 'p50 ms', 'p95 ms', 'p99 ms', 'images/s'];
const levelCells = (level: {
  concurrency: number;
  images: number;
  overhead: Summary;
  imagesPerSecond: number;
}): Table['rows'][number] => [
  level.concurrency,
  level.images,
  ms(level.overhead.p50),
  ms(level.overhead.p95),
  ms(level.overhead.p99),
  num(level.imagesPerSecond, 1),
];

interface LevelResult {
  concurrency: number;
  images: number;
  /** Finalized object → row done, per image (ms). */
  overhead: Summary;
  /** What processUpload itself measured: the remover call, and its whole run. */
  remover: Summary;
  processing: Summary;
  imagesPerSecond: number;
  /** CPU time of this whole process (function, storage server, emulator, remover) per image. */
  cpuMsPerImage: number;
  failed: number;
}

interface ModeResult {
  mode: 'pass-through' | 'local engine';
  levels: LevelResult[];
}

interface PendingUpload {
  id: string;
  key: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** Which of the scenes `body` is. */
  scene: number;
}

/**
 * Section 2: from the finalized object to the image's row saying done, through the local
 * cloud's real trigger path (storage server → finalize CloudEvent → processUpload), with a
 * remover that answers at once, then with the local engine, at 1, 8 and 32 uploads at a time.
 */
export async function pipelineBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const counts: Record<number, number> = ctx.quick ? { 1: 3, 8: 16, 32: 32 } : { 1: 20, 8: 96, 32: 160 };
  const pngs = await Promise.all(SCENES.map(async (spec) => (await scenePng(spec)).png));
  const modes: ModeResult[] = [];
  let unavoidable: { objectWrite: Summary; rowWrite: Summary } | undefined;
  let steps: { step: string; summary: Summary }[] = [];

  for (const mode of ['pass-through', 'local engine'] as const) {
    const stub = mode === 'pass-through' ? await startRemoveBgStub() : undefined;
    const dataDir = mkdtempSync(join(tmpdir(), 'cutout-bench-pipeline-'));
    ctx.log(`${mode}: starting the local cloud`);
    let cloud: LocalCloud | undefined;
    let database: Database | undefined;
    // The uploads come from another process, as from a browser: not from the loop measured.
    const uploader = new Uploader(pngs);
    try {
      cloud = await startBenchCloud(dataDir, stub ? { REMOVE_BG_URL: stub.url, REMOVE_BG_API_KEY: stub.apiKey } : {});
      database = await openDatabase(loadConfig(process.env).database);
      const account = await register(`${cloud.url}/api/register`, 'piper');
      let next = 0;
      const issue = async (): Promise<PendingUpload> => {
        const scene = next++ % pngs.length;
        const body = pngs[scene] as Buffer;
        const reply = expectStatus(
          await call(`${cloud!.url}/api/upload`, {
            token: account.token,
            body: { filename: 'scene.png', contentType: 'image/png', size: body.length },
          }),
          201,
          'upload',
        );
        const image = reply.body.image as { id: string };
        const upload = reply.body.upload as { url: string; headers: Record<string, string> };
        return {
          id: image.id,
          key: originalKey(account.id, image.id),
          url: upload.url,
          headers: upload.headers,
          body,
          scene,
        };
      };
      /** N uploads at once, then wait until every finalize event has been processed. */
      const round = async (batch: PendingUpload[]) => {
        await uploader.put(batch.map((p) => ({ url: p.url, headers: p.headers, body: p.scene })));
        await within(cloud!.storage.idle(), 120_000, 'pipeline round');
      };

      // Warm-up: sharp, the remover's connection pool, the Firestore and storage clients.
      await round([await issue(), await issue()]);

      const levels: LevelResult[] = [];
      for (const concurrency of LEVELS) {
        const pending: PendingUpload[] = [];
        for (let i = 0; i < (counts[concurrency] ?? concurrency); i += 1) pending.push(await issue());
        const wallStarted = performance.now();
        const cpuStarted = process.cpuUsage();
        for (let i = 0; i < pending.length; i += concurrency) await round(pending.slice(i, i + concurrency));
        const wallSeconds = (performance.now() - wallStarted) / 1000;
        const cpu = process.cpuUsage(cpuStarted);
        const level = await measureLevel(cloud, database, pending, concurrency, wallSeconds);
        level.cpuMsPerImage = (cpu.user + cpu.system) / 1000 / pending.length;
        levels.push(level);
        if (mode === 'pass-through' && concurrency === 1 && pending[0]) {
          // Right after the one-at-a-time level, so both see the machine in the same state.
          ctx.log('each step of processUpload alone');
          steps = await stepsAlone(account.id, pending[0], ctx.quick ? 3 : 20);
        }
        const last = levels[levels.length - 1] as LevelResult;
        ctx.log(
          `${mode} ×${concurrency}: p50 ${ms(last.overhead.p50)} ms, p99 ${ms(last.overhead.p99)} ms, ${num(last.imagesPerSecond, 1)} images/s` +
            (last.failed ? `, ${last.failed} not done` : ''),
        );
      }
      modes.push({ mode, levels });

      if (mode === 'pass-through') {
        ctx.log('the unavoidable steps alone: object write, row write');
        unavoidable = await unavoidableSteps(account.id, pngs[0] as Buffer, ctx.quick ? 10 : 30);
      }
    } finally {
      uploader.close();
      await database?.close();
      await cloud?.stop();
      await stub?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

  ctx.log('pass-through, processUpload in its own process (as deployed)');
  const deployed = await pipelineInInstance(pngs, LEVELS, counts);
  for (const level of deployed) {
    ctx.log(
      `deployed shape ×${level.concurrency}: p50 ${ms(level.overhead.p50)} ms, p99 ${ms(level.overhead.p99)} ms, ${num(level.imagesPerSecond, 1)} images/s` +
        (level.failed ? `, ${level.failed} not done` : ''),
    );
  }

  const floor = unavoidable ? unavoidable.objectWrite.p50 + unavoidable.rowWrite.p50 : Number.NaN;
  const metrics: Metrics = { unavoidable_p50: floor };
  const rows: Table['rows'] = [];
  for (const { mode, levels } of modes) {
    for (const level of levels) {
      const key = mode === 'pass-through' ? 'passthrough' : 'engine';
      metrics[`${key}_c${level.concurrency}_p50`] = level.overhead.p50;
      metrics[`${key}_c${level.concurrency}_p95`] = level.overhead.p95;
      metrics[`${key}_c${level.concurrency}_p99`] = level.overhead.p99;
      metrics[`${key}_c${level.concurrency}_ips`] = level.imagesPerSecond;
      const reference = modes
        .find((m) => m.mode === 'local engine')
        ?.levels.find((l) => l.concurrency === level.concurrency);
      rows.push([
        mode,
        ...levelCells(level),
        ms(level.cpuMsPerImage),
        ms(level.remover.p50),
        ms(level.processing.p50),
        ms(floor),
        times(ratio(level.overhead.p50, floor)),
        mode === 'pass-through' ? times(ratio(level.overhead.p50, reference?.overhead.p50 ?? Number.NaN)) : '1.00×',
        level.failed,
      ]);
    }
  }
  const tables: Table[] = [
    {
      title: 'Pipeline: finalized object → done',
      columns: [
        'remover',
        ...LEVEL_COLUMNS,
        'CPU ms/image',
        'remover p50',
        'processUpload p50',
        'unavoidable p50',
        'p50 ÷ unavoidable',
        'p50 ÷ engine p50',
        'not done',
      ],
      rows,
      notes: [
        'Through `startLocalCloud`: signed-URL PUTs to the storage server (sent by a forked uploader, bench/put-client.ts, as a browser would from elsewhere), its finalize CloudEvent to processUpload over HTTP (as Eventarc), SQLite, the in-process Firestore emulator; REMOVE_BG_INPUT=url (the default: the remover fetches the original through a signed GET).',
        "Per image: the row's processed_at minus the original object's `updated` time (both this machine's clock). Uploads go in rounds of N at once; images/s = images ÷ the rounds' wall time.",
        `Inputs: the ${SCENES.length} generated 400×300 scenes as PNG, in turn. pass-through: bench/removebg-stub.ts returns the input at once; local engine: the local remove.bg endpoint (cutOut + PNG encode).`,
        "remover p50 and processUpload p50 are the row's remover_ms and processing_ms (measured inside processUpload). CPU ms/image: this process's CPU time (user + system, all threads: function, storage server, Firestore emulator, remover) over the level ÷ images; with 2 cores, ~2000 ÷ it is the ceiling on images/s.",
      ],
    },
  ];
  const inProcess = modes.find((m) => m.mode === 'pass-through')?.levels ?? [];
  for (const level of deployed) {
    metrics[`instance_c${level.concurrency}_p50`] = level.overhead.p50;
    metrics[`instance_c${level.concurrency}_p99`] = level.overhead.p99;
  }
  tables.push({
    title: 'Pipeline as deployed: processUpload in its own process (pass-through remover)',
    columns: [...LEVEL_COLUMNS, 'processUpload p50', 'p50 ÷ one process', 'not done'],
    rows: deployed.map((level) => [
      ...levelCells(level),
      ms(level.processing.p50),
      times(ratio(level.overhead.p50, inProcess.find((l) => l.concurrency === level.concurrency)?.overhead.p50 ?? NaN)),
      level.failed,
    ]),
    notes: [
      "processUpload from the built artifact in a child process (bench/launcher.js), as a Cloud Run instance runs it; the storage server, Firestore emulator, SQLite and bench/removebg-stub.ts in this process, standing in for Google Cloud and remove.bg. N finalize CloudEvents posted at once, as Eventarc posts them; per image, the row's processed_at minus the moment its event was posted.",
      "One instance takes all N events (a deployed instance takes one at a time, Terraform `concurrency = 1`, and N events start N instances, each with its own CPU); on this 2-core machine the N share the instance's one thread and the two cores with the stand-ins.",
      '"÷ one process": against the same level in the table above, where the function, the storage server and the emulator share one thread (`npm start`).',
    ],
  });
  if (unavoidable) {
    tables.push({
      title: 'Pipeline reference: the unavoidable steps measured alone',
      columns: ['step', 'n', 'p50 ms', 'p95 ms', 'p99 ms'],
      rows: [
        [
          'object write (cutout PNG to the results bucket)',
          unavoidable.objectWrite.n,
          ms(unavoidable.objectWrite.p50),
          ms(unavoidable.objectWrite.p95),
          ms(unavoidable.objectWrite.p99),
        ],
        [
          'row write (markDone)',
          unavoidable.rowWrite.n,
          ms(unavoidable.rowWrite.p50),
          ms(unavoidable.rowWrite.p95),
          ms(unavoidable.rowWrite.p99),
        ],
        ['sum of p50s', '', ms(floor), '', ''],
      ],
      notes: [
        'One after another, in the pass-through cloud after its runs, through the same deps (GcsObjectStore.put, SqlImageRepo.markDone).',
      ],
    });
  }
  if (steps.length > 0) {
    const c1 = modes[0]?.levels.find((l) => l.concurrency === 1);
    const total = steps.reduce((sum, s) => sum + s.summary.p50, 0);
    tables.push({
      title: "Pipeline breakdown: processUpload's steps, each alone (pass-through, one at a time)",
      columns: ['step', 'n', 'p50 ms', 'p95 ms', 'share of the steps'],
      rows: [
        ...steps.map((s) => [
          s.step,
          s.summary.n,
          ms(s.summary.p50),
          ms(s.summary.p95),
          `${((100 * s.summary.p50) / total).toFixed(0)}%`,
        ]),
        ['sum of the steps (p50)', '', ms(total), '', '100%'],
        ['measured at 1 upload at a time (p50)', '', ms(c1?.overhead.p50), '', ''],
        [
          'left for event delivery, the framework and waiting',
          '',
          (c1?.overhead.p50 ?? NaN) >= total
            ? ms((c1?.overhead.p50 ?? NaN) - total)
            : 'none (the steps alone took longer: a busier moment)',
          '',
          '',
        ],
      ],
      notes: [
        'The same calls processUpload makes, through the same deps, on an original from the runs above; sequential, in the pass-through cloud.',
      ],
    });
    metrics.steps_sum_p50 = total;
  }
  return {
    name: 'pipeline',
    title: '2. Pipeline overhead',
    tables,
    metrics,
    data: { modes, deployed, unavoidable, steps },
    seconds: (performance.now() - started) / 1000,
  };
}

async function measureLevel(
  cloud: LocalCloud,
  database: Database,
  pending: PendingUpload[],
  concurrency: number,
  wallSeconds: number,
): Promise<LevelResult> {
  const rows = await database.db
    .selectFrom('images')
    .select(['id', 'status', 'processed_at', 'remover_ms', 'processing_ms'])
    .where(
      'id',
      'in',
      pending.map((p) => p.id),
    )
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const overhead: number[] = [];
  const remover: number[] = [];
  const processing: number[] = [];
  let failed = 0;
  for (const p of pending) {
    const row = byId.get(p.id);
    if (!row || row.status !== 'done' || row.processed_at === null) {
      failed += 1;
      continue;
    }
    const response = await fetch(
      `${cloud.storage.url}/storage/v1/b/${encodeURIComponent(loadConfig(process.env).storage.uploadsBucket)}/o/${encodeURIComponent(p.key)}`,
    );
    const object = (await response.json()) as { updated: string };
    overhead.push(Number(row.processed_at) - Date.parse(object.updated));
    if (row.remover_ms !== null) remover.push(Number(row.remover_ms));
    if (row.processing_ms !== null) processing.push(Number(row.processing_ms));
  }
  return {
    concurrency,
    images: pending.length,
    overhead: summarize(overhead),
    remover: summarize(remover),
    processing: summarize(processing),
    imagesPerSecond: (pending.length - failed) / wallSeconds,
    cpuMsPerImage: NaN,
    failed,
  };
}

/** An object write and a row write, each alone, through the instance's own deps. */
async function unavoidableSteps(userId: string, png: Buffer, n: number) {
  const deps = appDeps();
  const [results, images] = [await deps.results(), await deps.images()];
  const objectWrite: number[] = [];
  const rowWrite: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const now = new Date();
    const image: Image = {
      id: newId(),
      userId,
      status: 'processing',
      filename: 'scene.png',
      contentType: 'image/png',
      bytes: png.length,
      options: DEFAULT_OPTIONS,
      createdAt: now,
      updatedAt: now,
      ...uneditedImage(DEFAULT_OPTIONS),
    };
    await images.create(image);
    let t = performance.now();
    await results.put(resultKey(image), png, 'image/png');
    objectWrite.push(performance.now() - t);
    t = performance.now();
    await images.markDone(
      image.id,
      {
        width: 400,
        height: 300,
        resultKey: resultKey(image),
        thumbnailKey: 'unused',
        creditsCharged: 1,
        removerMs: 1,
        processingMs: 1,
      },
      new Date(),
    );
    rowWrite.push(performance.now() - t);
  }
  return { objectWrite: summarize(objectWrite), rowWrite: summarize(rowWrite) };
}

/** processUpload's steps one by one, as it calls them, each timed alone. */
async function stepsAlone(userId: string, original: PendingUpload, n: number) {
  const { default: sharp } = await import('sharp');
  const deps = appDeps();
  const [uploads, results, images, jobs, remover] = [
    await deps.uploads(),
    await deps.results(),
    await deps.images(),
    await deps.jobs(),
    await deps.remover(),
  ];
  const samples = new Map<string, number[]>();
  const time = async <T>(step: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    samples.set(step, [...(samples.get(step) ?? []), performance.now() - started]);
    return value;
  };
  const options = { type: 'auto', size: 'auto', bgColor: null } as const;
  for (let i = 0; i < n; i += 1) {
    const id = newId();
    const now = new Date();
    await images.create({
      id,
      userId,
      status: 'queued',
      filename: 'x.png',
      contentType: 'image/png',
      bytes: original.body.length,
      options,
      createdAt: now,
      updatedAt: now,
      ...uneditedImage(options),
    });
    await time('row reads and writes before (findById, markProcessing)', async () => {
      await images.findById(id);
      await images.markProcessing(id, new Date());
    });
    await time('job ledger claim (Firestore: one create)', () => jobs.claim(id, `event-${id}`, new Date(), 600));
    await time('original header + sharp metadata', async () =>
      sharp(await uploads.readHead(original.key, 256 * 1024)).metadata(),
    );
    const url = await time('signed GET URL for the remover', () =>
      uploads
        .signedDownloads([{ key: original.key }], new Date(Date.now() + 600_000 + i * 1000))
        .then(([signed]) => signed!),
    );
    const removal = await time('remover round trip (pass-through stub, image_url)', () =>
      remover.remove({ source: { url }, options }),
    );
    const thumbnail = await time('thumbnail (sharp resize + WebP)', () => makeThumbnail(removal.png));
    const image = { userId, id };
    await time('cutout + thumbnail writes (in parallel)', () =>
      Promise.all([
        results.put(resultKey(image), removal.png, 'image/png'),
        results.put(`${resultKey(image)}.webp`, thumbnail, 'image/webp'),
      ]),
    );
    await time('row reads and writes after (2 × findById, markDone)', async () => {
      await images.findById(id);
      await images.findById(id);
      await images.markDone(
        id,
        {
          width: 400,
          height: 300,
          resultKey: resultKey(image),
          thumbnailKey: 'x',
          creditsCharged: 1,
          removerMs: 1,
          processingMs: 1,
        },
        new Date(),
      );
    });
    await time('job ledger finish (Firestore: set)', () => jobs.finish(id, 'done', new Date()));
  }
  return [...samples].map(([step, values]) => ({ step, summary: summarize(values) }));
}
