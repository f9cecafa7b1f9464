import { extname } from 'node:path';
import {
  readMargin,
  readPosition,
  readScale,
  renderName,
  RENDER_FORMATS,
  type Edits,
  type RenderFormat,
} from '../functions/src/core/edits';
import { ApiError, UsageError } from './api';

/*
 * The edit flags of `bgremove upload` (docs/api.md, "Edits"), checked here with messages that
 * name the flag, by the same readers the service uses, so that what passes here passes there.
 */

export { renderName, type RenderFormat };

/** The flags as typed; each is optional. */
export interface EditFlags {
  bg?: string;
  blur?: string;
  crop?: boolean;
  margin?: string;
  scale?: string;
  position?: string;
  size?: string;
  quality?: string;
}

/** The flag that sets each field of the edits, to name it in the service's field errors. */
const FLAG_OF_FIELD: Record<string, string> = {
  background: '--bg/--blur',
  'background.type': '--bg',
  'background.color': '--bg',
  'background.radius': '--blur',
  crop: '--crop',
  cropMargin: '--margin',
  scale: '--scale',
  position: '--position',
  size: '--size',
  quality: '--quality',
  format: '--format',
};

const wholeNumber = (text: string, low: number, high: number): number | undefined => {
  if (!/^\d{1,6}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= low && value <= high ? value : undefined;
};

function background(flags: EditFlags): Edits['background'] | undefined {
  if (flags.bg !== undefined && flags.blur !== undefined)
    throw new UsageError('--bg and --blur both set the background: give one of them');
  if (flags.blur !== undefined) {
    const radius = wholeNumber(flags.blur, 1, 100);
    if (radius === undefined)
      throw new UsageError(
        `--blur must be a radius in whole pixels from 1 to 100 (e.g. --blur 12), not "${flags.blur}"`,
      );
    return { type: 'blur', radius };
  }
  if (flags.bg === undefined) return undefined;
  const value = flags.bg.trim().toLowerCase();
  if (value === 'transparent' || value === 'none') return { type: 'transparent' };
  const hex = value.replace(/^#/, '');
  if (/^[0-9a-f]{6}$/.test(hex)) return { type: 'color', color: hex };
  if (/^[0-9a-f]{3}$/.test(hex)) return { type: 'color', color: hex.replace(/./g, '$&$&') };
  throw new UsageError(
    `--bg must be a colour as rrggbb in hex (e.g. --bg ffffff for white, --bg 1e90ff) or "transparent", not "${flags.bg}"`,
  );
}

/**
 * The edits the flags ask for, as a PATCH body holding only the fields given, or undefined
 * when no edit flag was given. A mistake is a UsageError naming the flag.
 */
export function editsFromFlags(flags: EditFlags): Partial<Edits> | undefined {
  const edits: Partial<Edits> = {};
  const bg = background(flags);
  if (bg) edits.background = bg;
  if (flags.crop) edits.crop = true;
  if (flags.margin !== undefined) {
    if (!flags.crop) throw new UsageError('--margin is the space around the subject when cropping: add --crop');
    const margin = flags.margin.trim();
    if (!readMargin(margin))
      throw new UsageError(
        `--margin must be 0, a share of the subject's longer side from 0% to 50% (e.g. 5%) or 0px to 500px, not "${flags.margin}"`,
      );
    edits.cropMargin = margin;
  }
  if (flags.scale !== undefined) {
    const scale = flags.scale.trim();
    if (!readScale(scale))
      throw new UsageError(`--scale must be "original" or from 10% to 100% (e.g. 80%), not "${flags.scale}"`);
    edits.scale = scale;
  }
  if (flags.position !== undefined) {
    // "30% 70%" as the service writes it; "30%,70%" is easier to type.
    const position = flags.position
      .trim()
      .split(/\s*[,\s]\s*/)
      .join(' ');
    if (!readPosition(position))
      throw new UsageError(
        `--position must be "center", "original", "x%" or "x%,y%" with each from 0% to 100% (e.g. 50%,100%), not "${flags.position}"`,
      );
    edits.position = position;
  }
  if (flags.size !== undefined) {
    const size = flags.size.trim().replace(/px$/, '');
    const px = wholeNumber(size, 16, 10_000);
    if (size !== 'full' && size !== 'preview' && px === undefined)
      throw new UsageError(
        `--size must be "full", "preview" or the longest side in pixels from 16 to 10000, not "${flags.size}"`,
      );
    edits.size = px ?? (size as 'full' | 'preview');
  }
  if (flags.quality !== undefined) {
    const quality = wholeNumber(flags.quality.trim(), 1, 100);
    if (quality === undefined)
      throw new UsageError(`--quality must be a whole number from 1 to 100 (JPEG and WebP), not "${flags.quality}"`);
    edits.quality = quality;
  }
  return Object.keys(edits).length > 0 ? edits : undefined;
}

/** `--format`: png, jpg (or jpeg), webp or mask; undefined when not given. */
export function parseFormat(value: string | undefined): RenderFormat | undefined {
  if (value === undefined) return undefined;
  const format = value
    .trim()
    .toLowerCase()
    .replace(/^jpeg$/, 'jpg');
  if (!(RENDER_FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format must be one of ${RENDER_FORMATS.join(', ')}, not "${value}"`);
  return format as RenderFormat;
}

const FORMAT_OF_EXTENSION: Record<string, RenderFormat> = {
  '.png': 'png',
  '.jpg': 'jpg',
  '.jpeg': 'jpg',
  '.webp': 'webp',
};

/** The format a file name asks for by its extension, if it is an image's. */
export const formatOfPath = (path: string): RenderFormat | undefined =>
  FORMAT_OF_EXTENSION[extname(path).toLowerCase()];

/** Does a file of this name suit a render of this format (mask is a PNG)? */
export const suitsFormat = (path: string, format: RenderFormat): boolean => {
  const named = formatOfPath(path);
  return named === undefined || named === (format === 'mask' ? 'png' : format);
};

/**
 * The service's refusal of the edits, each field error named by its flag:
 * `--margin (cropMargin) must be …; --bg (background.color) must be …`.
 */
export function explainRefusal(error: ApiError): ApiError {
  if (error.errors.length === 0) return error;
  const fields = error.errors
    .map(({ field, message }) => `${FLAG_OF_FIELD[field] ? `${FLAG_OF_FIELD[field]} (${field})` : field} ${message}`)
    .join('; ');
  return new ApiError(error.status, error.code, `the service refused the edits: ${fields}`, error.errors);
}
