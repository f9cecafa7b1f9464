import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { http } from '@google-cloud/functions-framework';
import type { Insertable } from 'kysely';
import { openDatabase, type Database } from '../functions/src/adapters/sql/database';
import { migrateToLatest } from '../functions/src/adapters/sql/migrations';
import type { UsersTable } from '../functions/src/adapters/sql/schema';
import { createDeps, type Deps } from '../functions/src/deps';
import { makeImagesHandler } from '../functions/src/http/images';
import { loadConfig } from '../functions/src/config';
import type { LocalCloud } from '../local/local-cloud';
import type { BenchContext } from './context';
import { imageRow, register, seedImages, serveFunction, startBenchCloud, type Served } from './fixtures';
import { send } from './instance';
import { LoadClient, type LoadResult } from './load';
import { ms, num, times, type Metrics, type SectionResult, type Table } from './report';
import { median, ratio, settle, summarize, within } from './stats';

const MARIADB = { host: '127.0.0.1', port: 3306, user: 'root', password: '' };
const SIZES = [100, 10_000, 100_000] as const;

const reachable = (): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(MARIADB.port, MARIADB.host);
    socket.setTimeout(2000);
    socket.on('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * Section 6: the gallery query as the images table grows to 100, 10 000 and 100 000 rows (on
 * MariaDB, a fresh database), and sign-in against the bcrypt compare it cannot avoid.
 */
export async function growthBench(ctx: BenchContext): Promise<SectionResult> {
  const started = performance.now();
  const base = { name: 'growth', title: '6. Growth', tables: [], metrics: {}, data: {} };
  if (!(await reachable())) {
    return { ...base, skipped: 'MariaDB is not reachable at 127.0.0.1:3306 (root, empty password)', seconds: 0 };
  }
  const duration = ctx.quick ? 0.6 : 2;
  const rounds = ctx.quick ? 2 : 6;
  const logins = ctx.quick ? 3 : 10;
  const prefix = `cutout_bench_${randomBytes(6).toString('hex')}`;
  const names = Object.fromEntries(SIZES.map((size) => [size, `${prefix}_${size}`])) as Record<number, string>;
  const url = (size: number) => `mysql://root@127.0.0.1:3306/${names[size]}`;
  const admin = await createConnection(MARIADB);
  const [[version]] = (await admin.query('SELECT VERSION() AS v')) as unknown as [[{ v: string }]];
  for (const size of SIZES)
    await admin.query(`CREATE DATABASE \`${names[size]}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-bench-growth-'));
  let cloud: LocalCloud | undefined;
  const databases: Database[] = [];
  const instances: Deps[] = [];
  const servers: Served[] = [];
  const client = new LoadClient();
  try {
    ctx.log(`local cloud on MariaDB ${version.v}, databases ${prefix}_{${SIZES.join(',')}}`);
    const biggest = SIZES[SIZES.length - 1] as number;
    cloud = await startBenchCloud(dataDir, { DATABASE_URL: url(biggest) });
    const login = await serveFunction('login');
    servers.push(login);
    const account = await register(`${cloud.url}/api/register`, 'grower');
    const bcryptCost = loadConfig(process.env).bcryptCost;
    const [[user]] = (await admin.query(`SELECT * FROM \`${names[biggest]}\`.users WHERE id = ?`, [
      account.id,
    ])) as unknown as [[Insertable<UsersTable>]];

    // One database per table size, each with the same user and the same newest 100 images; the
    // rest are older, so page 1 is identical everywhere and only the table size differs.
    const now = Date.now();
    const newest = Array.from({ length: 100 }, (_, i) => imageRow(account.id, 'done', now - i * 1000));
    const origins: Record<number, string> = {};
    for (const size of SIZES) {
      const t = performance.now();
      const database = await openDatabase({ kind: 'mysql', url: url(size), poolSize: 2 });
      databases.push(database);
      await migrateToLatest(database.db, database.dialect);
      if (size !== biggest) await database.db.insertInto('users').values(user).execute();
      await database.db.insertInto('images').values(newest).execute();
      await seedImages(
        database.db,
        account.id,
        size - newest.length,
        { status: 'done', newest: now - newest.length * 1000 },
        2000,
      );
      // The images function as index.ts builds it, on this database's deps.
      const deps = createDeps(loadConfig({ ...process.env, DATABASE_URL: url(size) }));
      instances.push(deps);
      http(
        `images_${size}`,
        makeImagesHandler(() => deps),
      );
      const served = await serveFunction(`images_${size}`);
      servers.push(served);
      origins[size] = served.origin;
      ctx.log(`${size.toLocaleString('en')} rows ready in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }

    const runs: Record<number, LoadResult[]> = Object.fromEntries(SIZES.map((size) => [size, []]));
    const job = (size: number) => ({
      origin: origins[size] as string,
      method: 'GET' as const,
      headers: { Authorization: `Bearer ${account.token}` },
      paths: ['/?pageSize=24'],
      expect: [200],
      connections: 16,
      timeoutSeconds: 30,
    });
    for (const size of SIZES) await client.run({ ...job(size), durationSeconds: ctx.quick ? 0.3 : 1 });
    // Sizes in turn, round after round: side by side, whatever the machine does meanwhile.
    for (let round = 0; round < rounds; round += 1) {
      for (const size of SIZES) {
        await settle();
        (runs[size] as LoadResult[]).push(await client.run({ ...job(size), durationSeconds: duration }));
      }
    }
    interface Pooled {
      p50: number;
      p95: number;
      p99: number;
      roundP99: number;
      n: number;
      rps: number;
      failures: number;
    }
    const lists: Record<number, Pooled> = {};
    for (const size of SIZES) {
      const mine = runs[size] as LoadResult[];
      // Percentiles over every response of every round; rps is the median round's.
      const pooled = summarize(mine.flatMap((r) => r.samples));
      lists[size] = {
        p50: pooled.p50,
        p95: pooled.p95,
        p99: pooled.p99,
        roundP99: median(mine.map((r) => r.latency.p99)),
        n: pooled.n,
        rps: median(mine.map((r) => r.rps)),
        failures: mine.reduce((sum, r) => sum + r.failures, 0),
      };
      const l = lists[size] as Pooled;
      ctx.log(`${size.toLocaleString('en')} rows: p50 ${ms(l.p50)} ms, p99 ${ms(l.p99)} ms, ${num(l.rps)} rps`);
    }
    const [[count]] = (await admin.query(`SELECT COUNT(*) AS n FROM \`${names[biggest]}\`.images`)) as unknown as [
      [{ n: number }],
    ];
    const [plan] = (await admin.query(
      `EXPLAIN SELECT * FROM \`${names[biggest]}\`.images WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT 25`,
      [account.id],
    )) as unknown as [{ key: string | null; rows: number; Extra: string }[]];

    // Sign-in next to one bcrypt compare of the same hash, alternately.
    ctx.log(`login vs bcrypt at cost ${bcryptCost}, ${logins} each`);
    const row = { password_hash: user.password_hash };
    const body = JSON.stringify({ email: account.login, password: account.password });
    const signIn = () =>
      send(Number(new URL(login.origin).port), 'POST', '/', { 'content-type': 'application/json' }, body);
    const first = await signIn();
    if (first.status !== 200) throw new Error(`login answered ${first.status}: ${first.body}`);
    const loginMs: number[] = [];
    const bcryptMs: number[] = [];
    for (let i = 0; i < logins; i += 1) {
      let t = performance.now();
      if (!(await bcrypt.compare(account.password, row.password_hash))) throw new Error('bcrypt compare failed');
      bcryptMs.push(performance.now() - t);
      t = performance.now();
      const reply = await within(signIn(), 60_000, 'login');
      if (reply.status !== 200) throw new Error(`login answered ${reply.status}`);
      loginMs.push(performance.now() - t);
    }
    const loginSummary = summarize(loginMs);
    const bcryptSummary = summarize(bcryptMs);

    const small = lists[100] as (typeof lists)[number];
    const metrics: Metrics = {
      login_p50: loginSummary.p50,
      bcrypt_p50: bcryptSummary.p50,
      bcrypt_cost: bcryptCost,
    };
    for (const size of SIZES) {
      metrics[`list_p50_${size}`] = lists[size]?.p50;
      metrics[`list_p99_${size}`] = lists[size]?.p99;
      metrics[`list_round_p99_${size}`] = lists[size]?.roundP99;
      metrics[`list_rps_${size}`] = lists[size]?.rps;
    }
    const tables: Table[] = [
      {
        title: 'images list (pageSize 24, c16) as the table grows — MariaDB',
        columns: [
          'images in table',
          'responses',
          'p50 ms',
          'p95 ms',
          'p99 ms',
          'p99 median of rounds',
          'rps',
          'p50 ÷ 100 rows',
          'p99 ÷ 100 rows',
          'failures',
        ],
        rows: SIZES.map((size) => {
          const r = lists[size] as (typeof lists)[number];
          return [
            size.toLocaleString('en'),
            r.n,
            ms(r.p50),
            ms(r.p95),
            ms(r.p99),
            ms(r.roundP99),
            num(r.rps),
            times(ratio(r.p50, small.p50)),
            times(ratio(r.p99, small.p99)),
            r.failures,
          ];
        }),
        notes: [
          `MariaDB ${version.v} at 127.0.0.1:3306: one fresh database per size (dropped after), each served by the images function as index.ts builds it (makeImagesHandler) on deps for that database, inside the local cloud; c16, ${rounds} rounds of ${duration} s with the sizes in turn after a warm-up; percentiles over all the rounds' responses (and, for p99, also the median of the rounds' own p99s, which a single disturbed round cannot move), rps the median round's.`,
          `Every row belongs to the measured user (the worst case for its index range); the newest 100 are the same in every database and the rest older, so page 1 is the same 24 images at every size. ${Number(count.n).toLocaleString('en')} rows in the largest; EXPLAIN there: key ${plan[0]?.key ?? 'none'}, ~${plan[0]?.rows ?? '?'} rows estimated, ${plan[0]?.Extra ?? ''}.`,
        ],
      },
      {
        title: 'Sign-in against its bcrypt compare',
        columns: ['', 'n', 'p50 ms', 'p95 ms', 'max ms'],
        rows: [
          ['login (HTTP, c1)', loginSummary.n, ms(loginSummary.p50), ms(loginSummary.p95), ms(loginSummary.max)],
          [
            `one bcryptjs compare, cost ${bcryptCost} (reference)`,
            bcryptSummary.n,
            ms(bcryptSummary.p50),
            ms(bcryptSummary.p95),
            ms(bcryptSummary.max),
          ],
          [
            'login ÷ compare',
            '',
            times(ratio(loginSummary.p50, bcryptSummary.p50)),
            times(ratio(loginSummary.p95, bcryptSummary.p95)),
            '',
          ],
          ['overhead above the hash', '', ms(loginSummary.p50 - bcryptSummary.p50), '', ''],
        ],
        notes: [
          'Alternately, one after the other, in the same process as the function (the compare runs alone on an idle event loop); MariaDB and the Firestore emulator behind login.',
        ],
      },
    ];
    return {
      ...base,
      tables,
      metrics,
      data: { lists, runs, login: loginMs, bcrypt: bcryptMs, version: version.v, plan },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    client.close();
    await Promise.all(servers.map((s) => s.close()));
    for (const deps of instances) await deps.close();
    for (const database of databases) await database.close();
    await cloud?.stop();
    for (const size of SIZES) await admin.query(`DROP DATABASE IF EXISTS \`${names[size]}\``);
    await admin.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
