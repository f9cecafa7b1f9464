import bcrypt from 'bcryptjs';
import { artifactDir } from './artifact';
import { newId } from '../functions/src/core/ids';
import type { BenchContext } from './context';
import { imageRow, seedImages } from './fixtures';
import {
  Instance,
  send,
  startInstanceWorld,
  type HttpReply,
  type InstanceReport,
  type InstanceWorld,
} from './instance';
import { ms, times, type Metrics, type SectionResult, type Table } from './report';
import { median, ratio } from './stats';
import { HTTP_FUNCTIONS } from './targets';
import { scenePng } from '../test/support/scenes-images';

/** Packages that only a function that needs them should load (sqlite config: no SQL pool at all). */
const HEAVY: Record<string, { label: string; packages: string[] }> = {
  sharp: { label: 'sharp', packages: ['sharp'] },
  undici: { label: 'undici', packages: ['undici'] },
  firestore: { label: 'Firestore client', packages: ['@google-cloud/firestore', 'google-gax'] },
  sqlPool: { label: 'SQL pool', packages: ['mysql2', '@google-cloud/cloud-sql-connector'] },
  // Beyond the list: signing URLs needs no client (gcs-url-signer.ts), only object I/O.
  storage: { label: 'Storage client', packages: ['@google-cloud/storage'] },
};

/** What each function's code path needs, with DATABASE_URL=sqlite (SQLite, so no pool). */
const USES: Record<string, string[]> = {
  hello: [],
  register: [],
  login: ['firestore'],
  // The JSON upload (a signed URL); the multipart one streams through the Storage client.
  upload: ['firestore'],
  images: [],
  delete: ['firestore', 'storage'],
  processUpload: ['firestore', 'sharp', 'undici', 'storage'],
};

interface Run {
  target: string;
  /** Spawn → first successful response received. */
  coldMs: number;
  /** Spawn → listening (process start, module loading, server). */
  listenMs: number;
  /** The first request itself, and the same request again on the warm instance. */
  firstMs: number;
  warmMs: number;
  report: InstanceReport;
}

type Caller = (port: number, round: number) => Promise<HttpReply>;

/**
 * Section 3: process start to first successful response, each function loaded from the built
 * artifact (dist/functions) in a fresh process bound to 127.0.0.1, hello world the reference;
 * and which packages each has loaded by then.
 */
export async function coldStart(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const rounds = ctx.quick ? 1 : 5;
  ctx.log('building dist/functions');
  const dir = await artifactDir();
  const world = await startInstanceWorld();
  try {
    const callers = await prepare(world, rounds + 1);
    const targets = ['hello', ...HTTP_FUNCTIONS, 'processUpload'];
    // Untimed: fills the file cache for Node, the framework and the artifact's dependencies.
    for (const target of ['hello', 'processUpload']) await once(world, dir, target, callers[target] as Caller, 0);
    const runs: Run[] = [];
    for (let round = 1; round <= rounds; round += 1) {
      for (const target of targets) {
        const run = await once(world, dir, target, callers[target] as Caller, round);
        runs.push(run);
        ctx.log(`round ${round} ${target}: ${ms(run.coldMs)} ms (listening at ${ms(run.listenMs)} ms)`);
      }
    }

    const metrics: Metrics = {};
    const of = (target: string) => runs.filter((r) => r.target === target);
    const hello = median(of('hello').map((r) => r.coldMs));
    const rows: Table['rows'] = [];
    const packageRows: Table['rows'] = [];
    const helloPackages = new Set(of('hello')[0]?.report.packages ?? []);
    for (const target of targets) {
      const mine = of(target);
      const cold = median(mine.map((r) => r.coldMs));
      const packages = mine[0]?.report.packages ?? [];
      const heavyLoaded = Object.entries(HEAVY).filter(([, h]) => h.packages.some((p) => packages.includes(p)));
      const unneeded = heavyLoaded.filter(([kind]) => !(USES[target] ?? []).includes(kind)).map(([, h]) => h.label);
      metrics[`cold_${target}_ms`] = cold;
      metrics[`unneeded_${target}`] = unneeded;
      rows.push([
        target,
        ms(cold),
        `${ms(Math.min(...mine.map((r) => r.coldMs)))}–${ms(Math.max(...mine.map((r) => r.coldMs)))}`,
        ms(hello),
        times(ratio(cold, hello)),
        ms(median(mine.map((r) => r.listenMs))),
        ms(median(mine.map((r) => r.firstMs))),
        ms(median(mine.map((r) => r.warmMs))),
        times(ratio(median(mine.map((r) => r.coldMs - r.warmMs)), hello)),
        packages.length,
        topLoads(mine.map((r) => r.report.requireMs)),
        heavyLoaded.map(([, h]) => h.label).join(', ') || 'none',
        unneeded.join(', ') || 'none',
      ]);
      packageRows.push([target, packages.filter((p) => !helloPackages.has(p) || target === 'hello').join(', ') || '—']);
    }
    const tables: Table[] = [
      {
        title: 'Cold start: process start → first successful response (built artifact)',
        columns: [
          'function',
          'median ms',
          'range',
          'hello ms',
          '÷ hello',
          'to listening',
          'first request',
          'same request warm',
          'start-up ÷ hello',
          'packages',
          'slowest package loads (median ms)',
          'heavy loaded',
          'loaded but not needed',
        ],
        rows,
        notes: [
          `node bench/launcher.js <function> dist/functions: requires the bundle from buildFunctions(), serves the function with getTestServer on 127.0.0.1; ${rounds} rounds, functions interleaved, after an untimed run to fill the file cache.`,
          'Each instance: DATABASE_URL=sqlite (temporary, migrated), the Firestore emulator and the storage server in the bench process, TOKEN_SIGNING_KEY, BCRYPT_COST unset (12), LOG_LEVEL=warning; first requests as a client sends them (login: a real account; upload: JSON; images: the list; delete: an image of the caller; processUpload: a finalize CloudEvent with the pass-through remover).',
          '"start-up ÷ hello": (cold − the same request warm) ÷ hello, what the cold start adds to the work the request always costs (for register and login, one bcrypt hash or compare at cost 12, by design ~0.3 s).',
          '"loaded but not needed": sharp, undici, the Firestore client (@google-cloud/firestore, google-gax), the SQL pool (mysql2, the Cloud SQL connector) or the Storage client (@google-cloud/storage) in require.cache after the first response of a function whose path does not use it.',
        ],
      },
      {
        title: 'Packages loaded by the first response (beyond hello world’s)',
        columns: ['function', 'packages'],
        rows: packageRows,
      },
    ];
    return {
      name: 'cold',
      title: '3. Cold start',
      tables,
      metrics,
      data: { runs },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await world.stop();
  }
}

/** The three packages that took longest to load, by median over the runs. */
function topLoads(all: Record<string, number>[]): string {
  const names = new Set(all.flatMap((r) => Object.keys(r)));
  return [...names]
    .map((name) => [name, median(all.map((r) => r[name] ?? 0))] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, took]) => `${name} ${took.toFixed(0)}`)
    .join(', ');
}

async function once(world: InstanceWorld, dir: string, target: string, caller: Caller, round: number): Promise<Run> {
  const instance = new Instance(target, dir, world.env);
  try {
    const { port } = await instance.listening();
    const listenMs = performance.now() - instance.spawnedAt;
    const firstStarted = performance.now();
    const reply = await caller(port, round);
    const coldMs = performance.now() - instance.spawnedAt;
    if (reply.status < 200 || reply.status > 299) {
      throw new Error(`${target}: first response ${reply.status} ${reply.body.slice(0, 300)} ${instance.lastOutput}`);
    }
    const report = await instance.report();
    const warmStarted = performance.now();
    const again = await caller(port, -round - 1);
    const warmMs = performance.now() - warmStarted;
    if (again.status < 200 || again.status > 299)
      throw new Error(`${target}: warm response ${again.status} ${again.body.slice(0, 300)}`);
    return { target, coldMs, listenMs, firstMs: coldMs - (firstStarted - instance.spawnedAt), warmMs, report };
  } finally {
    await instance.stop();
  }
}

/** The first request each function gets, with the data it needs; `round` < 0 is the warm repeat. */
async function prepare(world: InstanceWorld, rounds: number): Promise<Record<string, Caller>> {
  const db = world.database.db;
  const password = 'cold-start-password';
  const userId = newId();
  const hash = await bcrypt.hash(password, world.config.bcryptCost);
  await db
    .insertInto('users')
    .values({
      id: userId,
      email: 'cold@bench.example',
      email_key: 'cold@bench.example',
      username: 'cold',
      username_key: 'cold',
      password_hash: hash,
      created_at: Date.now(),
    })
    .execute();
  await seedImages(db, userId, 30, { status: 'done', newest: Date.now() });
  const token = await world.token(userId);
  const auth = { authorization: `Bearer ${token}` };
  const json = { 'content-type': 'application/json' };
  const deletable: string[] = [];
  for (let i = 0; i < 2 * (rounds + 1) + 2; i += 1) {
    const row = imageRow(userId, 'done', Date.now() - 1e9 - i);
    await db.insertInto('images').values(row).execute();
    deletable.push(row.id);
  }
  const { png } = await scenePng();
  let registrations = 0;
  return {
    hello: (port) => send(port, 'GET', '/'),
    register: (port) => {
      registrations += 1;
      const name = `cold${registrations}x${Date.now() % 100000}`;
      return send(
        port,
        'POST',
        '/',
        json,
        JSON.stringify({ email: `${name}@bench.example`, username: name, password }),
      );
    },
    login: (port) => send(port, 'POST', '/', json, JSON.stringify({ email: 'cold', password })),
    upload: (port) =>
      send(
        port,
        'POST',
        '/',
        { ...json, ...auth },
        JSON.stringify({ filename: 'photo.jpg', contentType: 'image/jpeg', size: 2_000_000 }),
      ),
    images: (port) => send(port, 'GET', '/?pageSize=24', auth),
    delete: (port) => send(port, 'DELETE', `/${deletable.shift() ?? 'none'}`, auth),
    processUpload: async (port) => {
      const { event } = await world.queuedUpload(userId, png, 'image/png');
      return send(port, 'POST', '/', event.headers, event.body);
    },
  };
}
