import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '../local/local-cloud';
import type { Schema } from '../functions/src/adapters/sql/schema';
import type { ImageStatus } from '../functions/src/core/image';
import { imageRow } from '../test/support/image-rows';

export { imageRow };

export interface Served {
  origin: string;
  /** Resolves once no request is being handled (a load run's abandoned requests still run). */
  idle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 at an ephemeral port. */
export async function listen(server: Server): Promise<Served> {
  let active = 0;
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    active += 1;
    res.once('close', () => (active -= 1));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    async idle(timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      while (active > 0 && performance.now() < deadline) await new Promise((wake) => setTimeout(wake, 10));
    },
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

let helloRegistered = false;

/** The reference: a hello-world HTTP function, registered and served like the product's functions. */
export function registerHello(): void {
  if (helloRegistered) return;
  helloRegistered = true;
  http('hello', (_req, res) => {
    res.send('hello');
  });
}

/** A registered function on its own loopback port, as the Functions Framework serves it. */
export const serveFunction = (name: string): Promise<Served> => listen(getTestServer(name));

export interface JsonReply {
  status: number;
  body: Record<string, unknown>;
}

/** One JSON call (setup only; never measured). */
export async function call(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<JsonReply> {
  const response = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(init.token ? { Authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export function expectStatus(reply: JsonReply, status: number, what: string): JsonReply {
  if (reply.status !== status)
    throw new Error(`${what}: expected ${status}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply;
}

export interface Account {
  id: string;
  login: string;
  password: string;
  token: string;
}

/** Registers through the register function at `origin` (a function server or the hosting URL + /api/register). */
export async function register(url: string, name: string): Promise<Account> {
  const password = `bench-password-${name}`;
  const reply = expectStatus(
    await call(url, { body: { email: `${name}@bench.example`, username: name, password } }),
    201,
    `register ${name}`,
  );
  return {
    id: (reply.body.user as { id: string }).id,
    login: name,
    password,
    token: reply.body.token as string,
  };
}

export interface SeedOptions {
  status: ImageStatus;
  /** created_at of the first row; each next row is `stepMs` older. */
  newest: number;
  stepMs?: number;
}

/** Multi-row INSERTs of `count` rows for one user, newest first; returns the ids in that order. */
export async function seedImages(
  db: Kysely<Schema>,
  userId: string,
  count: number,
  options: SeedOptions,
  batch = 1000,
): Promise<string[]> {
  const ids: string[] = [];
  const step = options.stepMs ?? 1000;
  for (let start = 0; start < count; start += batch) {
    const rows = Array.from({ length: Math.min(batch, count - start) }, (_, i) =>
      imageRow(userId, options.status, options.newest - (start + i) * step),
    );
    for (const row of rows) ids.push(row.id);
    await db.insertInto('images').values(rows).execute();
  }
  return ids;
}

/**
 * The local cloud as the bench uses it: on 127.0.0.1 at a free port, SQLite in `dataDir` unless
 * `env` names a database, request logs off (one JSON line per request would be measured, and
 * drown the tables) and a daily quota no load reaches.
 */
export function startBenchCloud(dataDir: string, env: Record<string, string> = {}): Promise<LocalCloud> {
  return startLocalCloud({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    env: {
      DATABASE_URL: `sqlite:${join(dataDir, 'cutout.db')}`,
      LOG_LEVEL: 'warning',
      UPLOAD_DAILY_QUOTA: '100000',
      ...env,
    },
  });
}
