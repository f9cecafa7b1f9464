import { askMetadata, CachedToken, GOOGLE_METADATA, type MetadataSettings } from './metadata-server';
import type { IdTokenSource } from './removebg-client';

/** Google signs ID tokens for an hour; a reply whose claims say otherwise is still bounded by this. */
const MAX_LIFETIME_MS = 3600_000;

/**
 * ID tokens for the instance's service account from the metadata server, one cached token per
 * audience. Cloud Run checks them before a request reaches the private remover (terraform/).
 */
export class MetadataIdTokens implements IdTokenSource {
  private readonly byAudience = new Map<string, CachedToken>();

  constructor(private readonly settings: MetadataSettings = GOOGLE_METADATA) {}

  idToken(audience: string): Promise<string> {
    return this.cache(audience).get();
  }

  refused(audience: string, token: string): Promise<void> {
    return this.cache(audience).drop(token);
  }

  private cache(audience: string): CachedToken {
    let cached = this.byAudience.get(audience);
    if (!cached) {
      cached = new CachedToken(async () => {
        const item = `identity?audience=${encodeURIComponent(audience)}`;
        const token = (await (await askMetadata(this.settings, item, 'identity')).text()).trim();
        return { token, lifetimeMs: lifetimeOf(token) };
      });
      this.byAudience.set(audience, cached);
    }
    return cached;
  }
}

/**
 * How long a JWT lives, from its own `iat` and `exp`: measured from the moment it was asked
 * for, like an access token's expires_in, so a skewed clock here does not matter.
 */
function lifetimeOf(token: string): number {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part))) {
    throw new Error('metadata server: the identity reply is not a JWT');
  }
  let claims: { iat?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new Error('metadata server: the identity token has unreadable claims');
  }
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || exp <= iat) {
    throw new Error('metadata server: the identity token has no iat and exp');
  }
  return Math.min((exp - iat) * 1000, MAX_LIFETIME_MS);
}
