import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import sharp from 'sharp';

const DISC_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="300"><rect width="100%" height="100%" fill="#fff"/><circle cx="200" cy="150" r="90" fill="#258"/></svg>';

/** A raw GET, so that the path reaches the server exactly as written (no client-side normalising). */
const rawGet = (url: string, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(url);
    httpRequest({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });

describe('the local cloud (npm start)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-local-'));
  let cloud: LocalCloud;
  const start = () =>
    startLocalCloud({ port: 0, host: '127.0.0.1', dataDir, env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' } });

  beforeAll(async () => {
    cloud = await start();
  });
  afterAll(async () => {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the page with the headers from firebase.json, and falls back to it for app routes', async () => {
    const page = await request(cloud.url).get('/').expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.text).toContain('<title>Cutout');
    const route = await request(cloud.url).get('/gallery/some-image').expect(200);
    expect(route.text).toBe(page.text);
  });

  it('never serves a file outside the public folder', async () => {
    for (const path of [
      '/../package.json',
      '/%2e%2e/package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e%2f.data/token-signing-key',
    ]) {
      const res = await rawGet(cloud.url, path);
      expect(res.body).not.toContain('"devDependencies"');
      expect(res.body).not.toMatch(/^[A-Za-z0-9_-]{64}\n$/);
    }
  });

  it('routes /api/<fn> and below to the function, as the rewrites say', async () => {
    const account = { email: 'local@example.com', username: 'local', password: 'password-1' };
    const registered = await request(cloud.url).post('/api/register').send(account).expect(201);
    expect(registered.body.user.username).toBe('local');
    await request(cloud.url).post('/api/login/').send({ email: 'local', password: 'password-1' }).expect(200);
    const wrong = await request(cloud.url)
      .post('/api/login')
      .send({ email: 'local', password: 'nope-nope' })
      .expect(401);
    expect(wrong.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(cloud.url).post('/api/unknown').send({}).expect(404);
  });

  it('takes an upload end to end: signed URL with CORS for the page, PUT, and the multipart path', async () => {
    const { body } = await request(cloud.url)
      .post('/api/login')
      .send({ email: 'local', password: 'password-1' })
      .expect(200);
    const auth = `Bearer ${body.token}`;
    const bytes = await sharp(Buffer.from(DISC_SVG)).png().toBuffer();
    const issued = await request(cloud.url)
      .post('/api/upload')
      .set('Authorization', auth)
      .send({ filename: 'disc.png', contentType: 'image/png', size: bytes.length })
      .expect(201);
    const { url, headers } = issued.body.upload;
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: cloud.url,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': Object.keys(headers).join(','),
      },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(cloud.url);
    const put = await fetch(url, { method: 'PUT', headers: { ...headers, Origin: cloud.url }, body: bytes });
    expect(put.status).toBe(200);
    expect(put.headers.get('access-control-allow-origin')).toBe(cloud.url);
    const foreign = await fetch(url, {
      method: 'OPTIONS',
      headers: { Origin: 'http://evil.example', 'Access-Control-Request-Method': 'PUT' },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();

    // The finalize event reaches processUpload, which cuts the subject out with the local remove.bg.
    const id = issued.body.image.id;
    await cloud.storage.idle();
    const shown = await request(cloud.url).get(`/api/images/${id}`).set('Authorization', auth).expect(200);
    expect(shown.body.image).toMatchObject({ id, status: 'done', width: 400, height: 300 });
    const cutout = await fetch(shown.body.image.resultUrl);
    expect(cutout.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await cutout.arrayBuffer())).metadata()).toMatchObject({
      width: 400,
      height: 300,
      hasAlpha: true,
    });

    const received = await request(cloud.url)
      .post('/api/upload')
      .set('Authorization', auth)
      .attach('image_file', bytes, 'dog.png')
      .expect(202);
    expect(received.body.image).toMatchObject({ status: 'queued', bytes: bytes.length, contentType: 'image/png' });
    await cloud.storage.idle(); // let its processing finish before the next test stops the cloud
  });

  it('keeps accounts and the signing key across a restart; the key file is private', async () => {
    const before = await request(cloud.url)
      .post('/api/login')
      .send({ email: 'local', password: 'password-1' })
      .expect(200);
    await cloud.stop();
    cloud = await start();
    const after = await request(cloud.url)
      .post('/api/login')
      .send({ email: 'local', password: 'password-1' })
      .expect(200);
    expect(after.body.user.id).toBe(before.body.user.id);
    expect(after.body.token.split('.')[0]).toBe(before.body.token.split('.')[0]); // same kid: same key
    expect(statSync(join(dataDir, 'token-signing-key')).mode & 0o777).toBe(0o600);
  });
});
