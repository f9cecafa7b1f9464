import type { Clock } from '../ports';
import {
  canonicalQuery,
  canonicalText,
  canonicalValue,
  credentialScope,
  resourcePath,
  signingDate,
  strictEncode,
  stringToSign,
  V4_ALGORITHM,
} from '../core/v4-signing';

/** Signs bytes with a service account's RSA key: locally with a key file, deployed through IAM. */
export interface BlobSigner {
  /** The service account's email, which names the key in the URL. */
  email(): Promise<string>;
  /** The RSA-SHA256 (PKCS #1 v1.5) signature of `blob`. */
  sign(blob: string): Promise<Buffer>;
}

export interface UrlRequest {
  method: 'GET' | 'PUT';
  bucket: string;
  key: string;
  expiresAt: Date;
  /** Headers the request must send with these exact values (besides host), bound by the signature. */
  headers?: Record<string, string>;
  /** Query parameters bound by the signature, such as `response-content-disposition`. */
  query?: Record<string, string>;
}

const MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

/**
 * Cloud Storage V4 signed URLs (path style), made here rather than by the Storage client: an
 * HTTP function that only signs (the gallery) then loads neither the client nor
 * google-auth-library at all, ~80 ms of its cold start. The URLs are the client's own, byte
 * for byte (test/integration/gcs-url-signer.test.ts compares them).
 */
export class V4UrlSigner {
  private readonly origin: string;
  private readonly host: string;

  constructor(
    endpoint: string,
    private readonly signer: BlobSigner,
    private readonly clock: Clock,
  ) {
    const url = new URL(endpoint);
    this.origin = url.origin;
    // The host name without the port, as the client signs it (GCS has no port to drop).
    this.host = url.hostname;
  }

  async sign(request: UrlRequest): Promise<string> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const expires = Math.floor(request.expiresAt.getTime() / 1000) - nowSeconds;
    if (!(expires >= 1 && expires <= MAX_EXPIRES_SECONDS)) {
      throw new Error(`signed URL: expiry must be 1 s to 7 days ahead, not ${expires} s`);
    }
    const { date, day } = signingDate(new Date(nowSeconds * 1000));
    const scope = credentialScope(day);
    const headers = Object.entries({ ...request.headers, host: this.host })
      .map(([name, value]) => [name.toLowerCase(), canonicalValue(value)] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    // Insertion order is the URL's order; the signature covers them sorted.
    const params: [string, string][] = [
      ['X-Goog-Algorithm', V4_ALGORITHM],
      ['X-Goog-Credential', `${await this.signer.email()}/${scope}`],
      ['X-Goog-Date', date],
      ['X-Goog-Expires', String(expires)],
      ['X-Goog-SignedHeaders', headers.map(([name]) => name).join(';')],
      ...Object.entries(request.query ?? {}),
    ];
    const path = resourcePath(request.bucket, request.key);
    const canonical = canonicalText({
      method: request.method,
      path,
      query: canonicalQuery(params),
      headers,
      payload: 'UNSIGNED-PAYLOAD',
    });
    const signature = await this.signer.sign(stringToSign(canonical, date, scope));
    params.push(['X-Goog-Signature', signature.toString('hex')]);
    const query = params.map(([k, v]) => `${strictEncode(k)}=${strictEncode(v)}`).join('&');
    return `${this.origin}${path}?${query}`;
  }
}
