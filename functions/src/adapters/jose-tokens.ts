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

  constructor(
    private readonly settings: TokenSettings,
    private readonly clock: Clock,
  ) {
    this.current = toKey(settings.signingKey);
    const all = [this.current, ...(settings.previousSigningKey ? [toKey(settings.previousSigningKey)] : [])];
    this.keys = new Map(all.map((key) => [key.kid, key]));
  }

  async issue(userId: string): Promise<IssuedToken> {
    const issuedAt = Math.floor(this.clock.now().getTime() / 1000);
    const expiresAt = issuedAt + this.settings.ttlSeconds;
    const token = await new SignJWT({})
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
      return payload.sub;
    } catch {
      throw unauthenticated();
    }
  }

  private keyFor(header: JWTHeaderParameters): Uint8Array {
    const key = header.kid === undefined ? undefined : this.keys.get(header.kid);
    if (!key) throw new Error('unknown key id');
    return key.secret;
  }
}
