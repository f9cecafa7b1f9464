import { type FieldError, validationError } from './errors';

export interface Registration {
  email: string;
  username: string;
  password: string;
}

export interface Credentials {
  /** An email address or a username. */
  login: string;
  password: string;
}

export const PASSWORD_MIN_BYTES = 8;
/** bcrypt reads at most 72 bytes; a longer password is refused rather than silently truncated. */
export const PASSWORD_MAX_BYTES = 72;
const EMAIL_MAX = 254;
const USERNAME = /^[A-Za-z0-9_.-]{3,32}$/;
// Deliberately simple: one @, no whitespace or control characters, a dot in the domain.
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const LOGIN_MAX = 254;

/** The key that makes emails and usernames unique regardless of case and Unicode form. */
export const identityKey = (value: string): string => value.normalize('NFKC').toLowerCase();

export const utf8Bytes = (value: string): number => Buffer.byteLength(value, 'utf8');

type Body = Record<string, unknown>;

function requireObject(body: unknown): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw validationError([{ field: '', message: 'The body must be a JSON object.' }]);
  }
  return body as Body;
}

function unknownFields(body: Body, allowed: readonly string[]): FieldError[] {
  return Object.keys(body)
    .filter((key) => !allowed.includes(key))
    .map((field) => ({ field, message: 'is not a recognised field' }));
}

function stringField(body: Body, field: string, errors: FieldError[]): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    errors.push({ field, message: 'is required' });
    return undefined;
  }
  if (typeof value !== 'string') {
    errors.push({ field, message: 'must be a string' });
    return undefined;
  }
  return value;
}

function checkPassword(password: string, errors: FieldError[], field = 'password'): void {
  const bytes = utf8Bytes(password);
  if (bytes < PASSWORD_MIN_BYTES || bytes > PASSWORD_MAX_BYTES) {
    errors.push({
      field,
      message: `must be ${PASSWORD_MIN_BYTES} to ${PASSWORD_MAX_BYTES} bytes long in UTF-8 (this one is ${bytes})`,
    });
  }
}

export function parseRegistration(input: unknown): Registration {
  const body = requireObject(input);
  const errors = unknownFields(body, ['email', 'username', 'password']);
  const rawEmail = stringField(body, 'email', errors);
  const username = stringField(body, 'username', errors);
  const password = stringField(body, 'password', errors);
  const email = rawEmail?.trim();
  if (email !== undefined && (email.length > EMAIL_MAX || !EMAIL.test(email))) {
    errors.push({ field: 'email', message: 'must be an email address such as ada@example.com' });
  }
  if (username !== undefined && !USERNAME.test(username)) {
    errors.push({
      field: 'username',
      message: 'must be 3 to 32 characters: letters, digits, underscore, dot or hyphen',
    });
  }
  if (password !== undefined) checkPassword(password, errors);
  if (errors.length > 0 || !email || !username || !password) throw validationError(errors);
  return { email, username, password };
}

export function parseCredentials(input: unknown): Credentials {
  const body = requireObject(input);
  const errors = unknownFields(body, ['email', 'password']);
  const login = stringField(body, 'email', errors)?.trim();
  const password = stringField(body, 'password', errors);
  if (login !== undefined && login.length > LOGIN_MAX) {
    errors.push({ field: 'email', message: `must be at most ${LOGIN_MAX} characters` });
  }
  // A password over bcrypt's limit can never match; it is a wrong password, not a bad request,
  // so that the answer does not differ from any other failed sign-in. Only absurd sizes are refused.
  if (password !== undefined && password.length > 4096) {
    errors.push({ field: 'password', message: 'is too long' });
  }
  if (errors.length > 0 || !login || !password) throw validationError(errors);
  return { login, password };
}

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
}

/** POST /api/account/password: the current password (checked by the caller) and a new one that fits the rules. */
export function parsePasswordChange(input: unknown): PasswordChange {
  const body = requireObject(input);
  const errors = unknownFields(body, ['currentPassword', 'newPassword']);
  const currentPassword = stringField(body, 'currentPassword', errors);
  const newPassword = stringField(body, 'newPassword', errors);
  if (newPassword !== undefined) checkPassword(newPassword, errors, 'newPassword');
  if (errors.length > 0 || !currentPassword || !newPassword) throw validationError(errors);
  return { currentPassword, newPassword };
}

/** DELETE /api/account: the username typed again, and the password. */
export function parseAccountDeletion(input: unknown): { username: string; password: string } {
  const body = requireObject(input);
  const errors = unknownFields(body, ['username', 'password']);
  const username = stringField(body, 'username', errors);
  const password = stringField(body, 'password', errors);
  if (errors.length > 0 || !username || !password) throw validationError(errors);
  return { username, password };
}
