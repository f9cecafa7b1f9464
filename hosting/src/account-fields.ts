import { ApiError } from './api';

/**
 * What the sign-in, sign-up and account forms share: a field shows its hint or its error, never
 * both, and every message is a sentence a person can act on, built from the API's field errors
 * (never its generic "The request has invalid fields.").
 */

const PASSWORD_MIN = 8;
/** bcrypt's limit, which the API counts in UTF-8 bytes; for ASCII, bytes and characters agree. */
const PASSWORD_MAX = 72;

export const PASSWORD_RULE = `${PASSWORD_MIN} to ${PASSWORD_MAX} characters`;

/**
 * Marks `input` (id X) as wrong or right. Its hint (#X-hint) gives way to its error (#X-error)
 * while there is one, and aria-describedby names only the one shown: a hidden element that is
 * named there would still be read out.
 */
export function setFieldError(input: HTMLInputElement, message: string | null): void {
  const hint = document.getElementById(`${input.id}-hint`);
  const slot = document.getElementById(`${input.id}-error`);
  input.setAttribute('aria-invalid', String(message !== null));
  if (slot) {
    slot.textContent = message ?? '';
    slot.hidden = message === null;
  }
  if (hint) hint.hidden = message !== null;
  const shown = message === null ? hint : slot;
  if (shown) input.setAttribute('aria-describedby', shown.id);
  else input.removeAttribute('aria-describedby');
}

const sentence = (text: string): string => (/[.!?]$/.test(text) ? text : `${text}.`);

/** The rule in plain words; bytes come up only for a password that fits in characters but not in bytes. */
export function passwordProblem(password: string, label: string): string | null {
  const characters = [...password].length;
  if (characters < PASSWORD_MIN) return `${label} is too short: use ${PASSWORD_RULE}.`;
  if (characters > PASSWORD_MAX) return `${label} is too long: use ${PASSWORD_RULE}.`;
  const bytes = new TextEncoder().encode(password).length;
  if (bytes > PASSWORD_MAX) {
    return (
      `${label} is too long: accented letters, other alphabets and emoji take 2 to 4 bytes each, ` +
      `and at most ${PASSWORD_MAX} bytes fit (this one takes ${bytes}).`
    );
  }
  return null;
}

const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** 45 → "45 seconds", 90 → "2 minutes", 7200 → "2 hours": rounded up, so that trying then works. */
export function describeWait(seconds: number): string {
  if (seconds < 60) return plural(Math.ceil(seconds), 'second');
  if (seconds < 3600) return plural(Math.ceil(seconds / 60), 'minute');
  return plural(Math.ceil(seconds / 3600), 'hour');
}

export interface FieldMessage {
  field: string;
  message: string;
}

/**
 * The API's field errors as sentences that start with the field's label ("Email must be an
 * email address such as ada@example.com."). `labels` maps the API's field names to labels;
 * `rewrite` may put a field's message in its own words (a password's rule).
 */
export function fieldMessages(
  error: ApiError,
  labels: Record<string, string>,
  rewrite: (field: string) => string | null = () => null,
): FieldMessage[] {
  return error.fieldErrors.map(({ field, message }) => ({
    field,
    message: rewrite(field) ?? sentence(field in labels ? `${labels[field]} ${message}` : message),
  }));
}

/** What the alert of a form says about a refusal whose field errors could not all go beside a field. */
export function alertMessage(error: unknown, unplaced: FieldMessage[]): string {
  if (!(error instanceof ApiError)) return 'Something went wrong on this page. Reload it and try again.';
  if (error.code === 'AUTH.TOO_MANY_ATTEMPTS') {
    const wait = error.retryAfter === undefined ? 'a few minutes' : describeWait(error.retryAfter);
    return `Too many attempts. Try again in ${wait}.`;
  }
  const details = unplaced.map(({ message }) => message);
  // "The request has invalid fields." says nothing the field messages do not say better.
  if (error.code === 'REQUEST.VALIDATION' && details.length > 0) return details.join(' ');
  return [sentence(error.message), ...details].join(' ');
}
