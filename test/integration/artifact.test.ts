import { getTestServer } from '@google-cloud/functions-framework/testing';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { JoseTokens } from '../../functions/src/adapters/jose-tokens';
import { loadConfig } from '../../functions/src/config';
import { openDatabase } from '../../functions/src/adapters/sql/database';
import { migrateToLatest } from '../../functions/src/adapters/sql/migrations';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';
import { buildFunctions } from '../../scripts/build';
import { imageRow } from '../support/image-rows';
import { TEST_SIGNING_KEY } from '../support/stack';

const FUNCTIONS = ['register', 'login', 'upload', 'images', 'edit', 'archive', 'account', 'delete', 'processUpload'];

/**
 * Run in a fresh Node process: loads the bundle, serves one GET of the gallery, and prints the
 * reply with the packages the process has loaded by then.
 */
const FIRST_GALLERY_PAGE = `
const path = require('node:path');
require(path.join(process.env.ARTIFACT_DIR, 'index.js'));
const server = require('@google-cloud/functions-framework/testing').getTestServer('images');
server.listen(0, '127.0.0.1', async () => {
  const reply = await fetch('http://127.0.0.1:' + server.address().port + '/?pageSize=24', {
    headers: { authorization: 'Bearer ' + process.env.BEARER },
  });
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const match = /.*node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
    if (match) packages.add(match[1]);
  }
  process.stdout.write(JSON.stringify({ status: reply.status, body: await reply.json(), packages: [...packages] }));
  process.exit(0);
});
`;

describe('the built artifact (npm run build)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cutout-artifact-'));
  const saved = { ...process.env };
  let emulator: RunningEmulator;
  let artifact: { dir: string; dependencies: Record<string, string> };

  beforeAll(async () => {
    artifact = await buildFunctions();
    emulator = await startFirestoreEmulator();
    const url = `sqlite:${join(dir, 'artifact.db')}`;
    const database = await openDatabase({ kind: 'sqlite', file: url.slice('sqlite:'.length) });
    await migrateToLatest(database.db, database.dialect);
    await database.close();
    // The functions read their configuration from the environment, as deployed ones do.
    Object.assign(process.env, {
      DATABASE_URL: url,
      FIRESTORE_EMULATOR_HOST: emulator.host,
      TOKEN_SIGNING_KEY: TEST_SIGNING_KEY,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'error',
    });
    require(join(artifact.dir, 'index.js'));
  }, 60_000);

  afterAll(async () => {
    process.env = saved;
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares only runtime dependencies, at the root versions', () => {
    const root = JSON.parse(readFileSync('package.json', 'utf8'));
    const manifest = JSON.parse(readFileSync(join(artifact.dir, 'package.json'), 'utf8'));
    expect(manifest.main).toBe('index.js');
    expect(manifest.dependencies).toEqual(artifact.dependencies);
    for (const [name, version] of Object.entries(manifest.dependencies)) expect(root.dependencies[name]).toBe(version);
    for (const name of Object.keys(root.devDependencies)) expect(manifest.dependencies).not.toHaveProperty(name);
    expect(manifest.dependencies).toHaveProperty('@google-cloud/functions-framework');
  });

  it('compiles the small pure-JavaScript packages in (cold start), and keeps the large clients as packages', () => {
    const manifest = JSON.parse(readFileSync(join(artifact.dir, 'package.json'), 'utf8'));
    for (const name of ['kysely', 'jose', 'bcryptjs', 'busboy']) expect(manifest.dependencies).not.toHaveProperty(name);
    for (const name of ['@google-cloud/firestore', '@google-cloud/storage', 'sharp', 'mysql2'])
      expect(manifest.dependencies).toHaveProperty(name);
    const bundle = readFileSync(join(artifact.dir, 'index.js'), 'utf8');
    expect(bundle).not.toMatch(/require\("kysely"\)/);
    expect(bundle).toMatch(/require\("@google-cloud\/storage"\)/);
  });

  it('serves a first gallery page, signed, without loading the Storage client, Firestore, sharp or undici', async () => {
    const database = await openDatabase({ kind: 'sqlite', file: join(dir, 'artifact.db') });
    const userId = 'galleryowner0000000001';
    const now = Date.now();
    try {
      await database.db
        .insertInto('users')
        .values({
          id: userId,
          email: 'gallery@example.com',
          email_key: 'gallery@example.com',
          username: 'gallery',
          username_key: 'gallery',
          password_hash: 'x',
          created_at: now,
        })
        .execute();
      await database.db
        .insertInto('images')
        .values(imageRow(userId, 'done', now))
        .execute();
    } finally {
      await database.close();
    }
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'signer.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        client_email: 'signer@demo-cutout.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      }),
    );
    const tokens = new JoseTokens(
      { ...loadConfig(process.env).tokens, signingKey: TEST_SIGNING_KEY },
      { now: () => new Date() },
    );
    const env = {
      ...process.env,
      ARTIFACT_DIR: artifact.dir,
      BEARER: (await tokens.issue(userId)).token,
      // Signing needs no storage server: nothing listens here, and nothing may need to.
      STORAGE_API_ENDPOINT: 'http://127.0.0.1:9',
      STORAGE_SIGNING_KEY_FILE: keyFile,
    };
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['-e', FIRST_GALLERY_PAGE], { env, timeout: 30_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const { status, body, packages } = JSON.parse(stdout);
    expect(status).toBe(200);
    expect(body.images).toHaveLength(1);
    expect(body.images[0].resultUrl).toMatch(
      /^http:\/\/127\.0\.0\.1:9\/cutout-results\/.*X-Goog-Signature=[0-9a-f]{512}$/,
    );
    expect(packages).toContain('@google-cloud/functions-framework');
    for (const heavy of ['@google-cloud/storage', 'google-auth-library', '@google-cloud/firestore', 'sharp', 'undici'])
      expect(packages).not.toContain(heavy);
  });

  it.each(FUNCTIONS)('registers %s with the Functions Framework', (name) => {
    expect(() => getTestServer(name)).not.toThrow();
  });

  it('serves register and login from the bundle', async () => {
    const account = { email: 'built@example.com', username: 'built', password: 'password-1' };
    const registered = await request(getTestServer('register')).post('/').send(account).expect(201);
    const signedIn = await request(getTestServer('login'))
      .post('/')
      .send({ email: 'built', password: 'password-1' })
      .expect(200);
    expect(signedIn.body.user.id).toBe(registered.body.user.id);
    const malformed = await request(getTestServer('login'))
      .post('/')
      .set('Content-Type', 'application/json')
      .send('{')
      .expect(400);
    expect(malformed.body.code).toBe('REQUEST.MALFORMED');
  });
});
