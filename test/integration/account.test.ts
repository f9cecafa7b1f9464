import { Storage } from '@google-cloud/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { appDeps } from '../../functions/src/deps';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { uploadTo, settledImage } from '../support/cloud-uploads';
import { createMariadbDatabase, databaseKinds } from '../support/environment';

describe.each(databaseKinds())('the account API, on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-account-'));
  let cloud: LocalCloud;
  let drop: (() => Promise<void>) | undefined;
  const api = () => request(cloud.url);
  const bearer = (token: string) => `Bearer ${token}`;
  const register = async (name: string) =>
    (
      await api()
        .post('/api/register')
        .send({ email: `${name}-${kind}@example.com`, username: `${name}_${kind}`, password: 'password-1' })
        .expect(201)
    ).body as { token: string; user: { id: string; username: string } };
  const login = (name: string, password: string) =>
    api()
      .post('/api/login')
      .send({ email: `${name}_${kind}`, password });
  const gallery = (token: string) => api().get('/api/images').set('Authorization', bearer(token));

  beforeAll(async () => {
    const mariadb = kind === 'mariadb' ? await createMariadbDatabase() : undefined;
    drop = mariadb?.drop;
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', ...(mariadb ? { DATABASE_URL: mariadb.url } : {}) },
    });
  });
  afterAll(async () => {
    await cloud.stop();
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says who is signed in, and answers other paths and methods with problems', async () => {
    const { token, user } = await register('who');
    const me = await api().get('/api/account').set('Authorization', bearer(token)).expect(200);
    expect(me.body.user).toEqual({
      id: user.id,
      email: `who-${kind}@example.com`,
      username: `who_${kind}`,
      createdAt: expect.any(String),
    });
    const lost = await api().get('/api/account/elsewhere').set('Authorization', bearer(token)).expect(404);
    expect(lost.body.code).toBe('REQUEST.NOT_FOUND');
    const wrong = await api().post('/api/account/sessions').set('Authorization', bearer(token)).expect(405);
    expect(wrong.headers.allow).toBe('DELETE');
    await api().get('/api/account').expect(401);
  });

  it('changes the password, ending every earlier session', async () => {
    const { token } = await register('changer');
    const other = (await login('changer', 'password-1').expect(200)).body.token as string;
    const change = (body: object) => api().post('/api/account/password').set('Authorization', bearer(token)).send(body);
    const wrong = await change({ currentPassword: 'not-it-at-all', newPassword: 'password-2' }).expect(401);
    expect(wrong.body.code).toBe('AUTH.INVALID_CREDENTIALS');
    const short = await change({ currentPassword: 'password-1', newPassword: 'short' }).expect(400);
    expect(short.body.errors.map((e: { field: string }) => e.field)).toEqual(['newPassword']);
    await gallery(token).expect(200);
    const changed = await change({ currentPassword: 'password-1', newPassword: 'password-2' }).expect(200);
    await gallery(changed.body.token).expect(200);
    await gallery(token).expect(401);
    await gallery(other).expect(401);
    await login('changer', 'password-1').expect(401);
    await login('changer', 'password-2').expect(200);
  });

  it('signs out everywhere', async () => {
    const { token } = await register('leaver');
    const other = (await login('leaver', 'password-1').expect(200)).body.token as string;
    await api().delete('/api/account/sessions').set('Authorization', bearer(token)).expect(204);
    await gallery(token).expect(401);
    await gallery(other).expect(401);
    await gallery((await login('leaver', 'password-1').expect(200)).body.token).expect(200);
  });

  it('deletes the account with every image, object and row, once the username is typed again', async () => {
    const { token, user } = await register('goner');
    const scene = await sharp({ create: { width: 160, height: 120, channels: 3, background: '#ddd' } })
      .composite([
        {
          input: Buffer.from('<svg width="60" height="60"><circle cx="30" cy="30" r="28" fill="#a22"/></svg>'),
          left: 50,
          top: 30,
        },
      ])
      .png()
      .toBuffer();
    const id = await uploadTo(cloud.url, bearer(token), { filename: 'x.png', bytes: scene });
    expect((await settledImage(cloud.url, bearer(token), id)).status).toBe('done');
    const storage = new Storage({ apiEndpoint: cloud.storage.url, projectId: 'demo-cutout' });
    const objects = async () =>
      (
        await Promise.all(
          ['cutout-uploads', 'cutout-results'].map(
            async (b) => (await storage.bucket(b).getFiles({ prefix: `u/${user.id}/` }))[0],
          ),
        )
      )
        .flat()
        .map((file) => file.name);
    expect((await objects()).length).toBeGreaterThanOrEqual(3);
    const remove = (body: object) => api().delete('/api/account').set('Authorization', bearer(token)).send(body);
    const typo = await remove({ username: 'someone_else', password: 'password-1' }).expect(400);
    expect(typo.body.errors[0].field).toBe('username');
    await remove({ username: user.username, password: 'wrong-wrong' }).expect(401);
    await gallery(token).expect(200);
    await remove({ username: ` ${user.username.toUpperCase()} `, password: 'password-1' }).expect(204);
    await gallery(token).expect(401);
    await login('goner', 'password-1').expect(401);
    expect(await objects()).toEqual([]);
    const deps = appDeps();
    expect(await (await deps.images()).findById(id)).toBeUndefined();
    expect(await (await deps.users()).findById(user.id)).toBeUndefined();
  });
});
