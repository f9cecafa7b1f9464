import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { startRemoveBgServer, type RunningRemoveBg } from '../../local/removebg/removebg-server';
import { BLANKS, SCENES } from '../support/scenes';
import { pixelAt, pixelsOf, scenePng } from '../support/scenes-images';

const KEY = 'test-key-for-the-local-remove-bg';

interface ErrorBody {
  errors: { title: string; code?: string; detail?: string }[];
}

describe('local remove.bg endpoint', () => {
  let server: RunningRemoveBg;
  let endpoint: string;
  let studio: Buffer;
  let blank: Buffer;
  /** A loopback server that image_url can name: /scene.png, /moved (a redirect), anything else 404. */
  let images: Server;
  let imagesUrl: string;

  beforeAll(async () => {
    server = await startRemoveBgServer({ apiKey: KEY });
    endpoint = `${server.url}/v1.0/removebg`;
    studio = (await scenePng()).png;
    blank = (await scenePng(BLANKS[0])).png;
    images = createServer((req, res) => {
      if (req.url === '/scene.png') res.writeHead(200, { 'Content-Type': 'image/png' }).end(studio);
      else if (req.url === '/moved') res.writeHead(302, { Location: '/scene.png' }).end();
      else res.writeHead(404).end();
    });
    await new Promise<void>((ready) => images.listen(0, '127.0.0.1', ready));
    imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server.stop();
    await new Promise((done) => images.close(done));
  });
  afterEach(() => server.clearFaults());

  const form = (fields: Record<string, string | Buffer>): FormData => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) {
      if (typeof value === 'string') data.set(name, value);
      else data.set(name, new Blob([value]), 'photo.png');
    }
    return data;
  };
  const post = (body: FormData | URLSearchParams | string, headers: Record<string, string> = {}) =>
    fetch(endpoint, { method: 'POST', headers: { 'X-Api-Key': KEY, ...headers }, body });
  const errorOf = async (response: Response) => ({
    status: response.status,
    type: response.headers.get('content-type'),
    body: (await response.json()) as ErrorBody,
  });
  const imageOf = async (response: Response) => Buffer.from(await response.arrayBuffer());

  it('answers a multipart image_file with a PNG cutout and remove.bg’s headers', async () => {
    const response = await post(form({ image_file: studio, type: 'product' }));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    const headers = Object.fromEntries(
      ['x-width', 'x-height', 'x-type', 'x-credits-charged', 'x-foreground-left', 'x-foreground-top'].map((name) => [
        name,
        response.headers.get(name),
      ]),
    );
    // SCENES[0]: a disc of radius 90 at (200, 150) on 400×300; the default size is preview.
    expect(headers).toEqual({
      'x-width': '400',
      'x-height': '300',
      'x-type': 'product',
      'x-credits-charged': '0.25',
      'x-foreground-left': '110',
      'x-foreground-top': '60',
    });
    expect(response.headers.get('x-foreground-width')).toBe('180');
    const image = await imageOf(response);
    expect(await sharp(image).metadata()).toMatchObject({ format: 'png', width: 400, height: 300, hasAlpha: true });
    const pixels = await pixelsOf(image);
    expect(pixelAt(pixels, 5, 5)[3]).toBe(0);
    expect(pixelAt(pixels, 200, 150)[3]).toBe(255);
  });

  it('reports X-Type "other" when left to detect the type, and none with type_level=none', async () => {
    const detected = await post(form({ image_file: studio }));
    expect(detected.headers.get('x-type')).toBe('other');
    const none = await post(form({ image_file: studio, type_level: 'none' }));
    expect(none.status).toBe(200);
    expect(none.headers.get('x-type')).toBeNull();
  });

  it('takes image_file_b64 as a urlencoded or JSON body', async () => {
    const b64 = studio.toString('base64');
    const urlencoded = await post(new URLSearchParams({ image_file_b64: b64, size: 'full' }));
    expect(urlencoded.status).toBe(200);
    expect(urlencoded.headers.get('x-credits-charged')).toBe('1');
    const json = await post(JSON.stringify({ image_file_b64: b64, crop: true }), {
      'Content-Type': 'application/json',
    });
    expect(json.status).toBe(200);
    expect([json.headers.get('x-width'), json.headers.get('x-height')]).toEqual(['180', '180']);
  });

  it('answers JSON with result_b64 to a client that asks for JSON', async () => {
    const response = await post(form({ image_file: studio }), { Accept: 'application/json' });
    expect(response.headers.get('content-type')).toBe('application/json');
    const body = (await response.json()) as { data: { result_b64: string; foreground_type: string } };
    expect(body.data.foreground_type).toBe('other');
    expect((await sharp(Buffer.from(body.data.result_b64, 'base64')).metadata()).format).toBe('png');
  });

  it('fetches image_url from a loopback server, following a redirect', async () => {
    for (const path of ['/scene.png', '/moved']) {
      const response = await post(form({ image_url: `${imagesUrl}${path}` }));
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('x-width')).toBe('400');
    }
    const missing = await errorOf(await post(form({ image_url: `${imagesUrl}/nothing.png` })));
    expect(missing).toMatchObject({ status: 400, body: { errors: [{ code: 'failed_image_download' }] } });
  });

  it('refuses an image_url on any host but loopback, without fetching it', async () => {
    for (const url of [
      'http://example.com/photo.jpg',
      'http://192.0.2.1/photo.jpg',
      'http://10.0.0.1:80/photo.jpg',
      'http://127.0.0.1.nip.io/photo.jpg',
      'ftp://127.0.0.1/photo.jpg',
      'not a url',
    ]) {
      const refused = await errorOf(await post(form({ image_url: url })));
      expect({ url, ...refused }).toMatchObject({
        url,
        status: 400,
        body: { errors: [{ code: 'invalid_image_url' }] },
      });
    }
  });

  it('puts the subject on bg_color: opaque, that colour where the backdrop was', async () => {
    const png = await post(form({ image_file: studio, bg_color: '81d4fa', format: 'png' }));
    const pixels = await pixelsOf(await imageOf(png));
    expect(pixelAt(pixels, 5, 5)).toEqual([0x81, 0xd4, 0xfa, 255]);
    expect(pixelAt(pixels, 200, 150)).toEqual([...renderedCentre(), 255]);
    expect(pixels.data.every((value, i) => i % 4 !== 3 || value === 255)).toBe(true);
    // format=auto goes to JPEG when nothing is transparent, as remove.bg does; names work too.
    const auto = await post(form({ image_file: studio, bg_color: 'green' }));
    expect(auto.headers.get('content-type')).toBe('image/jpeg');
    const named = await pixelsOf(await imageOf(auto));
    expect(pixelAt(named, 5, 5).map((c, i) => Math.abs(c - [0, 128, 0, 255][i]!) <= 3)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  /** The scene's colour at its centre: the shading at mid-height of the disc. */
  const renderedCentre = () => {
    const [top, bottom] = SCENES[0]!.fill;
    const t = (150 - 60) / (239 - 60);
    return [0, 1, 2].map((k) => Math.round(top[k]! + (bottom[k]! - top[k]!) * t));
  };

  it('downsizes for size=preview (¼ credit) and keeps full size for size=full (1 credit)', async () => {
    const big = await sharp(studio).resize(1000, 750).png().toBuffer();
    const preview = await post(form({ image_file: big, size: 'preview' }));
    const [w, h] = [Number(preview.headers.get('x-width')), Number(preview.headers.get('x-height'))];
    expect(w * h).toBeLessThanOrEqual(250_000);
    expect([w, h]).toEqual([577, 433]);
    expect(preview.headers.get('x-credits-charged')).toBe('0.25');
    expect(await sharp(await imageOf(preview)).metadata()).toMatchObject({ width: w, height: h });
    const full = await post(form({ image_file: big, size: 'full' }));
    expect([full.headers.get('x-width'), full.headers.get('x-height'), full.headers.get('x-credits-charged')]).toEqual([
      '1000',
      '750',
      '1',
    ]);
  });

  it('answers JPEG for format=jpg', async () => {
    const response = await post(form({ image_file: studio, format: 'jpg' }));
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    const image = await imageOf(response);
    expect(image.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(await sharp(image).metadata()).toMatchObject({ format: 'jpeg', hasAlpha: false, width: 400 });
  });

  it('crops to the subject with crop=true', async () => {
    const response = await post(form({ image_file: studio, crop: 'true' }));
    expect([response.headers.get('x-width'), response.headers.get('x-height')]).toEqual(['180', '180']);
    expect(response.headers.get('x-foreground-left')).toBe('0');
    expect(await sharp(await imageOf(response)).metadata()).toMatchObject({ width: 180, height: 180 });
  });

  it('returns an upright result for an EXIF-rotated JPEG', async () => {
    // Stored landscape 400×300 with orientation 6 (rotate 90° clockwise to view): portrait 300×400.
    const stored = await scenePng(SCENES.find((s) => s.name === 'rectangle touching the right border on a sweep'));
    const jpeg = await sharp(stored.png).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const response = await post(form({ image_file: jpeg }));
    expect(response.status).toBe(200);
    expect([response.headers.get('x-width'), response.headers.get('x-height')]).toEqual(['300', '400']);
    // The subject ran off the right edge, x 230…399 and y 60…229; upright it runs off the bottom.
    const box = ['left', 'top', 'width', 'height'].map((side) => Number(response.headers.get(`x-foreground-${side}`)));
    const expected = [300 - 230, 230, 170, 170];
    box.forEach((value, i) => expect(Math.abs(value - expected[i]!)).toBeLessThanOrEqual(2));
    expect(await sharp(await imageOf(response)).metadata()).toMatchObject({ width: 300, height: 400 });
  });

  describe('inputs of every kind the model must take', () => {
    /** The studio scene: a blue disc of radius 90 at (200, 150) on near-white, 400×300. */
    const inDisc = (x: number, y: number) => Math.hypot(x - 200, y - 150) < 80;

    it.each([
      ['a grey-scale JPEG', () => sharp(studio).greyscale().jpeg({ quality: 95 }).toBuffer()],
      ['a CMYK JPEG', () => sharp(studio).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer()],
      ['a 16-bit PNG', () => sharp(studio).toColourspace('rgb16').png().toBuffer()],
      ['a WebP', () => sharp(studio).webp({ quality: 95 }).toBuffer()],
    ])('cuts out %s like the same photo in RGB', async (_name, make) => {
      const response = await post(form({ image_file: await make(), size: 'full' }));
      expect(response.status).toBe(200);
      const result = await pixelsOf(await imageOf(response));
      expect([result.width, result.height]).toEqual([400, 300]);
      expect(pixelAt(result, 200, 150)[3]).toBe(255);
      expect(pixelAt(result, 20, 20)[3]).toBe(0);
      for (const [x, y] of [
        [200, 75],
        [130, 150],
        [270, 150],
      ] as const) {
        expect({ x, y, inside: pixelAt(result, x, y)[3] }).toEqual({ x, y, inside: inDisc(x, y) ? 255 : 0 });
      }
    });

    it('keeps what a PNG with alpha already had transparent, and cuts the rest', async () => {
      const { data, info } = await sharp(studio).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      // A transparent square inside the disc: a hole the photo already had.
      for (let y = 140; y < 160; y += 1) for (let x = 190; x < 210; x += 1) data[(y * info.width + x) * 4 + 3] = 0;
      const png = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
        .png()
        .toBuffer();
      const result = await pixelsOf(await imageOf(await post(form({ image_file: png, size: 'full' }))));
      expect(pixelAt(result, 200, 150)[3]).toBe(0);
      expect(pixelAt(result, 200, 100)[3]).toBe(255);
      expect(pixelAt(result, 20, 20)[3]).toBe(0);
    });

    it('answers a 1×1 image with unknown_foreground: one pixel has no subject to tell apart', async () => {
      const dot = await sharp({ create: { width: 1, height: 1, channels: 3, background: '#c04030' } })
        .png()
        .toBuffer();
      expect(await errorOf(await post(form({ image_file: dot })))).toMatchObject({
        status: 400,
        body: { errors: [{ code: 'unknown_foreground' }] },
      });
    });

    it('refuses a photo just over 50 megapixels from its header, before decoding it', async () => {
      const large = await sharp({ create: { width: 8700, height: 5800, channels: 3, background: '#fff' } })
        .jpeg({ quality: 50 })
        .toBuffer();
      const refused = await errorOf(await post(form({ image_file: large })));
      expect(refused).toMatchObject({ status: 400, body: { errors: [{ code: 'resolution_too_high' }] } });
    });
  });

  it.each([
    ['a wrong key', { 'X-Api-Key': 'not-the-key' }, 'API Key invalid'],
    ['no key', { 'X-Api-Key': '' }, 'Missing API Key'],
  ])('refuses %s with 403 auth_failed', async (_name, headers, title) => {
    const refused = await errorOf(await post(form({ image_file: studio }), headers));
    expect(refused).toEqual({
      status: 403,
      type: 'application/json',
      body: { errors: [{ title, code: 'auth_failed' }] },
    });
  });

  it('refuses a request without an image, or with two', async () => {
    expect(await errorOf(await post(form({ size: 'preview' })))).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'missing_source', title: 'No image given' }] },
    });
    const both = form({ image_file: studio, image_url: `${imagesUrl}/scene.png` });
    expect(await errorOf(await post(both))).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'multiple_sources' }] },
    });
  });

  it('refuses invalid parameters with remove.bg’s codes', async () => {
    for (const [fields, code] of [
      [{ size: 'huge' }, 'invalid_size'],
      [{ format: 'gif' }, 'invalid_format'],
      [{ bg_color: 'not-a-colour' }, 'invalid_bg_color'],
      [{ bg_color: 'notacolour' }, 'invalid_bg_color'],
      [{ type: 'dog' }, 'invalid_type'],
      [{ channels: 'cmyk' }, 'invalid_channels'],
      [{ crop: 'maybe' }, 'invalid_crop'],
    ] as const) {
      const refused = await errorOf(await post(form({ image_file: studio, ...fields })));
      expect({ fields, status: refused.status, code: refused.body.errors[0]?.code }).toEqual({
        fields,
        status: 400,
        code,
      });
    }
  });

  it('refuses bytes that are not an image, and image types remove.bg does not take', async () => {
    const noise = await errorOf(await post(form({ image_file: randomBytes(2048) })));
    expect(noise).toMatchObject({ status: 400, body: { errors: [{ code: 'failed_to_read_image' }] } });
    const truncated = (await sharp(studio).jpeg().toBuffer()).subarray(0, 600);
    const cut = await errorOf(await post(form({ image_file: truncated })));
    expect(cut).toMatchObject({ status: 400, body: { errors: [{ code: 'failed_to_read_image' }] } });
    const gif = await sharp(studio).gif().toBuffer();
    const wrongType = await errorOf(await post(form({ image_file: gif })));
    expect(wrongType).toMatchObject({ status: 400, body: { errors: [{ code: 'invalid_file_type' }] } });
  });

  it('answers 400 unknown_foreground for an image with no subject', async () => {
    const refused = await errorOf(await post(form({ image_file: blank })));
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]).toMatchObject({
      code: 'unknown_foreground',
      title: expect.stringMatching(/^Could not identify foreground in image/),
    });
  });

  it('refuses a 60-megapixel decompression bomb from its header, without decoding it', async () => {
    const bomb = await sharp({ create: { width: 8000, height: 7500, channels: 3, background: '#fff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1_000_000);
    const refused = await errorOf(await post(form({ image_file: bomb })));
    expect(refused).toMatchObject({
      status: 400,
      body: {
        errors: [
          {
            code: 'resolution_too_high',
            detail: 'Input image has 60 megapixels, maximum supported input resolution is 50 megapixels',
          },
        ],
      },
    });
  });

  it('refuses a file over 22 MB', async () => {
    const huge = Buffer.concat([studio, randomBytes(22 * 1024 * 1024)]);
    const refused = await errorOf(await post(form({ image_file: huge })));
    expect(refused).toMatchObject({
      status: 400,
      body: { errors: [{ code: 'file_too_large', detail: 'File exceeds limit of 22MB' }] },
    });
  });

  it('answers 404 elsewhere and 405 to other methods', async () => {
    expect((await fetch(`${server.url}/v1.0/account`)).status).toBe(404);
    const get = await fetch(endpoint);
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
  });

  describe('injected faults', () => {
    it('answers 429 with Retry-After', async () => {
      server.inject({ status: 429, retryAfterSeconds: 7 });
      const limited = await post(form({ image_file: studio }));
      expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);
      expect(((await limited.json()) as ErrorBody).errors[0]).toMatchObject({ code: 'rate_limit_exceeded' });
      expect((await post(form({ image_file: studio }))).status).toBe(200);
    });

    it.each([
      [500, undefined],
      [503, undefined],
      [402, 'insufficient_credits'],
    ])('answers %i with remove.bg’s error body', async (status, code) => {
      server.inject({ status });
      const refused = await errorOf(await post(form({ image_file: studio })));
      expect(refused.status).toBe(status);
      expect(refused.body.errors).toHaveLength(1);
      expect(refused.body.errors[0]?.code).toBe(code);
    });

    it('waits delayMs before answering normally', async () => {
      server.inject({ delayMs: 400 });
      const started = Date.now();
      const response = await post(form({ image_file: studio }));
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    });

    it('drops the connection', async () => {
      server.inject({ drop: true });
      // fetch reports a connection closed before any answer as "fetch failed".
      await expect(post(form({ image_file: studio }))).rejects.toThrow('fetch failed');
      expect((await post(form({ image_file: studio }))).status).toBe(200);
    });

    it('applies a fault to the next `times` requests, in the order injected, and counts every call', async () => {
      const before = server.calls();
      server.inject({ status: 503, times: 2 });
      server.inject({ status: 429, retryAfterSeconds: 1 });
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await post(form({ image_file: studio }))).status);
      expect(statuses).toEqual([503, 503, 429, 200]);
      expect(server.calls() - before).toBe(4);
    });

    it('forgets queued faults on clearFaults', async () => {
      server.inject({ status: 500, times: 3 });
      server.clearFaults();
      expect((await post(form({ image_file: studio }))).status).toBe(200);
    });

    it('refuses faults that make no sense', () => {
      expect(() => server.inject({ status: 200 })).toThrow(RangeError);
      expect(() => server.inject({ status: 500, times: 0 })).toThrow(RangeError);
      expect(() => server.inject({})).toThrow(RangeError);
    });
  });

  it('binds to loopback only, and stops promptly with a request still waiting', async () => {
    await expect(startRemoveBgServer({ apiKey: KEY, host: '0.0.0.0' })).rejects.toThrow(/loopback/);
    const other = await startRemoveBgServer({ apiKey: KEY });
    expect(other.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    other.inject({ delayMs: 20_000 });
    const pending = fetch(`${other.url}/v1.0/removebg`, { method: 'POST', headers: { 'X-Api-Key': KEY } }).then(
      (response) => response.status,
      () => 'dropped',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await other.stop();
    expect(await pending).toBe('dropped');
  });
});
