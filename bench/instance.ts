import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Storage } from '@google-cloud/storage';
import { openDatabase, type Database } from '../functions/src/adapters/sql/database';
import { JoseTokens } from '../functions/src/adapters/jose-tokens';
import { migrateToLatest } from '../functions/src/adapters/sql/migrations';
import { loadConfig, type Config } from '../functions/src/config';
import { newId } from '../functions/src/core/ids';
import { originalKey, type AcceptedType } from '../functions/src/core/image';
import { startFirestoreEmulator, type RunningEmulator } from '../local/firestore-emulator';
import { startStorageServer, type RunningStorageServer } from '../local/storage/storage-server';
import { imageRow } from './fixtures';
import { startRemoveBgStub, type RunningStub } from './removebg-stub';
import { sleep, within } from './stats';

const LAUNCHER = join(__dirname, 'launcher.js');
const UPLOADS = 'cutout-uploads';
const RESULTS = 'cutout-results';

/**
 * What a deployed function instance talks to, for instances started as child processes: a
 * migrated SQLite file, the Firestore emulator, the storage server (no finalize trigger: the
 * bench delivers events itself) and the pass-through remover, all in this process.
 */
export interface InstanceWorld {
  env: Record<string, string>;
  config: Config;
  database: Database;
  storage: RunningStorageServer;
  stub: RunningStub;
  /** A user row (images belong to one); returns its id. */
  createUser(name: string): Promise<string>;
  /** A bearer token for `userId`, signed with the instances' key. */
  token(userId: string): Promise<string>;
  /** Writes an object to the uploads bucket through the Cloud Storage client, returning its resource. */
  putOriginal(key: string, body: Buffer, contentType: string): Promise<Record<string, unknown>>;
  /** A queued image with its original in the bucket, and the finalize event Eventarc would send. */
  queuedUpload(
    userId: string,
    body: Buffer,
    contentType: AcceptedType,
  ): Promise<{ id: string; event: CloudEventRequest }>;
  stop(): Promise<void>;
}

export interface CloudEventRequest {
  headers: Record<string, string>;
  body: string;
}

export async function startInstanceWorld(extraEnv: Record<string, string> = {}): Promise<InstanceWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-bench-instance-'));
  const emulator: RunningEmulator = await startFirestoreEmulator();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = {
    client_email: 'bench-signer@demo-cutout.iam.gserviceaccount.com',
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  const keyFile = join(dir, 'service-account.json');
  writeFileSync(keyFile, JSON.stringify(key));
  const storage = await startStorageServer({
    dataDir: join(dir, 'storage'),
    signers: [{ clientEmail: key.client_email, privateKey: key.private_key }],
    buckets: [{ name: UPLOADS }, { name: RESULTS }],
  });
  const stub = await startRemoveBgStub();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'development',
    GOOGLE_CLOUD_PROJECT: 'demo-cutout',
    // No lookups of a GCE metadata server: this machine talks to 127.0.0.1 only.
    METADATA_SERVER_DETECTION: 'none',
    LOG_LEVEL: 'warning',
    DATABASE_URL: `sqlite:${join(dir, 'cutout.db')}`,
    FIRESTORE_EMULATOR_HOST: emulator.host,
    TOKEN_SIGNING_KEY: `bench-${newId()}-${newId()}`,
    STORAGE_API_ENDPOINT: storage.url,
    STORAGE_SIGNING_KEY_FILE: keyFile,
    UPLOADS_BUCKET: UPLOADS,
    RESULTS_BUCKET: RESULTS,
    REMOVE_BG_URL: stub.url,
    REMOVE_BG_API_KEY: stub.apiKey,
    ...extraEnv,
  };
  const config = loadConfig(env);
  const database = await openDatabase(config.database);
  await migrateToLatest(database.db, database.dialect);
  const tokens = new JoseTokens(
    { ...config.tokens, signingKey: env.TOKEN_SIGNING_KEY as string },
    { now: () => new Date() },
  );
  const client = new Storage({ apiEndpoint: storage.url, projectId: 'demo-cutout' });

  const putOriginal = async (name: string, body: Buffer, contentType: string) => {
    const file = client.bucket(UPLOADS).file(name);
    await file.save(body, { resumable: false, contentType, validation: false });
    const [metadata] = await file.getMetadata();
    return metadata as unknown as Record<string, unknown>;
  };

  return {
    env,
    config,
    database,
    storage,
    stub,
    async createUser(name) {
      const id = newId();
      const email = `${name}@bench.example`;
      await database.db
        .insertInto('users')
        .values({
          id,
          email,
          email_key: email,
          username: name,
          username_key: name,
          password_hash: 'x',
          created_at: Date.now(),
        })
        .execute();
      return id;
    },
    token: async (userId) => (await tokens.issue(userId)).token,
    putOriginal,
    async queuedUpload(userId, body, contentType) {
      const row = imageRow(userId, 'queued', Date.now());
      await database.db
        .insertInto('images')
        .values({ ...row, content_type: contentType, bytes: body.length })
        .execute();
      const id = row.id;
      const name = originalKey(userId, id);
      const object = await putOriginal(name, body, contentType);
      return {
        id,
        event: {
          headers: {
            'ce-specversion': '1.0',
            'ce-type': 'google.cloud.storage.object.v1.finalized',
            'ce-source': `//storage.googleapis.com/projects/_/buckets/${UPLOADS}`,
            'ce-subject': `objects/${name}`,
            'ce-id': newId(),
            'ce-time': String(object.updated),
            'ce-bucket': UPLOADS,
            'content-type': 'application/json',
          },
          body: JSON.stringify(object),
        },
      };
    },
    async stop() {
      await database.close();
      await stub.stop();
      await storage.stop();
      emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface InstanceReport {
  packages: string[];
  modules: number;
  /** Package (required from the artifact or the launcher) → ms to load it and what it loads. */
  requireMs: Record<string, number>;
  maxRssKiB: number;
  /** VmHWM from /proc/self/status: the peak RSS of this process image, in KiB. */
  hwmKiB: number;
  rss: number;
}

export interface HttpReply {
  status: number;
  body: string;
}

/** One HTTP exchange on a fresh connection (no agent: nothing is reused between instances). */
export function send(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
  timeoutMs = 120_000,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * A Node script in its own process, spoken to over IPC. Started through a shell that forks node
 * (not exec): on Linux a process's maxRSS starts at its parent's RSS at fork time, which for
 * this bench process would be ~200 MiB. A message carrying `pid` names the node process itself.
 */
export class NodeChild {
  readonly spawnedAt = performance.now();
  readonly child: ChildProcess;
  private output = '';
  private readonly messages: unknown[] = [];
  private readonly waiters: (() => void)[] = [];
  /** The node process itself (the shell's child). */
  private pid: number | undefined;

  constructor(args: string[], env: Record<string, string>) {
    this.child = spawn('/bin/sh', ['-c', '"$@"; exit $?', 'sh', process.execPath, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.child.on('message', (message) => {
      const pid = (message as { pid?: unknown }).pid;
      if (typeof pid === 'number') this.pid = pid;
      this.messages.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.on('exit', () => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** The child's last output, for a failure report. */
  get lastOutput(): string {
    return this.output;
  }

  /** The first message (in order of arrival) that `pick` maps to a value, taken off the queue. */
  async next<T>(pick: (message: unknown) => T | undefined, what: string, timeoutMs: number): Promise<T> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      for (const message of this.messages) {
        const value = pick(message);
        if (value !== undefined) {
          this.messages.splice(this.messages.indexOf(message), 1);
          return value;
        }
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`child exited before ${what}: ${this.output}`);
      }
      if (performance.now() > deadline) throw new Error(`child: no ${what} within ${timeoutMs} ms`);
      await within(new Promise<void>((wake) => this.waiters.push(wake)), timeoutMs, what).catch(() => undefined);
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    if (this.child.connected) this.child.disconnect();
    await Promise.race([exited, sleep(2000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      if (this.pid !== undefined) {
        try {
          process.kill(this.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

/** A function instance in its own process: `node bench/launcher.js <target> <artifact>`. */
export class Instance extends NodeChild {
  constructor(target: string, artifactDir: string, env: Record<string, string>) {
    super([LAUNCHER, target, artifactDir], env);
  }

  /** Resolves with the port once the instance listens. */
  listening(timeoutMs = 60_000): Promise<{ port: number; uptimeMs: number }> {
    return this.next(
      (m) => {
        const message = m as { listening?: number; uptimeMs?: number };
        return message.listening !== undefined
          ? { port: message.listening, uptimeMs: message.uptimeMs ?? NaN }
          : undefined;
      },
      'listening',
      timeoutMs,
    );
  }

  report(): Promise<InstanceReport> {
    this.child.send('report');
    return this.next((m) => (m as { report?: InstanceReport }).report, 'report', 30_000);
  }
}
