import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import sharp from 'sharp';
import request from 'supertest';
import { Api, ApiError } from '../../cli/api';
import { explainRefusal } from '../../cli/edits';
import { run } from '../../cli/main';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';

/** Runs the CLI in-process, as `bgremove …` would, with the given standard input. */
async function bgremove(env: NodeJS.ProcessEnv, argv: string[], stdin = '') {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk) => (out += chunk));
  stderr.on('data', (chunk) => (err += chunk));
  const code = await run(argv, { stdout, stderr, stdin: Readable.from([stdin]), env });
  return { code, out, err };
}

/** The box of the pixels more opaque than `threshold` in a PNG with alpha. */
async function opaqueBox(png: Buffer, threshold: number) {
  const { data, info } = await sharp(png).ensureAlpha().extractChannel(3).raw().toBuffer({ resolveWithObject: true });
  let [left, top, right, bottom] = [info.width, info.height, -1, -1];
  for (let y = 0; y < info.height; y += 1)
    for (let x = 0; x < info.width; x += 1)
      if (data[y * info.width + x]! > threshold) {
        [left, top] = [Math.min(left, x), Math.min(top, y)];
        [right, bottom] = [Math.max(right, x), Math.max(bottom, y)];
      }
  return { width: right - left + 1, height: bottom - top + 1 };
}

/** The channels of one pixel of an image file. */
async function pixel(file: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(readFileSync(file)).raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [...data.subarray(at, at + info.channels)];
}

describe('the bgremove CLI against the local server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-cli-'));
  const env = { XDG_CONFIG_HOME: join(dir, 'config'), HOME: dir };
  let cloud: LocalCloud;
  let api: string[];

  beforeAll(async () => {
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    api = ['--api', cloud.url];
    await request(cloud.url)
      .post('/api/register')
      .send({ email: 'cli@example.com', username: 'cli_user', password: 'password-1' })
      .expect(201);
    for (const [name, colour] of [
      ['red.png', '#c22'],
      ['blue.jpg', '#25a'],
    ] as const) {
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#f6f6f6"/><circle cx="160" cy="120" r="70" fill="${colour}"/></svg>`;
      const image = sharp(Buffer.from(svg));
      writeFileSync(join(dir, name), await (name.endsWith('.png') ? image.png() : image.jpeg()).toBuffer());
    }
  }, 60_000);
  afterAll(async () => {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a wrong password and stores nothing', async () => {
    const result = await bgremove(env, ['login', ...api, '--email', 'cli_user'], 'wrong-password\n');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/wrong/);
    expect(existsSync(join(env.XDG_CONFIG_HOME, 'bgremove', 'session.json'))).toBe(false);
  });

  it('signs in, keeping the session readable by its owner only', async () => {
    const result = await bgremove(env, ['login', ...api], 'cli@example.com\npassword-1\n');
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining(`Signed in to ${cloud.url} as cli_user`) });
    const file = join(env.XDG_CONFIG_HOME, 'bgremove', 'session.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      api: cloud.url,
      username: 'cli_user',
      token: expect.any(String),
    });
  });

  it('uploads through signed URLs, waits, and saves each cutout beside its input', async () => {
    const result = await bgremove(env, ['upload', join(dir, 'red.png'), join(dir, 'blue.jpg'), '--type', 'product']);
    expect(result.err).toBe('2 done, 0 failed, 0 skipped\n');
    expect(result.code).toBe(0);
    for (const name of ['red-nobg.png', 'blue-nobg.png']) {
      expect(await sharp(readFileSync(join(dir, name))).metadata()).toMatchObject({
        format: 'png',
        width: 320,
        height: 240,
        hasAlpha: true,
      });
    }
    expect(result.out.trim().split('\n')).toHaveLength(2);
  });

  it('lists, downloads and deletes by id', async () => {
    const listed = await bgremove(env, ['list']);
    const rows = listed.out
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
    expect(rows.map((row) => [row[1], row[3]])).toEqual([
      ['done', 'blue.jpg'],
      ['done', 'red.png'],
    ]);
    const id = rows[0]![0]!;
    const target = join(dir, 'again.png');
    expect(await bgremove(env, ['download', id, '--out', target])).toMatchObject({ code: 0, out: `${target}\n` });
    expect((await sharp(readFileSync(target)).metadata()).format).toBe('png');
    expect((await bgremove(env, ['delete', id])).code).toBe(0);
    const again = await bgremove(env, ['delete', id]);
    expect(again).toMatchObject({ code: 1, err: expect.stringContaining('no such image') });
    expect((await bgremove(env, ['list'])).out.trim().split('\n')).toHaveLength(1);
  });

  describe('edits', () => {
    const folder = join(dir, 'edits');
    const ball = join(folder, 'ball.png');
    let id = '';
    const token = () =>
      (JSON.parse(readFileSync(join(env.XDG_CONFIG_HOME, 'bgremove', 'session.json'), 'utf8')) as { token: string })
        .token;
    const imageOf = async (imageId: string) =>
      (await request(cloud.url).get(`/api/images/${imageId}`).set('Authorization', `Bearer ${token()}`).expect(200))
        .body.image;

    beforeAll(async () => {
      mkdirSync(folder);
      // A red ball (diameter 120 px) off the centre of a light 320 × 240 photo.
      const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="100%" height="100%" fill="#f6f6f6"/><circle cx="120" cy="110" r="60" fill="#c22"/></svg>`;
      writeFileSync(ball, await sharp(Buffer.from(svg)).png().toBuffer());
    });

    it('uploads, then saves the cutout on white, cropped to the subject plus a 5% margin, as JPEG', async () => {
      const result = await bgremove(env, [
        'upload',
        ball,
        '--type',
        'product',
        '--bg',
        'ffffff',
        '--format',
        'jpg',
        '--crop',
        '--margin',
        '5%',
      ]);
      expect(result).toMatchObject({ code: 0, err: expect.not.stringContaining('refused') });
      const [input, imageId, saved] = result.out.trim().split('\t');
      expect([input, saved]).toEqual([ball, join(folder, 'ball-nobg.jpg')]);
      id = imageId!;

      const jpeg = await sharp(readFileSync(saved!)).metadata();
      expect(jpeg.format).toBe('jpeg');
      // The subject's box, as the model cut it out: the render's canvas is that box plus a
      // margin of 5% of its longer side on each side (between the firmly and the faintly
      // opaque pixels' boxes, whichever the service measures).
      const image = await imageOf(id);
      expect(image.edits).toMatchObject({
        background: { type: 'color', color: 'ffffff' },
        crop: true,
        cropMargin: '5%',
      });
      expect(image.options.bgColor).toBeNull(); // the colour went to the edits, not to the remover
      const cutout = Buffer.from(await (await fetch(image.resultUrl)).arrayBuffer());
      const firm = await opaqueBox(cutout, 127);
      const faint = await opaqueBox(cutout, 0);
      expect(firm.width).toBeGreaterThan(100); // the ball was found
      const plusMargin = (side: number, box: { width: number; height: number }) =>
        side + 2 * Math.round(0.05 * Math.max(box.width, box.height));
      expect(jpeg.width).toBeGreaterThanOrEqual(plusMargin(firm.width, firm));
      expect(jpeg.width).toBeLessThanOrEqual(plusMargin(faint.width, faint));
      expect(jpeg.height).toBeGreaterThanOrEqual(plusMargin(firm.height, firm));
      expect(jpeg.height).toBeLessThanOrEqual(plusMargin(faint.height, faint));
      expect(jpeg.width!).toBeLessThan(200);
      expect(jpeg.height!).toBeLessThan(200);

      const [r, g, b] = await pixel(saved!, 0, 0);
      expect(Math.min(r!, g!, b!)).toBeGreaterThanOrEqual(250); // white in the margin
      const [cr, cg, cb] = await pixel(saved!, Math.floor(jpeg.width! / 2), Math.floor(jpeg.height! / 2));
      expect(cr).toBeGreaterThan(150); // the red ball in the middle
      expect(Math.max(cg!, cb!)).toBeLessThan(90);
    });

    it('downloads the same edits as a grey mask, a WebP and a PNG, named after the original', async () => {
      const { width, height } = await sharp(readFileSync(join(folder, 'ball-nobg.jpg'))).metadata();

      const mask = await bgremove(env, ['download', id, '--format', 'mask', '--out', `${folder}/`]);
      expect(mask).toMatchObject({ code: 0, out: `${join(folder, 'ball-mask.png')}\n` });
      expect(await sharp(readFileSync(join(folder, 'ball-mask.png'))).metadata()).toMatchObject({
        format: 'png',
        channels: 1,
        hasAlpha: false,
        width,
        height,
      });
      // Transparent in the margin, opaque in the middle of the ball (sharp reads grey as RGB).
      expect(await pixel(join(folder, 'ball-mask.png'), 0, 0)).toEqual([0, 0, 0]);
      expect(await pixel(join(folder, 'ball-mask.png'), Math.floor(width! / 2), Math.floor(height! / 2))).toEqual([
        255, 255, 255,
      ]);

      const webp = await bgremove(env, ['download', id, '--format', 'webp', '--out', join(folder, 'ball.webp')]);
      expect(webp).toMatchObject({ code: 0, out: `${join(folder, 'ball.webp')}\n` });
      expect(await sharp(readFileSync(join(folder, 'ball.webp'))).metadata()).toMatchObject({
        format: 'webp',
        width,
        height,
      });

      // No --format: a PNG render of the saved edits, into a folder under the original's name.
      const png = await bgremove(env, ['download', id, '--out', folder]);
      expect(png).toMatchObject({ code: 0, out: `${join(folder, 'ball-nobg.png')}\n` });
      expect(await sharp(readFileSync(join(folder, 'ball-nobg.png'))).metadata()).toMatchObject({
        format: 'png',
        width,
        height,
      });
      expect((await pixel(join(folder, 'ball-nobg.png'), 0, 0)).slice(0, 3)).toEqual([255, 255, 255]);

      // … or in the format the --out file is named for.
      expect((await bgremove(env, ['download', id, '--out', join(folder, 'again.jpg')])).code).toBe(0);
      expect((await sharp(readFileSync(join(folder, 'again.jpg'))).metadata()).format).toBe('jpeg');
    });

    it('refuses bad edit flags before uploading anything, naming the flag', async () => {
      const listed = (await bgremove(env, ['list'])).out;
      const bad = await bgremove(env, ['upload', ball, '--bg', 'white']);
      expect(bad.code).toBe(2);
      expect(bad.err).toContain('bgremove: --bg must be a colour as rrggbb in hex (e.g. --bg ffffff for white');
      expect(bad.err).toContain('not "white"');
      for (const [flags, message] of [
        [['--bg', 'ffffff', '--blur', '5'], '--bg and --blur both set the background'],
        [['--blur', '0'], '--blur must be a radius'],
        [['--margin', '5%'], '--margin is the space around the subject when cropping: add --crop'],
        [['--crop', '--margin', '60%'], '--margin must be 0, a share'],
        [['--crop', '--margin', '5'], '--margin must be 0, a share'],
        [['--scale', '5%'], '--scale must be "original" or from 10% to 100%'],
        [['--position', 'left'], '--position must be "center"'],
        [['--size', '8'], '--size must be "full", "preview" or the longest side'],
        [['--quality', '101'], '--quality must be a whole number from 1 to 100'],
        [['--format', 'gif'], '--format must be one of png, jpg, webp, mask, not "gif"'],
        [['--no-wait', '--crop'], '--no-wait cannot go with edits'],
      ] as const) {
        expect(await bgremove(env, ['upload', ball, ...flags])).toMatchObject({
          code: 2,
          err: expect.stringContaining(message),
        });
      }
      for (const [flags, message] of [
        [['--format', 'tiff'], '--format must be one of'],
        [['--bg', 'ffffff'], '--bg is an edit: give it to bgremove upload'],
        [['--format', 'webp', '--out', join(folder, 'x.png')], 'is not named for --format webp'],
      ] as const) {
        expect(await bgremove(env, ['download', id, ...flags])).toMatchObject({
          code: 2,
          err: expect.stringContaining(message),
        });
      }
      expect((await bgremove(env, ['list'])).out).toBe(listed);
      expect(existsSync(join(folder, 'x.png'))).toBe(false);
    });

    it("shows the service's field errors by flag, and the refused edits change nothing", async () => {
      const error = await new Api(cloud.url, token())
        .call('PATCH', `/api/images/${id}/edits`, { cropMargin: '60%', background: { type: 'color', color: 'white' } })
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status: 400, code: 'REQUEST.VALIDATION' });
      const message = explainRefusal(error as ApiError).message;
      expect(message).toMatch(/^the service refused the edits: /);
      expect(message).toMatch(/--margin \(cropMargin\) must be [^;]*50/);
      expect(message).toMatch(/--bg \(background\.color\) must be a colour/);
      expect((await imageOf(id)).edits).toMatchObject({
        background: { type: 'color', color: 'ffffff' },
        cropMargin: '5%',
      });
    });
  });

  describe('batches', () => {
    const folder = join(dir, 'batch');
    const at = (name: string) => join(folder, name);
    const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    beforeAll(async () => {
      mkdirSync(folder);
      for (const [name, colour] of [
        ['green.png', '#2a2'],
        ['yellow.png', '#dc2'],
        ['purple.png', '#82c'],
      ] as const) {
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="100%" height="100%" fill="#f6f6f6"/><circle cx="80" cy="60" r="35" fill="${colour}"/></svg>`;
        writeFileSync(at(name), await sharp(Buffer.from(svg)).png().toBuffer());
      }
      writeFileSync(at('green-copy.png'), readFileSync(at('green.png')));
      writeFileSync(at('notes.txt'), 'not a photo');
    });

    it('goes on past bad files: one line each, a summary, exit 1', async () => {
      const out = at('out'); // made by the upload
      const [green, missing, notes, copy] = ['green.png', 'missing.png', 'notes.txt', 'green-copy.png'].map(at);
      const result = await bgremove(env, ['upload', green!, missing!, notes!, copy!, '--out', out]);
      expect(result.code).toBe(1);
      expect(result.out).toMatch(new RegExp(`^${escaped(green!)}\t\\S+\t${escaped(join(out, 'green-nobg.png'))}\n$`));
      expect(result.err).toBe(
        [
          `failed: no such file: ${missing}`,
          `failed: ${notes}: not a JPEG, PNG or WebP image`,
          `skipped: ${copy}: same content as ${green}, in this batch`,
          '1 done, 2 failed, 1 skipped',
          '',
        ].join('\n'),
      );
      expect(await sharp(readFileSync(join(out, 'green-nobg.png'))).metadata()).toMatchObject({
        format: 'png',
        hasAlpha: true,
      });
    });

    it('skips a file uploaded before while the service still has it, unless --again', async () => {
      const red = join(dir, 'red.png');
      const listed = (await bgremove(env, ['list'])).out;
      const redId = listed
        .split('\n')
        .find((line) => line.endsWith('\tred.png'))!
        .split('\t')[0]!;
      expect(await bgremove(env, ['upload', red])).toEqual({
        code: 0,
        out: '',
        err: `skipped: ${red}: already uploaded as ${redId} (bgremove download ${redId} saves it; --again uploads it again)\n0 done, 0 failed, 1 skipped\n`,
      });
      // --again uploads it, but not over the cutout saved the first time…
      expect(await bgremove(env, ['upload', red, '--again'])).toEqual({
        code: 1,
        out: '',
        err: `failed: ${red}: ${join(dir, 'red-nobg.png')} already exists: add --force to overwrite it\n0 done, 1 failed, 0 skipped\n`,
      });
      expect((await bgremove(env, ['list'])).out).toBe(listed);
      // … and without waiting for a cutout there is nothing to overwrite.
      const again = await bgremove(env, ['upload', red, '--again', '--no-wait']);
      expect(again).toMatchObject({ code: 0, err: '1 uploaded, 0 failed, 0 skipped\n' });
      const [, newId, saved] = again.out.trim().split('\t');
      expect([newId === redId, saved]).toEqual([false, 'uploaded']);

      // blue.jpg was deleted on the service (above): uploaded again, not skipped.
      const blue = await bgremove(env, ['upload', join(dir, 'blue.jpg'), '--no-wait']);
      expect(blue).toMatchObject({ code: 0, err: '1 uploaded, 0 failed, 0 skipped\n' });
      const blueId = blue.out.split('\t')[1];

      // The record: next to session.json, one per service and user, its owner's only.
      const port = new URL(cloud.url).port;
      const record = join(env.XDG_CONFIG_HOME, 'bgremove', `uploads-localhost_${port}-cli_user.json`);
      expect(statSync(record).mode & 0o777).toBe(0o600);
      const ids = Object.values(
        (JSON.parse(readFileSync(record, 'utf8')) as { images: Record<string, { id: string }> }).images,
      ).map((entry) => entry.id);
      expect(ids).toEqual(expect.arrayContaining([newId, blueId]));
      expect(ids).not.toContain(redId);
    });

    it('prints one JSON object per file with --json, and only that on stdout; -j N at a time', async () => {
      const out = at('json');
      const files = ['yellow.png', 'nowhere.png', 'purple.png'].map(at);
      const result = await bgremove(env, ['upload', ...files, '--json', '-j', '3', '--out', out]);
      expect(result.code).toBe(1);
      const objects = result.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { path: string });
      expect(objects.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
        {
          path: at('nowhere.png'),
          status: 'failed',
          id: null,
          output: null,
          error: { code: 'FILE.NOT_FOUND', message: `no such file: ${at('nowhere.png')}` },
          reason: null,
        },
        ...['purple', 'yellow'].map((name) => ({
          path: at(`${name}.png`),
          status: 'done',
          id: expect.any(String),
          output: join(out, `${name}-nobg.png`),
          error: null,
          reason: null,
        })),
      ]);
      expect(result.err).toBe('2 done, 1 failed, 0 skipped\n');
      for (const jobs of ['0', '9', 'two'])
        expect(await bgremove(env, ['upload', files[0]!, '-j', jobs])).toMatchObject({
          code: 2,
          err: expect.stringContaining(`-j must be a whole number of uploads at a time from 1 to 8, not "${jobs}"`),
        });
    });
  });

  describe('habits', () => {
    const loopback = () => `${cloud.url.replace('//localhost:', '//127.0.0.1:')}`;

    it('signs in saying who and where; the session is found by any loopback name, with or without a slash', async () => {
      const result = await bgremove(env, ['login', '--api', `${loopback()}/`], 'cli_user\npassword-1\n');
      expect(result).toMatchObject({
        code: 0,
        out: expect.stringMatching(`^Signed in to ${loopback()} as cli_user \\(until `),
      });
      const file = join(env.XDG_CONFIG_HOME, 'bgremove', 'session.json');
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ api: loopback(), username: 'cli_user' });
      expect(await bgremove(env, ['list', '--api', `${cloud.url}/`])).toMatchObject({ code: 0 });
      expect(await bgremove(env, ['whoami'])).toMatchObject({
        code: 0,
        out: expect.stringMatching(`^Signed in to ${loopback()} as cli_user`),
      });
      expect(await bgremove(env, ['whoami', '--api', cloud.url.toUpperCase()])).toMatchObject({
        code: 0,
        out: expect.stringMatching(`^Signed in to ${cloud.url} as cli_user`),
      });
    });

    it('takes the service from BGREMOVE_API, the flag first', async () => {
      const elsewhere = { ...env, BGREMOVE_API: 'http://127.0.0.1:9' };
      expect(await bgremove({ ...env, BGREMOVE_API: `${cloud.url}/` }, ['list'])).toMatchObject({ code: 0 });
      expect(await bgremove(elsewhere, ['list'])).toEqual({
        code: 1,
        out: '',
        err: `bgremove: not signed in to http://127.0.0.1:9 (the stored session is for ${loopback()}) — run: bgremove login --api http://127.0.0.1:9\n`,
      });
      expect(await bgremove(elsewhere, ['list', '--api', cloud.url])).toMatchObject({ code: 0 });
      expect(await bgremove({ ...env, BGREMOVE_API: 'localhost:8080' }, ['list'])).toMatchObject({
        code: 2,
        err: expect.stringContaining('BGREMOVE_API must start with http:// or https://'),
      });
    });

    it('says which service it looked for when not signed in, expired or refused', async () => {
      const elsewhere = join(dir, 'other-config');
      const other = { XDG_CONFIG_HOME: elsewhere, HOME: dir };
      expect(await bgremove(other, ['whoami', ...api])).toEqual({
        code: 1,
        out: '',
        err: `bgremove: not signed in to ${cloud.url} — run: bgremove login --api ${cloud.url}\n`,
      });
      const session = (expiresAt: string) => {
        mkdirSync(join(elsewhere, 'bgremove'), { recursive: true });
        const stored = { api: cloud.url, token: 'not-a-token', expiresAt, username: 'cli_user' };
        writeFileSync(join(elsewhere, 'bgremove', 'session.json'), JSON.stringify(stored));
      };
      session('2020-01-01T00:00:00.000Z');
      expect(await bgremove(other, ['list'])).toMatchObject({
        code: 1,
        err: `bgremove: the session for ${cloud.url} expired at 2020-01-01T00:00:00.000Z — run: bgremove login --api ${cloud.url}\n`,
      });
      session('2999-01-01T00:00:00.000Z');
      expect(await bgremove(other, ['list'])).toMatchObject({
        code: 1,
        err: expect.stringMatching(`Sign in again.* — run: bgremove login --api ${cloud.url}\n$`),
      });
    });

    it('never overwrites a file on download without --force', async () => {
      const done = (await bgremove(env, ['list'])).out.split('\n').find((line) => line.includes('\tdone\t'));
      const id = done!.split('\t')[0]!;
      const target = join(dir, 'mine.png');
      writeFileSync(target, 'my own file');
      expect(await bgremove(env, ['download', id, '--out', target])).toEqual({
        code: 1,
        out: '',
        err: `bgremove: ${target} already exists: add --force to overwrite it\n`,
      });
      expect(readFileSync(target, 'utf8')).toBe('my own file');
      expect(await bgremove(env, ['download', id, '--out', target, '--force'])).toMatchObject({
        code: 0,
        out: `${target}\n`,
      });
      expect((await sharp(readFileSync(target)).metadata()).format).toBe('png');
    });
  });

  it('says clearly what is wrong, with exit codes', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    expect(await bgremove(env, ['upload', join(dir, 'notes.txt')])).toMatchObject({
      code: 1,
      err: `failed: ${join(dir, 'notes.txt')}: not a JPEG, PNG or WebP image\n0 done, 1 failed, 0 skipped\n`,
    });
    expect(await bgremove(env, ['download'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('exactly one image id'),
    });
    expect(await bgremove(env, ['frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command'),
    });
    expect(await bgremove(env, ['upload', '--help'])).toMatchObject({
      code: 0,
      out: expect.stringContaining('Usage: bgremove upload'),
    });
    expect(await bgremove(env, ['list', '--api', 'http://127.0.0.1:9'])).toMatchObject({ code: 1 });
    expect((await bgremove(env, ['logout'])).code).toBe(0);
    expect(await bgremove(env, ['list', ...api])).toMatchObject({
      code: 1,
      err: `bgremove: not signed in to ${cloud.url} — run: bgremove login --api ${cloud.url}\n`,
    });
  });
});
