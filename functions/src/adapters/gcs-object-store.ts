import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { File, Storage } from '@google-cloud/storage';
import type { DownloadRequest, ObjectStore, SignedUpload } from '../ports';
import type { V4UrlSigner } from './gcs-url-signer';

/**
 * Uploads are checked end to end against the hash the server computed. MD5 rather than the
 * client's default CRC32C: Node hashes MD5 natively, the client computes CRC32C in JavaScript
 * (measured here: about a third of MD5's speed, on the instance's one thread).
 */
const VALIDATION = 'md5';

/** Signed GET URLs kept per instance: deployed, each signature is an IAM signBlob call. */
const SIGNED_CACHE_LIMIT = 5000;

/**
 * One bucket through the real Cloud Storage client: the same code against GCS and against the
 * local storage server (the client's `apiEndpoint` is configuration). The client is opened on
 * the first object operation: signing URLs needs only the signer (gcs-url-signer.ts), which
 * signs with the service-account key locally and through IAM signBlob deployed.
 */
export class GcsObjectStore implements ObjectStore {
  private readonly signed = new Map<string, string | Promise<string>>();

  constructor(
    private readonly storage: () => Promise<Storage>,
    private readonly signer: V4UrlSigner,
    private readonly bucketName: string,
  ) {}

  private async file(key: string): Promise<File> {
    return (await this.storage()).bucket(this.bucketName).file(key);
  }

  async signedUpload(
    key: string,
    upload: { contentType: string; maxBytes: number; expiresAt: Date },
  ): Promise<SignedUpload> {
    const extensionHeaders = {
      'x-goog-content-length-range': `0,${upload.maxBytes}`,
      // "Only if no such object": a URL can create the original once and never overwrite it.
      'x-goog-if-generation-match': '0',
    };
    const headers = { 'Content-Type': upload.contentType, ...extensionHeaders };
    return {
      url: await this.signer.sign({
        method: 'PUT',
        bucket: this.bucketName,
        key,
        expiresAt: upload.expiresAt,
        headers,
      }),
      method: 'PUT',
      headers,
      expiresAt: upload.expiresAt,
    };
  }

  async write(key: string, body: Readable, contentType: string): Promise<{ generation: string }> {
    const file = await this.file(key);
    // A single-request upload: if the body fails midway the request is abandoned and no object exists.
    const sink = file.createWriteStream({
      resumable: false,
      contentType,
      preconditionOpts: { ifGenerationMatch: 0 },
      validation: VALIDATION,
    });
    await pipeline(body, sink);
    return { generation: String(file.metadata.generation ?? '') };
  }

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await (
        await this.file(key)
      ).save(body, {
        resumable: false,
        contentType,
        preconditionOpts: { ifGenerationMatch: 0 },
        validation: VALIDATION,
      });
    } catch (error) {
      if ((error as { code?: unknown }).code !== 412) throw error;
    }
  }

  async readHead(key: string, bytes: number): Promise<Buffer> {
    const [head] = await (await this.file(key)).download({ start: 0, end: bytes - 1, validation: false });
    return head;
  }

  async read(key: string): Promise<Buffer> {
    const [body] = await (await this.file(key)).download();
    return body;
  }

  /**
   * Callers align `expiresAt` to a window (see image-json.ts), so a gallery polled or paged
   * within that window reuses its URLs instead of signing them again; a page of cached URLs
   * costs one promise, not one per URL.
   */
  async signedDownloads(requests: DownloadRequest[], expiresAt: Date): Promise<string[]> {
    const urls = requests.map((request) => {
      const cacheKey = `${request.key}\0${request.filename ?? ''}\0${expiresAt.getTime()}`;
      return this.signed.get(cacheKey) ?? this.sign(cacheKey, request, expiresAt);
    });
    return urls.every((url): url is string => typeof url === 'string') ? urls : Promise.all(urls);
  }

  /** Signs one URL; concurrent requests for it share the signature while it is made. */
  private sign(cacheKey: string, request: DownloadRequest, expiresAt: Date): Promise<string> {
    const url = this.signer
      .sign({
        method: 'GET',
        bucket: this.bucketName,
        key: request.key,
        expiresAt,
        ...(request.filename
          ? { query: { 'response-content-disposition': contentDisposition(request.filename) } }
          : {}),
      })
      .then((signed) => {
        if (this.signed.get(cacheKey) === url) this.signed.set(cacheKey, signed);
        return signed;
      });
    url.catch(() => {
      if (this.signed.get(cacheKey) === url) this.signed.delete(cacheKey);
    });
    // Maps iterate in insertion order: dropping the first entry drops the oldest.
    if (this.signed.size >= SIGNED_CACHE_LIMIT) this.signed.delete(this.signed.keys().next().value as string);
    this.signed.set(cacheKey, url);
    return url;
  }

  async exists(key: string): Promise<boolean> {
    const [found] = await (await this.file(key)).exists();
    return found;
  }

  async delete(key: string): Promise<void> {
    await (await this.file(key)).delete({ ignoreNotFound: true });
  }

  async deleteUnder(prefix: string): Promise<void> {
    const [files] = await (await this.storage()).bucket(this.bucketName).getFiles({ prefix, autoPaginate: true });
    await Promise.all(files.map((file) => file.delete({ ignoreNotFound: true })));
  }
}

export interface StorageSettings {
  projectId: string | undefined;
  /** The local storage server's URL; unset for Google Cloud Storage. */
  apiEndpoint: string | undefined;
  /** client_email and private_key of a service-account key, for local signing; unset → IAM signBlob. */
  credentials: { client_email: string; private_key: string } | undefined;
}

/** The Storage client, loaded on first use (heavy; most requests never need it). */
export async function openStorage(settings: StorageSettings): Promise<Storage> {
  const { Storage } = await import('@google-cloud/storage');
  return new Storage({
    projectId: settings.projectId,
    ...(settings.apiEndpoint ? { apiEndpoint: settings.apiEndpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  });
}

/** `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266), safe in a header. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
