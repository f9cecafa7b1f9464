import { downloadName, originalKey, resultKey, thumbnailKey, type Image } from '../core/image';
import type { Deps } from '../deps';
import type { DownloadRequest } from '../ports';

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

/** One image as the API shows it with its URLs. */
export type ImageWithUrls = ReturnType<typeof imageJson> & {
  originalUrl?: string;
  resultUrl?: string;
  thumbnailUrl?: string;
  downloadUrl?: string;
};

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
    return {
      ...imageJson(image),
      ...(original >= 0 ? { originalUrl: originalUrls[original] } : {}),
      ...(result >= 0
        ? { resultUrl: outputUrls[result], thumbnailUrl: outputUrls[result + 1], downloadUrl: outputUrls[result + 2] }
        : {}),
    };
  });
}
