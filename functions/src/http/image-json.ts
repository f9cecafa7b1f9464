import { downloadName, originalKey, resultKey, thumbnailKey, type Image } from '../core/image';
import type { Deps } from '../deps';
import type { DownloadRequest } from '../ports';

/** Signed URLs of an image, those that exist. */
interface ImageUrls {
  originalUrl?: string | undefined;
  resultUrl?: string | undefined;
  thumbnailUrl?: string | undefined;
  downloadUrl?: string | undefined;
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
  originalUrl: urls.originalUrl,
  resultUrl: urls.resultUrl,
  thumbnailUrl: urls.thumbnailUrl,
  downloadUrl: urls.downloadUrl,
});

/** One image as the API shows it with its URLs. */
export type ImageWithUrls = ReturnType<typeof imageJson>;

/**
 * Images with short-lived signed GET URLs for what exists: the original once uploaded, the
 * cutout, thumbnail and download once done. Signing is local computation with a key; without
 * one (production) each is an IAM signBlob call, so the store caches them per expiry window.
 * A whole page is signed in one batch: a gallery request is dominated by this, so it awaits
 * once rather than once per image and URL.
 */
export async function imagesWithUrls(images: Image[], deps: Deps): Promise<ImageWithUrls[]> {
  // Valid for at least the TTL, ending on a boundary of a quarter of it, so URLs can be reused.
  const ttl = deps.config.storage.signedUrlTtlSeconds * 1000;
  const window = ttl / 4;
  const expiresAt = new Date(Math.ceil((deps.clock.now().getTime() + ttl) / window) * window);
  const [uploads, results] = await Promise.all([deps.uploads(), deps.results()]);
  const originals: DownloadRequest[] = [];
  const outputs: DownloadRequest[] = [];
  // Where each image's URLs start in `originals` and `outputs` (-1: none of that kind).
  const slots = images.map((image) => {
    const original = image.status === 'awaiting_upload' ? -1 : originals.length;
    if (original >= 0) originals.push({ key: originalKey(image.userId, image.id) });
    if (image.status !== 'done') return { original, result: -1 };
    const result = outputs.length;
    outputs.push(
      { key: resultKey(image) },
      { key: thumbnailKey(image) },
      { key: resultKey(image), filename: downloadName(image.filename) },
    );
    return { original, result };
  });
  const [originalUrls, outputUrls] = await Promise.all([
    uploads.signedDownloads(originals, expiresAt),
    results.signedDownloads(outputs, expiresAt),
  ]);
  return images.map((image, i) => {
    const { original, result } = slots[i]!;
    const done = result >= 0;
    return imageJson(image, {
      originalUrl: original >= 0 ? originalUrls[original] : undefined,
      resultUrl: done ? outputUrls[result] : undefined,
      thumbnailUrl: done ? outputUrls[result + 1] : undefined,
      downloadUrl: done ? outputUrls[result + 2] : undefined,
    });
  });
}
