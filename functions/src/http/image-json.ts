import { downloadName, originalKey, resultKey, thumbnailKey, type Image } from '../core/image';
import type { Deps } from '../deps';
import type { DownloadRequest } from '../ports';

/** Signed URLs of an image, those that exist. */
interface ImageUrls {
  originalUrl?: string | undefined;
  resultUrl?: string | undefined;
  thumbnailUrl?: string | undefined;
  downloadUrl?: string | undefined;
  maskUrl?: string | undefined;
  backgroundUrl?: string | undefined;
}

/**
 * An image as the API shows it (docs/api.md, "Image"). What an image lacks is `undefined`,
 * which JSON leaves out: every image object has the same shape, built in one step, which a
 * page of them serialises faster than objects spread together from optional parts.
 */
export const imageJson = (image: Image, urls: ImageUrls = {}) => ({
  id: image.id,
  status: image.status,
  filename: image.filename,
  contentType: image.contentType,
  bytes: image.bytes,
  width: image.width,
  height: image.height,
  options: image.options,
  createdAt: image.createdAt.toISOString(),
  updatedAt: image.updatedAt.toISOString(),
  processedAt: image.processedAt?.toISOString(),
  error: image.error,
  edits: image.edits,
  touchedUp: image.maskKey !== undefined,
  originalUrl: urls.originalUrl,
  resultUrl: urls.resultUrl,
  thumbnailUrl: urls.thumbnailUrl,
  downloadUrl: urls.downloadUrl,
  maskUrl: urls.maskUrl,
  backgroundUrl: urls.backgroundUrl,
});

/** One image as the API shows it with its URLs. */
export type ImageWithUrls = ReturnType<typeof imageJson>;

/** Valid for at least the TTL, ending on a boundary of a quarter of it, so URLs can be reused. */
export function urlExpiry(deps: Deps): Date {
  const ttl = deps.config.storage.signedUrlTtlSeconds * 1000;
  const window = ttl / 4;
  return new Date(Math.ceil((deps.clock.now().getTime() + ttl) / window) * window);
}

/** Serialised images kept per instance; a gallery page polled within one URL window is all hits. */
const SERIALISED_LIMIT = 2000;

/**
 * A gallery's images as JSON, each serialised once per version of its row and URL window: a
 * page polled again is its rows read and these bytes copied, with no signing, no objects
 * built and no JSON written (measured here: a quarter of a page's CPU).
 */
export class SerialisedImages {
  private readonly cache = new Map<string, Buffer>();

  async of(images: Image[], deps: Deps): Promise<Buffer[]> {
    const expiresAt = urlExpiry(deps);
    const keys = images.map(
      (image) => `${image.id}\0${image.status}\0${image.updatedAt.getTime()}\0${expiresAt.getTime()}`,
    );
    const found = keys.map((key) => this.cache.get(key));
    const missing = images.filter((_, i) => found[i] === undefined);
    if (missing.length === 0) return found as Buffer[];
    const made = (await imagesWithUrls(missing, deps, expiresAt)).map((json) => Buffer.from(JSON.stringify(json)));
    let next = 0;
    return found.map((bytes, i) => {
      if (bytes) return bytes;
      const fresh = made[next++]!;
      // Maps iterate in insertion order: dropping the first entry drops the oldest.
      if (this.cache.size >= SERIALISED_LIMIT) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(keys[i]!, fresh);
      return fresh;
    });
  }
}

const COMMA = Buffer.from(',');

/** In a jsonBytes template: JSON made already (one, or a list to join), or a plain value. */
type JsonPart = Buffer | Buffer[] | string | number | boolean | null;

/** JSON bytes from a template whose literals are JSON and whose values are JsonParts. */
export function jsonBytes(text: TemplateStringsArray, ...values: JsonPart[]): Buffer {
  const parts: Buffer[] = [];
  text.forEach((literal, i) => {
    parts.push(Buffer.from(literal));
    if (i >= values.length) return;
    const value = values[i];
    if (Buffer.isBuffer(value)) parts.push(value);
    else if (Array.isArray(value)) value.forEach((item, k) => parts.push(...(k === 0 ? [item] : [COMMA, item])));
    else parts.push(Buffer.from(JSON.stringify(value)));
  });
  return Buffer.concat(parts);
}

/**
 * Images with short-lived signed GET URLs for what exists: the original once uploaded, the
 * cutout, thumbnail and download once done. Signing is local computation with a key; without
 * one (production) each is an IAM signBlob call, so the store caches them per expiry window.
 * A whole page is signed in one batch, awaited once rather than once per image and URL.
 */
async function imagesWithUrls(images: Image[], deps: Deps, expiresAt: Date): Promise<ImageWithUrls[]> {
  const [uploads, results] = await Promise.all([deps.uploads(), deps.results()]);
  const originals: DownloadRequest[] = [];
  const outputs: DownloadRequest[] = [];
  // Where each image's URLs are in `originals` and `outputs` (-1: none of that kind).
  const at = (list: DownloadRequest[], request: DownloadRequest | undefined): number =>
    request ? list.push(request) - 1 : -1;
  const slots = images.map((image) => {
    const original = at(
      originals,
      image.status === 'awaiting_upload' ? undefined : { key: originalKey(image.userId, image.id) },
    );
    if (image.status !== 'done') return { original, result: -1, mask: -1, background: -1 };
    const result = at(outputs, { key: resultKey(image) });
    at(outputs, { key: thumbnailKey(image) });
    at(outputs, { key: resultKey(image), filename: downloadName(image.filename) });
    const mask = at(outputs, image.maskKey ? { key: image.maskKey } : undefined);
    const background = at(outputs, image.backgroundKey ? { key: image.backgroundKey } : undefined);
    return { original, result, mask, background };
  });
  const [originalUrls, outputUrls] = await Promise.all([
    uploads.signedDownloads(originals, expiresAt),
    results.signedDownloads(outputs, expiresAt),
  ]);
  return images.map((image, i) => {
    const { original, result, mask, background } = slots[i]!;
    const done = result >= 0;
    return imageJson(image, {
      originalUrl: original >= 0 ? originalUrls[original] : undefined,
      resultUrl: done ? outputUrls[result] : undefined,
      thumbnailUrl: done ? outputUrls[result + 1] : undefined,
      downloadUrl: done ? outputUrls[result + 2] : undefined,
      maskUrl: mask >= 0 ? outputUrls[mask] : undefined,
      backgroundUrl: background >= 0 ? outputUrls[background] : undefined,
    });
  });
}
