import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { databaseKinds } from '../support/environment';
import { registerHttpFunctions } from '../support/functions';
import { ManualClock, startTestStack, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'login']);

const post = (fn: 'register' | 'login', body: unknown) =>
  request(getTestServer(fn)).post('/').set('Content-Type', 'application/json').send(JSON.stringify(body));

let seq = 0;
const newAccount = () => {
  seq += 1;
  return { email: `user${seq}@example.com`, username: `user_${seq}`, password: `pass-word-${seq}` };
};

describe.each(databaseKinds())('register and login on %s', (kind) => {
  const clock = new ManualClock();
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack(kind, { LOGIN_MAX_FAILURES: '10', LOGIN_MAX_FAILURES_PER_ADDRESS: '30' }, clock);
    under.deps = stack.deps;
  });
  afterAll(() => stack.stop());
  // Each test starts in a fresh throttling window.
  beforeEach(() => clock.advance(900));

  it('registers an account and returns a working token', async () => {
    const account = newAccount();
    const res = await post('register', account).expect(201);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({
      user: {
        id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
        email: account.email,
        username: account.username,
        createdAt: clock.now().toISOString(),
      },
      token: expect.any(String),
      tokenType: 'Bearer',
      expiresAt: new Date(clock.now().getTime() + 3600_000).toISOString(),
    });
    expect(await stack.deps.tokens.verify(res.body.token)).toBe(res.body.user.id);
    const row = await stack.database.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', res.body.user.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^\$2[aby]\$04\$/);
    expect(row.password_hash).not.toContain(account.password);
  });

  it('refuses an email or username already registered, whatever the case', async () => {
    const account = newAccount();
    await post('register', account).expect(201);
    const sameEmail = await post('register', { ...newAccount(), email: account.email.toUpperCase() }).expect(409);
    expect(sameEmail.body).toMatchObject({ code: 'ACCOUNT.TAKEN', status: 409, errors: [{ field: 'email' }] });
    const sameName = await post('register', { ...newAccount(), username: account.username.toUpperCase() }).expect(409);
    expect(sameName.body).toMatchObject({ code: 'ACCOUNT.TAKEN', errors: [{ field: 'username' }] });
  });

  it('lets exactly one of several concurrent registrations of one email through', async () => {
    const email = newAccount().email;
    const results = await Promise.all(Array.from({ length: 6 }, () => post('register', { ...newAccount(), email })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const rows = await stack.database.db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(rows).toHaveLength(1);
  });

  it('answers bad input with field errors and writes nothing', async () => {
    const res = await post('register', { email: 'not-an-email', username: 'a', password: 'short', admin: true }).expect(
      400,
    );
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('REQUEST.VALIDATION');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
      'admin',
      'email',
      'password',
      'username',
    ]);
    const long = await post('register', { ...newAccount(), password: 'é'.repeat(37) }).expect(400);
    expect(long.body.errors).toEqual([{ field: 'password', message: expect.stringContaining('(this one is 74)') }]);
    const rows = await stack.database.db.selectFrom('users').select('id').where('email', '=', 'not-an-email').execute();
    expect(rows).toHaveLength(0);
  });

  it('maps protocol mistakes to problem+json', async () => {
    const malformed = await request(getTestServer('register'))
      .post('/')
      .set('Content-Type', 'application/json')
      .send('{"email": ')
      .expect(400);
    expect(malformed.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(malformed.body).toMatchObject({ code: 'REQUEST.MALFORMED', status: 400 });
    expect(JSON.stringify(malformed.body)).not.toMatch(/at JSON\.parse|node_modules/);

    const wrongType = await request(getTestServer('register'))
      .post('/')
      .set('Content-Type', 'text/plain')
      .send('{}')
      .expect(415);
    expect(wrongType.body.code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');

    const wrongMethod = await request(getTestServer('login')).get('/').expect(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect(wrongMethod.body.code).toBe('REQUEST.METHOD_NOT_ALLOWED');

    const huge = await post('register', { ...newAccount(), padding: 'x'.repeat(10_000) }).expect(413);
    expect(huge.body.code).toBe('REQUEST.TOO_LARGE');

    const notObject = await post('login', ['a']).expect(400);
    expect(notObject.body.code).toBe('REQUEST.VALIDATION');
  });

  it('signs in by email or username, and gives nothing away on failure', async () => {
    const account = newAccount();
    await post('register', account).expect(201);
    const byEmail = await post('login', { email: account.email.toUpperCase(), password: account.password }).expect(200);
    expect(byEmail.body.user.username).toBe(account.username);
    expect(await stack.deps.tokens.verify(byEmail.body.token)).toBe(byEmail.body.user.id);
    await post('login', { email: account.username, password: account.password }).expect(200);

    const wrong = await post('login', { email: account.email, password: 'wrong-password' }).expect(401);
    const unknown = await post('login', { email: 'nobody@example.com', password: 'wrong-password' }).expect(401);
    const tooLong = await post('login', { email: account.email, password: 'x'.repeat(100) }).expect(401);
    const strip = ({ requestId: _id, ...rest }: Record<string, unknown>) => rest;
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(strip(wrong.body)).toEqual(strip(tooLong.body));
    expect(wrong.body.code).toBe('AUTH.INVALID_CREDENTIALS');
  });

  it('throttles an account after ten failures, with Retry-After, until the window passes', async () => {
    const account = newAccount();
    await post('register', account).expect(201);
    for (let i = 0; i < 10; i += 1)
      await post('login', { email: account.email, password: 'wrong-password' }).expect(401);
    const blocked = await post('login', { email: account.email, password: account.password }).expect(429);
    expect(blocked.body.code).toBe('AUTH.TOO_MANY_ATTEMPTS');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // Changing the case does not escape the counter.
    await post('login', { email: account.email.toUpperCase(), password: account.password }).expect(429);
    clock.advance(retryAfter);
    await post('login', { email: account.email, password: account.password }).expect(200);
  });

  it('resets the account counter after a successful sign-in', async () => {
    const account = newAccount();
    await post('register', account).expect(201);
    for (let i = 0; i < 9; i += 1)
      await post('login', { email: account.email, password: 'wrong-password' }).expect(401);
    await post('login', { email: account.email, password: account.password }).expect(200);
    for (let i = 0; i < 9; i += 1)
      await post('login', { email: account.email, password: 'wrong-password' }).expect(401);
    await post('login', { email: account.email, password: account.password }).expect(200);
  });

  it('throttles one address that tries many accounts', async () => {
    for (let i = 0; i < 30; i += 1)
      await post('login', { email: `stuffed${i}@example.com`, password: 'guess-guess' }).expect(401);
    const account = newAccount();
    await post('register', account).expect(201);
    await post('login', { email: account.email, password: account.password }).expect(429);
  });
});
