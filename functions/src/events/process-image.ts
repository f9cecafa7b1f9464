import {
  MAX_MEGAPIXELS,
  MAX_UPLOAD_BYTES,
  originalKey,
  resultKey,
  sniffImageType,
  thumbnailKey,
  type Image,
} from '../core/image';
import { permanentFailure } from '../core/processing-errors';
import type { Deps } from '../deps';
import type { Logger } from '../logger';
import type { ObjectStore, Removal } from '../ports';

/*
 * processUpload's work on one image, once its invocation holds it (process-upload.ts decides
 * that): check the original, get the cutout, store it with its thumbnail, record it.
 */

/** Enough of the file for any header sharp needs to read the dimensions (EXIF blocks included). */
const HEAD_BYTES = 256 * 1024;
const THUMBNAIL_PX = 400;

async function dimensions(deps: Deps, key: string, bytes: number): Promise<{ width: number; height: number }> {
  const { default: sharp } = await import('sharp');
  const uploads = await deps.uploads();
  const head = await uploads.readHead(key, HEAD_BYTES);
  if (!sniffImageType(head))
    throw permanentFailure(
      'IMAGE.UNSUPPORTED',
      'The file is not a JPEG, PNG or WebP image. Upload a photo in one of those formats.',
    );
  // The header alone says how large the image is: nothing is decoded before the limits are checked.
  const read = async (input: Buffer) => sharp(input, { limitInputPixels: false }).metadata();
  const meta = await read(head)
    .catch(() => (bytes > head.length ? uploads.read(key).then(read) : undefined))
    .catch(() => undefined);
  if (!meta?.width || !meta.height)
    throw permanentFailure(
      'IMAGE.UNREADABLE',
      'The image could not be read; it may be damaged or incomplete. Upload it again.',
    );
  const rotated = (meta.orientation ?? 1) >= 5;
  return rotated ? { width: meta.height, height: meta.width } : { width: meta.width, height: meta.height };
}

/**
 * The gallery's WebP thumbnail of a cutout. Effort 2 of 6 encodes in about half the time of
 * the default 4 at the same size within 1% (bench/results: thumbnail step).
 */
export async function makeThumbnail(png: Buffer): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp(png)
    .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80, effort: 2 })
    .toBuffer();
}

/**
 * The cutout: reused when an earlier attempt stored it before failing (so a retry never pays
 * remove.bg twice), otherwise from the remover, the one step that costs credits. The first
 * attempt has no earlier one, and skips the look. `originalUrl` is the remover's signed URL
 * to the original (REMOVE_BG_INPUT=url), already being made.
 */
async function cutout(
  image: Image,
  attempt: number,
  originalUrl: Promise<string> | undefined,
  deps: Deps,
): Promise<Removal & { removerMs: number }> {
  const stored = attempt > 1 ? await (await deps.results()).read(resultKey(image)).catch(() => undefined) : undefined;
  if (stored) {
    const { default: sharp } = await import('sharp');
    const { width = 0, height = 0 } = await sharp(stored).metadata();
    return { png: stored, width, height, creditsCharged: 0, removerMs: 0 };
  }
  const source = originalUrl
    ? { url: await originalUrl }
    : {
        file: await (await deps.uploads()).read(originalKey(image.userId, image.id)),
        filename: `original.${image.contentType.split('/')[1]}`,
      };
  const started = performance.now();
  const removal = await (await deps.remover()).remove({ source, options: image.options });
  return { ...removal, removerMs: performance.now() - started };
}

const signedUrl = async (store: ObjectStore, key: string, expiresAt: Date): Promise<string> =>
  (await store.signedDownloads([{ key }], expiresAt))[0]!;

/** A write retried a few times in place: a storage hiccup after remove.bg answered should not cost a redelivery. */
async function persist(write: () => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await write();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
    }
  }
}

/** The work itself, once this invocation holds the image. Returns false when the image was deleted meanwhile. */
export async function processImage(
  image: Image,
  bytes: number,
  attempt: number,
  deps: Deps,
  log: Logger,
): Promise<boolean> {
  const started = performance.now();
  const images = await deps.images();
  await images.markProcessing(image.id, deps.clock.now());
  const key = originalKey(image.userId, image.id);
  if (bytes > MAX_UPLOAD_BYTES)
    throw permanentFailure('IMAGE.TOO_LARGE', 'The image is larger than 22 MB. Upload a smaller file.');
  // Signed while the header is read: without a key file (production) signing is a call to IAM.
  const originalUrl =
    deps.config.removeBg.input === 'url'
      ? deps.uploads().then((uploads) => signedUrl(uploads, key, new Date(deps.clock.now().getTime() + 10 * 60_000)))
      : undefined;
  // Awaited in cutout(); a permanent failure before then leaves it to settle unobserved.
  originalUrl?.catch(() => undefined);
  const { width, height } = await dimensions(deps, key, bytes);
  const megapixels = (width * height) / 1e6;
  if (megapixels > MAX_MEGAPIXELS) {
    throw permanentFailure(
      'IMAGE.TOO_MANY_PIXELS',
      `The image has ${megapixels.toFixed(1)} megapixels; the most is ${MAX_MEGAPIXELS}. Upload a smaller image.`,
    );
  }

  const removal = await cutout(image, attempt, originalUrl, deps);
  const removerMs = removal.removerMs;

  // Deleted while the remover worked: write nothing.
  if (!(await images.findById(image.id))) return false;
  const results = await deps.results();
  const outputs = { resultKey: resultKey(image), thumbnailKey: thumbnailKey(image) };
  // The cutout is stored while its thumbnail is made: once stored, a retry never pays again.
  await Promise.all([
    persist(() => results.put(outputs.resultKey, removal.png, 'image/png')),
    makeThumbnail(removal.png).then((thumbnail) =>
      persist(() => results.put(outputs.thumbnailKey, thumbnail, 'image/webp')),
    ),
  ]);
  // Deleted while we wrote: take the outputs back, so nothing is orphaned.
  if (!(await images.findById(image.id))) {
    await Promise.all([results.delete(outputs.resultKey), results.delete(outputs.thumbnailKey)]);
    return false;
  }
  await images.markDone(
    image.id,
    {
      width: removal.width || width,
      height: removal.height || height,
      ...outputs,
      creditsCharged: removal.creditsCharged,
      removerMs,
      processingMs: performance.now() - started,
    },
    deps.clock.now(),
  );
  log.info('Image processed', { imageId: image.id, removerMs: Math.round(removerMs), credits: removal.creditsCharged });
  return true;
}
