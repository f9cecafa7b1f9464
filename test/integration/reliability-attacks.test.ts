import { getTestServer } from '@google-cloud/functions-framework/testing';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT, UnsecuredJWT, exportJWK } from 'jose';
import request from 'supertest';
import { signUp } from '../support/accounts';
import { registerHttpFunctions } from '../support/functions';
import { startTestStack, TEST_SIGNING_KEY, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'login', 'images']);

const KID = createHash('sha256').update(TEST_SIGNING_KEY).digest('base64url').slice(0, 16);
const now = () => Math.floor(Date.now() / 1000);

describe('attacks on authentication', () => {
  let stack: TestStack;
  let user: { userId: string; token: string; username: string };

  beforeAll(async () => {
    stack = await startTestStack(
      'sqlite',
      { LOGIN_MAX_FAILURES: '5', LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' },
      { storage: {} },
    );
    under.deps = stack.deps;
    user = await signUp('victim');
  });
  afterAll(() => stack.stop());

  const gallery = (token: string) =>
    request(getTestServer('images')).get('/api/images').set('Authorization', `Bearer ${token}`);
  /** A token with our claims, signed as the test says, with the headers it adds. */
  const forge = (
    key: Uint8Array | Parameters<SignJWT['sign']>[0],
    header: Record<string, unknown>,
    claims: Record<string, unknown> = {},
  ) =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: KID, ...header } as never)
      .setSubject(String(claims.sub ?? user.userId))
      .setIssuer('cutout')
      .setAudience('cutout-api')
      .setIssuedAt()
      .setExpirationTime(now() + 600)
      .sign(key);

  it('accepts the genuine token (so each refusal below is about the attack)', async () => {
    await gallery(user.token).expect(200);
    await gallery(await forge(new TextEncoder().encode(TEST_SIGNING_KEY), {})).expect(200);
  });

  it.each([
    [
      'alg none',
      async () => new UnsecuredJWT({ sub: 'x', iss: 'cutout', aud: 'cutout-api', exp: now() + 600 }).encode(),
    ],
    ['a key of our own choosing', () => forge(new TextEncoder().encode('attacker-secret-attacker-secret-1234'), {})],
    [
      'our key embedded as jwk, jku or x5u',
      async () => {
        const attacker = new TextEncoder().encode('attacker-secret-attacker-secret-1234');
        return forge(attacker, {
          jwk: { kty: 'oct', k: Buffer.from(attacker).toString('base64url') },
          jku: 'http://127.0.0.1:9/keys',
          x5u: 'http://127.0.0.1:9/cert',
        });
      },
    ],
    [
      'RS256 signed with a key pair whose public half it carries (HS/RS confusion)',
      async () => {
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        return forge(privateKey, { alg: 'RS256', jwk: await exportJWK(publicKey) });
      },
    ],
    ['nbf in the future', () => forge(new TextEncoder().encode(TEST_SIGNING_KEY), {}, { nbf: now() + 3600 })],
    ['a deleted user', async () => stack.deps.tokens.issue('deleted-user-0000000000').then((t) => t.token)],
  ])('refuses %s with 401', async (_name, make) => {
    const res = await gallery(await make()).expect(401);
    expect(res.body.code).toBe('AUTH.UNAUTHENTICATED');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses the token of an account whose row is gone', async () => {
    const doomed = await signUp('doomed');
    await gallery(doomed.token).expect(200);
    await stack.database.db.deleteFrom('users').where('id', '=', doomed.userId).execute();
    await gallery(doomed.token).expect(401);
  });

  it('gives away nothing about which accounts exist, by status or body', async () => {
    const known = await request(getTestServer('login'))
      .post('/')
      .send({ email: user.username, password: 'wrong-wrong' });
    const unknown = await request(getTestServer('login'))
      .post('/')
      .send({ email: 'nobody-at-all@example.com', password: 'wrong-wrong' });
    const { requestId: _a, ...a } = known.body;
    const { requestId: _b, ...b } = unknown.body;
    expect([known.status, a]).toEqual([unknown.status, b]);
  });

  it('checks no more passwords than the limit when they are sent all at once', async () => {
    const target = await signUp('raced');
    const guesses = [...Array.from({ length: 29 }, (_, i) => `guess-${i}-guess`), 'password-1'];
    const answers = await Promise.all(
      guesses.map((password) => request(getTestServer('login')).post('/').send({ email: target.username, password })),
    );
    const statuses = answers.map((res) => res.status);
    // LOGIN_MAX_FAILURES is 5 here: five are checked (the right one only if it was among them).
    expect(statuses.filter((status) => status === 401 || status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25);
  });

  it('counts an account once however it is named: username, email, any case', async () => {
    const target = await signUp('named');
    const names = [target.username, `${target.username}@example.com`, target.username.toUpperCase()];
    for (let i = 0; i < 5; i += 1)
      await request(getTestServer('login'))
        .post('/')
        .send({ email: names[i % names.length], password: 'wrong-wrong' })
        .expect(401);
    const res = await request(getTestServer('login'))
      .post('/')
      .send({ email: `${target.username}@example.com`, password: 'password-1' });
    expect(res.status).toBe(429);
  });

  it('throttles one account tried from many addresses', async () => {
    const target = await signUp('stuffed');
    // As behind one trusted proxy, so that each attempt comes from another address.
    stack.deps.config.trustedProxyHops = 1;
    try {
      for (let i = 0; i < 5; i += 1) {
        await request(getTestServer('login'))
          .post('/')
          .set('X-Forwarded-For', `198.51.100.${i}`)
          .send({ email: target.username, password: 'guess-guess' })
          .expect(401);
      }
      const res = await request(getTestServer('login'))
        .post('/')
        .set('X-Forwarded-For', '203.0.113.99')
        .send({ email: target.username, password: 'password-1' });
      expect(res.status).toBe(429);
    } finally {
      stack.deps.config.trustedProxyHops = 0;
    }
  });
});
