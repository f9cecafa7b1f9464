import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { BlobSigner } from './gcs-url-signer';

/**
 * A service-account key file's key (the local cloud's development key). The key is parsed once,
 * and each signature is made on libuv's thread pool, so a gallery page's signatures use every core.
 */
export class KeyBlobSigner implements BlobSigner {
  private readonly key: KeyObject;
  private readonly clientEmail: string;

  constructor(credentials: { client_email: string; private_key: string }) {
    this.key = createPrivateKey(credentials.private_key);
    this.clientEmail = credentials.client_email;
  }

  email(): Promise<string> {
    return Promise.resolve(this.clientEmail);
  }

  sign(blob: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      sign('sha256', Buffer.from(blob), this.key, (error, signature) => (error ? reject(error) : resolve(signature)));
    });
  }
}

export interface IamSettings {
  /** The metadata server (Cloud Run's): the instance's service account and its access tokens. */
  metadataUrl: string;
  /** The IAM Service Account Credentials API. */
  iamUrl: string;
  timeoutMs: number;
}

export const GOOGLE_IAM: IamSettings = {
  metadataUrl: 'http://metadata.google.internal',
  iamUrl: 'https://iamcredentials.googleapis.com',
  timeoutMs: 10_000,
};

const ATTEMPTS = 3;
/** A token is renewed this long before it expires, so none expires in flight. */
const TOKEN_MARGIN_MS = 60_000;

/**
 * Keyless signing for a deployed function: IAM signBlob with the instance's own service account
 * (it holds `iam.serviceAccountTokenCreator` on itself; see terraform/). The access token comes
 * from the metadata server and is reused until shortly before it expires.
 */
export class IamBlobSigner implements BlobSigner {
  private account: Promise<string> | undefined;
  private token: { value: Promise<string>; expiresAt: number } | undefined;

  constructor(private readonly settings: IamSettings = GOOGLE_IAM) {}

  email(): Promise<string> {
    if (!this.account) {
      const account = this.metadata('email')
        .then((r) => r.text())
        .then((email) => {
          if (!/^[a-z0-9.@-]+$/i.test(email)) throw new Error('metadata server: not a service-account email');
          return email;
        });
      account.catch(() => {
        if (this.account === account) this.account = undefined;
      });
      this.account = account;
    }
    return this.account;
  }

  async sign(blob: string): Promise<Buffer> {
    const email = await this.email();
    // The email as it is, as Google's own client sends it (only letters, digits, - . and @).
    const url = `${this.settings.iamUrl}/v1/projects/-/serviceAccounts/${email}:signBlob`;
    const body = JSON.stringify({ payload: Buffer.from(blob).toString('base64') });
    const request = (token: string) =>
      this.call('IAM signBlob', () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        }),
      );
    const token = await this.accessToken();
    // A token refused before its time (revoked, or the clock off) is dropped and fetched anew, once.
    const reply = await request(token).catch(async (error: unknown) => {
      if (!(error instanceof RequestFailed && error.status === 401)) throw error;
      if (this.token?.value && (await this.token.value.catch(() => undefined)) === token) this.token = undefined;
      return request(await this.accessToken());
    });
    const { signedBlob } = (await reply.json()) as { signedBlob?: unknown };
    if (typeof signedBlob !== 'string' || signedBlob === '')
      throw new Error('IAM signBlob: no signedBlob in the reply');
    return Buffer.from(signedBlob, 'base64');
  }

  private accessToken(): Promise<string> {
    if (!this.token || Date.now() > this.token.expiresAt) {
      const requested = Date.now();
      const value = this.metadata('token')
        .then((r) => r.json() as Promise<{ access_token?: unknown; expires_in?: unknown }>)
        .then(({ access_token: token, expires_in: seconds }) => {
          if (typeof token !== 'string' || typeof seconds !== 'number') {
            throw new Error('metadata server: no access token in the reply');
          }
          if (this.token?.value === value) this.token.expiresAt = requested + seconds * 1000 - TOKEN_MARGIN_MS;
          return token;
        });
      // Until the reply says how long it lives, concurrent signatures share the request.
      this.token = { value, expiresAt: Infinity };
      value.catch(() => {
        if (this.token?.value === value) this.token = undefined;
      });
    }
    return this.token.value;
  }

  private metadata(item: 'email' | 'token'): Promise<Response> {
    const url = `${this.settings.metadataUrl}/computeMetadata/v1/instance/service-accounts/default/${item}`;
    return this.call(`metadata server (${item})`, () =>
      fetch(url, { headers: { 'metadata-flavor': 'Google' }, signal: AbortSignal.timeout(this.settings.timeoutMs) }),
    );
  }

  /** A request with up to ATTEMPTS tries on a network error, 429 or 5xx; other failures at once. */
  private async call(what: string, send: () => Promise<Response>): Promise<Response> {
    let failure = new RequestFailed(`${what}: not sent`, undefined);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      let reply: Response;
      try {
        reply = await send();
      } catch (error) {
        failure = new RequestFailed(`${what}: ${error instanceof Error ? error.message : String(error)}`, undefined);
        continue;
      }
      if (reply.ok) return reply;
      failure = new RequestFailed(`${what}: ${reply.status} ${(await reply.text()).slice(0, 300)}`, reply.status);
      if (reply.status !== 429 && reply.status < 500) break;
    }
    throw failure;
  }
}

/** A metadata or IAM request that did not succeed; `status` when the service answered. */
class RequestFailed extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
  ) {
    super(message);
  }
}
