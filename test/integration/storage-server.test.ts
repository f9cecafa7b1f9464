import { CRC32C, Storage, type File } from '@google-cloud/storage';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  startStorageServer,
  type RunningStorageServer,
  type StorageServerOptions,
} from '../../local/storage/storage-server';
import { deadTarget, receiveEvents, type EventReceiver } from '../support/storage-functions';
import { interruptedUpload, rawRequest, xmlCode } from '../support/storage-http';

const PROJECT = 'demo-cutout';
const CLIENT_EMAIL = `storage-test@${PROJECT}.iam.gserviceaccount.com`;
const ORIGIN = 'http://localhost:8080';
const MB = 1024 * 1024;

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer): string => createHash('md5').update(data).digest('base64');
const crc32c = (data: Buffer): string => {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
};

/** The HTTP status a client call failed with: `code` on an ApiError, `status` on a GaxiosError. */
const codeOf = async (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (error: { code?: unknown; status?: unknown }) => error.code ?? error.status,
  );

/** Polls a condition a bounded number of times (server-side cleanup after a client abort is async). */
const eventually = async (check: () => Promise<boolean> | boolean): Promise<boolean> => {
  for (let attempt = 0; attempt < 40; attempt += 1) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return false;
};

/** Files left anywhere under a folder (temp files from aborted writes would show up here). */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));

describe('local storage server, with the real @google-cloud/storage client', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-storage-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  let clockSkewMs = 0;
  let server: RunningStorageServer;
  let storage: Storage;
  let uploadsEvents: EventReceiver;
  let flakyEvents: EventReceiver;
  let options: StorageServerOptions;

  const clientFor = (url: string): Storage =>
    new Storage({
      apiEndpoint: url,
      projectId: PROJECT,
      credentials: { client_email: CLIENT_EMAIL, private_key: privateKeyPem },
    });

  beforeAll(async () => {
    uploadsEvents = await receiveEvents('storageUploadsFinalized');
    flakyEvents = await receiveEvents('storageFlakyFinalized', 2);
    options = {
      dataDir,
      buckets: [
        {
          name: 'uploads',
          notificationTarget: uploadsEvents.url,
          cors: [
            {
              origin: [ORIGIN],
              method: ['PUT', 'GET'],
              responseHeader: ['Content-Type', 'x-goog-content-length-range', 'x-goog-if-generation-match'],
              maxAgeSeconds: 3600,
            },
          ],
        },
        { name: 'flaky', notificationTarget: flakyEvents.url },
        { name: 'unreachable', notificationTarget: await deadTarget() },
        { name: 'plain' },
      ],
      signers: [{ clientEmail: CLIENT_EMAIL, privateKey: privateKeyPem }],
      retry: { attempts: 3, initialDelayMs: 20 },
      now: () => new Date(Date.now() + clockSkewMs),
    };
    server = await startStorageServer(options);
    storage = clientFor(server.url);
  });

  afterAll(async () => {
    await server.stop();
    await uploadsEvents.close();
    await flakyEvents.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  afterEach(async () => {
    clockSkewMs = 0;
    await server.idle();
  });

  describe('JSON API', () => {
    it('answers bucket metadata, and a missing bucket as missing', async () => {
      const [exists] = await storage.bucket('plain').exists();
      expect(exists).toBe(true);
      const [metadata] = await storage.bucket('plain').getMetadata();
      expect(metadata).toMatchObject({ kind: 'storage#bucket', name: 'plain', id: 'plain' });
      const [missing] = await storage.bucket('no-such-bucket').exists();
      expect(missing).toBe(false);
    });

    it.each([
      ['a 0-byte', 0],
      ['a 1-byte', 1],
      ['a 30 MB', 30 * MB],
    ])('round-trips %s object byte for byte, resumable and multipart', async (_label, size) => {
      const data = randomBytes(size);
      for (const resumable of [true, false]) {
        const file = storage.bucket('plain').file(`round-trip/${size}-${resumable ? 'resumable' : 'multipart'}.bin`);
        await file.save(data, { resumable, contentType: 'application/octet-stream' });
        const [metadata] = await file.getMetadata();
        expect(metadata).toMatchObject({ size: String(size), md5Hash: md5(data), crc32c: crc32c(data) });
        const [downloaded] = await file.download();
        expect(downloaded.length).toBe(size);
        expect(sha256(downloaded)).toBe(sha256(data));
      }
    });

    it('takes a plain media upload and serves a byte range with 206', async () => {
      const data = randomBytes(1000);
      const res = await rawRequest(`${server.url}/upload/storage/v1/b/plain/o?uploadType=media&name=media%2Fone.bin`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: data,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toMatchObject({ name: 'media/one.bin', contentType: 'image/png' });

      const chunks: Buffer[] = [];
      await pipeline(
        storage.bucket('plain').file('media/one.bin').createReadStream({ start: 10, end: 19 }),
        async (source) => {
          for await (const chunk of source) chunks.push(chunk as Buffer);
        },
      );
      expect(Buffer.concat(chunks)).toEqual(data.subarray(10, 20));

      const ranged = await rawRequest(`${server.url}/storage/v1/b/plain/o/media%2Fone.bin?alt=media`, {
        headers: { range: 'bytes=990-' },
      });
      expect(ranged.status).toBe(206);
      expect(ranged.headers['content-range']).toBe('bytes 990-999/1000');
      expect(ranged.headers['x-goog-hash']).toBe(`crc32c=${crc32c(data)},md5=${md5(data)}`);
      expect(ranged.body).toEqual(data.subarray(990));

      const mediaLink = JSON.parse(res.body.toString()).mediaLink as string;
      expect(mediaLink.startsWith(`${server.url}/download/storage/v1/b/plain/o/media%2Fone.bin?`)).toBe(true);
      const viaLink = await rawRequest(mediaLink);
      expect(viaLink.status).toBe(200);
      expect(viaLink.headers['x-goog-generation']).toMatch(/^\d+$/);
      expect(viaLink.body).toEqual(data);
    });

    it('returns the object resource as GCS shapes it', async () => {
      const file = storage.bucket('plain').file('resource/photo.png');
      await file.save(Buffer.from('png'), {
        resumable: false,
        contentType: 'image/png',
        metadata: { contentDisposition: 'inline', metadata: { owner: 'ada' } },
      });
      const [metadata] = await file.getMetadata();
      expect(metadata).toMatchObject({
        kind: 'storage#object',
        name: 'resource/photo.png',
        bucket: 'plain',
        contentType: 'image/png',
        contentDisposition: 'inline',
        size: '3',
        metageneration: '1',
        storageClass: 'STANDARD',
        metadata: { owner: 'ada' },
      });
      expect(metadata.generation).toMatch(/^\d{16}$/);
      expect(metadata.id).toBe(`plain/resource/photo.png/${metadata.generation}`);
      for (const key of ['etag', 'timeCreated', 'updated', 'selfLink', 'mediaLink'])
        expect(metadata[key]).toEqual(expect.any(String));

      await file.setMetadata({ metadata: { owner: null, reviewed: 'yes' } });
      const [patched] = await file.getMetadata();
      expect(patched).toMatchObject({
        metageneration: '2',
        generation: metadata.generation,
        metadata: { reviewed: 'yes' },
      });
      expect(patched.metadata).not.toHaveProperty('owner');

      await file.save(Buffer.from('png2'), { resumable: false });
      const [second] = await file.getMetadata();
      expect(BigInt(String(second.generation))).toBeGreaterThan(BigInt(String(metadata.generation)));
    });

    it('resumes an interrupted resumable upload where the server left off', async () => {
      const data = randomBytes(3 * MB);
      const file = storage.bucket('plain').file('resumable/interrupted.bin');
      const [uri] = await file.createResumableUpload({ metadata: { contentType: 'video/mp4' } });

      // A first chunk arrives whole, a second breaks off midway.
      const first = await rawRequest(uri, {
        method: 'PUT',
        headers: { 'content-range': `bytes 0-${MB - 1}/*` },
        body: data.subarray(0, MB),
      });
      expect(first.status).toBe(308);
      expect(first.headers.range).toBe(`bytes=0-${MB - 1}`);
      await interruptedUpload(uri, 'PUT', { 'content-range': `bytes ${MB}-*/*` }, data.subarray(MB, 2 * MB));
      const status = await rawRequest(uri, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
      expect(status.status).toBe(308);
      const received = Number(/^bytes=0-(\d+)$/.exec(String(status.headers.range))?.[1]) + 1;
      // What arrived before the break is kept.
      expect(received).toBeGreaterThan(MB);
      expect(received).toBeLessThan(data.length);

      // The client asks where to resume, skips what the server has and sends the rest.
      await pipeline(Readable.from([data]), file.createWriteStream({ uri, resumable: true }));
      const [metadata] = await file.getMetadata();
      expect(metadata).toMatchObject({ size: String(data.length), contentType: 'video/mp4', md5Hash: md5(data) });
      const [downloaded] = await file.download();
      expect(sha256(downloaded)).toBe(sha256(data));

      const done = await rawRequest(uri, { method: 'PUT', headers: { 'content-range': 'bytes */*' } });
      expect(done.status).toBe(200);
    });

    it('takes a chunked resumable upload from the client (bytes a-b/* then the final size)', async () => {
      const data = randomBytes(MB + 12345);
      const file = storage.bucket('plain').file('resumable/chunked.bin');
      await pipeline(Readable.from([data]), file.createWriteStream({ resumable: true, chunkSize: 256 * 1024 }));
      const [downloaded] = await file.download();
      expect(sha256(downloaded)).toBe(sha256(data));
    });

    it('keeps nothing of a multipart upload that breaks off midway', async () => {
      const head = Buffer.from(
        '--cut\r\nContent-Type: application/json\r\n\r\n{"name":"broken/half.bin","contentType":"image/png"}\r\n' +
          '--cut\r\nContent-Type: image/png\r\n\r\n',
      );
      await interruptedUpload(
        `${server.url}/upload/storage/v1/b/plain/o?uploadType=multipart`,
        'POST',
        { 'content-type': 'multipart/related; boundary=cut' },
        Buffer.concat([head, randomBytes(2 * MB)]),
      );
      const tmp = join(dataDir, 'plain', 'tmp');
      expect(await eventually(() => filesUnder(tmp).length === 0)).toBe(true);
      expect((await storage.bucket('plain').file('broken/half.bin').exists())[0]).toBe(false);
    });

    it('lists by prefix, lexicographically, across pages, with and without a delimiter', async () => {
      const names = ['list/b/2', 'list/a/1', 'list/a/3', 'list/c', 'list/a/2', 'list/b/1', 'listing-not-this'];
      for (const name of names) await storage.bucket('plain').file(name).save(name, { resumable: false });

      const seen: string[] = [];
      let pageToken: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const [files, next] = await storage
          .bucket('plain')
          .getFiles({ prefix: 'list/', maxResults: 2, autoPaginate: false, pageToken });
        expect(files.length).toBeLessThanOrEqual(2);
        seen.push(...files.map((f: File) => f.name));
        pageToken = (next as { pageToken?: string } | null)?.pageToken;
        if (!pageToken) break;
      }
      expect(seen).toEqual(['list/a/1', 'list/a/2', 'list/a/3', 'list/b/1', 'list/b/2', 'list/c']);

      const [top, , response] = await storage
        .bucket('plain')
        .getFiles({ prefix: 'list/', delimiter: '/', autoPaginate: false });
      expect(top.map((f: File) => f.name)).toEqual(['list/c']);
      expect((response as { prefixes?: string[] }).prefixes).toEqual(['list/a/', 'list/b/']);
    });

    it('deletes (204), then answers 404 for the object and for deleting it again', async () => {
      const file = storage.bucket('plain').file('delete/me.txt');
      await file.save('bye', { resumable: false });
      await file.delete();
      expect((await file.exists())[0]).toBe(false);
      expect(await codeOf(file.delete())).toBe(404);

      const res = await rawRequest(`${server.url}/storage/v1/b/plain/o/delete%2Fme.txt`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body.toString())).toEqual({
        error: {
          code: 404,
          message: 'No such object: plain/delete/me.txt',
          errors: [{ message: 'No such object: plain/delete/me.txt', domain: 'global', reason: 'notFound' }],
        },
      });
    });

    it('answers malformed uploads with GCS 400 errors', async () => {
      const upload = (query: string, headers: Record<string, string>, body: Buffer) =>
        rawRequest(`${server.url}/upload/storage/v1/b/plain/o?${query}`, { method: 'POST', headers, body });
      const cases = [
        await upload('name=a', {}, Buffer.from('x')),
        await upload('uploadType=media', {}, Buffer.from('x')),
        await upload('uploadType=resumable&name=a', { 'content-type': 'application/json' }, Buffer.from('{not json')),
        await upload('uploadType=multipart', { 'content-type': 'multipart/related' }, Buffer.from('x')),
        await upload('uploadType=resumable&name=a', { 'content-type': 'application/json' }, Buffer.alloc(2 * MB, 32)),
      ];
      for (const res of cases) {
        expect(res.status).toBe(400);
        expect(JSON.parse(res.body.toString()).error.errors[0]).toMatchObject({ domain: 'global' });
      }
    });

    it('refuses an overwrite under ifGenerationMatch: 0 with 412, and checks it on delete and get', async () => {
      const file = storage.bucket('plain').file('preconditions/once.txt');
      await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
      for (const resumable of [false, true]) {
        expect(await codeOf(file.save('second', { resumable, preconditionOpts: { ifGenerationMatch: 0 } }))).toBe(412);
      }
      expect((await file.download())[0].toString()).toBe('first');

      const [metadata] = await file.getMetadata();
      expect(await codeOf(file.getMetadata({ ifGenerationMatch: 1 }))).toBe(412);
      expect(await codeOf(file.delete({ ifGenerationMatch: 1 }))).toBe(412);
      await file.delete({ ifGenerationMatch: Number(metadata.generation) });

      const res = await rawRequest(
        `${server.url}/upload/storage/v1/b/plain/o?uploadType=media&name=x&ifGenerationMatch=0`,
        {
          method: 'POST',
          body: Buffer.from('a'),
        },
      );
      expect(res.status).toBe(200);
      const again = await rawRequest(
        `${server.url}/upload/storage/v1/b/plain/o?uploadType=media&name=x&ifGenerationMatch=0`,
        {
          method: 'POST',
          body: Buffer.from('b'),
        },
      );
      expect(again.status).toBe(412);
      expect(JSON.parse(again.body.toString()).error).toMatchObject({
        code: 412,
        errors: [expect.objectContaining({ reason: 'conditionNotMet', domain: 'global' })],
      });
    });

    it('stores names that look like paths out of the data folder safely', async () => {
      const names = ['../escape.txt', '../../etc/passwd', 'a/../../b', '%2e%2e/x', 'ünï ç😀de'];
      for (const name of names) await storage.bucket('plain').file(name).save(name, { resumable: false });
      for (const name of names) {
        expect((await storage.bucket('plain').file(name).download())[0].toString()).toBe(name);
      }
      for (const escaped of ['escape.txt', 'etc', 'b', 'x']) {
        expect(existsSync(join(dataDir, escaped))).toBe(false);
        expect(existsSync(join(dataDir, '..', escaped))).toBe(false);
      }
      // Inside the bucket folder every file is named by a hash (or a session id), never by the object name.
      const named = /^(bucket\.json|[0-9a-f]{64}\.(json|\d+)|[0-9a-f]{32}\.(json|bin))$/;
      expect(filesUnder(join(dataDir, 'plain')).filter((f) => !named.test(basename(f)))).toEqual([]);
      expect(readdirSync(dataDir).sort()).toEqual(['flaky', 'plain', 'unreachable', 'uploads']);
    });
  });

  describe('XML API with V4 signed URLs', () => {
    const putUrl = (name: string, extensionHeaders: Record<string, string>, contentType = 'image/png') =>
      storage
        .bucket('uploads')
        .file(name)
        .getSignedUrl({
          version: 'v4',
          action: 'write',
          expires: Date.now() + 15 * 60 * 1000,
          contentType,
          extensionHeaders,
        })
        .then(([url]) => url);
    const limits = { 'x-goog-content-length-range': '1,1048576', 'x-goog-if-generation-match': '0' };
    const signedHeaders = { 'content-type': 'image/png', ...limits };

    it('signs against the endpoint path-style, and a signed PUT writes and finalizes the object', async () => {
      const url = await putUrl('incoming/photo 1.png', limits);
      expect(url.startsWith(`${server.url}/uploads/incoming/photo%201.png?X-Goog-Algorithm=GOOG4-RSA-SHA256&`)).toBe(
        true,
      );
      const data = randomBytes(5000);
      const res = await rawRequest(url, { method: 'PUT', headers: signedHeaders, body: data });
      expect(res.status).toBe(200);
      expect(res.headers['x-goog-generation']).toMatch(/^\d+$/);
      const [metadata] = await storage.bucket('uploads').file('incoming/photo 1.png').getMetadata();
      expect(metadata).toMatchObject({ contentType: 'image/png', size: '5000', md5Hash: md5(data) });

      // Replaying the same URL to overwrite fails the signed precondition.
      const replay = await rawRequest(url, { method: 'PUT', headers: signedHeaders, body: randomBytes(10) });
      expect(replay.status).toBe(412);
      expect(xmlCode(replay.body)).toBe('PreconditionFailed');
      expect(replay.body.toString()).toMatch(/^<\?xml version='1.0' encoding='UTF-8'\?><Error><Code>/);
      expect(replay.headers['content-type']).toBe('application/xml; charset=UTF-8');
    });

    it('answers misuse of a signed PUT as GCS does', async () => {
      const url = await putUrl('incoming/misuse.png', limits);
      const put = (target: string, headers: Record<string, string>, body: Buffer = Buffer.from('x')) =>
        rawRequest(target, { method: 'PUT', headers, body });
      const stranger = new Storage({
        apiEndpoint: server.url,
        projectId: PROJECT,
        credentials: {
          client_email: `stranger@${PROJECT}.iam.gserviceaccount.com`,
          private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        },
      });
      const [strangerUrl] = await stranger
        .bucket('uploads')
        .file('incoming/misuse.png')
        .getSignedUrl({
          version: 'v4',
          action: 'write',
          expires: Date.now() + 60_000,
          contentType: 'image/png',
          extensionHeaders: limits,
        });
      const signature = new URL(url).searchParams.get('X-Goog-Signature') ?? '';
      const flipped = `${signature[0] === 'a' ? 'b' : 'a'}${signature.slice(1)}`;

      const cases: [string, Promise<{ status: number; body: Buffer }>, number, string][] = [
        ['another object', put(url.replace('misuse.png', 'other.png'), signedHeaders), 403, 'SignatureDoesNotMatch'],
        [
          'another content type',
          put(url, { ...signedHeaders, 'content-type': 'image/jpeg' }),
          403,
          'SignatureDoesNotMatch',
        ],
        [
          'a widened size range',
          put(url, { ...signedHeaders, 'x-goog-content-length-range': '1,99999999' }),
          403,
          'SignatureDoesNotMatch',
        ],
        [
          'a dropped precondition',
          put(url, { 'content-type': 'image/png', 'x-goog-content-length-range': '1,1048576' }),
          403,
          'SignatureDoesNotMatch',
        ],
        ['a tampered signature', put(url.replace(signature, flipped), signedHeaders), 403, 'SignatureDoesNotMatch'],
        [
          'a tampered query',
          put(url.replace(/X-Goog-Expires=\d+/, 'X-Goog-Expires=604800'), signedHeaders),
          403,
          'SignatureDoesNotMatch',
        ],
        ['an added query parameter', put(`${url}&generation=1`, signedHeaders), 403, 'SignatureDoesNotMatch'],
        ['a GET with the PUT URL', rawRequest(url), 403, 'SignatureDoesNotMatch'],
        ['a signer the server does not know', put(strangerUrl, signedHeaders), 403, 'SignatureDoesNotMatch'],
        ['no signature at all', put(url.split('?')[0] ?? '', signedHeaders), 403, 'AccessDenied'],
        ['a body over the range', put(url, signedHeaders, randomBytes(MB + 1)), 400, 'EntityTooLarge'],
        ['an empty body under the range', put(url, signedHeaders, Buffer.alloc(0)), 400, 'EntityTooSmall'],
      ];
      for (const [label, pending, status, code] of cases) {
        const res = await pending;
        expect({ label, status: res.status, code: xmlCode(res.body) }).toEqual({ label, status, code });
      }
      expect((await storage.bucket('uploads').file('incoming/misuse.png').exists())[0]).toBe(false);
      expect((await storage.bucket('uploads').file('incoming/other.png').exists())[0]).toBe(false);
    });

    it('stops a streamed body as soon as it passes the range, and keeps nothing of it', async () => {
      const url = await putUrl('incoming/streamed.png', limits);
      let produced = 0;
      const endless = new Readable({
        read() {
          produced += 64 * 1024;
          this.push(produced > 8 * MB ? null : randomBytes(64 * 1024));
        },
      });
      const res = await rawRequest(url, { method: 'PUT', headers: signedHeaders, body: endless });
      expect(res.status).toBe(400);
      expect(xmlCode(res.body)).toBe('EntityTooLarge');
      expect(res.body.toString()).toContain('<Details>Content-length exceeds upper bound on range</Details>');
      expect((await storage.bucket('uploads').file('incoming/streamed.png').exists())[0]).toBe(false);
      expect(filesUnder(join(dataDir, 'uploads', 'tmp'))).toEqual([]);
    });

    it('answers an expired URL with 400 ExpiredToken', async () => {
      const url = await putUrl('incoming/late.png', limits);
      clockSkewMs = 16 * 60 * 1000;
      const res = await rawRequest(url, { method: 'PUT', headers: signedHeaders, body: Buffer.from('late') });
      expect(res.status).toBe(400);
      expect(xmlCode(res.body)).toBe('ExpiredToken');
      expect(res.body.toString()).toMatch(/Request signature expired at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00/);
    });

    it('serves a signed GET with the signed response-content-disposition', async () => {
      const data = randomBytes(2048);
      const file = storage.bucket('uploads').file('results/cutout.png');
      await file.save(data, { resumable: false, contentType: 'image/png', metadata: { metadata: { owner: 'ada' } } });
      const [url] = await file.getSignedUrl({
        version: 'v4',
        action: 'read',
        expires: Date.now() + 60_000,
        responseDisposition: 'attachment; filename="cutout.png"',
      });
      const res = await rawRequest(url);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(data);
      expect(res.headers['content-disposition']).toBe('attachment; filename="cutout.png"');
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers['x-goog-meta-owner']).toBe('ada');

      const head = await rawRequest(url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe('2048');
      const other = await rawRequest(url.replace('disposition=attachment', 'disposition=inline'));
      expect(other.status).toBe(403);

      const [typedUrl] = await file.getSignedUrl({
        version: 'v4',
        action: 'read',
        expires: Date.now() + 60_000,
        responseType: 'application/octet-stream',
      });
      const typed = await rawRequest(typedUrl);
      expect(typed.headers['content-type']).toBe('application/octet-stream');
      expect(typed.body).toEqual(data);
    });

    it('answers CORS preflights from the bucket rules, and marks actual responses', async () => {
      const url = await putUrl('incoming/cors.png', limits);
      const preflight = (origin: string, method: string, headers = 'content-type,x-goog-content-length-range') =>
        rawRequest(url, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
        });

      const allowed = await preflight(ORIGIN, 'PUT');
      expect(allowed.status).toBe(200);
      expect(allowed.headers).toMatchObject({
        'access-control-allow-origin': ORIGIN,
        'access-control-allow-methods': 'PUT,GET',
        'access-control-allow-headers': 'content-type,x-goog-content-length-range',
        'access-control-max-age': '3600',
      });
      for (const denied of [
        await preflight('http://evil.example', 'PUT'),
        await preflight(ORIGIN, 'DELETE'),
        await preflight(ORIGIN, 'PUT', 'content-type,x-not-allowed'),
      ]) {
        expect(denied.headers['access-control-allow-origin']).toBeUndefined();
      }

      const actual = await rawRequest(url, {
        method: 'PUT',
        headers: { ...signedHeaders, origin: ORIGIN },
        body: Buffer.from('png'),
      });
      expect(actual.status).toBe(200);
      expect(actual.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(actual.headers.vary).toBe('Origin');
      expect(actual.headers['access-control-expose-headers']).toContain('Content-Type');
    });
  });

  describe('finalize events', () => {
    it('delivers a binary-mode CloudEvent that the Functions Framework parses into the object resource', async () => {
      const before = uploadsEvents.events.length;
      const file = storage.bucket('uploads').file('events/new photo.png');
      await file.save(randomBytes(321), {
        contentType: 'image/png',
        metadata: { metadata: { userId: 'u-1', imageId: 'i-1' } },
      });
      await server.idle();
      const events = uploadsEvents.events.slice(before);
      expect(events).toHaveLength(1);
      const [metadata] = await file.getMetadata();
      expect(events[0]).toMatchObject({
        specversion: '1.0',
        type: 'google.cloud.storage.object.v1.finalized',
        source: '//storage.googleapis.com/projects/_/buckets/uploads',
        subject: 'objects/events/new photo.png',
        id: expect.any(String),
        time: metadata.updated,
        data: {
          kind: 'storage#object',
          bucket: 'uploads',
          name: 'events/new photo.png',
          generation: metadata.generation,
          size: '321',
          contentType: 'image/png',
          metadata: { userId: 'u-1', imageId: 'i-1' },
        },
      });
      expect(events[0]?.data).toEqual(metadata);
    });

    it('retries a function that fails with 500 until it succeeds', async () => {
      const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await storage.bucket('flaky').file('retry.txt').save('again', { resumable: false });
        await server.idle();
      } finally {
        quiet.mockRestore();
      }
      expect(flakyEvents.events).toHaveLength(3);
      expect(new Set(flakyEvents.events.map((e) => e.id)).size).toBe(1);
      expect(flakyEvents.events.every((e) => (e.data as { name?: string }).name === 'retry.txt')).toBe(true);
    });

    it('gives up after the configured attempts with one JSON line on stderr', async () => {
      const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        await storage.bucket('unreachable').file('lost.txt').save('lost', { resumable: false });
        await server.idle();
        expect(logged).toHaveBeenCalledTimes(1);
        const line = JSON.parse(String(logged.mock.calls[0]?.[0]));
        expect(line).toMatchObject({ severity: 'ERROR', subject: 'objects/lost.txt', attempts: 3 });
      } finally {
        logged.mockRestore();
      }
    });

    it('sends nothing for a bucket without a target', async () => {
      const counts = [uploadsEvents.events.length, flakyEvents.events.length];
      await storage.bucket('plain').file('quiet.txt').save('quiet', { resumable: false });
      await server.idle();
      expect([uploadsEvents.events.length, flakyEvents.events.length]).toEqual(counts);
    });
  });

  it('keeps objects across a stop and a start on the same data folder', async () => {
    const data = randomBytes(4096);
    const file = storage.bucket('plain').file('persist/kept.bin');
    await file.save(data, { resumable: false, contentType: 'application/x-kept', metadata: { metadata: { k: 'v' } } });
    const [before] = await file.getMetadata();

    await server.stop();
    server = await startStorageServer(options);
    storage = clientFor(server.url);

    const [after] = await storage.bucket('plain').file('persist/kept.bin').getMetadata();
    expect(after).toMatchObject({
      generation: before.generation,
      contentType: 'application/x-kept',
      md5Hash: before.md5Hash,
      metadata: { k: 'v' },
    });
    const [downloaded] = await storage.bucket('plain').file('persist/kept.bin').download();
    expect(downloaded).toEqual(data);
    const [listed] = await storage.bucket('plain').getFiles({ prefix: 'persist/' });
    expect(listed.map((f: File) => f.name)).toEqual(['persist/kept.bin']);
  });
});
