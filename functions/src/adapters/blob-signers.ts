import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { BlobSigner } from './gcs-url-signer';
import {
  askMetadata,
  CachedToken,
  GOOGLE_METADATA,
  RequestFailed,
  withRetries,
  type MetadataSettings,
} from './metadata-server';

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

export interface IamSettings extends MetadataSettings {
  /** The IAM Service Account Credentials API. */
  iamUrl: string;
}

export const GOOGLE_IAM: IamSettings = { ...GOOGLE_METADATA, iamUrl: 'https://iamcredentials.googleapis.com' };

/**
 * Keyless signing for a deployed function: IAM signBlob with the instance's own service account
 * (it holds `iam.serviceAccountTokenCreator` on itself; see terraform/). The access token comes
 * from the metadata server and is reused until shortly before it expires.
 */
export class IamBlobSigner implements BlobSigner {
  private account: Promise<string> | undefined;
  private readonly token: CachedToken;

  constructor(private readonly settings: IamSettings = GOOGLE_IAM) {
    this.token = new CachedToken(async () => {
      const reply = await askMetadata(this.settings, 'token', 'token');
      const { access_token: token, expires_in: seconds } = (await reply.json()) as {
        access_token?: unknown;
        expires_in?: unknown;
      };
      if (typeof token !== 'string' || typeof seconds !== 'number') {
        throw new Error('metadata server: no access token in the reply');
      }
      return { token, lifetimeMs: seconds * 1000 };
    });
  }

  email(): Promise<string> {
    if (!this.account) {
      const account = askMetadata(this.settings, 'email', 'email')
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
      withRetries('IAM signBlob', () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        }),
      );
    const token = await this.token.get();
    // A token refused before its time (revoked, or the clock off) is dropped and fetched anew, once.
    const reply = await request(token).catch(async (error: unknown) => {
      if (!(error instanceof RequestFailed && error.status === 401)) throw error;
      await this.token.drop(token);
      return request(await this.token.get());
    });
    const { signedBlob } = (await reply.json()) as { signedBlob?: unknown };
    if (typeof signedBlob !== 'string' || signedBlob === '')
      throw new Error('IAM signBlob: no signedBlob in the reply');
    return Buffer.from(signedBlob, 'base64');
  }
}
