import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import request from 'supertest';
import type { Clock, ObjectStore } from '../../functions/src/ports';
import { startRemoveBgServer, type RunningRemoveBg } from '../../local/removebg/removebg-server';
import { signUp } from '../support/accounts';
import { createMariadbDatabase, databaseKinds } from '../support/environment';
import { registerHttpFunctions, registerProcessUpload } from '../support/functions';
import { startTestStack, type TestStack } from '../support/stack';
import { startTcpProxy } from '../support/tcp-proxy';

const under = registerHttpFunctions(['register', 'upload', 'delete']);
const processing = registerProcessUpload('faultTrigger', under);

/** Real time, moved forward by hand: leases can expire without waiting. */
class OffsetClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

const onMariadb = databaseKinds().includes('mariadb') ? describe : describe.skip;

onMariadb('faults in the pipeline (MariaDB behind a proxy that can fail)', () => {
  const clock = new OffsetClock();
  let stack: TestStack;
  let removeBg: RunningRemoveBg;
  let trigger: Server;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let database: Awaited<ReturnType<typeof createMariadbDatabase>>;
  let auth: string;
  let photo: Buffer;

  beforeAll(async () => {
    removeBg = await startRemoveBgServer({ apiKey: 'fault-key' });
    trigger = getTestServer('faultTrigger');
    await new Promise<void>((ready) => trigger.listen(0, '127.0.0.1', ready));
    database = await createMariadbDatabase();
    proxy = await startTcpProxy(3306);
    const url = new URL(database.url);
    url.port = String(proxy.port);
    stack = await startTestStack(
      'sqlite',
      {
        DATABASE_URL: url.toString(),
        REMOVE_BG_URL: removeBg.url,
        REMOVE_BG_API_KEY: 'fault-key',
        REMOVE_BG_MAX_ATTEMPTS: '2',
      },
      {
        clock,
        storage: {
          notificationTarget: `http://127.0.0.1:${(trigger.address() as AddressInfo).port}/`,
          retry: { attempts: 8, initialDelayMs: 250 },
        },
      },
    );
    under.deps = stack.deps;
    ({ auth } = await signUp('faults'));
    photo = await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><rect width="100%" height="100%" fill="#fafafa"/><circle cx="150" cy="100" r="60" fill="#a52"/></svg>',
      ),
    )
      .png()
      .toBuffer();
  });
  afterAll(async () => {
    under.deps = stack.deps;
    await stack.stop();
    await proxy.stop();
    await database.drop();
    await removeBg.stop();
    await new Promise((done) => trigger.close(done));
  });
  afterEach(() => {
    under.deps = stack.deps;
  });

  const issue = async () => {
    const res = await request(getTestServer('upload'))
      .post('/')
      .set('Authorization', auth)
      .send({ filename: 'f.png', contentType: 'image/png', size: photo.length })
      .expect(201);
    return {
      id: res.body.image.id as string,
      url: res.body.upload.url as string,
      headers: res.body.upload.headers as Record<string, string>,
    };
  };
  const put = async (upload: { url: string; headers: Record<string, string> }) => {
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: photo })).status).toBe(200);
  };
  /** An upload issued and put, its finalize event handled (or held) by the time it resolves. */
  const uploaded = async () => {
    const upload = await issue();
    await put(upload);
    await stack.storage!.idle();
    return upload;
  };
  const row = (id: string) =>
    stack.database.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('finishes an upload that landed while the database was unreachable', async () => {
    const upload = await issue();
    const calls = removeBg.calls();
    proxy.down();
    await put(upload);
    await new Promise((resolve) => setTimeout(resolve, 1200)); // a few failed deliveries
    proxy.up();
    await stack.storage!.idle();
    expect(await row(upload.id)).toMatchObject({ status: 'done' });
    expect(removeBg.calls() - calls).toBe(1);
  });

  it('takes over from a worker that died mid-processing once its lease expires, charging once', async () => {
    const { result: upload, event } = await processing.holdOne(uploaded);
    // A worker claimed the image and died: its lease is alive, so the redelivery waits.
    expect(await (await stack.deps.jobs()).claim(upload.id, 'dead-worker', clock.now(), 600)).toEqual({
      state: 'claimed',
      attempt: 1,
    });
    await (await stack.deps.images()).markProcessing(upload.id, clock.now());
    const calls = removeBg.calls();
    await expect(processing.deliver(event)).rejects.toMatchObject({ code: 'IMAGE.BUSY' });
    expect((await row(upload.id)).status).toBe('processing');
    clock.offsetMs += 601_000;
    await processing.deliver(event);
    clock.offsetMs = 0;
    expect(await row(upload.id)).toMatchObject({ status: 'done' });
    expect(removeBg.calls() - calls).toBe(1);
  });

  it('rides out a storage write failing, without paying remove.bg twice', async () => {
    const real = await stack.deps.results();
    // The thumbnail write fails more often than one invocation retries it in place, so the
    // platform must redeliver; the cutout written the first time is then reused, not re-bought.
    let failures = 4;
    const flaky: ObjectStore = {
      ...real,
      put: (key, body, type) =>
        key.endsWith('thumbnail.webp') && failures-- > 0
          ? Promise.reject(new Error('storage unavailable'))
          : real.put(key, body, type),
      read: (key) => real.read(key),
      delete: (key) => real.delete(key),
      signedDownloads: (requests, expiresAt) => real.signedDownloads(requests, expiresAt),
    };
    under.deps = { ...stack.deps, results: () => Promise.resolve(flaky) };
    const upload = await issue();
    const calls = removeBg.calls();
    await put(upload);
    await stack.storage!.idle();
    expect(await row(upload.id)).toMatchObject({ status: 'done' });
    expect(failures).toBe(-1);
    expect(removeBg.calls() - calls).toBe(1);
  });

  it('ignores the same event after the image is done, and after it is deleted', async () => {
    const { result: upload, event } = await processing.holdOne(uploaded);
    await processing.deliver(event);
    const calls = removeBg.calls();
    await Promise.all([processing.deliver(event), processing.deliver(event)]);
    await request(getTestServer('delete')).delete(`/api/delete/${upload.id}`).set('Authorization', auth).expect(204);
    await processing.deliver(event);
    expect(removeBg.calls()).toBe(calls);
    expect(await stack.database.db.selectFrom('images').select('id').where('id', '=', upload.id).execute()).toEqual([]);
  });
});
