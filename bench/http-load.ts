import { createHook } from 'node:async_hooks';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../functions/src/adapters/sql/database';
import { loadConfig } from '../functions/src/config';
import { appDeps } from '../functions/src/deps';
import { originalKey, resultKey, thumbnailKey } from '../functions/src/core/image';
import type { BenchContext } from './context';
import { registerHello, register, seedImages, serveFunction, startBenchCloud, type Served } from './fixtures';
import { LoadClient, type LoadJob, type LoadResult } from './load';
import { ms, num, pct, times, type Metrics, type SectionResult, type Table } from './report';
import { pool, ratio, settle, sleep } from './stats';

export const CONCURRENCY = [1, 16, 64] as const;

interface Scenario {
  key: string;
  label: string;
  fn: string;
  job: (
    c: number,
    phase: 'warm' | 'run',
  ) => Omit<LoadJob, 'origin' | 'connections' | 'durationSeconds' | 'amount' | 'timeoutSeconds'>;
  /** Requests in the warm-up when the scenario counts requests (default 2). */
  warmAmount?: (c: number) => number;
  /** Requests sent once before the warm-up, so that each of them has been served (every path once). */
  prime?: number;
  /** Fixed request counts per concurrency instead of a duration (slow or one-shot requests). */
  amount?: (c: number) => number;
  timeoutSeconds?: number;
}

/**
 * Section 1: each HTTP function under autocannon at concurrency 1, 16 and 64, served by the
 * Functions Framework (getTestServer, one loopback port per function) inside the local cloud,
 * next to a hello-world function served the same way in the same process.
 */
export async function httpLoad(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const duration = ctx.quick ? 1 : 5;
  const warmup = ctx.quick ? 0.2 : 1;
  const helloDuration = ctx.quick ? 0.4 : 2;
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-bench-http-'));
  registerHello();
  ctx.log('starting the local cloud (SQLite, Firestore emulator, storage server)');
  const cloud = await startBenchCloud(dataDir);
  const servers: Served[] = [];
  const client = new LoadClient();
  const database = await openDatabase(loadConfig(process.env).database);
  try {
    const serve = async (name: string) => {
      const served = await serveFunction(name);
      servers.push(served);
      return served.origin;
    };
    const origins: Record<string, string> = {};
    for (const name of ['hello', 'login', 'upload', 'images', 'delete']) origins[name] = await serve(name);
    const bcryptCost = appDeps().config.bcryptCost;

    ctx.log('seeding accounts and images');
    const registerUrl = `${cloud.url}/api/register`;
    const [reader, uploader, deleter, signer] = [
      await register(registerUrl, 'reader'),
      await register(registerUrl, 'uploader'),
      await register(registerUrl, 'deleter'),
      await register(registerUrl, 'signer'),
    ];
    const now = Date.now();
    const galleryIds = await seedImages(database.db, reader.id, 200, { status: 'done', newest: now });

    const deleteAmount = (c: number) => (ctx.quick ? { 1: 5, 16: 16, 64: 64 } : { 1: 100, 16: 500, 64: 600 })[c] ?? 100;
    const deleteWarmup = (c: number) => (ctx.quick ? 2 : Math.max(c, 20));
    // autocannon asks for exactly one path per request: amount + warm-up ids per level, a few spare.
    const deletePool = CONCURRENCY.reduce((sum, c) => sum + deleteAmount(c) + deleteWarmup(c) + 4, 0) + 12;
    const deleteIds = await seedImages(database.db, deleter.id, deletePool, { status: 'done', newest: now });
    ctx.log(`writing ${deletePool * 3} objects for the images to delete`);
    const [uploads, results] = [await appDeps().uploads(), await appDeps().results()];
    const small = Buffer.alloc(2048, 7);
    let t = performance.now();
    await pool(deleteIds, 8, async (id) => {
      const image = { userId: deleter.id, id };
      await Promise.all([
        uploads.put(originalKey(deleter.id, id), small, 'image/jpeg'),
        results.put(resultKey(image), small, 'image/png'),
        results.put(thumbnailKey(image), small, 'image/webp'),
      ]);
    });
    // Each original written fires a finalize event at processUpload (it finds the image done and
    // stops); none may still be in flight when measuring starts.
    const putSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    await cloud.storage.idle();
    ctx.log(
      `objects written in ${putSeconds.toFixed(1)} s, their finalize events done ${((performance.now() - t) / 1000).toFixed(1)} s later`,
    );
    let deleteCursor = 0;
    const takeDeleteIds = (n: number) => {
      const ids = deleteIds.slice(deleteCursor, deleteCursor + n);
      deleteCursor += n;
      return ids;
    };

    const json = { 'Content-Type': 'application/json' };
    const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
    const hello: Scenario = {
      key: 'hello',
      label: 'hello world (reference)',
      fn: 'hello',
      job: () => ({ method: 'GET', headers: {}, paths: ['/'], expect: [200] }),
    };
    const scenarios: Scenario[] = [
      {
        key: 'login',
        label: 'login',
        fn: 'login',
        job: () => ({
          method: 'POST',
          headers: json,
          body: JSON.stringify({ email: signer.login, password: signer.password }),
          paths: ['/'],
          expect: [200],
        }),
        // Each sign-in is one bcrypt compare at the configured cost: counted requests, not seconds.
        amount: (c) => (ctx.quick ? { 1: 2, 16: 16, 64: 64 } : { 1: 6, 16: 32, 64: 64 })[c] ?? c,
        timeoutSeconds: 120,
      },
      {
        key: 'upload',
        label: 'upload (JSON, signed URL)',
        fn: 'upload',
        job: () => ({
          method: 'POST',
          headers: { ...json, ...bearer(uploader.token) },
          body: JSON.stringify({ filename: 'holiday.jpg', contentType: 'image/jpeg', size: 3_500_000 }),
          paths: ['/'],
          expect: [201],
        }),
      },
      {
        key: 'images24',
        label: 'images list, pageSize 24',
        fn: 'images',
        job: () => ({ method: 'GET', headers: bearer(reader.token), paths: ['/?pageSize=24'], expect: [200] }),
      },
      {
        key: 'images100',
        label: 'images list, pageSize 100',
        fn: 'images',
        job: () => ({ method: 'GET', headers: bearer(reader.token), paths: ['/?pageSize=100'], expect: [200] }),
      },
      {
        key: 'imagesId',
        label: 'images/{id}',
        fn: 'images',
        job: () => ({
          method: 'GET',
          headers: bearer(reader.token),
          paths: galleryIds.map((id) => `/${id}`),
          expect: [200],
        }),
        // Every image's URLs signed before measuring: a cached page is the steady state (each is
        // signed once per expiry window; a timed warm-up would leave some to the measured run).
        prime: galleryIds.length,
      },
      {
        key: 'delete',
        label: 'delete/{id}',
        fn: 'delete',
        job: (c, phase) => ({
          method: 'DELETE',
          headers: bearer(deleter.token),
          paths: takeDeleteIds((phase === 'warm' ? deleteWarmup(c) : deleteAmount(c)) + 2).map((id) => `/${id}`),
          expect: [204],
        }),
        amount: deleteAmount,
        warmAmount: deleteWarmup,
      },
    ];

    const runScenario = async (scenario: Scenario, c: number): Promise<LoadResult> => {
      const origin = origins[scenario.fn] as string;
      const timeoutSeconds = scenario.timeoutSeconds ?? 30;
      // Warm-up at the same concurrency: connections, JIT, caches (signed URLs) and lazy clients.
      const warm = scenario.job(c, 'warm');
      if (scenario.prime) await client.run({ ...warm, origin, connections: c, amount: scenario.prime, timeoutSeconds });
      if (scenario.amount) {
        await client.run({ ...warm, origin, connections: 1, amount: scenario.warmAmount?.(c) ?? 1, timeoutSeconds });
      } else {
        await client.run({ ...warm, origin, connections: c, durationSeconds: warmup, timeoutSeconds });
      }
      const job = scenario.job(c, 'run');
      return scenario.amount
        ? client.run({ ...job, origin, connections: c, amount: scenario.amount(c), timeoutSeconds })
        : client.run({ ...job, origin, connections: c, durationSeconds: duration, timeoutSeconds });
    };
    const runHello = (c: number): Promise<LoadResult> =>
      client.run({
        ...hello.job(c, 'run'),
        origin: origins.hello as string,
        connections: c,
        durationSeconds: helloDuration,
        timeoutSeconds: 30,
      });
    for (const c of CONCURRENCY)
      await client.run({
        ...hello.job(c, 'warm'),
        origin: origins.hello as string,
        connections: c,
        durationSeconds: warmup,
        timeoutSeconds: 30,
      });

    interface Pair {
      key: string;
      label: string;
      c: number;
      result?: LoadResult;
      hello: LoadResult;
    }
    const pairs: Pair[] = [];
    for (const scenario of scenarios) {
      for (const c of CONCURRENCY) {
        // The reference right before the function, at the same concurrency: side by side, after
        // a pause for what the previous run left queued (closed connections, GC) to drain.
        await Promise.all(servers.map((served) => served.idle()));
        await settle();
        await sleep(ctx.quick ? 50 : 300);
        const helloResult = await runHello(c);
        if (ctx.quick && scenario.key === 'login' && c === 64) {
          pairs.push({ key: scenario.key, label: scenario.label, c, hello: helloResult });
          continue;
        }
        const result = await runScenario(scenario, c);
        pairs.push({ key: scenario.key, label: scenario.label, c, result, hello: helloResult });
        ctx.log(
          `${scenario.label} c${c}: p50 ${ms(result.latency.p50)} ms, p99 ${ms(result.latency.p99)} ms, ${num(result.rps, 1)} rps (hello ${num(helloResult.rps)} rps)` +
            (result.failures ? `, ${result.failures} failures ${JSON.stringify(result.statuses)}` : ''),
        );
      }
    }

    const promises: Record<string, number> = {};
    if (!ctx.quick) ctx.log('promises per request (async_hooks count, c1)');
    for (const scenario of ctx.quick ? [] : [hello, ...scenarios]) {
      const origin = origins[scenario.fn] as string;
      const n = scenario.key === 'login' ? 1 : scenario.key === 'delete' ? 4 : 10;
      const job = scenario.job(1, scenario.key === 'delete' ? 'warm' : 'run');
      let count = 0;
      const hook = createHook({
        init(_id, type) {
          if (type === 'PROMISE') count += 1;
        },
      }).enable();
      const result = await client.run({ ...job, origin, connections: 1, amount: n, timeoutSeconds: 60 });
      hook.disable();
      promises[scenario.key] = count / Math.max(1, result.ok);
    }
    const domainCost = promiseCostInDomain();

    const metrics: Metrics = {
      bcryptCost,
      domain_us_per_promise: domainCost.domainUs,
      plain_us_per_promise: domainCost.plainUs,
    };
    const rows: Table['rows'] = [];
    for (const pair of pairs) {
      const { result: r, hello: ref, c, key } = pair;
      if (!r) {
        rows.push([
          pair.label,
          c,
          'not run in --quick',
          '',
          '',
          '',
          ms(ref.latency.p50),
          ms(ref.latency.p99),
          num(ref.rps),
          '',
          '',
          '',
          '',
        ]);
        continue;
      }
      rows.push([
        pair.label,
        c,
        ms(r.latency.p50),
        ms(r.latency.p95),
        ms(r.latency.p99),
        num(r.rps, r.rps < 10 ? 2 : 0),
        ms(ref.latency.p50),
        ms(ref.latency.p99),
        num(ref.rps),
        pct(ratio(r.rps, ref.rps)),
        times(ratio(r.latency.p50, ref.latency.p50)),
        num(promises[key]),
        r.failures,
      ]);
      metrics[`${key}_c${c}_rps`] = r.rps;
      metrics[`${key}_c${c}_p50`] = r.latency.p50;
      metrics[`${key}_c${c}_p95`] = r.latency.p95;
      metrics[`${key}_c${c}_p99`] = r.latency.p99;
      metrics[`${key}_c${c}_failures`] = r.failures;
      metrics[`${key}_c${c}_hello_rps`] = ref.rps;
      metrics[`${key}_c${c}_hello_p99`] = ref.latency.p99;
    }
    const helloRps = (c: number) => pairs.filter((p) => p.c === c).map((p) => p.hello.rps);
    const spread = CONCURRENCY.map(
      (c) => `c${c} ${num(Math.min(...helloRps(c)))}–${num(Math.max(...helloRps(c)))}`,
    ).join(', ');
    const table: Table = {
      title: 'HTTP functions under load (autocannon, 127.0.0.1)',
      columns: [
        'function',
        'c',
        'p50 ms',
        'p95 ms',
        'p99 ms',
        'rps',
        'hello p50',
        'hello p99',
        'hello rps',
        'rps ÷ hello',
        'p50 ÷ hello',
        'promises/request',
        'failures',
      ],
      rows,
      notes: [
        `Each function on its own Functions Framework server (getTestServer) on 127.0.0.1, in the local cloud's process (SQLite, in-process Firestore emulator and storage server); autocannon in a separate process. ${ctx.quick ? '--quick: ' : ''}${duration} s per run after a ${warmup} s warm-up at the same concurrency.`,
        `Reference: a hello-world function (http('hello', …) served by getTestServer in the same process), run for ${helloDuration} s at the same concurrency immediately before each row. Its rps over the section: ${spread} (the machine is shared: see the load line at the top).`,
        `login: fixed request counts (each is one bcrypt compare at cost ${bcryptCost}, ~0.35 s of one core)${ctx.quick ? '; c64 (64 × 0.35 s) only without --quick' : ''}. delete: fixed counts of distinct images, each with its 3 objects in the bucket.`,
        'images: a gallery of 200 processed images (4 signed URLs each, cached per expiry window as in production); images/{id} cycles through them.',
        `promises/request: PROMISE inits counted with async_hooks over a separate c1 run${ctx.quick ? ' (not in --quick)' : ''}. The Functions Framework runs every HTTP function inside a domain (function_wrappers.js), which makes each promise cost ${num(domainCost.domainUs, 2)} µs instead of ${num(domainCost.plainUs, 2)} µs (measured here in a child process).`,
        'LOG_LEVEL=warning: request logs off (they would go to this stdout).',
      ],
    };
    return {
      name: 'http',
      title: '1. HTTP functions under load',
      tables: [table],
      metrics,
      data: { pairs, promises, domainCost },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    client.close();
    await Promise.all(servers.map((s) => s.close()));
    await database.close();
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** µs per promise created and awaited, in a domain (as the Functions Framework runs functions) and not. */
function promiseCostInDomain(): { domainUs: number; plainUs: number } {
  const script = (inDomain: boolean) => `
    const inner = async (i) => { await null; return i; };
    const batch = () => Promise.all(Array.from({ length: 200 }, (_, i) => inner(i)));
    const main = async () => {
      for (let i = 0; i < 300; i += 1) await batch();
      const t = performance.now();
      for (let i = 0; i < 1000; i += 1) await batch();
      // inner(): 2 promises each, Promise.all: 1 more per batch.
      process.stdout.write(String(((performance.now() - t) * 1000) / (1000 * 401)));
    };
    ${inDomain ? "require('domain').create().run(main);" : 'main();'}`;
  const run = (inDomain: boolean) => {
    const out = spawnSync(process.execPath, ['-e', script(inDomain)], { encoding: 'utf8', timeout: 60_000 });
    return Number(out.stdout);
  };
  return { domainUs: run(true), plainUs: run(false) };
}
