import { createHash } from 'node:crypto';
import { SignJWT, jwtVerify, type JWTHeaderParameters } from 'jose';
import type { Clock, IssuedToken, TokenService } from '../ports';
import { unauthenticated } from '../core/errors';

export interface TokenSettings {
  signingKey: string;
  previousSigningKey: string | undefined;
  ttlSeconds: number;
  issuer: string;
  audience: string;
}

const ALG = 'HS256';
const VERIFIED_LIMIT = 10_000;
// RFC 9068's type for access tokens; a token of any other type is refused.
const TYP = 'at+jwt';

interface Key {
  kid: string;
  secret: Uint8Array;
}

function toKey(secret: string): Key {
  const bytes = new TextEncoder().encode(secret);
  const kid = createHash('sha256').update(bytes).digest('base64url').slice(0, 16);
  return { kid, secret: bytes };
}

/**
 * HS256 bearer tokens. Signed with the current key; verified with the current or the previous
 * one (chosen by `kid`), so a key can be rotated without signing everyone out.
 */
export class JoseTokens implements TokenService {
  private readonly current: Key;
  private readonly keys: Map<string, Key>;
  /**
   * Tokens already verified, by their exact text, until they expire: a signed-in page sends the
   * same token with every request, and checking it again is the same answer at a cost.
   */
  private readonly verified = new Map<string, { userId: string; version: number; expiresAtMs: number }>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly clock: Clock,
  ) {
    this.current = toKey(settings.signingKey);
    const all = [this.current, ...(settings.previousSigningKey ? [toKey(settings.previousSigningKey)] : [])];
    this.keys = new Map(all.map((key) => [key.kid, key]));
  }

  async issue(userId: string, version = 0): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + this.settings.ttlSeconds;
    const token = await new SignJWT({ ver: version })
      .setProtectedHeader({ alg: ALG, typ: TYP, kid: this.current.kid })
      .setSubject(userId)
      .setIssuer(this.settings.issuer)
      .setAudience(this.settings.audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .sign(this.current.secret);
    return { token, expiresAt: new Date(expiresAt * 1000) };
  }

  async verify(token: string): Promise<string> {
    return (await this.verifyClaims(token)).userId;
  }

  async verifyClaims(token: string): Promise<{ userId: string; version: number }> {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAtMs > this.clock.now().getTime()) return known;
      this.verified.delete(token);
    }
    try {
      const { payload } = await jwtVerify(token, (header: JWTHeaderParameters) => this.keyFor(header), {
        algorithms: [ALG],
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        typ: TYP,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: this.clock.now(),
      });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new Error('no subject');
      const version = payload.ver ?? 0;
      if (typeof version !== 'number' || !Number.isInteger(version)) throw new Error('a version that is not one');
      const claims = { userId: payload.sub, version };
      this.remember(token, { ...claims, expiresAtMs: (payload.exp as number) * 1000 });
      return claims;
    } catch {
      throw unauthenticated();
    }
  }

  /** Maps iterate in insertion order: dropping the first entry drops the oldest. */
  private remember(token: string, verified: { userId: string; version: number; expiresAtMs: number }): void {
    if (this.verified.size >= VERIFIED_LIMIT) this.verified.delete(this.verified.keys().next().value as string);
    this.verified.set(token, verified);
  }

  private keyFor(header: JWTHeaderParameters): Uint8Array {
    const key = header.kid === undefined ? undefined : this.keys.get(header.kid);
    if (!key) throw new Error('unknown key id');
    return key.secret;
  }
}
