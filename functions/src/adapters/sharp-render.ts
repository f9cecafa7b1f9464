import type { Sharp } from 'sharp';
import type { Background, Edits, RenderFormat } from '../core/edits';
import { layoutRender, opaqueBounds, type Layout, type Rect } from '../core/render-layout';

/*
 * Renders of a stored cutout with sharp (libvips): the cutout is decoded once to raw RGBA, the
 * subject is cut and scaled by the layout (core/render-layout.ts), laid over its background
 * here in one pass, and encoded once. Photos (the original, an uploaded background) are read
 * only when the settings need them.
 */

export interface RenderSources {
  cutout: Buffer;
  /** The touch-up mask: grey PNG of the cutout's size, replacing its opacity. */
  mask?: Buffer | undefined;
  /** The original photo, for a blurred background and for what a touch-up restores. */
  original: () => Promise<Buffer>;
  /** The uploaded background image. */
  background: () => Promise<Buffer>;
}

export interface Rendered {
  bytes: Buffer;
  width: number;
  height: number;
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
}

const load = async () => (await import('sharp')).default;
const rawOf = (raw: { width: number; height: number }, channels: 1 | 3 | 4) =>
  ({ raw: { width: raw.width, height: raw.height, channels } }) as const;

/** The photo, upright, stretched to the cutout's frame (a preview cutout is smaller than its photo), as RGB. */
async function photoAt(photo: Buffer, width: number, height: number): Promise<Buffer> {
  const sharp = await load();
  return sharp(photo).rotate().resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}

/**
 * The mask replaces the model's opacity. Where it shows more than the model kept, the colour
 * comes from the photo, in proportion: the cutout's own colour is only trustworthy where it
 * was opaque (remove.bg may blank what it removed).
 */
async function applyMask(cutout: Raw, mask: Buffer, original: () => Promise<Buffer>): Promise<void> {
  const sharp = await load();
  const opacity = await sharp(mask).extractChannel(0).raw().toBuffer();
  const { data, width, height } = cutout;
  let restores = false;
  for (let i = 0; i < opacity.length && !restores; i += 1) restores = opacity[i]! > data[i * 4 + 3]!;
  const photo = restores ? await photoAt(await original(), width, height) : undefined;
  for (let i = 0; i < opacity.length; i += 1) {
    const kept = data[i * 4 + 3]!;
    const shown = opacity[i]!;
    if (photo && shown > kept) {
      for (let c = 0; c < 3; c += 1)
        data[i * 4 + c] = Math.round((data[i * 4 + c]! * kept + photo[i * 3 + c]! * (shown - kept)) / shown);
    }
    data[i * 4 + 3] = shown;
  }
}

const sameRect = (a: Rect, b: { width: number; height: number }) =>
  a.left === 0 && a.top === 0 && a.width === b.width && a.height === b.height;

/** The subject cut, scaled and set on a transparent canvas of the output's size (RGBA). */
async function placeSubject(cutout: Raw, layout: Layout): Promise<Buffer> {
  const { source, target, width, height } = layout;
  if (sameRect(source, cutout) && sameRect(target, layout)) return cutout.data;
  const sharp = await load();
  let subject = sharp(cutout.data, rawOf(cutout, 4));
  if (!sameRect(source, cutout)) subject = subject.extract(source);
  if (source.width !== target.width || source.height !== target.height)
    subject = subject.resize(target.width, target.height, { fit: 'fill' });
  const pixels = await subject.raw().toBuffer();
  const canvas = Buffer.alloc(width * height * 4);
  const rowBytes = target.width * 4;
  for (let y = 0; y < target.height; y += 1)
    pixels.copy(canvas, ((target.top + y) * width + target.left) * 4, y * rowBytes, (y + 1) * rowBytes);
  return canvas;
}

/** A photo background as RGB of the output's size: the part the layout shows, or the whole photo covering it. */
async function photoBackground(photo: Buffer, cutout: Raw, layout: Layout, blur: number): Promise<Buffer> {
  const sharp = await load();
  const { width, height, view } = layout;
  let image: Sharp;
  if (view) {
    // The subject kept its place: the photo behind it, edges repeated where a margin goes past them.
    const frame = await photoAt(photo, cutout.width, cutout.height);
    const pad = {
      left: Math.max(0, -view.left),
      top: Math.max(0, -view.top),
      right: Math.max(0, view.left + view.width - cutout.width),
      bottom: Math.max(0, view.top + view.height - cutout.height),
    };
    const extended = await sharp(frame, rawOf(cutout, 3))
      .extend({ ...pad, extendWith: 'copy' })
      .raw()
      .toBuffer();
    const wide = { width: cutout.width + pad.left + pad.right, height: cutout.height + pad.top + pad.bottom };
    image = sharp(extended, rawOf(wide, 3))
      .extract({ left: view.left + pad.left, top: view.top + pad.top, width: view.width, height: view.height })
      .resize(width, height, { fit: 'fill' });
  } else {
    image = sharp(photo).rotate().resize(width, height, { fit: 'cover' });
  }
  if (blur > 0) image = image.blur(Math.max(0.3, blur * layout.factor));
  return image.removeAlpha().raw().toBuffer();
}

/** `subject` (RGBA) over an opaque background (RGB, or one colour), into RGB. */
function over(subject: Buffer, background: Buffer | [number, number, number], pixels: number): Buffer {
  const out = Buffer.allocUnsafe(pixels * 3);
  const solid = Array.isArray(background) ? background : undefined;
  for (let i = 0; i < pixels; i += 1) {
    const alpha = subject[i * 4 + 3]!;
    for (let c = 0; c < 3; c += 1) {
      const under = solid ? solid[c]! : (background as Buffer)[i * 3 + c]!;
      out[i * 3 + c] = (subject[i * 4 + c]! * alpha + under * (255 - alpha) + 127) / 255;
    }
  }
  return out;
}

const rgb = (hex: string): [number, number, number] =>
  [0, 2, 4].map((at) => parseInt(hex.slice(at, at + 2), 16)) as [number, number, number];

async function flatten(subject: Buffer, cutout: Raw, layout: Layout, background: Background, sources: RenderSources) {
  const pixels = layout.width * layout.height;
  switch (background.type) {
    case 'transparent':
      return undefined;
    case 'color':
      return over(subject, rgb(background.color), pixels);
    case 'blur':
      return over(subject, await photoBackground(await sources.original(), cutout, layout, background.radius), pixels);
    case 'image':
      return over(
        subject,
        await photoBackground(await sources.background(), cutout, { ...layout, view: undefined }, 0),
        pixels,
      );
  }
}

/** One render of a cutout with its edits, in one format. */
export async function renderCutout(sources: RenderSources, edits: Edits, format: RenderFormat): Promise<Rendered> {
  const sharp = await load();
  const { data, info } = await sharp(sources.cutout).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const cutout: Raw = { data, width: info.width, height: info.height };
  if (sources.mask) await applyMask(cutout, sources.mask, sources.original);
  const moved = edits.crop || edits.scale !== 'original' || edits.position !== 'original';
  const layout = layoutRender(cutout, moved ? opaqueBounds(data, cutout.width, cutout.height) : undefined, edits);
  const subject = await placeSubject(cutout, layout);
  const size = { width: layout.width, height: layout.height };
  if (format === 'mask') {
    const alpha = Buffer.allocUnsafe(size.width * size.height);
    for (let i = 0; i < alpha.length; i += 1) alpha[i] = subject[i * 4 + 3]!;
    return {
      bytes: await sharp(alpha, rawOf(size, 1)).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer(),
      ...size,
    };
  }
  // A JPEG cannot be transparent: a transparent background becomes white, as remove.bg does.
  const background =
    edits.background.type === 'transparent' && format === 'jpg'
      ? { type: 'color' as const, color: 'ffffff' }
      : edits.background;
  const flat = await flatten(subject, cutout, layout, background, sources);
  const image = flat ? sharp(flat, rawOf(size, 3)) : sharp(subject, rawOf(size, 4));
  const encoded =
    format === 'jpg'
      ? image.jpeg({ quality: edits.quality })
      : format === 'webp'
        ? image.webp({ quality: edits.quality, effort: 2 })
        : image.png({ compressionLevel: 3, adaptiveFiltering: false });
  return { bytes: await encoded.toBuffer(), ...size };
}

/**
 * A touch-up mask as stored: its first channel as a grey PNG, once its size is checked against
 * the cutout's. Undefined when it is not the cutout's size; throws when it cannot be decoded.
 */
export async function normaliseMask(png: Buffer, width: number, height: number): Promise<Buffer | undefined> {
  const sharp = await load();
  const meta = await sharp(png).metadata();
  if (meta.width !== width || meta.height !== height) return undefined;
  const opacity = await sharp(png).extractChannel(0).raw().toBuffer();
  return sharp(opacity, rawOf({ width, height }, 1))
    .toColourspace('b-w')
    .png({ compressionLevel: 3, adaptiveFiltering: false })
    .toBuffer();
}

/**
 * An uploaded image's size, once it is known to decode whole (a damaged file would only fail
 * later, in a render), or undefined. `maxPixels` is checked from the header, before decoding.
 */
export async function checkedImageSize(
  bytes: Buffer,
  maxPixels: number,
): Promise<{ width: number; height: number } | 'too-many-pixels' | undefined> {
  const sharp = await load();
  const meta = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch(() => undefined);
  if (!meta?.width || !meta.height) return undefined;
  if (meta.width * meta.height > maxPixels) return 'too-many-pixels';
  // Shrunk while decoding (JPEG's shrink-on-load): every byte is read, little is kept.
  const whole = await sharp(bytes, { failOn: 'truncated', limitInputPixels: maxPixels })
    .resize(64, 64, { fit: 'inside' })
    .toBuffer()
    .then(() => true)
    .catch(() => false);
  return whole ? { width: meta.width, height: meta.height } : undefined;
}
