import { downloadName, originalKey, resultKey, thumbnailKey, type Image } from '../core/image';
import type { Deps } from '../deps';

/** An image as the API shows it (docs/api.md, "Image"), without URLs. */
export const imageJson = (image: Image) => ({
  id: image.id,
  status: image.status,
  filename: image.filename,
  contentType: image.contentType,
  bytes: image.bytes,
  ...(image.width !== undefined ? { width: image.width, height: image.height } : {}),
  options: image.options,
  createdAt: image.createdAt.toISOString(),
  updatedAt: image.updatedAt.toISOString(),
  ...(image.processedAt ? { processedAt: image.processedAt.toISOString() } : {}),
  ...(image.error ? { error: image.error } : {}),
});

/**
 * The image with short-lived signed GET URLs for what exists: the original once uploaded, the
 * cutout, thumbnail and download once done. Signing is local computation with a key; without
 * one (production) each is an IAM signBlob call, so the store caches them per expiry window.
 */
export async function imageWithUrls(image: Image, deps: Deps) {
  // Valid for at least the TTL, ending on a boundary of a quarter of it, so URLs can be reused.
  const ttl = deps.config.storage.signedUrlTtlSeconds * 1000;
  const window = ttl / 4;
  const expiresAt = new Date(Math.ceil((deps.clock.now().getTime() + ttl) / window) * window);
  const [uploads, results] = await Promise.all([deps.uploads(), deps.results()]);
  const uploaded = image.status !== 'awaiting_upload';
  const done = image.status === 'done';
  const [originalUrl, resultUrl, thumbnailUrl, downloadUrl] = await Promise.all([
    uploaded ? uploads.signedDownload(originalKey(image.userId, image.id), { expiresAt }) : undefined,
    done ? results.signedDownload(resultKey(image), { expiresAt }) : undefined,
    done ? results.signedDownload(thumbnailKey(image), { expiresAt }) : undefined,
    done ? results.signedDownload(resultKey(image), { expiresAt, filename: downloadName(image.filename) }) : undefined,
  ]);
  return {
    ...imageJson(image),
    ...(originalUrl ? { originalUrl } : {}),
    ...(done ? { resultUrl, thumbnailUrl, downloadUrl } : {}),
  };
}
