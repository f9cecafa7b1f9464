import sharp from 'sharp';
import { apiErrors, MAX_MEGAPIXELS } from './api-errors';

type ForegroundType = 'auto' | 'person' | 'product' | 'car';

/** A request's parameters, checked. */
export interface RemoveBgOptions {
  /** The largest result, in pixels, and what it costs. */
  maxPixels: number;
  credits: number;
  type: ForegroundType;
  /** `none` leaves X-Type out of the response. */
  typeLevel: 'none' | '1' | '2' | 'latest';
  format: 'auto' | 'png' | 'jpg';
  /** RGBA, or undefined for a transparent background. */
  bgColor: [number, number, number, number] | undefined;
  crop: boolean;
  channels: 'rgba' | 'alpha';
}

const PREVIEW = { maxPixels: 250_000, credits: 0.25 };
const FULL = { maxPixels: MAX_MEGAPIXELS * 1e6, credits: 1 };

/** remove.bg's sizes and their aliases: preview (¼ credit) and the full-resolution family (1 credit). */
const SIZES: Record<string, { maxPixels: number; credits: number }> = {
  preview: PREVIEW,
  small: PREVIEW,
  regular: PREVIEW,
  medium: { maxPixels: 1_500_000, credits: 1 },
  hd: { maxPixels: 4_000_000, credits: 1 },
  full: FULL,
  '4k': FULL,
  '50MP': FULL,
  auto: FULL,
};
const TYPES: readonly ForegroundType[] = ['auto', 'person', 'product', 'car'];
const TYPE_LEVELS = ['none', '1', '2', 'latest'] as const;
const FORMATS = ['auto', 'png', 'jpg'] as const;
const CHANNELS = ['rgba', 'alpha'] as const;
/** Real remove.bg parameters this engine does not implement: refused rather than silently ignored. */
const UNSUPPORTED = ['bg_image_url', 'bg_image_file', 'roi', 'scale', 'position', 'crop_margin'];
const DEFAULTS: Record<string, string> = { scale: 'original', position: 'original', crop_margin: '0' };

/** Checks the form fields the way remove.bg does; throws its 400s. */
export async function parseOptions(fields: Readonly<Record<string, string>>): Promise<RemoveBgOptions> {
  const value = (name: string): string | undefined => (fields[name] === '' ? undefined : fields[name]);
  for (const name of UNSUPPORTED) {
    const given = value(name);
    if (given !== undefined && given !== DEFAULTS[name]) {
      throw apiErrors.invalidParameter(
        'unsupported_parameter',
        `Parameter '${name}' is not supported by the local remove.bg engine`,
      );
    }
  }
  const size = SIZES[value('size') ?? 'preview'];
  if (!size) throw apiErrors.invalidParameter('invalid_size', "Invalid value for parameter 'size'");
  const format = value('format') ?? 'auto';
  if (format === 'zip') {
    throw apiErrors.invalidParameter(
      'invalid_format',
      'Invalid format parameter given',
      'zip is not supported locally',
    );
  }
  return {
    ...size,
    type: oneOf(value('type') ?? 'auto', TYPES, 'invalid_type', "Invalid value for parameter 'type'"),
    typeLevel: oneOf(
      value('type_level') ?? '1',
      TYPE_LEVELS,
      'invalid_type_level',
      'Invalid type_level parameter given',
    ),
    format: oneOf(format, FORMATS, 'invalid_format', 'Invalid format parameter given'),
    bgColor: await parseColour(value('bg_color')),
    crop: parseBoolean(value('crop'), 'invalid_crop', 'Invalid crop parameter given'),
    channels: oneOf(
      value('channels') ?? 'rgba',
      CHANNELS,
      'invalid_channels',
      "Invalid value for parameter 'channels'",
    ),
  };
}

function oneOf<T extends string>(given: string, allowed: readonly T[], code: string, title: string): T {
  if (!(allowed as readonly string[]).includes(given)) throw apiErrors.invalidParameter(code, title);
  return given as T;
}

function parseBoolean(given: string | undefined, code: string, title: string): boolean {
  const lower = given?.toLowerCase();
  if (lower === undefined || lower === 'false' || lower === '0') return false;
  if (lower === 'true' || lower === '1') return true;
  throw apiErrors.invalidParameter(code, title);
}

/**
 * remove.bg's bg_color: hex with or without '#' (rgb, rgba, rrggbb, rrggbbaa) or a colour name.
 * Names are resolved by sharp's colour parser (the CSS names), by painting one pixel.
 */
async function parseColour(given: string | undefined): Promise<RemoveBgOptions['bgColor']> {
  if (given === undefined) return undefined;
  const invalid = () => apiErrors.invalidParameter('invalid_bg_color', 'Invalid bg_color parameter given');
  const hex = given.replace(/^#/, '');
  if (/^[0-9a-f]+$/i.test(hex) && [3, 4, 6, 8].includes(hex.length)) {
    const digits = hex.length <= 4 ? [...hex].map((d) => d + d).join('') : hex;
    const channels = (digits.match(/../g) ?? []).map((pair) => parseInt(pair, 16));
    return [channels[0] ?? 0, channels[1] ?? 0, channels[2] ?? 0, channels[3] ?? 255];
  }
  if (!/^[a-z]{3,30}$/i.test(given)) throw invalid();
  try {
    const pixel = await sharp({ create: { width: 1, height: 1, channels: 4, background: given.toLowerCase() } })
      .raw()
      .toBuffer();
    return [pixel[0] ?? 0, pixel[1] ?? 0, pixel[2] ?? 0, pixel[3] ?? 255];
  } catch {
    throw invalid();
  }
}
