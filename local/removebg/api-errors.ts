/** One entry of remove.bg's error body: `{"errors":[{"title","code","detail"}]}`. */
export interface ErrorEntry {
  title: string;
  code?: string;
  detail?: string;
}

/** A refusal with remove.bg's status, body and (for 429) headers. */
export class RemoveBgError extends Error {
  constructor(
    readonly status: number,
    readonly entry: ErrorEntry,
    readonly headers: Record<string, string> = {},
  ) {
    super(entry.title);
  }
}

export const MAX_FILE_MB = 22;
export const MAX_MEGAPIXELS = 50;

const bad = (code: string, title: string, detail?: string): RemoveBgError =>
  new RemoveBgError(400, detail === undefined ? { title, code } : { title, code, detail });

/** remove.bg's refusals, with its codes and wording. */
export const apiErrors = {
  missingSource: () =>
    bad(
      'missing_source',
      'No image given',
      'Please provide the source image in the image_url, image_file or image_file_b64 parameter.',
    ),
  multipleSources: () =>
    bad(
      'multiple_sources',
      'Multiple image sources given: Please provide either the image_url, image_file or image_file_b64 parameter.',
    ),
  fileTooLarge: () => bad('file_too_large', 'File too large', `File exceeds limit of ${MAX_FILE_MB}MB`),
  resolutionTooHigh: (megapixels: number) =>
    bad(
      'resolution_too_high',
      'Image resolution too high',
      `Input image has ${megapixels} megapixels, maximum supported input resolution is ${MAX_MEGAPIXELS} megapixels`,
    ),
  failedToRead: () => bad('failed_to_read_image', 'There was an error reading the image.'),
  invalidFileType: (received: string) =>
    bad('invalid_file_type', 'Invalid file type', `Expected jpg/png/webp, received ${received}`),
  invalidDimensions: () =>
    bad(
      'invalid_dimensions',
      'Failed to read image dimensions',
      'The dimensions of the given image could not be read.',
    ),
  invalidImageUrl: (detail: string) =>
    bad('invalid_image_url', 'Invalid image_url: Please provide a valid URL.', detail),
  failedImageDownload: (url: string) =>
    bad('failed_image_download', `Failed to download image from given image_url: ${url}`),
  invalidParameter: (code: string, title: string, detail?: string) => bad(code, title, detail),
  unknownForeground: () =>
    bad(
      'unknown_foreground',
      'Could not identify foreground in image. For details and recommendations see https://www.remove.bg/supported-images.',
    ),
  missingKey: () => new RemoveBgError(403, { title: 'Missing API Key', code: 'auth_failed' }),
  invalidKey: () => new RemoveBgError(403, { title: 'API Key invalid', code: 'auth_failed' }),
  insufficientCredits: () => new RemoveBgError(402, { title: 'Insufficient credits', code: 'insufficient_credits' }),
  rateLimited: (retryAfterSeconds: number) =>
    new RemoveBgError(
      429,
      { title: 'Rate limit exceeded', code: 'rate_limit_exceeded' },
      { 'Retry-After': String(retryAfterSeconds) },
    ),
};

export const errorBody = (entry: ErrorEntry): string => JSON.stringify({ errors: [entry] });
