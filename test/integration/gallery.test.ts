import { getTestServer } from '@google-cloud/functions-framework/testing';
import { V4UrlSigner } from '../../functions/src/adapters/gcs-url-signer';
import request from 'supertest';
import { newId } from '../../functions/src/core/ids';
import {
  DEFAULT_OPTIONS,
  originalKey,
  resultKey,
  thumbnailKey,
  type Image,
  uneditedImage,
} from '../../functions/src/core/image';
import { signUp as signUpAs } from '../support/accounts';
import { databaseKinds } from '../support/environment';
import { openFirestore } from '../../functions/src/adapters/firestore';
import { registerHttpFunctions } from '../support/functions';
import { PNG_1X1 } from '../support/images';
import { ManualClock, RESULTS_BUCKET, startTestStack, UPLOADS_BUCKET, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'images', 'delete']);

let storageNow = () => new Date();

describe.each(databaseKinds())('gallery and delete on %s', (kind) => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(kind, { SIGNED_URL_TTL_SECONDS: '60' }, { storage: { now: () => storageNow() } });
    under.deps = stack.deps;
  });
  afterAll(() => stack.stop());
  afterEach(() => {
    storageNow = () => new Date();
  });

  const signUp = () => signUpAs('gallery');
  /** An image as processing leaves it: row done, original, cutout and thumbnail stored. */
  const seedDone = async (userId: string, createdAt = new Date(), filename = 'holiday.jpg') => {
    const image: Image = {
      id: newId(),
      userId,
      status: 'done',
      filename,
      contentType: 'image/png',
      bytes: PNG_1X1.length,
      options: DEFAULT_OPTIONS,
      createdAt,
      updatedAt: createdAt,
      ...uneditedImage(DEFAULT_OPTIONS),
    };
    await (await stack.deps.images()).create({ ...image, status: 'awaiting_upload' });
    const [uploads, results] = await Promise.all([stack.deps.uploads(), stack.deps.results()]);
    await uploads.put(originalKey(userId, image.id), PNG_1X1, 'image/png');
    await results.put(resultKey(image), PNG_1X1, 'image/png');
    await results.put(thumbnailKey(image), PNG_1X1, 'image/webp');
    await (
      await stack.deps.images()
    ).markDone(
      image.id,
      {
        width: 1,
        height: 1,
        resultKey: resultKey(image),
        thumbnailKey: thumbnailKey(image),
        creditsCharged: 1,
        removerMs: 1,
        processingMs: 2,
      },
      createdAt,
    );
    return image.id;
  };
  const seedRow = async (userId: string, createdAt: Date) => {
    const id = newId();
    await (
      await stack.deps.images()
    ).create({
      id,
      userId,
      status: 'awaiting_upload',
      filename: 'x.png',
      contentType: 'image/png',
      bytes: 1,
      options: DEFAULT_OPTIONS,
      createdAt,
      updatedAt: createdAt,
      ...uneditedImage(DEFAULT_OPTIONS),
    });
    return id;
  };
  const get = (auth: string, path: string) => request(getTestServer('images')).get(path).set('Authorization', auth);
  const del = (auth: string, path: string) => request(getTestServer('delete')).delete(path).set('Authorization', auth);
  const objectsUnder = async (bucket: string, userId: string) => {
    const { Storage } = await import('@google-cloud/storage');
    const [files] = await new Storage({ apiEndpoint: stack.storage!.url, projectId: 'demo-cutout' })
      .bucket(bucket)
      .getFiles({ prefix: `u/${userId}/` });
    return files.map((f) => f.name);
  };

  it('shows an image with signed URLs that serve the bytes, the download as an attachment', async () => {
    const { userId, auth } = await signUp();
    const id = await seedDone(userId, new Date(), 'Été à Paris.jpg');
    const { body } = await get(auth, `/api/images/${id}`).expect(200);
    expect(body.image).toMatchObject({ id, status: 'done', width: 1, height: 1, filename: 'Été à Paris.jpg' });
    for (const name of ['originalUrl', 'resultUrl', 'thumbnailUrl', 'downloadUrl'])
      expect(body.image[name]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const download = await fetch(body.image.downloadUrl);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(PNG_1X1);
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="_t_ _ Paris-nobg.png"; filename*=UTF-8''${encodeURIComponent('Été à Paris-nobg.png')}`,
    );
    expect((await fetch(body.image.thumbnailUrl)).status).toBe(200);
    storageNow = () => new Date(Date.now() + 76_000); // past the TTL and its alignment window
    expect((await fetch(body.image.resultUrl)).status).toBe(400);
  });

  it('shows a changed image at once, within the same URL window, and the cached page is the same JSON', async () => {
    const { userId, auth } = await signUp();
    const id = await seedRow(userId, new Date(Date.now() - 2000));
    const images = await stack.deps.images();
    await images.markQueued(id, { contentType: 'image/png', bytes: 1 }, new Date(Date.now() - 1500));
    const queued = await get(auth, '/api/images').expect(200);
    expect(queued.body.images[0]).toMatchObject({ id, status: 'queued' });
    const again = await get(auth, '/api/images').expect(200);
    expect(again.text).toBe(queued.text);
    expect(again.headers['content-length']).toBe(String(Buffer.byteLength(again.text)));

    await images.markProcessing(id, new Date(Date.now() - 1000));
    expect((await get(auth, `/api/images/${id}`).expect(200)).body.image.status).toBe('processing');
    await images.markFailed(id, { code: 'IMAGE.UNREADABLE', message: 'Not an image.' }, new Date());
    const failed = (await get(auth, '/api/images').expect(200)).body.images[0];
    expect(failed).toMatchObject({
      id,
      status: 'failed',
      error: { code: 'IMAGE.UNREADABLE', message: 'Not an image.' },
    });
    expect((await get(auth, `/api/images/${id}`).expect(200)).body.image).toEqual(failed);
  });

  it('signs a page once per expiry window and serves it again from the cache', async () => {
    const { userId, auth } = await signUp();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push(await seedDone(userId, new Date(Date.now() - i * 1000)));
    // Just past a window boundary (windows are 15 s, a quarter of the TTL, on the epoch's grid).
    const clock = new ManualClock(new Date(Math.ceil(Date.now() / 15_000) * 15_000 + 1_000));
    // Asked for only when an image must be serialised again (its URLs are fetched then).
    const results = jest.fn(stack.deps.results);
    under.deps = { ...stack.deps, clock, results };
    const signing = jest.spyOn(V4UrlSigner.prototype, 'sign');
    try {
      const first = (await get(auth, '/api/images').expect(200)).body.images;
      expect(signing).toHaveBeenCalledTimes(3 * 4);
      expect(results).toHaveBeenCalledTimes(1);
      clock.advance(5);
      const again = (await get(auth, '/api/images').expect(200)).body.images;
      expect(again).toEqual(first);
      expect(signing).toHaveBeenCalledTimes(3 * 4);
      // A page whose rows are unchanged is the bytes serialised before: nothing is looked up.
      expect(results).toHaveBeenCalledTimes(1);
      // A changed row is serialised again, with the URLs already signed in this window.
      await (await stack.deps.images()).markFailed(ids[0]!, { code: 'IMAGE.UNREADABLE', message: 'x' }, new Date());
      const changed = (await get(auth, '/api/images').expect(200)).body.images;
      expect(changed[0]).toMatchObject({ id: ids[0], status: 'failed', originalUrl: first[0].originalUrl });
      expect(results).toHaveBeenCalledTimes(2);
      expect(signing).toHaveBeenCalledTimes(3 * 4);
      // The window is a quarter of the 60 s TTL: past it, fresh URLs with a later expiry.
      clock.advance(20);
      const later = (await get(auth, '/api/images').expect(200)).body.images;
      // Two done images with four URLs each, and the failed one with its original's.
      expect(signing).toHaveBeenCalledTimes(3 * 4 + 2 * 4 + 1);
      expect(later[0].resultUrl).not.toBe(first[0].resultUrl);
    } finally {
      signing.mockRestore();
      under.deps = stack.deps;
    }
  });

  it('shows only what an image has: no URLs awaiting upload, no outputs or sizes before done', async () => {
    const { userId, auth } = await signUp();
    const id = await seedRow(userId, new Date());
    const awaiting = (await get(auth, `/api/images/${id}`).expect(200)).body.image;
    expect(Object.keys(awaiting).sort()).toEqual(
      [
        'bytes',
        'contentType',
        'createdAt',
        'edits',
        'filename',
        'id',
        'options',
        'status',
        'touchedUp',
        'updatedAt',
      ].sort(),
    );
    await (await stack.deps.images()).markQueued(id, { contentType: 'image/png', bytes: 1 }, new Date());
    const queued = (await get(auth, `/api/images?pageSize=1`).expect(200)).body.images[0];
    expect(queued).toMatchObject({ id, status: 'queued', originalUrl: expect.stringMatching(/^http:/) });
    for (const absent of [
      'width',
      'height',
      'processedAt',
      'error',
      'resultUrl',
      'thumbnailUrl',
      'downloadUrl',
      'maskUrl',
      'backgroundUrl',
    ])
      expect(queued).not.toHaveProperty(absent);
  });

  it('lists newest first with a stable keyset: 250 images, inserts between pages, no gaps or duplicates', async () => {
    const { userId, auth } = await signUp();
    const base = Date.parse('2026-01-01T00:00:00Z');
    const ids = new Set<string>();
    // Pairs share a timestamp, so the id must break ties.
    for (let i = 0; i < 250; i += 1) ids.add(await seedRow(userId, new Date(base + Math.floor(i / 2) * 1000)));
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const res: request.Response = await get(
        auth,
        `/api/images?pageSize=37${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`,
      ).expect(200);
      seen.push(...res.body.images.map((image: { id: string }) => image.id));
      const times = res.body.images.map((image: { createdAt: string }) => Date.parse(image.createdAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      token = res.body.nextPageToken;
      await seedRow(userId, new Date(Date.now() + page)); // arrives while paging: newer than everything seen
      if (!token) break;
    }
    const first = seen.filter((id) => ids.has(id));
    expect(new Set(seen).size).toBe(seen.length);
    expect(first).toHaveLength(250);
  });

  it('refuses forged, foreign and malformed paging', async () => {
    const a = await signUp();
    const b = await signUp();
    for (let i = 0; i < 3; i += 1) await seedRow(a.userId, new Date(Date.now() - i * 1000));
    const { body } = await get(a.auth, '/api/images?pageSize=1').expect(200);
    expect(body.nextPageToken).toEqual(expect.any(String));
    expect((await get(b.auth, `/api/images?pageToken=${body.nextPageToken}`).expect(400)).body.code).toBe(
      'REQUEST.MALFORMED',
    );
    const [payload, mac] = body.nextPageToken.split('.');
    const forged = `${Buffer.from(JSON.stringify([9e15, 'zzzz'])).toString('base64url')}.${mac}`;
    await get(a.auth, `/api/images?pageToken=${forged}`).expect(400);
    await get(a.auth, `/api/images?pageToken=${payload}`).expect(400);
    for (const size of ['0', '101', 'abc', '1.5'])
      expect((await get(a.auth, `/api/images?pageSize=${size}`).expect(400)).body.errors[0].field).toBe('pageSize');
  });

  it("keeps one user's images from another: not listed, not shown, not deleted", async () => {
    const a = await signUp();
    const b = await signUp();
    const id = await seedDone(a.userId);
    expect((await get(b.auth, '/api/images').expect(200)).body.images).toEqual([]);
    expect((await get(b.auth, `/api/images/${id}`).expect(404)).body.code).toBe('IMAGE.NOT_FOUND');
    expect((await del(b.auth, `/api/delete/${id}`).expect(404)).body.code).toBe('IMAGE.NOT_FOUND');
    await get(a.auth, `/api/images/${id}`).expect(200);
    expect(await objectsUnder(RESULTS_BUCKET, a.userId)).toHaveLength(2);
  });

  it('shows an image stranded in processing as failed, and records it', async () => {
    const { userId, auth } = await signUp();
    const id = await seedRow(userId, new Date(Date.now() - 3 * 3600_000));
    await (await stack.deps.images()).markProcessing(id, new Date(Date.now() - 3 * 3600_000));
    const { body } = await get(auth, `/api/images/${id}`).expect(200);
    expect(body.image).toMatchObject({
      status: 'failed',
      error: { code: 'IMAGE.EXPIRED', message: expect.stringMatching(/did not finish/) },
    });
    expect(
      await stack.database.db
        .selectFrom('images')
        .select(['status', 'error_code'])
        .where('id', '=', id)
        .executeTakeFirst(),
    ).toEqual({ status: 'failed', error_code: 'IMAGE.EXPIRED' });
  });

  it('settles an upload that never arrived as failed, and gives its unit of the quota back', async () => {
    const { userId, auth } = await signUp();
    const quota = await stack.deps.uploadQuota();
    const counted = { scope: 'upload', subject: userId };
    // Two taken today; one of them an hour and more ago, for an upload that never came.
    await quota.take(counted);
    await quota.take(counted);
    const db = await openFirestore(stack.deps.config);
    const count = async () =>
      (await db.collection('rateLimits').get()).docs
        .filter((doc) => doc.id.startsWith('upload:') && !/:s\d+$/.test(doc.id))
        .reduce((sum, doc) => sum + Number(doc.get('count')), 0);
    const slots = async () =>
      (await db.collection('rateLimits').get()).docs.filter((doc) => /^upload:.*:s\d+$/.test(doc.id)).length;
    const before = await count();
    const slotsBefore = await slots();
    // Just past the settling age (URL lifetime + event age); a day's quota only takes back its own day's uploads.
    const createdAt = new Date(Date.now() - 3_700_000);
    const sameDay = createdAt.toISOString().slice(0, 10) === new Date().toISOString().slice(0, 10);
    const abandoned = await seedRow(userId, createdAt);
    const { body } = await get(auth, `/api/images/${abandoned}`).expect(200);
    expect(body.image).toMatchObject({ status: 'failed', error: { code: 'IMAGE.EXPIRED' } });
    expect(await count()).toBe(sameDay ? before - 1 : before);
    expect(await slots()).toBe(sameDay ? slotsBefore - 1 : slotsBefore);
    await db.terminate();
  });

  it('answers ids of other shapes with 404, never 500', async () => {
    const { auth } = await signUp();
    for (const path of [
      '/api/images/..%2F..%2Fetc',
      '/api/images/abc',
      `/api/images/${'a'.repeat(22)}/extra`,
      "/api/images/'%20OR%201=1--",
      '/api/images/%00',
    ]) {
      expect((await get(auth, path)).status).toBe(404);
    }
    for (const path of ['/api/delete', '/api/delete/..', `/api/delete/${'a'.repeat(23)}`])
      expect((await del(auth, path)).status).toBe(404);
    expect((await request(getTestServer('images')).delete('/api/images').set('Authorization', auth)).status).toBe(405);
  });

  it('deletes everything of an image, once; after deleting all, nothing of the user remains', async () => {
    const { userId, auth } = await signUp();
    const ids = [await seedDone(userId), await seedDone(userId), await seedDone(userId)];
    expect(await objectsUnder(UPLOADS_BUCKET, userId)).toHaveLength(3);
    await del(auth, `/api/delete/${ids[0]}`).expect(204);
    await del(auth, `/api/delete/${ids[0]}`).expect(404);
    expect((await get(auth, '/api/images').expect(200)).body.images.map((i: { id: string }) => i.id).sort()).toEqual(
      [ids[1], ids[2]].sort(),
    );
    for (const id of ids.slice(1)) await del(auth, `/api/delete/${id}`).expect(204);
    expect(await objectsUnder(UPLOADS_BUCKET, userId)).toEqual([]);
    expect(await objectsUnder(RESULTS_BUCKET, userId)).toEqual([]);
    expect(await stack.database.db.selectFrom('images').select('id').where('user_id', '=', userId).execute()).toEqual(
      [],
    );
  });
});
