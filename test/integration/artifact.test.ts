import { getTestServer } from '@google-cloud/functions-framework/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { openDatabase } from '../../functions/src/adapters/sql/database';
import { migrateToLatest } from '../../functions/src/adapters/sql/migrations';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';
import { buildFunctions } from '../../scripts/build';
import { TEST_SIGNING_KEY } from '../support/stack';

const FUNCTIONS = ['register', 'login', 'upload', 'images', 'delete', 'processUpload'];

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
