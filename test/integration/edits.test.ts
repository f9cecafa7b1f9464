import { Storage } from '@google-cloud/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import { settledImage, uploadTo } from '../support/cloud-uploads';
import { createMariadbDatabase, databaseKinds } from '../support/environment';

/** A studio shot: a red disc (radius 90) centred on a teal backdrop, 480 × 360. */
const SCENE_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360"><rect width="100%" height="100%" fill="#2a8a7a"/><circle cx="240" cy="180" r="90" fill="#d02020"/></svg>';

const pixel = async (bytes: Buffer, x: number, y: number) => {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
};
const near = (actual: number[], expected: number[], tolerance = 24) =>
  expected.every((value, i) => Math.abs(actual[i]! - value) <= tolerance);

/** The box of pixels above half opacity in a grey mask. */
async function maskBox(bytes: Buffer) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  let [left, top, right, bottom] = [info.width, info.height, -1, -1];
  for (let y = 0; y < info.height; y += 1)
    for (let x = 0; x < info.width; x += 1)
      if (data[(y * info.width + x) * info.channels]! > 127) {
        [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
      }
  const { channels } = await sharp(bytes).metadata();
  return { left, top, width: right - left + 1, height: bottom - top + 1, channels };
}

describe.each(databaseKinds())('edits from one cutout, on %s', (kind) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cutout-edits-'));
  let cloud: LocalCloud;
  let drop: (() => Promise<void>) | undefined;
  let auth: string;
  let other: string;
  let id: string;
  let scene: Buffer;
  /** The remover's count of calls and credits once the cutout was made: edits must add none. */
  let paid: { calls: number; credits: number };

  const api = () => request(cloud.url);
  const fetchBytes = async (url: string) => {
    const response = await fetch(url);
    return {
      status: response.status,
      bytes: Buffer.from(await response.arrayBuffer()),
      type: response.headers.get('content-type'),
    };
  };
  const render = async (format?: string) => {
    const res = await api()
      .get(`/api/images/${id}/render${format ? `?format=${format}` : ''}`)
      .set('Authorization', auth)
      .expect(200);
    const file = await fetchBytes(res.body.render.url);
    expect(file.status).toBe(200);
    return { ...res.body.render, file: file.bytes };
  };
  const patch = (body: unknown, as = auth) =>
    api()
      .patch(`/api/images/${id}/edits`)
      .set('Authorization', as)
      .send(body as object);
  const image = async () => (await api().get(`/api/images/${id}`).set('Authorization', auth).expect(200)).body.image;
  const signUp = async (name: string) =>
    `Bearer ${
      (
        await api()
          .post('/api/register')
          .send({ email: `${name}-${kind}@example.com`, username: `${name}_${kind}`, password: 'password-1' })
          .expect(201)
      ).body.token
    }`;

  beforeAll(async () => {
    const mariadb = kind === 'mariadb' ? await createMariadbDatabase() : undefined;
    drop = mariadb?.drop;
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', ...(mariadb ? { DATABASE_URL: mariadb.url } : {}) },
    });
    auth = await signUp('editor');
    other = await signUp('stranger');
    scene = await sharp(Buffer.from(SCENE_SVG)).png().toBuffer();
    id = await uploadTo(cloud.url, auth, { filename: 'disc.png', bytes: scene, options: { bgColor: '00ff00' } });
    expect((await settledImage(cloud.url, auth, id)).status).toBe('done');
    paid = { calls: cloud.removeBg!.calls(), credits: cloud.removeBg!.credits() };
  });
  afterAll(async () => {
    await cloud.stop();
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks the remover once, for the transparent cutout; the upload colour becomes an edit', async () => {
    const shown = await image();
    expect(shown).toMatchObject({
      status: 'done',
      touchedUp: false,
      edits: { background: { type: 'color', color: '00ff00' }, crop: false },
    });
    expect(paid).toEqual({ calls: 1, credits: 1 });
    const cutout = await fetchBytes(shown.resultUrl);
    expect((await sharp(cutout.bytes).metadata()).hasAlpha).toBe(true);
    expect((await pixel(cutout.bytes, 5, 5))[3]).toBeLessThan(20);
  });

  it('renders the saved edits, stores the render and answers a repeat with the same stored object', async () => {
    const first = await render('jpg');
    expect(first).toMatchObject({ format: 'jpg', contentType: 'image/jpeg', width: 480, height: 360 });
    expect((await sharp(first.file).metadata()).format).toBe('jpeg');
    expect(near(await pixel(first.file, 5, 5), [0, 255, 0])).toBe(true);
    expect(near(await pixel(first.file, 240, 180), [208, 32, 32])).toBe(true);
    // Saving the same settings again is no change: the render stays.
    await patch({ background: { type: 'color', color: '00FF00' }, crop: false }).expect(200);
    const again = await render('jpg');
    expect(new URL(again.url).pathname).toBe(new URL(first.url).pathname);
    expect(again.file.equals(first.file)).toBe(true);
    const res = await fetch(first.url);
    expect(res.headers.get('content-disposition')).toContain('disc-nobg.jpg');
  });

  it('crops to the subject with a margin, on a new colour, and deletes the renders of the old settings', async () => {
    const old = await render('jpg');
    const saved = await patch({
      background: { type: 'color', color: '#0000FF' },
      crop: true,
      cropMargin: '10%',
    }).expect(200);
    expect(saved.body.image.edits).toMatchObject({
      background: { type: 'color', color: '0000ff' },
      crop: true,
      cropMargin: '10%',
    });
    expect((await fetchBytes(old.url)).status).toBe(404);
    const cropped = await render('jpg');
    // The disc is 180 px across; 10% of it on every side.
    expect(Math.abs(cropped.width - 216)).toBeLessThanOrEqual(6);
    expect(Math.abs(cropped.height - 216)).toBeLessThanOrEqual(6);
    expect(near(await pixel(cropped.file, 2, 2), [0, 0, 255])).toBe(true);
  });

  it('scales and centres the subject, resizes the output, and gives masks and WebP', async () => {
    await patch({ crop: false, scale: '50%', position: 'center', size: 240 }).expect(200);
    const mask = await render('mask');
    expect(mask).toMatchObject({ width: 240, height: 180, contentType: 'image/png' });
    const box = await maskBox(mask.file);
    expect(box.channels).toBe(1);
    // Half the canvas's height, centred, at half the output's scale.
    expect(Math.abs(box.height - 90)).toBeLessThanOrEqual(4);
    expect(Math.abs(box.left + box.width / 2 - 120)).toBeLessThanOrEqual(3);
    expect(Math.abs(box.top + box.height / 2 - 90)).toBeLessThanOrEqual(3);
    const webp = await render('webp');
    expect((await sharp(webp.file).metadata()).format).toBe('webp');
  });

  it('blurs the original photo behind the subject, or lays it over an uploaded background', async () => {
    await patch({
      scale: 'original',
      position: 'original',
      size: 'full',
      background: { type: 'blur', radius: 6 },
    }).expect(200);
    const blurred = await render('jpg');
    expect(near(await pixel(blurred.file, 10, 10), [0x2a, 0x8a, 0x7a])).toBe(true);
    const yellow = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ffd500' } })
      .jpeg()
      .toBuffer();
    const put = await api()
      .put(`/api/images/${id}/background`)
      .set('Authorization', auth)
      .set('Content-Type', 'image/jpeg')
      .send(yellow)
      .expect(200);
    expect(put.body.image.edits.background).toEqual({ type: 'image' });
    expect((await fetchBytes(put.body.image.backgroundUrl)).status).toBe(200);
    const onYellow = await render('png');
    // Opaque all over: a PNG without an alpha channel.
    expect(await pixel(onYellow.file, 5, 5)).toHaveLength(3);
    expect(near(await pixel(onYellow.file, 5, 5), [255, 213, 0])).toBe(true);
    expect(near(await pixel(onYellow.file, 240, 180), [208, 32, 32])).toBe(true);
  });

  it("refuses a background that is not an image, and another user's image", async () => {
    const text = await api()
      .put(`/api/images/${id}/background`)
      .set('Authorization', auth)
      .set('Content-Type', 'image/png')
      .send(Buffer.from('not a picture at all'))
      .expect(415);
    expect(text.body.code).toBe('UPLOAD.UNSUPPORTED_TYPE');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await api()
      .put(`/api/images/${id}/background`)
      .set('Authorization', other)
      .set('Content-Type', 'image/png')
      .send(png)
      .expect(404);
    await api().get(`/api/images/${id}/render`).set('Authorization', other).expect(404);
    await patch({ crop: true }, other).expect(404);
  });

  it('uses a touch-up mask in every render, restoring the photo where it shows more than the model', async () => {
    await patch({ background: { type: 'transparent' } }).expect(200);
    // Keep the right half whole (backdrop included), erase the left half (disc included).
    const half = Buffer.alloc(480 * 360);
    for (let y = 0; y < 360; y += 1) half.fill(255, y * 480 + 240, (y + 1) * 480);
    const maskPng = await sharp(half, { raw: { width: 480, height: 360, channels: 1 } })
      .png()
      .toBuffer();
    const put = await api()
      .put(`/api/images/${id}/mask`)
      .set('Authorization', auth)
      .set('Content-Type', 'image/png')
      .send(maskPng)
      .expect(200);
    expect(put.body.image).toMatchObject({ touchedUp: true, maskUrl: expect.any(String) });
    const touched = await render('png');
    expect((await pixel(touched.file, 200, 180))[3]).toBe(0);
    expect(near(await pixel(touched.file, 470, 10), [0x2a, 0x8a, 0x7a, 255])).toBe(true);
    const reset = await api().delete(`/api/images/${id}/mask`).set('Authorization', auth).expect(200);
    expect(reset.body.image.touchedUp).toBe(false);
    const model = await render('png');
    expect((await pixel(model.file, 200, 180))[3]).toBeGreaterThan(200);
    expect((await pixel(model.file, 470, 10))[3]).toBeLessThan(20);
  });

  it('refuses a mask of the wrong size or type, changing nothing', async () => {
    const small = await sharp(Buffer.alloc(100, 255), { raw: { width: 10, height: 10, channels: 1 } })
      .png()
      .toBuffer();
    const wrong = await api()
      .put(`/api/images/${id}/mask`)
      .set('Authorization', auth)
      .set('Content-Type', 'image/png')
      .send(small)
      .expect(400);
    expect(wrong.body.errors).toEqual([{ field: 'mask', message: "must be 480 × 360 px, the cutout's size" }]);
    const jpeg = await sharp({ create: { width: 480, height: 360, channels: 3, background: '#fff' } })
      .jpeg()
      .toBuffer();
    await api()
      .put(`/api/images/${id}/mask`)
      .set('Authorization', auth)
      .set('Content-Type', 'image/png')
      .send(jpeg)
      .expect(415);
    expect((await image()).touchedUp).toBe(false);
  });

  it('reports every bad field at once and saves none of them', async () => {
    const before = (await image()).edits;
    const res = await patch({
      background: { type: 'color', color: 'red' },
      cropMargin: '60%',
      scale: '5%',
      position: 'left',
      size: 3,
      quality: 0,
      format: 'gif',
    }).expect(400);
    expect(res.body.code).toBe('REQUEST.VALIDATION');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
      ['background.color', 'cropMargin', 'format', 'position', 'quality', 'scale', 'size'].sort(),
    );
    await api().get(`/api/images/${id}/render?format=gif`).set('Authorization', auth).expect(400);
    await api().put(`/api/images/${id}/edits`).set('Authorization', auth).send({}).expect(405);
    expect((await image()).edits).toEqual(before);
  });

  it('refuses to edit an image that has no cutout yet', async () => {
    const pending = await api()
      .post('/api/upload')
      .set('Authorization', auth)
      .send({ filename: 'later.png', contentType: 'image/png', size: 100 })
      .expect(201);
    const res = await api()
      .patch(`/api/images/${pending.body.image.id}/edits`)
      .set('Authorization', auth)
      .send({ crop: true })
      .expect(409);
    expect(res.body.code).toBe('IMAGE.NOT_READY');
  });

  it('never paid the remover again, and deleting the image leaves no object behind', async () => {
    expect({ calls: cloud.removeBg!.calls(), credits: cloud.removeBg!.credits() }).toEqual(paid);
    const storage = new Storage({ apiEndpoint: cloud.storage.url, projectId: 'demo-cutout' });
    const objects = async () =>
      (
        await Promise.all(
          ['cutout-uploads', 'cutout-results'].map(async (name) => (await storage.bucket(name).getFiles())[0]),
        )
      )
        .flat()
        .map((file) => file.name)
        .filter((name) => name.includes(id));
    expect((await objects()).length).toBeGreaterThan(3);
    await api().delete(`/api/delete/${id}`).set('Authorization', auth).expect(204);
    expect(await objects()).toEqual([]);
  });
});
