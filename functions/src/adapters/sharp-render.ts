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
async function photoBackground(
  photo: Buffer,
  cutout: { width: number; height: number },
  layout: Layout,
  blur: number,
): Promise<Buffer> {
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

/** The subject ready to draw: the stored PNG itself when nothing changes its pixels, else raw RGBA. */
interface Subject {
  input: Buffer;
  raw?: { width: number; height: number; channels: 4 };
}

/**
 * The subject laid out for a render. Most renders change no pixel of the cutout (no mask, no
 * crop, no move): the PNG then goes straight into the one libvips pipeline that flattens and
 * encodes it, and is never copied out to JavaScript.
 */
async function layOut(sources: RenderSources, edits: Edits): Promise<{ subject: Subject; layout: Layout; frame: Raw }> {
  const sharp = await load();
  const moved = edits.crop || edits.scale !== 'original' || edits.position !== 'original';
  if (!sources.mask && !moved) {
    const { width = 1, height = 1 } = await sharp(sources.cutout).metadata();
    const frame = { data: sources.cutout, width, height };
    const layout = layoutRender(frame, undefined, edits);
    if (layout.factor === 1) return { subject: { input: sources.cutout }, layout, frame };
    const input = await sharp(sources.cutout)
      .ensureAlpha()
      .resize(layout.width, layout.height, { fit: 'fill' })
      .raw()
      .toBuffer();
    return { subject: { input, raw: { width: layout.width, height: layout.height, channels: 4 } }, layout, frame };
  }
  const { data, info } = await sharp(sources.cutout).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const frame: Raw = { data, width: info.width, height: info.height };
  if (sources.mask) await applyMask(frame, sources.mask, sources.original);
  const layout = layoutRender(frame, moved ? opaqueBounds(data, frame.width, frame.height) : undefined, edits);
  const input = await placeSubject(frame, layout);
  return { subject: { input, raw: { width: layout.width, height: layout.height, channels: 4 } }, layout, frame };
}

/** One render of a cutout with its edits, in one format. */
export async function renderCutout(sources: RenderSources, edits: Edits, format: RenderFormat): Promise<Rendered> {
  const sharp = await load();
  const { subject, layout, frame } = await layOut(sources, edits);
  const size = { width: layout.width, height: layout.height };
  const drawn = () => sharp(subject.input, subject.raw ? { raw: subject.raw } : {});
  if (format === 'mask') {
    const mask = drawn().ensureAlpha().extractChannel(3).toColourspace('b-w');
    return { bytes: await mask.png({ compressionLevel: 6 }).toBuffer(), ...size };
  }
  // A JPEG cannot be transparent: a transparent background becomes white, as remove.bg does.
  const background: Background =
    edits.background.type === 'transparent' && format === 'jpg' ? { type: 'color', color: 'ffffff' } : edits.background;
  let image: Sharp;
  if (background.type === 'transparent') image = drawn();
  else if (background.type === 'color') image = drawn().flatten({ background: `#${background.color}` });
  else {
    const photo =
      background.type === 'blur'
        ? await photoBackground(await sources.original(), frame, layout, background.radius)
        : await photoBackground(await sources.background(), frame, { ...layout, view: undefined }, 0);
    image = sharp(photo, rawOf(size, 3))
      .composite([{ input: subject.input, ...(subject.raw ? { raw: subject.raw } : {}) }])
      .removeAlpha();
  }
  const encoded =
    format === 'jpg'
      ? image.jpeg({ quality: edits.quality })
      : format === 'webp'
        ? image.webp({ quality: edits.quality, effort: 1 })
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
