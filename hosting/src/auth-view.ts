import { alertMessage, fieldMessages, passwordProblem, setFieldError } from './account-fields';
import { hideAlert, showAlert } from './alerts';
import { ApiError, login, register } from './api';
import { byId } from './dom';
import type { Session } from './types';

export type AuthMode = 'signin' | 'signup';

const LABELS: Record<string, string> = { email: 'Email', username: 'Username', password: 'Password' };
const FIELDS: Record<AuthMode, string[]> = { signin: ['email', 'password'], signup: ['email', 'username', 'password'] };

const view = () => byId('auth-view', HTMLElement);
const alertBox = () => byId('auth-alert', HTMLDivElement);
const form = (mode: AuthMode) => byId(`${mode}-form`, HTMLFormElement);
const input = (mode: AuthMode, field: string) => byId(`${mode}-${field}`, HTMLInputElement);

function clearErrors(mode: AuthMode): void {
  hideAlert(alertBox());
  for (const field of FIELDS[mode]) setFieldError(input(mode, field), null);
}

/** The API's problem, spread over the form: field errors by their fields, the rest in the alert. */
function showProblem(mode: AuthMode, error: unknown, values: Record<string, string>): void {
  // The server counts a password in UTF-8 bytes; the page says the rule in characters.
  const rewrite = (field: string) =>
    mode === 'signup' && field === 'password' ? passwordProblem(values.password ?? '', 'Password') : null;
  const messages = error instanceof ApiError ? fieldMessages(error, LABELS, rewrite) : [];
  const unplaced = messages.filter(({ field, message }) => {
    if (!FIELDS[mode].includes(field)) return true;
    setFieldError(input(mode, field), message);
    return false;
  });
  const placedAll = messages.length > 0 && unplaced.length === 0;
  // "Already taken" beside the field says it all; the alert would only repeat it.
  if (error instanceof ApiError && placedAll && ['REQUEST.VALIDATION', 'ACCOUNT.TAKEN'].includes(error.code)) return;
  showAlert(alertBox(), alertMessage(error, unplaced));
}

/** Empty fields (and a new password's rule) are caught here; the server judges the rest. */
function checkLocally(mode: AuthMode, values: Record<string, string>): boolean {
  let ok = true;
  for (const field of FIELDS[mode]) {
    const value = values[field] ?? '';
    const label = mode === 'signin' && field === 'email' ? 'your email or username' : `your ${field}`;
    let message = value === '' ? `Enter ${label}.` : null;
    if (!message && mode === 'signup' && field === 'password') message = passwordProblem(value, 'Password');
    if (!message) continue;
    setFieldError(input(mode, field), message);
    ok = false;
  }
  return ok;
}

/**
 * After a refusal, focus goes back where typing can fix it: the first field marked wrong; for a
 * wrong sign-in or a throttle, the password (selected, so that typing replaces it); else the
 * button, which kept its focus while the request was out.
 */
function refocus(mode: AuthMode, error: unknown): void {
  const invalid = form(mode).querySelector<HTMLInputElement>('[aria-invalid="true"]');
  const code = error instanceof ApiError ? error.code : '';
  const password = input(mode, 'password');
  if (invalid) invalid.focus();
  else if (mode === 'signin' || code === 'AUTH.TOO_MANY_ATTEMPTS') {
    password.focus();
    password.select();
  } else form(mode).querySelector<HTMLButtonElement>('button[type="submit"]')?.focus();
}

export function showAuth(mode: AuthMode, message?: { text: string; tone: 'error' | 'info' }): void {
  view().hidden = false;
  for (const other of ['signin', 'signup'] as const) {
    form(other).hidden = other !== mode;
    clearErrors(other);
  }
  if (message) showAlert(alertBox(), message.text, message.tone);
  document.title = mode === 'signin' ? 'Sign in — Cutout' : 'Create an account — Cutout';
  input(mode, 'email').focus();
}

export function hideAuth(): void {
  view().hidden = true;
  for (const mode of ['signin', 'signup'] as const) form(mode).reset();
}

/** `remember`: the person ticked "Keep me signed in". */
export function initAuth(onSignedIn: (session: Session, remember: boolean) => void): void {
  for (const button of view().querySelectorAll<HTMLButtonElement>('button[data-show]')) {
    button.addEventListener('click', () => showAuth(button.dataset.show === 'signup' ? 'signup' : 'signin'));
  }
  const wire = (mode: AuthMode, send: (values: Record<string, string>) => Promise<Session>) => {
    const element = form(mode);
    element.addEventListener('submit', (event) => {
      event.preventDefault();
      if (element.getAttribute('aria-busy') === 'true') return;
      clearErrors(mode);
      const data = new FormData(element);
      const values = Object.fromEntries(FIELDS[mode].map((field) => [field, String(data.get(field) ?? '').trim()]));
      // Passwords are sent as typed: spaces can be part of one.
      values.password = String(data.get('password') ?? '');
      if (!checkLocally(mode, values)) return refocus(mode, null);
      const remember = data.get('remember') !== null;
      // Busy rather than disabled: a disabled button would drop the keyboard focus to <body>.
      const submit = element.querySelector<HTMLButtonElement>('button[type="submit"]');
      submit?.setAttribute('aria-disabled', 'true');
      element.setAttribute('aria-busy', 'true');
      send(values)
        .then((session) => onSignedIn(session, remember))
        .catch((error: unknown) => {
          showProblem(mode, error, values);
          refocus(mode, error);
        })
        .finally(() => {
          submit?.removeAttribute('aria-disabled');
          element.removeAttribute('aria-busy');
        });
    });
  };
  wire('signin', ({ email = '', password = '' }) => login({ email, password }));
  wire('signup', ({ email = '', username = '', password = '' }) => register({ email, username, password }));
}
