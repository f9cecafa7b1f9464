import { createHash } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { JoseTokens, type TokenSettings } from '../../functions/src/adapters/jose-tokens';
import { ManualClock } from '../support/stack';

const CURRENT = 'current-signing-key-0123456789abcdefghijkl';
const PREVIOUS = 'previous-signing-key-0123456789abcdefghijk';
const settings: TokenSettings = {
  signingKey: CURRENT,
  previousSigningKey: undefined,
  ttlSeconds: 3600,
  issuer: 'cutout',
  audience: 'cutout-api',
};
const kidOf = (key: string) => createHash('sha256').update(key).digest('base64url').slice(0, 16);

describe('JoseTokens', () => {
  const clock = new ManualClock();
  const tokens = new JoseTokens(settings, clock);

  /** A token built by hand, so that each claim can be got wrong on purpose. */
  const forge = (
    overrides: {
      key?: string;
      header?: Record<string, unknown>;
      iss?: string;
      aud?: string;
      exp?: number;
      sub?: string;
    } = {},
  ) => {
    const now = Math.floor(clock.now().getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: kidOf(overrides.key ?? CURRENT), ...overrides.header })
      .setSubject(overrides.sub ?? 'user-1')
      .setIssuer(overrides.iss ?? 'cutout')
      .setAudience(overrides.aud ?? 'cutout-api')
      .setIssuedAt(now)
      .setExpirationTime(overrides.exp ?? now + 60)
      .sign(new TextEncoder().encode(overrides.key ?? CURRENT));
  };

  it('issues a token that verifies to its user and expires after the TTL', async () => {
    const issued = await tokens.issue('user-1');
    expect(issued.expiresAt.getTime() - clock.now().getTime()).toBe(3600_000);
    await expect(tokens.verify(issued.token)).resolves.toBe('user-1');
    expect(JSON.parse(Buffer.from(issued.token.split('.')[0]!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'at+jwt',
      kid: kidOf(CURRENT),
    });
  });

  it('a remembered token still expires, and vouches only for its own exact text', async () => {
    const local = new JoseTokens(settings, clock);
    const issued = await local.issue('user-2');
    await expect(local.verify(issued.token)).resolves.toBe('user-2');
    await expect(local.verify(issued.token)).resolves.toBe('user-2');
    clock.advance(3599);
    await expect(local.verify(issued.token)).resolves.toBe('user-2');
    clock.advance(1);
    await expect(local.verify(issued.token)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    // A remembered token vouches for nothing but its own exact text.
    const fresh = await local.issue('user-2');
    await local.verify(fresh.token);
    await expect(local.verify(`${fresh.token.slice(0, -2)}AA`)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
  });

  it('accepts a hand-forged token that is right in every respect (so the refusals below mean something)', async () => {
    await expect(tokens.verify(await forge())).resolves.toBe('user-1');
  });

  it.each([
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await forge()).split('.');
        const payload = Buffer.from(
          JSON.stringify({ sub: 'admin', iss: 'cutout', aud: 'cutout-api', exp: 9e9, iat: 1 }),
        ).toString('base64url');
        return `${h}.${payload}.${s}`;
      },
    ],
    ['a wrong key', () => forge({ key: 'another-key-0123456789abcdefghijklmnopq' })],
    ['an unknown kid', () => forge({ header: { kid: 'nope' } })],
    ['no kid', () => forge({ header: { kid: undefined } })],
    ['a wrong audience', () => forge({ aud: 'someone-else' })],
    ['a wrong issuer', () => forge({ iss: 'evil' })],
    ['a wrong type', () => forge({ header: { typ: 'JWT' } })],
    ['an expired token', () => forge({ exp: Math.floor(clock.now().getTime() / 1000) - 1 })],
    [
      'alg none',
      async () => new UnsecuredJWT({ sub: 'user-1', iss: 'cutout', aud: 'cutout-api', iat: 1, exp: 9e9 }).encode(),
    ],
    ['an empty subject', () => forge({ sub: '' })],
  ])('refuses %s', async (_name, make) => {
    await expect(tokens.verify(await make())).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED', status: 401 });
  });

  it('keeps tokens signed with the previous key valid through a rotation, and only those', async () => {
    const old = await new JoseTokens({ ...settings, signingKey: PREVIOUS }, clock).issue('user-2');
    const rotated = new JoseTokens({ ...settings, signingKey: CURRENT, previousSigningKey: PREVIOUS }, clock);
    await expect(rotated.verify(old.token)).resolves.toBe('user-2');
    await expect(tokens.verify(old.token)).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED' });
    const fresh = await rotated.issue('user-3');
    await expect(tokens.verify(fresh.token)).resolves.toBe('user-3');
  });
});
