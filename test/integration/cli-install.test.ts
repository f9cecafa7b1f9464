import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import request from 'supertest';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';

/*
 * The CLI as a user gets it: `npm pack ./cli`, `npm install -g` of the tarball into a
 * temporary prefix, then `bgremove` found on PATH and run from a folder outside the checkout,
 * with nothing of the checkout (no tsx, no node_modules) within its reach.
 */

const ROOT = resolve(__dirname, '..', '..');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; past `timeoutMs` it is killed and the test fails saying so. */
function execute(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs: number },
): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${command} ${args.join(' ')} took over ${options.timeoutMs / 1000} s\n${stdout}\n${stderr}`));
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

// npm as a person runs it: not the settings `npm test` hands down to its children.
const npmEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

describe('bgremove, packed and installed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-cli-install-'));
  const prefix = join(dir, 'prefix');
  const work = join(dir, 'work'); // where the user runs it: not the checkout
  const env: NodeJS.ProcessEnv = {
    // The installed command and Node itself, nothing else.
    PATH: [join(prefix, 'bin'), dirname(process.execPath)].join(delimiter),
    HOME: dir,
    XDG_CONFIG_HOME: join(dir, 'config'),
  };
  let cloud: LocalCloud;
  let packed: { filename: string; files: { path: string }[] };
  const bgremove = (args: string[], input = '', extra: NodeJS.ProcessEnv = {}) =>
    execute('bgremove', args, { cwd: work, env: { ...env, ...extra }, input, timeoutMs: 90_000 });

  beforeAll(async () => {
    mkdirSync(work);
    const npm = (args: string[]) => execute('npm', args, { cwd: ROOT, env: npmEnv(), timeoutMs: 120_000 });
    const pack = await npm(['pack', './cli', '--pack-destination', dir, '--json']);
    if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    [packed] = JSON.parse(pack.stdout) as [typeof packed];
    // The tarball has no dependencies, so nothing is fetched: offline, no audit.
    const install = await npm([
      'install',
      '--global',
      '--prefix',
      prefix,
      '--cache',
      join(dir, 'npm-cache'),
      '--offline',
      '--no-audit',
      '--no-fund',
      join(dir, packed.filename),
    ]);
    if (install.code !== 0) throw new Error(`npm install -g failed:\n${install.stderr}`);

    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(dir, 'data'),
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    await request(cloud.url)
      .post('/api/register')
      .send({ email: 'installed@example.com', username: 'installed_user', password: 'password-1' })
      .expect(201);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="120"><rect width="100%" height="100%" fill="#f6f6f6"/><circle cx="80" cy="60" r="35" fill="#c22"/></svg>`;
    writeFileSync(join(work, 'photo.png'), await sharp(Buffer.from(svg)).png().toBuffer());
  }, 300_000);

  afterAll(async () => {
    await cloud?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('packs one bundled file that needs nothing but Node, and leaves the checkout clean', () => {
    expect(packed.files.map((file) => file.path).sort()).toEqual(['README.md', 'dist/bgremove.js', 'package.json']);
    const installed = join(prefix, 'lib', 'node_modules', 'bgremove');
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: 'bgremove', bin: { bgremove: 'dist/bgremove.js' } });
    expect(manifest.dependencies).toBeUndefined();
    expect(readdirSync(installed)).not.toContain('node_modules');
    const bundle = readFileSync(join(installed, 'dist', 'bgremove.js'), 'utf8');
    const required = [...bundle.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((name) => !name!.startsWith('node:'))).toEqual([]);
    expect(existsSync(join(ROOT, 'cli', 'dist'))).toBe(false); // the build was for the tarball only
  });

  it('is on PATH and runs from another folder', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'cli', 'package.json'), 'utf8')) as { version: string };
    expect(await bgremove(['--version'])).toEqual({ code: 0, stdout: `bgremove ${version}\n`, stderr: '' });
    expect(await bgremove(['upload', '--help'])).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('-j, --jobs'),
    });
  });

  it('signs in, uploads a batch and lists, against a local cloud', async () => {
    const loopback = cloud.url.replace('//localhost:', '//127.0.0.1:');
    const login = await bgremove(['login', '--api', `${loopback}/`], 'installed_user\npassword-1\n');
    expect(login).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(`^Signed in to ${loopback} as installed_user \\(until `),
    });
    // BGREMOVE_API names the same service by another name: the session is found.
    const same = { BGREMOVE_API: cloud.url };
    expect(await bgremove(['whoami'], '', same)).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(`^Signed in to ${cloud.url} as installed_user`),
    });

    const upload = await bgremove(['upload', 'photo.png', 'missing.png', '--timeout', '60'], '', same);
    expect(upload.stderr).toBe('failed: no such file: missing.png\n1 done, 1 failed, 0 skipped\n');
    expect(upload.code).toBe(1);
    expect(upload.stdout).toMatch(/^photo\.png\t\S+\tphoto-nobg\.png\n$/);
    expect(await sharp(readFileSync(join(work, 'photo-nobg.png'))).metadata()).toMatchObject({
      format: 'png',
      width: 160,
      height: 120,
      hasAlpha: true,
    });
    const id = upload.stdout.split('\t')[1];

    const list = await bgremove(['list'], '', same);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(
      list.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('\t')),
    ).toEqual([[id, 'done', expect.any(String), 'photo.png']]);

    expect(await bgremove(['upload', 'photo.png', '--json'], '', same)).toEqual({
      code: 0,
      stdout: `${JSON.stringify({
        path: 'photo.png',
        status: 'skipped',
        id,
        output: null,
        error: null,
        reason: `already uploaded as ${id} (bgremove download ${id} saves it; --again uploads it again)`,
      })}\n`,
      stderr: '0 done, 0 failed, 1 skipped\n',
    });
  }, 240_000);
});
