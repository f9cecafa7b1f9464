import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { devSecret, devServiceAccount } from './dev-secrets';
import { startFirestoreEmulator } from './firestore-emulator';
import { readHostingConfig } from './hosting-config';
import { createHostingServer } from './hosting-server';
import { startRemoveBgServer, type RunningRemoveBg } from './removebg/removebg-server';
import { startStorageServer, type RunningStorageServer } from './storage/storage-server';

export interface LocalCloudOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Extra environment for the functions (overrides the local defaults). */
  env?: Record<string, string>;
}

export interface LocalCloud {
  url: string;
  storage: RunningStorageServer;
  /** The local remove.bg-compatible endpoint; absent when REMOVE_BG_API_KEY points at the real one. */
  removeBg: RunningRemoveBg | undefined;
  stop(): Promise<void>;
}

const ROOT = resolve(__dirname, '..');

const listen = async (server: Server, host: string, port = 0): Promise<number> => {
  await new Promise<void>((ready) => server.listen(port, host, ready));
  return (server.address() as AddressInfo).port;
};

/**
 * The whole product on one machine: the Firestore emulator, the database (migrated), the
 * storage server with its finalize trigger, remove.bg (local unless a key is given), every
 * function behind the firebase.json rewrites, and the static page. The functions run
 * unchanged and read their configuration from process.env, as in the cloud.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const savedEnv = { ...process.env };
  const emulator = await startFirestoreEmulator();
  const realRemover = Boolean(options.env?.REMOVE_BG_API_KEY ?? process.env.REMOVE_BG_API_KEY);
  const removeBgKey = devSecret(options.dataDir, 'remove-bg-api-key');
  const removeBg = realRemover ? undefined : await startRemoveBgServer({ apiKey: removeBgKey });
  Object.assign(process.env, {
    FIRESTORE_EMULATOR_HOST: emulator.host,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(options.dataDir, 'cutout.db')}`,
    TOKEN_SIGNING_KEY: process.env.TOKEN_SIGNING_KEY ?? devSecret(options.dataDir, 'token-signing-key'),
    STORAGE_SIGNING_KEY_FILE: join(options.dataDir, 'service-account.json'),
    ...(removeBg ? { REMOVE_BG_URL: removeBg.url, REMOVE_BG_API_KEY: removeBgKey } : {}),
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
  // Eventarc's target: processUpload on its own loopback port, as a Cloud Run service would be.
  const trigger = getTestServer('processUpload');
  const triggerPort = await listen(trigger, '127.0.0.1');

  const server = createHostingServer(ROOT, hosting, functions);
  const port = await listen(server, options.host, options.port);
  const url = `http://${options.host === '127.0.0.1' ? 'localhost' : options.host}:${port}`;

  // The buckets, with the CORS rule Terraform gives the uploads bucket: the page PUTs to it.
  const key = devServiceAccount(options.dataDir);
  // The editor reads originals, cutouts and masks into a canvas, which needs CORS on GET.
  const readable = {
    origin: [url, url.replace('localhost', '127.0.0.1')],
    method: ['GET'],
    responseHeader: ['Content-Type'],
    maxAgeSeconds: 3600,
  };
  const storage = await startStorageServer({
    dataDir: join(options.dataDir, 'storage'),
    host: '127.0.0.1',
    signers: [{ clientEmail: key.client_email, privateKey: key.private_key }],
    buckets: [
      {
        name: config.storage.uploadsBucket,
        notificationTarget: `http://127.0.0.1:${triggerPort}/`,
        cors: [
          {
            origin: [url, url.replace('localhost', '127.0.0.1')],
            method: ['PUT'],
            responseHeader: ['Content-Type', 'x-goog-content-length-range', 'x-goog-if-generation-match'],
            maxAgeSeconds: 3600,
          },
          readable,
        ],
      },
      { name: config.storage.resultsBucket, cors: [readable] },
    ],
  });
  process.env.STORAGE_API_ENDPOINT = storage.url;

  return {
    url,
    storage,
    removeBg,
    async stop() {
      for (const open of [server, trigger]) open.closeAllConnections();
      await Promise.all([server, trigger].map((open) => new Promise((done) => open.close(done))));
      await storage.stop();
      await removeBg?.stop();
      const { closeAppDeps } = await import('../functions/src/deps');
      await closeAppDeps();
      emulator.stop();
      process.env = savedEnv;
    },
  };
}
