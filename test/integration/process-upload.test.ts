import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import request from 'supertest';
import { resultKey, thumbnailKey } from '../../functions/src/core/image';
import { startRemoveBgServer, type RunningRemoveBg } from '../../local/removebg/removebg-server';
import { databaseKinds } from '../support/environment';
import { registerHttpFunctions, registerProcessUpload } from '../support/functions';
import { startTestStack, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'upload', 'delete']);
const processing = registerProcessUpload('processUploadTrigger', under);

/** A studio shot: a red disc on white, as PNG (or JPEG with an EXIF orientation). */
const scene = (width = 400, height = 300) =>
  sharp(
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="#fff"/><circle cx="${width / 2}" cy="${height / 2}" r="${Math.min(width, height) / 3}" fill="#c33"/></svg>`,
    ),
  );
const blank = () =>
  sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } })
    .png()
    .toBuffer();

describe.each(databaseKinds())('processUpload on %s', (kind) => {
  let stack: TestStack;
  let trigger: Server;
  let removeBg: RunningRemoveBg;
  let userId: string;
  let auth: string;

  beforeAll(async () => {
    removeBg = await startRemoveBgServer({ apiKey: 'test-remove-bg-key' });
    trigger = getTestServer('processUploadTrigger');
    await new Promise<void>((ready) => trigger.listen(0, '127.0.0.1', ready));
    stack = await startTestStack(
      kind,
      {
        REMOVE_BG_URL: removeBg.url,
        REMOVE_BG_API_KEY: 'test-remove-bg-key',
        REMOVE_BG_MAX_ATTEMPTS: '2',
        REMOVE_BG_MAX_RETRY_AFTER_SECONDS: '2',
      },
      { storage: { notificationTarget: `http://127.0.0.1:${(trigger.address() as AddressInfo).port}/` } },
    );
    under.deps = stack.deps;
    const res = await request(getTestServer('register'))
      .post('/')
      .send({ email: `p-${kind}@example.com`, username: `p_${kind}`, password: 'password-1' })
      .expect(201);
    userId = res.body.user.id;
    auth = `Bearer ${res.body.token}`;
  });
  afterAll(async () => {
    await stack.stop();
    await removeBg.stop();
    await new Promise((done) => trigger.close(done));
  });
  afterEach(() => {
    removeBg.clearFaults();
  });

  /** Upload through the API and the signed URL, as a client does; resolves once the trigger has run. */
  const upload = async (bytes: Buffer, contentType = 'image/png', options: object = {}) => {
    const res = await request(getTestServer('upload'))
      .post('/')
      .set('Authorization', auth)
      .send({ filename: 'photo', contentType, size: bytes.length, options })
      .expect(201);
    const put = await fetch(res.body.upload.url, { method: 'PUT', headers: res.body.upload.headers, body: bytes });
    expect(put.status).toBe(200);
    await stack.storage!.idle();
    return res.body.image.id as string;
  };
  const row = (id: string) =>
    stack.database.db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const results = async (id: string) => {
    const store = await stack.deps.results();
    const image = { userId, id };
    return Promise.all([
      store.read(resultKey(image)).catch(() => undefined),
      store.read(thumbnailKey(image)).catch(() => undefined),
    ]);
  };

  it('turns an upload into a cutout, a thumbnail and a done row', async () => {
    const calls = removeBg.calls();
    const id = await upload(await scene().png().toBuffer(), 'image/png', { type: 'product' });
    const done = await row(id);
    expect(done).toMatchObject({
      status: 'done',
      width: 400,
      height: 300,
      result_key: `u/${userId}/${id}/cutout.png`,
      error_code: null,
    });
    expect(Number(done.credits_charged)).toBeGreaterThan(0);
    expect(removeBg.calls() - calls).toBe(1);
    const [cutout, thumbnail] = await results(id);
    const cutoutMeta = await sharp(cutout!).metadata();
    expect(cutoutMeta).toMatchObject({ format: 'png', width: 400, height: 300, hasAlpha: true });
    const corner = await sharp(cutout!).extract({ left: 0, top: 0, width: 1, height: 1 }).raw().toBuffer();
    const centre = await sharp(cutout!).extract({ left: 200, top: 150, width: 1, height: 1 }).raw().toBuffer();
    expect(corner[3]).toBe(0);
    expect(centre[3]).toBe(255);
    expect(await sharp(thumbnail!).metadata()).toMatchObject({ format: 'webp', width: 400, height: 300 });
  });

  it('stores the transparent cutout whatever colour was chosen (an edit), and makes thumbnails at most 400 px', async () => {
    const id = await upload(await scene(1200, 600).png().toBuffer(), 'image/png', { bgColor: '00ff00' });
    const [cutout, thumbnail] = await results(id);
    const corner = await sharp(cutout!)
      .ensureAlpha()
      .extract({ left: 0, top: 0, width: 1, height: 1 })
      .raw()
      .toBuffer();
    expect(corner[3]).toBe(0);
    const image = await (await stack.deps.images()).findById(id);
    expect(image?.edits.background).toEqual({ type: 'color', color: '00ff00' });
    expect(await sharp(thumbnail!).metadata()).toMatchObject({ width: 400, height: 200 });
  });

  it('does the work once when the same event arrives three times at once', async () => {
    const { result: id, event } = await processing.holdOne(async () => upload(await scene().png().toBuffer()));
    const calls = removeBg.calls();
    const outcomes = await Promise.allSettled([
      processing.deliver(event),
      processing.deliver(event),
      processing.deliver(event),
    ]);
    // The two that found it busy are not acknowledged, so the platform brings them back...
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
    expect(
      outcomes.filter((o) => o.status === 'rejected').map((o) => (o as PromiseRejectedResult).reason.code),
    ).toEqual(['IMAGE.BUSY', 'IMAGE.BUSY']);
    // ...and then, the image being done, they are acknowledged and do nothing.
    await processing.deliver(event);
    expect(removeBg.calls() - calls).toBe(1);
    expect((await row(id)).status).toBe('done');
    const [cutout] = await results(id);
    expect(cutout).toBeDefined();
  });

  it('retries remove.bg on 429 (after Retry-After), 500 and a dropped connection, and finishes', async () => {
    for (const fault of [{ status: 429, retryAfterSeconds: 1 }, { status: 500 }, { drop: true }]) {
      removeBg.inject(fault);
      const calls = removeBg.calls();
      const id = await upload(await scene().png().toBuffer());
      expect({ fault, status: (await row(id)).status }).toEqual({ fault, status: 'done' });
      expect(removeBg.calls() - calls).toBe(2);
    }
  });

  it('gives a transient failure back to the platform, which redelivers and finishes', async () => {
    removeBg.inject({ status: 503, times: 2 });
    const calls = removeBg.calls();
    const id = await upload(await scene().png().toBuffer());
    expect((await row(id)).status).toBe('done');
    expect(removeBg.calls() - calls).toBe(3);
  });

  it.each([
    [402, 'REMOVER.OUT_OF_CREDITS', /out of credits/],
    [403, 'REMOVER.UNAUTHORIZED', /credentials/],
  ])('marks the image failed on %i, without retrying', async (status, code, message) => {
    removeBg.inject({ status, times: 5 });
    const calls = removeBg.calls();
    const id = await upload(await scene().png().toBuffer());
    expect(await row(id)).toMatchObject({
      status: 'failed',
      error_code: code,
      error_message: expect.stringMatching(message),
    });
    expect(removeBg.calls() - calls).toBe(1);
  });

  it('says so when there is no foreground', async () => {
    const id = await upload(await blank());
    expect(await row(id)).toMatchObject({
      status: 'failed',
      error_code: 'IMAGE.NO_FOREGROUND',
      error_message: expect.stringMatching(/no recognisable foreground/),
    });
  });

  it('refuses bad files before calling remove.bg', async () => {
    const calls = removeBg.calls();
    const fakePng = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('<html><body>not an image</body></html>'),
    ]);
    const bomb = await sharp({ create: { width: 8000, height: 7500, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);
    const fake = await upload(fakePng);
    const big = await upload(bomb);
    expect(await row(fake)).toMatchObject({ status: 'failed', error_code: 'IMAGE.UNREADABLE' });
    expect(await row(big)).toMatchObject({
      status: 'failed',
      error_code: 'IMAGE.TOO_MANY_PIXELS',
      error_message: expect.stringContaining('60.0 megapixels'),
    });
    expect(removeBg.calls()).toBe(calls);
  });

  it('fails a truncated JPEG with a reason', async () => {
    const jpeg = await scene().jpeg().toBuffer();
    const id = await upload(jpeg.subarray(0, Math.floor(jpeg.length / 2)), 'image/jpeg');
    expect(await row(id)).toMatchObject({ status: 'failed', error_code: expect.stringMatching(/^(IMAGE|REMOVER)\./) });
  });

  it('honours EXIF orientation: the result is upright', async () => {
    const rotated = await scene(400, 300).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const id = await upload(rotated, 'image/jpeg');
    expect(await row(id)).toMatchObject({ status: 'done', width: 300, height: 400 });
    const [cutout] = await results(id);
    expect(await sharp(cutout!).metadata()).toMatchObject({ width: 300, height: 400 });
  });

  it('leaves nothing behind when the image is deleted while remove.bg works', async () => {
    removeBg.inject({ delayMs: 1500 });
    const bytes = await scene().png().toBuffer();
    const res = await request(getTestServer('upload'))
      .post('/')
      .set('Authorization', auth)
      .send({ filename: 'gone.png', contentType: 'image/png', size: bytes.length })
      .expect(201);
    const id = res.body.image.id as string;
    expect(
      (await fetch(res.body.upload.url, { method: 'PUT', headers: res.body.upload.headers, body: bytes })).status,
    ).toBe(200);
    // The trigger is now waiting on the delayed remover.
    for (let i = 0; i < 50 && (await row(id)).status !== 'processing'; i += 1)
      await new Promise((r) => setTimeout(r, 20));
    await request(getTestServer('delete')).delete(`/api/delete/${id}`).set('Authorization', auth).expect(204);
    await stack.storage!.idle();
    expect(await results(id)).toEqual([undefined, undefined]);
    expect(await stack.database.db.selectFrom('images').select('id').where('id', '=', id).execute()).toEqual([]);
    const uploads = await stack.deps.uploads();
    await expect(uploads.read(`u/${userId}/${id}/original`)).rejects.toBeDefined();
  });

  it('drops an event older than the bound, marking the image failed', async () => {
    const held = await processing.holdOne(async () => upload(await scene().png().toBuffer()));
    const id = held.result;
    const event = { ...held.event, time: new Date(Date.now() - 2 * 3600_000).toISOString() };
    const calls = removeBg.calls();
    await processing.deliver(event);
    expect(await row(id)).toMatchObject({ status: 'failed', error_code: 'IMAGE.EXPIRED' });
    expect(removeBg.calls()).toBe(calls);
  });
});
