import type { Image } from '../core/image';

/** An image as the API shows it (docs/api.md, "Image"). */
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
