import { Storage } from '@google-cloud/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { appDeps } from '../../functions/src/deps';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { settledImage, uploadTo } from '../support/cloud-uploads';

const SCENE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#eee"/><circle cx="160" cy="120" r="70" fill="#1d5fa0"/></svg>';

describe('retrying a failed image from its stored original', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-retry-'));
  let cloud: LocalCloud;
  let auth: string;
  let userId: string;
  let scene: Buffer;
  const api = () => request(cloud.url);
  const settled = (id: string) => settledImage(cloud.url, auth, id);
  const upload = (bytes: Buffer) => uploadTo(cloud.url, auth, { filename: 'disc.png', bytes });
  const retry = (id: string, as = auth) => api().post(`/api/images/${id}/retry`).set('Authorization', as);
  const uploadsObjects = async () =>
    (
      await new Storage({ apiEndpoint: cloud.storage.url, projectId: 'demo-cutout' })
        .bucket('cutout-uploads')
        .getFiles()
    )[0].map((file) => file.name);

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', REMOVE_BG_MAX_ATTEMPTS: '1' },
    });
    const res = await api()
      .post('/api/register')
      .send({ email: 'retry@example.com', username: 'retrier', password: 'password-1' })
      .expect(201);
    auth = `Bearer ${res.body.token}`;
    userId = res.body.user.id;
    scene = await sharp(Buffer.from(SCENE_SVG)).png().toBuffer();
  });
  afterAll(async () => {
    await cloud.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('processes again after the remover refused, without an upload, paying once', async () => {
    const remover = cloud.removeBg!;
    remover.inject({ status: 402 });
    const id = await upload(scene);
    const failed = await settled(id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'REMOVER.OUT_OF_CREDITS' } });
    const before = { calls: remover.calls(), credits: remover.credits() };
    const res = await retry(id).expect(202);
    expect(res.body.image).toMatchObject({ id, status: 'queued' });
    expect(res.body.image).not.toHaveProperty('error');
    const done = await settled(id);
    expect(done.status).toBe('done');
    expect({ calls: remover.calls() - before.calls, credits: remover.credits() - before.credits }).toEqual({
      calls: 1,
      credits: 1,
    });
    // The marker that started it is gone; the original stays.
    expect((await uploadsObjects()).filter((name) => name.includes(id))).toEqual([`u/${userId}/${id}/original`]);
  });

  it('reuses a cutout an earlier attempt stored: no remover call at all', async () => {
    const id = await upload(scene);
    expect((await settled(id)).status).toBe('done');
    // As if processing had failed after the cutout was stored (a database outage, say).
    const deps = appDeps();
    await (await deps.images()).markFailed(id, { code: 'IMAGE.UNREADABLE', message: 'simulated' }, new Date());
    await (await deps.jobs()).finish(id, 'failed', new Date());
    const calls = cloud.removeBg!.calls();
    await retry(id).expect(202);
    expect((await settled(id)).status).toBe('done');
    expect(cloud.removeBg!.calls()).toBe(calls);
  });

  it("refuses what cannot be retried, and another user's image", async () => {
    const id = await upload(scene);
    await settled(id);
    const done = await retry(id).expect(409);
    expect(done.body.code).toBe('IMAGE.NOT_RETRYABLE');
    const neverId = await uploadTo(cloud.url, auth, { filename: 'never.png' });
    await (await appDeps().images()).markFailed(neverId, { code: 'IMAGE.EXPIRED', message: 'gone' }, new Date());
    const missing = await retry(neverId).expect(409);
    expect(missing.body.detail).toContain('upload the image again');
    const other = await api()
      .post('/api/register')
      .send({ email: 'other@example.com', username: 'other_one', password: 'password-1' })
      .expect(201);
    await retry(id, `Bearer ${other.body.token}`).expect(404);
  });
});
