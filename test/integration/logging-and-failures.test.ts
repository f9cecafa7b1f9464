import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import request from 'supertest';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../functions/src/config';
import type { Deps } from '../../functions/src/deps';
import { requireUser } from '../../functions/src/http/auth';
import { makeLoginHandler } from '../../functions/src/http/login';
import { makeRegisterHandler } from '../../functions/src/http/register';
import type { Request } from '@google-cloud/functions-framework';
import { ManualClock, startTestStack, TEST_SIGNING_KEY, type TestStack } from '../support/stack';

let provide: () => Deps;
http(
  'register',
  makeRegisterHandler(() => provide()),
);
http(
  'login',
  makeLoginHandler(() => provide()),
);

const post = (fn: string, body: unknown, headers: Record<string, string> = {}) =>
  request(getTestServer(fn))
    .post('/')
    .set({ 'Content-Type': 'application/json', ...headers })
    .send(JSON.stringify(body));

/** Every line written to stdout while `run` runs. */
async function captureStdout(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as typeof process.stdout.write;
  try {
    await run();
  } finally {
    process.stdout.write = write;
  }
  return lines;
}

describe('logs, failures and authentication', () => {
  const clock = new ManualClock();
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack('sqlite', { LOG_LEVEL: 'debug' }, clock);
    provide = () => stack.deps;
  });
  afterAll(() => stack.stop());

  it('logs one JSON line per entry, with the trace, and never a password, token or key', async () => {
    const password = 'very-secret-password-42';
    let token = '';
    const lines = await captureStdout(async () => {
      const trace = { 'X-Cloud-Trace-Context': '0123456789abcdef0123456789abcdef/1;o=1' };
      const res = await post('register', { email: 'logs@example.com', username: 'logs', password }, trace).expect(201);
      token = res.body.token;
      await post('login', { email: 'logs@example.com', password }, { Authorization: `Bearer ${token}` }).expect(200);
      await post('login', { email: 'logs@example.com', password: `${password}-wrong` }).expect(401);
    });
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    for (const entry of entries) {
      expect(entry).toEqual(
        expect.objectContaining({
          severity: expect.any(String),
          message: expect.any(String),
          requestId: expect.any(String),
        }),
      );
    }
    expect(entries[0]).toMatchObject({
      'logging.googleapis.com/trace': 'projects/demo-cutout/traces/0123456789abcdef0123456789abcdef',
    });
    const all = lines.join('\n');
    for (const secret of [password, token, token.split('.')[2]!, TEST_SIGNING_KEY, 'Bearer'])
      expect(all).not.toContain(secret);
  });

  it('turns an unexpected error into a bare 500 with a request id, and logs the stack', async () => {
    provide = () => ({
      ...stack.deps,
      users: () => Promise.reject(new Error('connection refused to db-internal-host:3306')),
    });
    let res: request.Response | undefined;
    const lines = await captureStdout(async () => {
      res = await post('register', { email: 'boom@example.com', username: 'boom', password: 'password-1' }).expect(500);
    });
    provide = () => stack.deps;
    expect(res!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res!.body).toEqual({
      type: 'urn:cutout:problem:INTERNAL',
      title: 'Internal Server Error',
      status: 500,
      code: 'INTERNAL',
      detail: `Something went wrong on our side. Quote request ${res!.body.requestId}.`,
      requestId: res!.headers['x-request-id'],
    });
    const logged = lines.map((line) => JSON.parse(line)).find((entry) => entry.severity === 'ERROR');
    expect(logged.requestId).toBe(res!.body.requestId);
    expect(logged.error.stack).toContain('db-internal-host');
  });

  it('answers 500 without details when the configuration is broken', async () => {
    provide = () => {
      throw new ConfigError(['TOKEN_SIGNING_KEY: required']);
    };
    const lines = await captureStdout(async () => {
      const res = await post('login', { email: 'a@example.com', password: 'password-1' }).expect(500);
      expect(JSON.stringify(res.body)).not.toContain('TOKEN_SIGNING_KEY');
    });
    provide = () => stack.deps;
    expect(lines.join('\n')).toContain('TOKEN_SIGNING_KEY: required');
  });

  it('treats a client hanging up mid-body as the client going away, not as our error', async () => {
    const server = getTestServer('register');
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    const seen: string[] = [];
    const lines = await captureStdout(async () => {
      const write = process.stdout.write;
      process.stdout.write = ((chunk: string) => (
        seen.push(String(chunk)),
        write.call(process.stdout, chunk)
      )) as typeof write;
      try {
        const { port } = server.address() as AddressInfo;
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': 1000 },
        });
        req.on('error', () => undefined);
        req.write('{"email": "half');
        await new Promise((resolve) => setTimeout(resolve, 100));
        req.destroy();
        for (let i = 0; i < 50 && !seen.some((line) => line.includes('POST / 400')); i += 1)
          await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        process.stdout.write = write;
      }
    });
    server.close();
    expect(lines.some((line) => line.includes('"severity":"ERROR"'))).toBe(false);
    expect(lines.some((line) => line.includes('POST / 400'))).toBe(true);
  });

  describe('requireUser', () => {
    const asRequest = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as Request;

    // Users made directly, so that these tests log nothing.
    const signUp = async (username: string) => {
      const user = {
        id: `${username}-id`.padEnd(22, '0'),
        email: `${username}@example.com`,
        username,
        createdAt: clock.now(),
      };
      await (await stack.deps.users()).create({ ...user, passwordHash: 'unused' });
      return { user, token: (await stack.deps.tokens.issue(user.id)).token };
    };

    it('accepts a valid token of an existing user', async () => {
      const { user, token } = await signUp('auth');
      await expect(requireUser(asRequest(`Bearer ${token}`), stack.deps)).resolves.toEqual({
        ...user,
        tokenVersion: 0,
      });
    });

    it('refuses a token of an earlier version of the account (signed out everywhere)', async () => {
      const { user, token } = await signUp('revoked');
      await requireUser(asRequest(`Bearer ${token}`), stack.deps);
      const version = await (await stack.deps.users()).endSessions(user.id);
      await expect(requireUser(asRequest(`Bearer ${token}`), stack.deps)).rejects.toMatchObject({
        code: 'AUTH.UNAUTHENTICATED',
      });
      const fresh = (await stack.deps.tokens.issue(user.id, version)).token;
      await expect(requireUser(asRequest(`Bearer ${fresh}`), stack.deps)).resolves.toMatchObject({ tokenVersion: 1 });
    });

    it.each([
      ['no header', undefined],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['not a JWT', 'Bearer abc'],
      ['garbage JWT', 'Bearer a.b.c'],
    ])('refuses %s with AUTH.UNAUTHENTICATED', async (_name, header) => {
      await expect(requireUser(asRequest(header), stack.deps)).rejects.toMatchObject({
        code: 'AUTH.UNAUTHENTICATED',
        status: 401,
      });
    });

    it('refuses a well-signed token of a user who does not exist', async () => {
      const { token } = await stack.deps.tokens.issue('AAAAAAAAAAAAAAAAAAAAAA');
      await expect(requireUser(asRequest(`Bearer ${token}`), stack.deps)).rejects.toMatchObject({
        code: 'AUTH.UNAUTHENTICATED',
      });
    });

    it('refuses an expired token', async () => {
      const { token } = await signUp('late');
      clock.advance(3601);
      await expect(requireUser(asRequest(`Bearer ${token}`), stack.deps)).rejects.toMatchObject({
        code: 'AUTH.UNAUTHENTICATED',
      });
    });
  });
});
