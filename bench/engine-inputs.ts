import sharp from 'sharp';
import { QUALITY_SCENES, renderQualityScene } from '../test/support/quality-scenes';

/** A JPEG standing in for a camera photo, with the mask of its subject. */
export interface Photo {
  label: string;
  width: number;
  height: number;
  jpeg: Buffer;
  /** 1 where the subject is. */
  mask: Uint8Array;
}

/** The same options as a client sending a photo for its full-size transparent cutout. */
export const FULL_PNG = { size: 'full', format: 'png' } as const;

/** The scene the photos show: a person on a studio backdrop, remove.bg's commonest request. */
export const PHOTO_SCENE = 'portrait on grey studio';

/**
 * A synthetic photograph (test/support/quality-scenes.ts: shaded, textured subject, backdrop
 * texture, sensor grain) saved as JPEG at quality 90, so decoding it and PNG-encoding its cutout
 * cost what a camera photo's do rather than a flat drawing's.
 */
export async function photoJpeg(width: number, height: number, name = PHOTO_SCENE): Promise<Photo> {
  const spec = QUALITY_SCENES.find((s) => s.name === name);
  if (!spec) throw new Error(`No quality scene named ${name}`);
  const scene = renderQualityScene(spec, width, height);
  const jpeg = await sharp(scene.rgba, { raw: { width, height, channels: 4 } })
    .removeAlpha()
    .jpeg({ quality: 90 })
    .toBuffer();
  const mp = (width * height) / 1e6;
  return { label: `${mp.toFixed(mp < 2 ? 1 : 0)} MP photo`, width, height, jpeg, mask: scene.mask };
}

/** A JPEG over remove.bg's 50-megapixel limit (a flat grey; only its header is meant to be read). */
export async function overLimitJpeg(width = 8200, height = 6200): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 180, g: 182, b: 185 } } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * The reference for an end-to-end cutout: the same header read, upright decode to RGBA and PNG
 * encode (render.ts's settings) with no segmentation in between.
 */
export async function decodeAndEncode(bytes: Buffer): Promise<Buffer> {
  await sharp(bytes).metadata();
  const { data, width, height } = await decodeRgba(bytes);
  return sharp(data, { raw: { width, height, channels: 4 } })
    .png({ compressionLevel: 2, adaptiveFiltering: false })
    .toBuffer();
}

/** Decodes the upright RGBA of an image, as render.ts does (for timing the engine alone). */
export async function decodeRgba(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Intersection over union of an encoded cutout's alpha (≥ 128) against a mask. */
export async function cutoutIou(png: Buffer, mask: Uint8Array): Promise<number> {
  const alpha = await sharp(png).ensureAlpha().extractChannel(3).raw().toBuffer();
  let intersection = 0;
  let union = 0;
  for (let i = 0; i < mask.length; i += 1) {
    const predicted = (alpha[i] as number) >= 128;
    const truth = mask[i] === 1;
    if (predicted && truth) intersection += 1;
    if (predicted || truth) union += 1;
  }
  return union === 0 ? 1 : intersection / union;
}
