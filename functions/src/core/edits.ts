import { type FieldError, validationError } from './errors';

/*
 * What a person chose to do with a cutout (docs/api.md, "Edits"): saved per image and rendered
 * from the stored cutout, never by asking the remover again. Kept in the API's own form
 * (remove.bg's strings such as "5%" or "25% 75%"), and read into numbers by `readEdits`.
 */

export type Background =
  { type: 'transparent' } | { type: 'color'; color: string } | { type: 'blur'; radius: number } | { type: 'image' };

export interface Edits {
  background: Background;
  crop: boolean;
  cropMargin: string;
  scale: string;
  position: string;
  size: 'full' | 'preview' | number;
  quality: number;
}

export const RENDER_FORMATS = ['png', 'jpg', 'webp', 'mask'] as const;
export type RenderFormat = (typeof RENDER_FORMATS)[number];

export const DEFAULT_EDITS: Edits = {
  background: { type: 'transparent' },
  crop: false,
  cropMargin: '0',
  scale: 'original',
  position: 'original',
  size: 'full',
  quality: 90,
};

/** An image's first edits: the colour chosen at upload, if any, as its background. */
export const initialEdits = (bgColor: string | null): Edits =>
  bgColor ? { ...DEFAULT_EDITS, background: { type: 'color', color: bgColor } } : DEFAULT_EDITS;

const MAX_BLUR = 100;
const MAX_MARGIN_PX = 500;
const MAX_MARGIN_PERCENT = 50;
const SIZE_RANGE = [16, 10_000] as const;

const number = String.raw`(\d{1,3}(?:\.\d{1,2})?)`;
const percentOf = (text: string): number | undefined => {
  const match = new RegExp(`^${number}%$`).exec(text);
  return match ? Number(match[1]) : undefined;
};

/** "0", "12px" or "5%": a margin in pixels or as a share of the subject's longer side. */
export function readMargin(text: string): { px: number } | { fraction: number } | undefined {
  if (text === '0') return { px: 0 };
  const px = /^(\d{1,3})px$/.exec(text);
  if (px) return Number(px[1]) <= MAX_MARGIN_PX ? { px: Number(px[1]) } : undefined;
  const percent = percentOf(text);
  return percent !== undefined && percent <= MAX_MARGIN_PERCENT ? { fraction: percent / 100 } : undefined;
}

/** "original", or "10%" to "100%": the subject's size as a share of the canvas. */
export function readScale(text: string): number | 'original' | undefined {
  if (text === 'original') return 'original';
  const percent = percentOf(text);
  return percent !== undefined && percent >= 10 && percent <= 100 ? percent / 100 : undefined;
}

/** "original", "center", "x%" or "x% y%": where the subject sits, as fractions of the free space. */
export function readPosition(text: string): { x: number; y: number } | 'original' | undefined {
  if (text === 'original') return 'original';
  if (text === 'center') return { x: 0.5, y: 0.5 };
  const parts = text.split(' ').map(percentOf);
  if (parts.length > 2 || parts.some((part) => part === undefined || part > 100)) return undefined;
  const [x, y = x] = parts as number[];
  return { x: x! / 100, y: y! / 100 };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readBackground(raw: unknown, errors: FieldError[]): Background | undefined {
  if (!isObject(raw)) {
    errors.push({ field: 'background', message: 'must be an object with a type' });
    return undefined;
  }
  const extra = (allowed: string[]) =>
    Object.keys(raw)
      .filter((key) => !['type', ...allowed].includes(key))
      .forEach((key) => errors.push({ field: `background.${key}`, message: 'is not a recognised field' }));
  switch (raw.type) {
    case 'transparent':
    case 'image':
      extra([]);
      return { type: raw.type };
    case 'color': {
      extra(['color']);
      const color = raw.color;
      if (typeof color === 'string' && /^#?[0-9a-fA-F]{6}$/.test(color))
        return { type: 'color', color: color.replace('#', '').toLowerCase() };
      errors.push({ field: 'background.color', message: 'must be a colour as rrggbb' });
      return undefined;
    }
    case 'blur': {
      extra(['radius']);
      const radius = raw.radius;
      if (typeof radius === 'number' && Number.isInteger(radius) && radius >= 1 && radius <= MAX_BLUR)
        return { type: 'blur', radius };
      errors.push({ field: 'background.radius', message: `must be a whole number of pixels from 1 to ${MAX_BLUR}` });
      return undefined;
    }
    default:
      errors.push({ field: 'background.type', message: 'must be one of transparent, color, blur, image' });
      return undefined;
  }
}

/** One text field checked by its reader; `hint` says what is accepted. */
function readText(raw: unknown, field: string, read: (text: string) => unknown, hint: string, errors: FieldError[]) {
  if (typeof raw === 'string' && read(raw) !== undefined) return raw;
  errors.push({ field, message: `must be ${hint}` });
  return undefined;
}

const inRange = (value: unknown, [low, high]: readonly [number, number]): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= low && value <= high;

/**
 * A PATCH of the edits: the fields sent replace those in `current`; every mistake is a field
 * error, and any mistake changes nothing. `hasBackgroundImage` says whether one was uploaded.
 */
export function applyEditsPatch(current: Edits, input: unknown, hasBackgroundImage: boolean): Edits {
  if (!isObject(input)) throw validationError([{ field: '', message: 'The body must be a JSON object.' }]);
  const errors: FieldError[] = [];
  const next: Edits = { ...current };
  for (const [key, raw] of Object.entries(input)) {
    switch (key) {
      case 'background': {
        const background = readBackground(raw, errors);
        if (background?.type === 'image' && !hasBackgroundImage)
          errors.push({
            field: 'background.type',
            message: 'image needs a background uploaded first (PUT …/background)',
          });
        else if (background) next.background = background;
        break;
      }
      case 'crop':
        if (typeof raw === 'boolean') next.crop = raw;
        else errors.push({ field: 'crop', message: 'must be true or false' });
        break;
      case 'cropMargin':
        next.cropMargin = readText(raw, key, readMargin, '"0", 0–500 "px" or 0–50 "%"', errors) ?? next.cropMargin;
        break;
      case 'scale':
        next.scale = readText(raw, key, readScale, '"original" or 10–100 "%"', errors) ?? next.scale;
        break;
      case 'position':
        next.position =
          readText(raw, key, readPosition, '"original", "center", "x%" or "x% y%" (0–100)', errors) ?? next.position;
        break;
      case 'size':
        if (raw === 'full' || raw === 'preview' || inRange(raw, SIZE_RANGE)) next.size = raw;
        else
          errors.push({
            field: 'size',
            message: `must be "full", "preview" or a longest side of ${SIZE_RANGE.join('–')} px`,
          });
        break;
      case 'quality':
        if (inRange(raw, [1, 100])) next.quality = raw;
        else errors.push({ field: 'quality', message: 'must be a whole number from 1 to 100' });
        break;
      default:
        errors.push({ field: key, message: 'is not a recognised field' });
    }
  }
  if (errors.length > 0) throw validationError(errors);
  return next;
}

/** The render format asked for in a query (`png` when absent). */
export function readFormat(raw: unknown): RenderFormat {
  if (raw === undefined) return 'png';
  if (typeof raw === 'string' && (RENDER_FORMATS as readonly string[]).includes(raw)) return raw as RenderFormat;
  throw validationError([{ field: 'format', message: `must be one of ${RENDER_FORMATS.join(', ')}` }]);
}

export const RENDER_TYPES: Record<RenderFormat, { contentType: string; extension: string; suffix: string }> = {
  png: { contentType: 'image/png', extension: 'png', suffix: '-nobg' },
  jpg: { contentType: 'image/jpeg', extension: 'jpg', suffix: '-nobg' },
  webp: { contentType: 'image/webp', extension: 'webp', suffix: '-nobg' },
  mask: { contentType: 'image/png', extension: 'png', suffix: '-mask' },
};

/** What a downloaded render is called: the original's name, "-nobg" or "-mask", the format's extension. */
export const renderName = (filename: string, format: RenderFormat): string => {
  const { suffix, extension } = RENDER_TYPES[format];
  return `${filename.replace(/\.[A-Za-z0-9]{1,5}$/, '') || 'image'}${suffix}.${extension}`;
};
