import { type Edits, initialEdits, type RenderFormat, renderName } from './edits';
import { type FieldError, validationError } from './errors';

export type ImageStatus = 'awaiting_upload' | 'queued' | 'processing' | 'done' | 'failed';
export type SubjectType = 'auto' | 'person' | 'product' | 'car';
export type OutputSize = 'preview' | 'full' | 'auto';

export interface ImageOptions {
  type: SubjectType;
  size: OutputSize;
  /** Background colour as rrggbb, or null for a transparent background. */
  bgColor: string | null;
}

export interface Image {
  id: string;
  userId: string;
  status: ImageStatus;
  filename: string;
  contentType: AcceptedType;
  bytes: number;
  width?: number;
  height?: number;
  options: ImageOptions;
  createdAt: Date;
  updatedAt: Date;
  processedAt?: Date;
  error?: { code: string; message: string };
  /** What the person chose to do with the cutout (core/edits.ts). */
  edits: Edits;
  /** Counts changes of the edits, the mask and the background; renders belong to one version. */
  editVersion: number;
  /** The touch-up mask and the uploaded background, in the results bucket, when there are. */
  maskKey?: string | undefined;
  backgroundKey?: string | undefined;
  /** Renders stored for this version, by format. */
  renders: Partial<Record<RenderFormat, StoredRender>>;
}

/** The edit fields of an image nobody has edited yet: the upload's colour as its background. */
export const uneditedImage = (options: ImageOptions): Pick<Image, 'edits' | 'editVersion' | 'renders'> => ({
  edits: initialEdits(options.bgColor),
  editVersion: 0,
  renders: {},
});

export interface StoredRender {
  key: string;
  width: number;
  height: number;
  bytes: number;
}

export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type AcceptedType = (typeof ACCEPTED_TYPES)[number];
/** remove.bg's limits: 22 MB and 50 megapixels. */
export const MAX_UPLOAD_BYTES = 22 * 1024 * 1024;
export const MAX_MEGAPIXELS = 50;

const SUBJECT_TYPES: readonly SubjectType[] = ['auto', 'person', 'product', 'car'];
const SIZES: readonly OutputSize[] = ['preview', 'full', 'auto'];
const FILENAME_MAX = 255;

export const DEFAULT_OPTIONS: ImageOptions = { type: 'auto', size: 'auto', bgColor: null };

/** Object keys are built here, never from what a client sends. */
export const originalKey = (userId: string, imageId: string): string => `u/${userId}/${imageId}/original`;
/** A marker whose finalize event has processUpload take a failed image again (POST …/retry). */
export const retryMarkerKey = (image: Pick<Image, 'userId' | 'id'>, unique: string): string =>
  `u/${image.userId}/${image.id}/retry-${unique}`;
/** Everything stored for one user, in either bucket, starts with this. */
export const userPrefix = (userId: string): string => `u/${userId}/`;
/** Everything stored for one image, in either bucket, starts with this. */
export const imagePrefix = (image: Pick<Image, 'userId' | 'id'>): string => `u/${image.userId}/${image.id}/`;
export const resultKey = (image: Pick<Image, 'userId' | 'id'>): string => `u/${image.userId}/${image.id}/cutout.png`;
export const thumbnailKey = (image: Pick<Image, 'userId' | 'id'>): string =>
  `u/${image.userId}/${image.id}/thumbnail.webp`;

/** What a downloaded cutout is called: the original's name, "-nobg", as PNG. */
export const downloadName = (filename: string): string => renderName(filename, 'png');

/**
 * Objects an image gains from its edits, in the results bucket. Each carries a fresh part (a
 * new id, or the edit version and a hash of the settings), so a key is written once and a
 * late writer can never overwrite what a newer version stored.
 */
export const maskKey = (image: Pick<Image, 'userId' | 'id'>, unique: string): string =>
  `u/${image.userId}/${image.id}/mask-${unique}.png`;
export const backgroundKey = (image: Pick<Image, 'userId' | 'id'>, unique: string): string =>
  `u/${image.userId}/${image.id}/background-${unique}`;
export const renderKey = (image: Pick<Image, 'userId' | 'id'>, digest: string, extension: string): string =>
  `u/${image.userId}/${image.id}/renders/${digest}.${extension}`;

export const isAcceptedType = (value: string): value is AcceptedType =>
  (ACCEPTED_TYPES as readonly string[]).includes(value);

/**
 * The type the bytes say they are, whatever the name or header claims: JPEG, PNG or WebP by
 * magic number, or undefined.
 */
export function sniffImageType(head: Uint8Array): AcceptedType | undefined {
  const starts = (bytes: number[], at = 0) => bytes.every((byte, i) => head[at + i] === byte);
  if (starts([0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return 'image/webp';
  return undefined;
}

/** Options from JSON or form fields; every mistake reported as a field error under `prefix`. */
export function parseOptions(input: unknown, prefix: string, errors: FieldError[]): ImageOptions {
  if (input === undefined || input === null) return { ...DEFAULT_OPTIONS };
  if (typeof input !== 'object' || Array.isArray(input)) {
    errors.push({ field: prefix.replace(/\.$/, ''), message: 'must be an object' });
    return { ...DEFAULT_OPTIONS };
  }
  const raw = input as Record<string, unknown>;
  const options = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(raw)) {
    if (!['type', 'size', 'bgColor'].includes(key))
      errors.push({ field: `${prefix}${key}`, message: 'is not a recognised option' });
  }
  if (raw.type !== undefined) {
    if (SUBJECT_TYPES.includes(raw.type as SubjectType)) options.type = raw.type as SubjectType;
    else errors.push({ field: `${prefix}type`, message: `must be one of ${SUBJECT_TYPES.join(', ')}` });
  }
  if (raw.size !== undefined) {
    if (SIZES.includes(raw.size as OutputSize)) options.size = raw.size as OutputSize;
    else errors.push({ field: `${prefix}size`, message: `must be one of ${SIZES.join(', ')}` });
  }
  if (raw.bgColor !== undefined && raw.bgColor !== null && raw.bgColor !== '') {
    if (typeof raw.bgColor === 'string' && /^#?[0-9a-fA-F]{6}$/.test(raw.bgColor)) {
      options.bgColor = raw.bgColor.replace('#', '').toLowerCase();
    } else {
      errors.push({ field: `${prefix}bgColor`, message: 'must be a colour as rrggbb, or null for transparent' });
    }
  }
  return options;
}

export function checkFilename(value: unknown, errors: FieldError[], field = 'filename'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    errors.push({ field, message: 'is required: the name of the file' });
    return '';
  }
  if ([...value].length > FILENAME_MAX) errors.push({ field, message: `must be at most ${FILENAME_MAX} characters` });
  if (!value.isWellFormed()) errors.push({ field, message: 'must be valid Unicode' });
  return value;
}

export interface UploadRequest {
  filename: string;
  /** As declared; checked against the accepted types by the caller (415, not 400). */
  contentType: string;
  size: number;
  options: ImageOptions;
}

/** The JSON body of a direct upload. Type and size problems have their own statuses (415, 413). */
export function parseUploadRequest(input: unknown): UploadRequest {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw validationError([{ field: '', message: 'The body must be a JSON object.' }]);
  }
  const body = input as Record<string, unknown>;
  const errors: FieldError[] = Object.keys(body)
    .filter((key) => !['filename', 'contentType', 'size', 'options'].includes(key))
    .map((field) => ({ field, message: 'is not a recognised field' }));
  const filename = checkFilename(body.filename, errors);
  if (typeof body.contentType !== 'string' || body.contentType === '')
    errors.push({ field: 'contentType', message: 'is required' });
  const size = body.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    errors.push({ field: 'size', message: 'must be the file size in bytes, a whole number of at least 1' });
  }
  const options = parseOptions(body.options, 'options.', errors);
  if (errors.length > 0) throw validationError(errors);
  return { filename, contentType: body.contentType as string, size: size as number, options };
}

/**
 * Why an unfinished image can no longer finish, if it cannot: its upload never arrived, or
 * its processing outlived every redelivery the platform makes (events older than the maximum
 * age are dropped, and a lease outlives no worker). Shown as failed instead of spinning forever.
 */
export function strandedReason(
  image: Pick<Image, 'status' | 'createdAt' | 'updatedAt'>,
  now: Date,
  limits: { uploadSeconds: number; eventMaxAgeSeconds: number; leaseSeconds: number },
): { code: string; message: string } | undefined {
  const age = (since: Date) => (now.getTime() - since.getTime()) / 1000;
  if (image.status === 'awaiting_upload' && age(image.createdAt) > limits.uploadSeconds + limits.eventMaxAgeSeconds) {
    return { code: 'IMAGE.EXPIRED', message: 'The upload did not arrive in time. Upload the image again.' };
  }
  if (
    (image.status === 'queued' || image.status === 'processing') &&
    age(image.updatedAt) > limits.eventMaxAgeSeconds + limits.leaseSeconds
  ) {
    return { code: 'IMAGE.EXPIRED', message: 'Processing did not finish. Upload the image again.' };
  }
  return undefined;
}
