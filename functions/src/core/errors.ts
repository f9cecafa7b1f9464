/** Stable, machine-readable error codes (`DOMAIN.REASON`), as listed in docs/api.md. */
export type ErrorCode =
  | 'REQUEST.VALIDATION'
  | 'REQUEST.MALFORMED'
  | 'REQUEST.UNSUPPORTED_MEDIA_TYPE'
  | 'REQUEST.METHOD_NOT_ALLOWED'
  | 'REQUEST.TOO_LARGE'
  | 'REQUEST.NOT_FOUND'
  | 'ACCOUNT.TAKEN'
  | 'AUTH.INVALID_CREDENTIALS'
  | 'AUTH.UNAUTHENTICATED'
  | 'AUTH.TOO_MANY_ATTEMPTS'
  | 'UPLOAD.UNSUPPORTED_TYPE'
  | 'UPLOAD.TOO_LARGE'
  | 'UPLOAD.QUOTA_EXCEEDED'
  | 'IMAGE.NOT_FOUND'
  | 'IMAGE.NOT_READY'
  | 'IMAGE.NOT_RETRYABLE'
  | 'INTERNAL';

export interface FieldError {
  field: string;
  message: string;
}

interface AppErrorOptions {
  errors?: FieldError[];
  headers?: Record<string, string>;
}

/** An error meant for the client: it carries its HTTP status and a safe, specific detail. */
export class AppError extends Error {
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail);
    this.name = 'AppError';
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
}

export const validationError = (errors: FieldError[]): AppError =>
  new AppError('REQUEST.VALIDATION', 400, 'The request has invalid fields.', { errors });

export const malformedRequest = (detail: string): AppError => new AppError('REQUEST.MALFORMED', 400, detail);

export const unsupportedMediaType = (expected: string): AppError =>
  new AppError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 415, `The body must be sent as ${expected}.`);

export const methodNotAllowed = (allowed: readonly string[]): AppError =>
  new AppError('REQUEST.METHOD_NOT_ALLOWED', 405, `Use ${allowed.join(' or ')}.`, {
    headers: { Allow: allowed.join(', ') },
  });

export const requestTooLarge = (limitBytes: number): AppError =>
  new AppError('REQUEST.TOO_LARGE', 413, `The body must be at most ${limitBytes} bytes.`);

export const accountTaken = (errors: FieldError[]): AppError =>
  new AppError('ACCOUNT.TAKEN', 409, 'An account with that email or username already exists.', {
    errors,
  });

export const invalidCredentials = (): AppError =>
  new AppError('AUTH.INVALID_CREDENTIALS', 401, 'The email, username or password is wrong.');

export const unauthenticated = (): AppError =>
  new AppError('AUTH.UNAUTHENTICATED', 401, 'Sign in again: the token is missing, invalid or expired.', {
    headers: { 'WWW-Authenticate': 'Bearer' },
  });

export const tooManyAttempts = (retryAfterSeconds: number): AppError =>
  new AppError(
    'AUTH.TOO_MANY_ATTEMPTS',
    429,
    `Too many failed sign-in attempts. Try again in ${retryAfterSeconds} seconds.`,
    { headers: { 'Retry-After': String(retryAfterSeconds) } },
  );

export const unsupportedUploadType = (): AppError =>
  new AppError('UPLOAD.UNSUPPORTED_TYPE', 415, 'Upload a JPEG, PNG or WebP image.');

export const uploadTooLarge = (maxBytes: number): AppError =>
  new AppError('UPLOAD.TOO_LARGE', 413, `An image can be at most ${maxBytes / 1024 / 1024} MB.`);

export const quotaExceeded = (retryAfterSeconds: number): AppError =>
  new AppError(
    'UPLOAD.QUOTA_EXCEEDED',
    429,
    `You have reached today's upload limit. Try again in ${retryAfterSeconds} seconds.`,
    {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    },
  );

export const imageNotFound = (): AppError => new AppError('IMAGE.NOT_FOUND', 404, 'There is no such image.');

export const imageNotReady = (status: string): AppError =>
  new AppError(
    'IMAGE.NOT_READY',
    409,
    `The image is ${status.replace('_', ' ')}: it can be edited once its cutout is done.`,
  );

export const imageNotRetryable = (why: string): AppError => new AppError('IMAGE.NOT_RETRYABLE', 409, why);

export const notFound = (): AppError => new AppError('REQUEST.NOT_FOUND', 404, 'There is no such endpoint.');
