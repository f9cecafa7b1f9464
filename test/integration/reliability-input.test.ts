import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import fc from 'fast-check';
import request from 'supertest';
import { signUp } from '../support/accounts';
import { databaseKinds } from '../support/environment';
import { registerHttpFunctions } from '../support/functions';
import { startTestStack, type TestStack } from '../support/stack';

const under = registerHttpFunctions(['register', 'login', 'upload', 'images', 'edit', 'account', 'archive', 'delete']);

/** What each status may carry: the right code, as problem+json. */
const CODES: Record<number, RegExp> = {
  400: /^REQUEST\.(VALIDATION|MALFORMED)$/,
  401: /^AUTH\.(INVALID_CREDENTIALS|UNAUTHENTICATED)$/,
  404: /^(IMAGE|REQUEST)\.NOT_FOUND$/,
  405: /^REQUEST\.METHOD_NOT_ALLOWED$/,
  409: /^(ACCOUNT\.TAKEN|IMAGE\.NOT_READY)$/,
  413: /^(REQUEST|UPLOAD)\.TOO_LARGE$/,
  415: /^(REQUEST\.UNSUPPORTED_MEDIA_TYPE|UPLOAD\.UNSUPPORTED_TYPE)$/,
  429: /^(AUTH\.TOO_MANY_ATTEMPTS|UPLOAD\.QUOTA_EXCEEDED)$/,
};

/** Every answer is a success or a 4xx problem with the right code: never a 5xx, never a hang. */
function expectClientAnswer(res: request.Response, allowedSuccess: number[]): void {
  if (allowedSuccess.includes(res.status)) return;
  const detail = `${res.status} ${res.text.slice(0, 300)}`;
  expect({ status: res.status < 500 && res.status >= 400, detail }).toEqual({ status: true, detail });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.status).toBe(res.status);
  expect({ code: res.body.code, detail }).toEqual({ code: expect.stringMatching(CODES[res.status] ?? /^$/), detail });
}

// Strings that have broken other systems: NUL, RTL override, lone surrogates, emoji, width twins, SQL and paths.
const NASTY = [
  '\u0000',
  'a\u0000b',
  '\u202egnp.exe',
  '\ud800',
  '😀'.repeat(40),
  'ａｄｍｉｎ',
  "' OR '1'='1' --",
  '"; DROP TABLE users; --',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '\r\nX-Injected: 1',
  'A'.repeat(5000),
  '',
];
const nastyString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ maxLength: 20 }),
);
const jsonValue = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nastyString, { maxLength: 3 }),
  fc.dictionary(nastyString, nastyString, { maxKeys: 3 }),
);
const RUNS = { seed: 20261124, numRuns: 40, endOnFailure: true };

describe.each(databaseKinds())('bad input on every endpoint (%s)', (kind) => {
  let stack: TestStack;
  let auth: string;

  beforeAll(async () => {
    stack = await startTestStack(
      kind,
      { LOGIN_MAX_FAILURES: '1000', LOGIN_MAX_FAILURES_PER_ADDRESS: '100000', UPLOAD_DAILY_QUOTA: '100000' },
      { storage: {} },
    );
    under.deps = stack.deps;
    ({ auth } = await signUp('fuzz'));
  });
  afterAll(() => stack.stop());

  it('register and login answer any JSON body with 4xx problems or success', async () => {
    const body = fc.oneof(
      jsonValue,
      fc.record({ email: jsonValue, username: jsonValue, password: jsonValue }, { requiredKeys: [] }),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('register', 'login'), async (input, fn) => {
        const res = await request(getTestServer(fn))
          .post('/')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(input));
        expectClientAnswer(res, fn === 'register' ? [201] : [200]);
      }),
      RUNS,
    );
  });

  it('upload answers any JSON body with 4xx problems or a signed URL', async () => {
    const body = fc.record(
      {
        filename: jsonValue,
        contentType: fc.oneof(jsonValue, fc.constantFrom('image/png', 'image/svg+xml', 'text/html')),
        size: fc.oneof(jsonValue, fc.integer({ min: -5, max: 30_000_000 })),
        options: jsonValue,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        const res = await request(getTestServer('upload'))
          .post('/')
          .set('Authorization', auth)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(input));
        expectClientAnswer(res, [201]);
      }),
      RUNS,
    );
  });

  it('images and delete answer any path and query with 4xx problems or success', async () => {
    const encodable = NASTY.filter((s) => s.isWellFormed()).map((s) => encodeURIComponent(s));
    const segment = fc.oneof(fc.constantFrom(...encodable), fc.webSegment(), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/));
    await fc.assert(
      fc.asyncProperty(segment, fc.webQueryParameters(), async (id, query) => {
        const list = await request(getTestServer('images')).get(`/api/images?${query}`).set('Authorization', auth);
        expectClientAnswer(list, [200]);
        const one = await request(getTestServer('images')).get(`/api/images/${id}`).set('Authorization', auth);
        expectClientAnswer(one, [200]);
        const gone = await request(getTestServer('delete')).delete(`/api/delete/${id}`).set('Authorization', auth);
        expectClientAnswer(gone, [204]);
      }),
      RUNS,
    );
  });

  it('edit answers any path, query and body below an image with 4xx problems', async () => {
    const encodable = NASTY.filter((s) => s.isWellFormed()).map((s) => encodeURIComponent(s));
    const segment = fc.oneof(fc.constantFrom(...encodable), fc.webSegment(), fc.stringMatching(/^[A-Za-z0-9_-]{22}$/));
    const resource = fc.oneof(fc.constantFrom('edits', 'render', 'mask', 'background'), segment);
    const method = fc.constantFrom('get', 'patch', 'put', 'delete', 'post');
    await fc.assert(
      fc.asyncProperty(
        segment,
        resource,
        method,
        fc.webQueryParameters(),
        jsonValue,
        async (id, sub, verb, query, body) => {
          const agent = request(getTestServer('edit'));
          const res = await agent[verb](`/api/images/${id}/${sub}?${query}`)
            .set('Authorization', auth)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          // No image of this user has a cutout, so nothing here can succeed.
          expectClientAnswer(res, []);
        },
      ),
      RUNS,
    );
  });

  it('account and archive answer any path, method and body with 4xx problems or success', async () => {
    const encodable = NASTY.filter((s) => s.isWellFormed()).map((s) => encodeURIComponent(s));
    // Not "sessions": its DELETE would end this suite's session, which is what it is for.
    const segment = fc.oneof(fc.constantFrom('', 'password', ...encodable), fc.webSegment());
    const method = fc.constantFrom('get', 'post', 'delete', 'patch');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('account', 'archive'),
        segment,
        method,
        jsonValue,
        async (fn, sub, verb, body) => {
          const agent = request(getTestServer(fn));
          const res = await agent[verb](`/api/${fn}/${sub}`)
            .set('Authorization', auth)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(body));
          // Only reading the account succeeds: the bodies here never hold the right password or ids.
          expectClientAnswer(res, fn === 'account' && verb === 'get' && sub === '' ? [200] : []);
        },
      ),
      RUNS,
    );
  });

  it('answers raw bytes, wrong types and huge bodies with the right 4xx', async () => {
    const post = (fn: string, type: string | undefined, body: string | Buffer) => {
      const req = request(getTestServer(fn)).post('/').set('Authorization', auth);
      if (type) req.set('Content-Type', type);
      return req.send(body);
    };
    const cases: [string, string | undefined, string | Buffer, number][] = [
      ['register', 'application/json', Buffer.from([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]), 400], // overlong UTF-8
      ['register', 'application/json', Buffer.from([0xff, 0xfe, 0x7b, 0x7d]), 400],
      ['register', 'application/json', '{"email": "a@b.co", "email": 1', 400],
      ['login', 'application/json', 'null', 400],
      ['login', 'text/plain', '{}', 415],
      ['login', undefined, '{}', 415],
      ['login', 'application/x-www-form-urlencoded', 'email=a&password=b', 415],
      ['register', 'application/json', JSON.stringify({ email: 'x'.repeat(100_000) }), 413],
      ['upload', 'application/json', JSON.stringify({ filename: 'x'.repeat(20_000) }), 413],
      ['upload', 'multipart/form-data', 'no boundary here', 400],
      [
        'upload',
        'multipart/form-data; boundary=zz',
        '--zz\r\nContent-Disposition: form-data; name="image_file"; filename="a.png"\r\n\r\nshort',
        400,
      ],
      ['upload', 'image/png', Buffer.from([0x89, 0x50]), 415],
    ];
    for (const [fn, type, body, status] of cases) {
      const res = await post(fn, type, body);
      expect({ fn, type, status: res.status }).toEqual({ fn, type, status });
      expectClientAnswer(res, []);
    }
  });

  it('answers an over-limit JSON body sent chunked (no Content-Length) with 413, not 500', async () => {
    const server = getTestServer('register');
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    try {
      const { port } = server.address() as AddressInfo;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port,
            path: '/',
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.write(`{"email":"${'x'.repeat(5000)}`);
        req.end(`${'x'.repeat(5000)}"}`);
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).code).toBe('REQUEST.TOO_LARGE');
    } finally {
      await new Promise((done) => server.close(done));
    }
  });

  it('refuses a width twin of an existing username and keeps the original', async () => {
    const { username } = await signUp('twin');
    const twin = [...username]
      .map((c) => (/[a-z]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
      .join('');
    const res = await request(getTestServer('register'))
      .post('/')
      .send({ email: 'twin2@example.com', username: twin, password: 'password-1' });
    expect(res.status).toBe(400);
    const byTwin = await request(getTestServer('login')).post('/').send({ email: twin, password: 'password-1' });
    expect(byTwin.status).toBe(200); // the same account: NFKC folds the twin onto it
    expect(byTwin.body.user.username).toBe(username);
  });
});
