import { DEFAULT_EDITS } from '../../functions/src/core/edits';
import { cloudEvent, type CloudEvent } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createHash } from 'node:crypto';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { MAX_UPLOAD_BYTES } from '../../functions/src/core/image';
import { signUp as signUpAs } from '../support/accounts';
import { databaseKinds } from '../support/environment';
import { registerHttpFunctions } from '../support/functions';
import { fakeImage, PNG_1X1 } from '../support/images';
import { startTestStack, UPLOADS_BUCKET, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'upload']);

// Stands in for processUpload (the next issue): records the finalize events it receives.
const events: CloudEvent<Record<string, unknown>>[] = [];
cloudEvent('uploadProbe', (event: CloudEvent<Record<string, unknown>>) => {
  events.push(event);
});

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe.each(databaseKinds())('POST /api/upload on %s', (kind) => {
  let stack: TestStack;
  let probe: Server;

  beforeAll(async () => {
    probe = getTestServer('uploadProbe');
    await new Promise<void>((ready) => probe.listen(0, '127.0.0.1', ready));
    const target = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
    stack = await startTestStack(kind, { UPLOAD_DAILY_QUOTA: '8' }, { storage: { notificationTarget: target } });
    under.deps = stack.deps;
  });
  afterAll(async () => {
    await stack.stop();
    await new Promise((done) => probe.close(done));
  });

  const signUp = () => signUpAs('up');
  const direct = (auth: string, body: unknown) =>
    request(getTestServer('upload'))
      .post('/')
      .set('Authorization', auth)
      .send(body as object);
  const objectsUnder = async (prefix: string) => {
    const storage = await import('@google-cloud/storage');
    const client = new storage.Storage({ apiEndpoint: stack.storage!.url, projectId: 'demo-cutout' });
    const [files] = await client.bucket(UPLOADS_BUCKET).getFiles({ prefix });
    return files;
  };
  const rowsOf = (userId: string) =>
    stack.database.db.selectFrom('images').selectAll().where('user_id', '=', userId).execute();

  describe('direct to the bucket (JSON)', () => {
    it('records the image and returns a signed PUT that stores the bytes and fires the finalize event', async () => {
      const { userId, auth } = await signUp();
      const bytes = fakeImage('jpeg', 4096);
      const res = await direct(auth, {
        filename: 'Été 🌞 <b>.jpg',
        contentType: 'image/jpeg',
        size: bytes.length,
        options: { type: 'product', bgColor: '#FFAA00' },
      }).expect(201);
      expect(res.body.image).toEqual({
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        status: 'awaiting_upload',
        filename: 'Été 🌞 <b>.jpg',
        contentType: 'image/jpeg',
        bytes: 4096,
        options: { type: 'product', size: 'auto', bgColor: 'ffaa00' },
        // The colour is not the remover's business: it is the image's first edit.
        edits: { ...DEFAULT_EDITS, background: { type: 'color', color: 'ffaa00' } },
        touchedUp: false,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const { upload } = res.body;
      expect(upload.method).toBe('PUT');
      expect(upload.headers).toEqual({
        'Content-Type': 'image/jpeg',
        'x-goog-content-length-range': '0,4096',
        'x-goog-if-generation-match': '0',
      });
      expect(new Date(upload.expiresAt).getTime() - Date.now()).toBeGreaterThan(800_000);
      const key = `u/${userId}/${res.body.image.id}/original`;
      expect(decodeURIComponent(new URL(upload.url).pathname)).toBe(`/${UPLOADS_BUCKET}/${key}`);

      events.length = 0;
      const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
      expect(put.status).toBe(200);
      const [file] = await objectsUnder(`u/${userId}/`);
      expect(file!.name).toBe(key);
      const [stored] = await file!.download();
      expect(sha(stored)).toBe(sha(bytes));
      await stack.storage!.idle();
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: 'google.cloud.storage.object.v1.finalized',
        subject: `objects/${key}`,
        data: { bucket: UPLOADS_BUCKET, name: key, size: '4096', contentType: 'image/jpeg' },
      });
      expect(await rowsOf(userId)).toEqual([expect.objectContaining({ status: 'awaiting_upload', original_key: key })]);

      const replay = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: fakeImage('jpeg', 4096) });
      expect(replay.status).toBe(412);
    });

    it('binds the URL to the type and the declared size', async () => {
      const { auth } = await signUp();
      const { upload } = (await direct(auth, { filename: 'a.png', contentType: 'image/png', size: 100 }).expect(201))
        .body;
      const otherType = await fetch(upload.url, {
        method: 'PUT',
        headers: { ...upload.headers, 'Content-Type': 'image/jpeg' },
        body: fakeImage('png', 100),
      });
      expect(otherType.status).toBe(403);
      const tooBig = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: fakeImage('png', 101) });
      expect(tooBig.status).toBe(400);
      const withoutPrecondition = { ...upload.headers };
      delete withoutPrecondition['x-goog-if-generation-match'];
      expect(
        (await fetch(upload.url, { method: 'PUT', headers: withoutPrecondition, body: fakeImage('png', 100) })).status,
      ).toBe(403);
      expect(
        (await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: fakeImage('png', 100) })).status,
      ).toBe(200);
    });

    it.each([
      [{ filename: 'x.svg', contentType: 'image/svg+xml', size: 10 }, 415, 'UPLOAD.UNSUPPORTED_TYPE'],
      [{ filename: 'x.gif', contentType: 'image/gif', size: 10 }, 415, 'UPLOAD.UNSUPPORTED_TYPE'],
      [{ filename: 'x.heic', contentType: 'image/heic', size: 10 }, 415, 'UPLOAD.UNSUPPORTED_TYPE'],
      [{ filename: 'x.png', contentType: 'image/png', size: MAX_UPLOAD_BYTES + 1 }, 413, 'UPLOAD.TOO_LARGE'],
      [{ filename: 'x.png', contentType: 'image/png', size: 0 }, 400, 'REQUEST.VALIDATION'],
      [{ contentType: 'image/png', size: 10 }, 400, 'REQUEST.VALIDATION'],
      [{ filename: 'x.png', contentType: 'image/png', size: 10, options: { type: 'cat' } }, 400, 'REQUEST.VALIDATION'],
      [{ filename: 'x.png', contentType: 'image/png', size: '10' }, 400, 'REQUEST.VALIDATION'],
    ])('refuses %j with %i', async (body, status, code) => {
      const { userId, auth } = await signUp();
      const res = await direct(auth, body).expect(status);
      expect(res.body.code).toBe(code);
      expect(await rowsOf(userId)).toEqual([]);
    });

    it('names the fields in error', async () => {
      const { auth } = await signUp();
      const res = await direct(auth, {
        filename: '',
        contentType: 'image/png',
        size: 1.5,
        options: { size: 'huge', bgColor: 'red', extra: 1 },
      }).expect(400);
      expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'filename',
        'options.bgColor',
        'options.extra',
        'options.size',
        'size',
      ]);
    });
  });

  describe('through the function (multipart)', () => {
    const multipart = (auth: string) => request(getTestServer('upload')).post('/').set('Authorization', auth);

    it('streams the file to the bucket and queues the image', async () => {
      const { userId, auth } = await signUp();
      const bytes = fakeImage('png', 300_000);
      const res = await multipart(auth)
        .field('type', 'person')
        .field('bgColor', '00ff00')
        .attach('image_file', bytes, { filename: 'me.png', contentType: 'application/octet-stream' })
        .expect(202);
      expect(res.body.image).toMatchObject({
        status: 'queued',
        filename: 'me.png',
        contentType: 'image/png',
        bytes: 300_000,
        options: { type: 'person', size: 'auto', bgColor: '00ff00' },
      });
      const [file] = await objectsUnder(`u/${userId}/`);
      expect(sha((await file!.download())[0])).toBe(sha(bytes));
      expect(await rowsOf(userId)).toEqual([
        expect.objectContaining({ status: 'queued', bytes: 300_000, content_type: 'image/png' }),
      ]);
    });

    it('decides the type by the bytes: an HTML file named .png is refused, and a real PNG with a wrong header is accepted', async () => {
      const { userId, auth } = await signUp();
      const html = Buffer.from('<!doctype html><script>alert(1)</script>');
      expect(
        (await multipart(auth).attach('image_file', html, { filename: 'x.png', contentType: 'image/png' }).expect(415))
          .body.code,
      ).toBe('UPLOAD.UNSUPPORTED_TYPE');
      await multipart(auth)
        .attach('image_file', Buffer.alloc(0), { filename: 'empty.png', contentType: 'image/png' })
        .expect(415);
      await multipart(auth)
        .attach('image_file', PNG_1X1, { filename: 'tiny.jpg', contentType: 'image/jpeg' })
        .expect(202);
      expect((await rowsOf(userId)).map((r) => r.content_type)).toEqual(['image/png']);
    });

    it('refuses one byte over 22 MB with 413 and leaves no object and no record', async () => {
      const { userId, auth } = await signUp();
      const res = await multipart(auth)
        .attach('image_file', fakeImage('jpeg', MAX_UPLOAD_BYTES + 1), { filename: 'big.jpg' })
        .expect(413);
      expect(res.body.code).toBe('UPLOAD.TOO_LARGE');
      expect(await objectsUnder(`u/${userId}/`)).toEqual([]);
      expect(await rowsOf(userId)).toEqual([]);
    }, 60_000);

    it('accepts exactly 22 MB', async () => {
      const { auth } = await signUp();
      const res = await multipart(auth)
        .attach('image_file', fakeImage('jpeg', MAX_UPLOAD_BYTES), { filename: 'max.jpg' })
        .expect(202);
      expect(res.body.image.bytes).toBe(MAX_UPLOAD_BYTES);
    }, 60_000);

    it('refuses a missing file, two files, or options after the file, leaving nothing', async () => {
      const { userId, auth } = await signUp();
      expect((await multipart(auth).field('type', 'car').expect(400)).body.code).toBe('REQUEST.VALIDATION');
      await multipart(auth).attach('image_file', PNG_1X1, 'a.png').attach('image_file', PNG_1X1, 'b.png').expect(400);
      await multipart(auth).attach('image_file', PNG_1X1, 'a.png').field('type', 'car').expect(400);
      await multipart(auth).attach('photo', PNG_1X1, 'a.png').expect(400);
      expect(await objectsUnder(`u/${userId}/`)).toEqual([]);
      expect(await rowsOf(userId)).toEqual([]);
    });

    it('takes its time with a slow client', async () => {
      const { userId, auth } = await signUp();
      const boundary = 'slowboundary';
      const body = Buffer.concat([
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="image_file"; filename="slow.png"\r\nContent-Type: image/png\r\n\r\n`,
        ),
        fakeImage('png', 20_000),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      const server = getTestServer('upload');
      await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            method: 'POST',
            headers: {
              Authorization: auth,
              'Content-Type': `multipart/form-data; boundary=${boundary}`,
              'Content-Length': body.length,
            },
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        let offset = 0;
        const step = () => {
          if (offset >= body.length) return void req.end();
          req.write(body.subarray(offset, offset + 2000));
          offset += 2000;
          setTimeout(step, 20);
        };
        step();
      });
      server.close();
      expect(status).toBe(202);
      expect(await rowsOf(userId)).toHaveLength(1);
    });
  });

  it('answers 401 before reading any of the body', async () => {
    const server = getTestServer('upload');
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const status = await new Promise<number>((resolve, reject) => {
      // Declares 20 MB and sends only the first bytes: an answer can only come before the body.
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: (server.address() as AddressInfo).port,
          method: 'POST',
          headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Content-Length': 20_000_000 },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write('--x\r\n');
    });
    server.closeAllConnections();
    server.close();
    expect(status).toBe(401);
  });

  it('enforces the daily quota with Retry-After', async () => {
    const { auth } = await signUp();
    for (let i = 0; i < 8; i += 1)
      await direct(auth, { filename: `${i}.png`, contentType: 'image/png', size: 10 }).expect(201);
    const res = await direct(auth, { filename: 'one-more.png', contentType: 'image/png', size: 10 }).expect(429);
    expect(res.body.code).toBe('UPLOAD.QUOTA_EXCEEDED');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const other = await signUp();
    await direct(other.auth, { filename: 'mine.png', contentType: 'image/png', size: 10 }).expect(201);
  });

  it('never issues more than the quota to requests sent all at once, and a refused request costs nothing', async () => {
    const { auth } = await signUp();
    // A bad request takes a unit first and gives it back.
    await direct(auth, { filename: 'bad.png', contentType: 'image/png', size: -1 }).expect(400);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => direct(auth, { filename: `${i}.png`, contentType: 'image/png', size: 10 })),
    );
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(8);
    expect(statuses.filter((status) => status === 429)).toHaveLength(32);
  });
});
