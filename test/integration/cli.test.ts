import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import sharp from 'sharp';
import request from 'supertest';
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
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('Signed in as cli_user') });
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
    expect(result.err).toContain('uploaded');
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

  it('says clearly what is wrong, with exit codes', async () => {
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    expect(await bgremove(env, ['upload', join(dir, 'notes.txt')])).toMatchObject({
      code: 2,
      err: expect.stringContaining('not a JPEG, PNG or WebP'),
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
    expect(await bgremove(env, ['list'])).toMatchObject({ code: 1, err: expect.stringContaining('bgremove login') });
  });
});
