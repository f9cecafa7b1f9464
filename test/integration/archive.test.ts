import { unzipSync } from 'fflate';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { settledImage, uploadTo } from '../support/cloud-uploads';

const SCENE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="180"><rect width="100%" height="100%" fill="#eee"/><circle cx="120" cy="90" r="55" fill="#a33"/></svg>';

describe('several images as one ZIP', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-archive-'));
  let cloud: LocalCloud;
  let auth: string;
  let other: string;
  const api = () => request(cloud.url);
  const token = async (name: string) =>
    `Bearer ${
      (
        await api()
          .post('/api/register')
          .send({ email: `${name}@example.com`, username: name, password: 'password-1' })
          .expect(201)
      ).body.token
    }`;
  const upload = async (as: string, filename: string, bytes?: Buffer) => {
    const id = await uploadTo(cloud.url, as, { filename, bytes });
    if (bytes) expect((await settledImage(cloud.url, as, id)).status).toBe('done');
    return id;
  };
  const zipOf = async (url: string) => {
    const res = await fetch(new URL(url, cloud.url));
    return { res, entries: res.ok ? unzipSync(new Uint8Array(await res.arrayBuffer())) : {} };
  };

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    auth = await token('zipper');
    other = await token('stranger');
  });
  afterAll(async () => {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('streams the done images as their edits render them, names made unique, others left out', async () => {
    const scene = await sharp(Buffer.from(SCENE_SVG)).png().toBuffer();
    const plain = await upload(auth, 'disc.png', scene);
    const edited = await upload(auth, 'disc.png', scene);
    await api()
      .patch(`/api/images/${edited}/edits`)
      .set('Authorization', auth)
      .send({ background: { type: 'color', color: 'ffffff' } })
      .expect(200);
    const pending = await upload(auth, 'later.png');
    const theirs = await upload(other, 'theirs.png', scene);
    const link = await api()
      .post('/api/archive')
      .set('Authorization', auth)
      .send({ ids: [plain, edited, pending, theirs, plain] })
      .expect(201);
    expect(link.body.url).toMatch(/^\/api\/archive\/[A-Za-z0-9_.-]+$/);
    const { res, entries } = await zipOf(link.body.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="cutouts-\d{4}-\d{2}-\d{2}\.zip"$/);
    expect(Object.keys(entries).sort()).toEqual(['disc-nobg (2).png', 'disc-nobg.png']);
    const first = await sharp(Buffer.from(entries['disc-nobg.png']!)).metadata();
    const second = await sharp(Buffer.from(entries['disc-nobg (2).png']!)).metadata();
    // The plain one keeps its transparency; the edited one is on white.
    expect([first.hasAlpha, second.hasAlpha]).toEqual([true, false]);
  });

  it('refuses a bad list, and a link that was altered', async () => {
    const bad = await api()
      .post('/api/archive')
      .set('Authorization', auth)
      .send({ ids: ['../etc'] })
      .expect(400);
    expect(bad.body.errors[0].field).toBe('ids');
    await api().post('/api/archive').set('Authorization', auth).send({ ids: [] }).expect(400);
    await api()
      .post('/api/archive')
      .send({ ids: ['AAAAAAAAAAAAAAAAAAAAAA'] })
      .expect(401);
    const link = await api()
      .post('/api/archive')
      .set('Authorization', auth)
      .send({ ids: ['AAAAAAAAAAAAAAAAAAAAAA'] })
      .expect(201);
    const altered = link.body.url.replace(/.$/, (c: string) => (c === 'A' ? 'B' : 'A'));
    const { res } = await zipOf(altered);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('REQUEST.NOT_FOUND');
  });
});
