import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Env } from '../../functions/src/config';
import { openDatabase, type Database } from '../../functions/src/adapters/sql/database';
import { migrateToLatest } from '../../functions/src/adapters/sql/migrations';
import { createDeps, type Deps } from '../../functions/src/deps';
import type { Clock } from '../../functions/src/ports';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';
import { startStorageServer, type RunningStorageServer } from '../../local/storage/storage-server';
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
  /** Present when the stack was started with storage. */
  storage?: RunningStorageServer;
  stop(): Promise<void>;
}

export interface StackOptions {
  clock?: Clock;
  /** Start the local storage server (buckets cutout-uploads and cutout-results) and sign with a fresh key. */
  storage?: { notificationTarget?: string; now?: () => Date; retry?: { attempts: number; initialDelayMs: number } };
}

export const UPLOADS_BUCKET = 'cutout-uploads';
export const RESULTS_BUCKET = 'cutout-results';

async function startStorage(dir: string, options: NonNullable<StackOptions['storage']>) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    client_email: 'test-signer@demo-cutout.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const keyFile = join(dir, 'service-account.json');
  writeFileSync(keyFile, JSON.stringify(key));
  const server = await startStorageServer({
    dataDir: join(dir, 'storage'),
    signers: [{ clientEmail: key.client_email, privateKey: key.private_key }],
    buckets: [
      {
        name: UPLOADS_BUCKET,
        notificationTarget: options.notificationTarget,
      },
      { name: RESULTS_BUCKET },
    ],
    retry: options.retry ?? { attempts: 3, initialDelayMs: 20 },
    now: options.now,
  });
  return { server, env: { STORAGE_API_ENDPOINT: server.url, STORAGE_SIGNING_KEY_FILE: keyFile } };
}

/** Real parts for one suite: a migrated database of the given kind and a Firestore emulator. */
export async function startTestStack(
  kind: DatabaseKind,
  overrides: Env = {},
  clockOrOptions?: Clock | StackOptions,
): Promise<TestStack> {
  const options: StackOptions =
    clockOrOptions && 'now' in clockOrOptions ? { clock: clockOrOptions } : (clockOrOptions ?? {});
  const clock = options.clock;
  const emulator = await startFirestoreEmulator();
  const dir = mkdtempSync(join(tmpdir(), 'cutout-test-'));
  const mariadb = kind === 'mariadb' ? await createMariadbDatabase() : undefined;
  const storage = options.storage ? await startStorage(dir, options.storage) : undefined;
  const env = testEnv({
    DATABASE_URL: mariadb?.url ?? `sqlite:${join(dir, 'test.db')}`,
    FIRESTORE_EMULATOR_HOST: emulator.host,
    UPLOADS_BUCKET,
    RESULTS_BUCKET,
    ...storage?.env,
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
    storage: storage?.server,
    async stop() {
      await deps.close();
      await storage?.server.stop();
      await database.close();
      await mariadb?.drop();
      emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
