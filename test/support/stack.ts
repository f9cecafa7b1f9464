import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Env } from '../../functions/src/config';
import { openDatabase, type Database } from '../../functions/src/adapters/sql/database';
import { migrateToLatest } from '../../functions/src/adapters/sql/migrations';
import { createDeps, type Deps } from '../../functions/src/deps';
import type { Clock } from '../../functions/src/ports';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';
import { createMariadbDatabase, type DatabaseKind } from './environment';

export const TEST_SIGNING_KEY = 'test-signing-key-0123456789abcdefghijklmnopqrstuvwxyz';

export const testEnv = (overrides: Env = {}): Env => ({
  NODE_ENV: 'test',
  BCRYPT_COST: '4',
  TOKEN_SIGNING_KEY: TEST_SIGNING_KEY,
  LOG_LEVEL: 'error',
  ...overrides,
});

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private current = new Date('2026-11-24T12:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export interface TestStack {
  deps: Deps;
  database: Database;
  emulator: RunningEmulator;
  stop(): Promise<void>;
}

/** Real parts for one suite: a migrated database of the given kind and a Firestore emulator. */
export async function startTestStack(kind: DatabaseKind, overrides: Env = {}, clock?: Clock): Promise<TestStack> {
  const emulator = await startFirestoreEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'cutout-test-'));
  const mariadb = kind === 'mariadb' ? await createMariadbDatabase() : undefined;
  const env = testEnv({
    DATABASE_URL: mariadb?.url ?? `sqlite:${join(dir, 'test.db')}`,
    FIRESTORE_EMULATOR_HOST: emulator.host,
    ...overrides,
  });
  const config = loadConfig(env);
  const database = await openDatabase(config.database);
  await migrateToLatest(database.db, database.dialect);
  const deps = createDeps(config, clock);
  return {
    deps,
    database,
    emulator,
    async stop() {
      await deps.close();
      await database.close();
      await mariadb?.drop();
      emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
