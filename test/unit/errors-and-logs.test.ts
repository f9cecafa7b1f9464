import bcrypt from 'bcryptjs';
import { BcryptHasher, unmatchableHash } from '../../functions/src/adapters/bcrypt-hasher';
import { tooManyAttempts, validationError } from '../../functions/src/core/errors';
import { currentWindow, secondsUntil } from '../../functions/src/core/rate-window';
import { toProblem } from '../../functions/src/core/problem';
import { createLogger, traceField, traceId } from '../../functions/src/logger';

describe('toProblem', () => {
  it('maps an AppError to its status, code, field errors and headers', () => {
    expect(toProblem(validationError([{ field: 'email', message: 'is required' }]), 'r1')).toEqual({
      status: 400,
      headers: {},
      body: {
        type: 'urn:cutout:problem:REQUEST.VALIDATION',
        title: 'Bad Request',
        status: 400,
        detail: 'The request has invalid fields.',
        code: 'REQUEST.VALIDATION',
        errors: [{ field: 'email', message: 'is required' }],
        requestId: 'r1',
      },
    });
    expect(toProblem(tooManyAttempts(42), 'r2').headers).toEqual({ 'Retry-After': '42' });
  });

  it('hides everything about an unexpected error but the request id', () => {
    const { status, body } = toProblem(new TypeError('secret internals at /srv/app.js:1'), 'r3');
    expect(status).toBe(500);
    expect(body.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('internals');
    expect(body.detail).toContain('r3');
  });
});

describe('logger', () => {
  const capture = () => {
    const lines: string[] = [];
    return { lines, log: createLogger('info', { service: 'test' }, (line) => lines.push(line)) };
  };

  it('writes one JSON line per entry with severity, and drops entries below the level', () => {
    const { lines, log } = capture();
    log.debug('hidden');
    log.child({ requestId: 'abc' }).warn('careful', { n: 1 });
    expect(lines).toEqual([
      `${JSON.stringify({ severity: 'WARNING', message: 'careful', service: 'test', requestId: 'abc', n: 1 })}\n`,
    ]);
  });

  it('redacts credential-shaped fields at any depth', () => {
    const { lines, log } = capture();
    log.info('x', {
      password: 'p1',
      nested: { Authorization: 'Bearer t', apiKey: 'k', list: [{ token: 't2' }] },
      ok: 'visible',
    });
    const text = lines.join('');
    for (const secret of ['p1', 'Bearer t', '"k"', 't2']) expect(text).not.toContain(secret);
    expect(text).toContain('visible');
  });

  it('reads the trace id from X-Cloud-Trace-Context or traceparent', () => {
    expect(traceId({ 'x-cloud-trace-context': 'ABCDEF0123456789ABCDEF0123456789/123;o=1' })).toBe(
      'abcdef0123456789abcdef0123456789',
    );
    expect(traceId({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' })).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
    expect(traceId({ traceparent: 'garbage' })).toBeUndefined();
    expect(traceField('t', 'p')).toEqual({ 'logging.googleapis.com/trace': 'projects/p/traces/t' });
    expect(traceField(undefined, 'p')).toEqual({});
  });
});

describe('BcryptHasher', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const hasher = new BcryptHasher(4);
    const hash = await hasher.hash('correct horse');
    await expect(hasher.verify('correct horse', hash)).resolves.toBe(true);
    await expect(hasher.verify('wrong horse', hash)).resolves.toBe(false);
  });

  it('without a hash still runs one comparison at the configured cost, and refuses', async () => {
    const hasher = new BcryptHasher(5);
    const compare = jest.spyOn(bcrypt, 'compare');
    await expect(hasher.verify('anything', undefined)).resolves.toBe(false);
    expect(compare).toHaveBeenCalledTimes(1);
    expect(String(compare.mock.calls[0]![1])).toMatch(/^\$2[aby]\$05\$[./A-Za-z0-9]{53}$/);
    compare.mockRestore();
  });

  it('makes the dummy without hashing: a well-formed hash no password matches', async () => {
    const hash = jest.spyOn(bcrypt, 'hash');
    const hashSync = jest.spyOn(bcrypt, 'hashSync');
    const dummy = unmatchableHash(4);
    expect(dummy).toHaveLength(60);
    expect(bcrypt.getRounds(dummy)).toBe(4);
    await expect(bcrypt.compare('', dummy)).resolves.toBe(false);
    await expect(new BcryptHasher(4).verify('anything', undefined)).resolves.toBe(false);
    expect(hash).not.toHaveBeenCalled();
    expect(hashSync).not.toHaveBeenCalled();
    expect(unmatchableHash(4)).not.toBe(dummy);
    hash.mockRestore();
    hashSync.mockRestore();
  });
});

describe('rate windows', () => {
  it('numbers fixed windows and counts whole seconds to the end', () => {
    const now = new Date('2026-11-24T12:07:30Z');
    const window = currentWindow(now, 900);
    expect(window.endsAt.toISOString()).toBe('2026-11-24T12:15:00.000Z');
    expect(currentWindow(new Date('2026-11-24T12:14:59.999Z'), 900).index).toBe(window.index);
    expect(secondsUntil(window.endsAt, now)).toBe(450);
    expect(secondsUntil(now, now)).toBe(1);
  });
});
