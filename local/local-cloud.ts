import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { devSecret, devServiceAccount } from './dev-secrets';
import { startFirestoreEmulator } from './firestore-emulator';
import { readHostingConfig } from './hosting-config';
import { createHostingServer } from './hosting-server';
import { startStorageServer } from './storage/storage-server';

export interface LocalCloudOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Extra environment for the functions (overrides the local defaults). */
  env?: Record<string, string>;
}

export interface LocalCloud {
  url: string;
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '..');

/**
 * The whole product on one machine: the Firestore emulator, the database (migrated), every
 * registered function behind the firebase.json rewrites, and the static page. The functions
 * run unchanged and read their configuration from process.env, as in the cloud.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const emulator = await startFirestoreEmulator();
  Object.assign(process.env, {
    FIRESTORE_EMULATOR_HOST: emulator.host,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(options.dataDir, 'cutout.db')}`,
    TOKEN_SIGNING_KEY: process.env.TOKEN_SIGNING_KEY ?? devSecret(options.dataDir, 'token-signing-key'),
    STORAGE_SIGNING_KEY_FILE: join(options.dataDir, 'service-account.json'),
    ...options.env,
  });

  const { loadConfig } = await import('../functions/src/config');
  const { openDatabase } = await import('../functions/src/adapters/sql/database');
  const { migrateToLatest } = await import('../functions/src/adapters/sql/migrations');
  const config = loadConfig(process.env);
  const database = await openDatabase(config.database);
  await migrateToLatest(database.db, database.dialect);
  await database.close();

  await import('../functions/src/index');
  const { getTestServer } = await import('@google-cloud/functions-framework/testing');
  const hosting = readHostingConfig(join(ROOT, 'firebase.json'));
  const functions = new Map<string, Server>();
  for (const rewrite of hosting.rewrites) {
    if ('function' in rewrite && !functions.has(rewrite.function.functionId)) {
      functions.set(rewrite.function.functionId, getTestServer(rewrite.function.functionId));
    }
  }

  const server = createHostingServer(ROOT, hosting, functions);
  await new Promise<void>((ready) => server.listen(options.port, options.host, ready));
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host === '127.0.0.1' ? 'localhost' : options.host}:${port}`;

  // The buckets, with the CORS rule Terraform gives the uploads bucket: the page PUTs to it.
  const key = devServiceAccount(options.dataDir);
  const storage = await startStorageServer({
    dataDir: join(options.dataDir, 'storage'),
    host: '127.0.0.1',
    signers: [{ clientEmail: key.client_email, privateKey: key.private_key }],
    buckets: [
      {
        name: config.storage.uploadsBucket,
        cors: [
          {
            origin: [url, url.replace('localhost', '127.0.0.1')],
            method: ['PUT'],
            responseHeader: ['Content-Type', 'x-goog-content-length-range', 'x-goog-if-generation-match'],
            maxAgeSeconds: 3600,
          },
        ],
      },
      { name: config.storage.resultsBucket },
    ],
  });
  process.env.STORAGE_API_ENDPOINT = storage.url;

  return {
    url,
    async stop() {
      server.closeAllConnections();
      await new Promise((done) => server.close(done));
      await storage.stop();
      const { closeAppDeps } = await import('../functions/src/deps');
      await closeAppDeps();
      emulator.stop();
    },
  };
}
