import { hideAlert, showAlert } from './alerts';
import { ApiError, login, register } from './api';
import { byId } from './dom';
import type { Session } from './types';

export type AuthMode = 'signin' | 'signup';

const LABELS: Record<string, string> = { email: 'Email', username: 'Username', password: 'Password' };

const view = () => byId('auth-view', HTMLElement);
const alertBox = () => byId('auth-alert', HTMLDivElement);
const form = (mode: AuthMode) => byId(`${mode}-form`, HTMLFormElement);

function setFieldError(mode: AuthMode, field: string, message: string | null): boolean {
  const input = document.getElementById(`${mode}-${field}`);
  const slot = document.getElementById(`${mode}-${field}-error`);
  if (!(input instanceof HTMLInputElement) || !slot) return false;
  input.setAttribute('aria-invalid', String(message !== null));
  slot.textContent = message ?? '';
  slot.hidden = message === null;
  return true;
}

function clearErrors(mode: AuthMode): void {
  hideAlert(alertBox());
  for (const field of Object.keys(LABELS)) setFieldError(mode, field, null);
}

/** The API's problem, spread over the form: field errors by their fields, the rest in the alert. */
function showProblem(mode: AuthMode, error: unknown): void {
  if (!(error instanceof ApiError)) {
    showAlert(alertBox(), 'Something went wrong on this page. Reload it and try again.');
    return;
  }
  // Field messages are written to follow the field's name: "is already taken".
  const unplaced = error.fieldErrors.filter(
    ({ field, message }) => !setFieldError(mode, field, `${LABELS[field] ?? field} ${message}`),
  );
  const placedAll = error.fieldErrors.length > 0 && unplaced.length === 0;
  if (error.code === 'REQUEST.VALIDATION' && placedAll) return;
  const extra = unplaced.map(({ field, message }) => `${field} ${message}`).join(' ');
  showAlert(alertBox(), [error.message, extra].filter(Boolean).join(' '));
}

/** Empty fields are caught here, so the server's messages are left for what only it can judge. */
function missing(mode: AuthMode, values: Record<string, string>): boolean {
  let first: HTMLElement | null = null;
  for (const [field, value] of Object.entries(values)) {
    if (value !== '') continue;
    const label = mode === 'signin' && field === 'email' ? 'your email or username' : `your ${field}`;
    setFieldError(mode, field, `Enter ${label}.`);
    first ??= document.getElementById(`${mode}-${field}`);
  }
  first?.focus();
  return first !== null;
}

export function showAuth(mode: AuthMode, message?: { text: string; tone: 'error' | 'info' }): void {
  view().hidden = false;
  for (const other of ['signin', 'signup'] as const) {
    form(other).hidden = other !== mode;
    clearErrors(other);
  }
  if (message) showAlert(alertBox(), message.text, message.tone);
  document.title = mode === 'signin' ? 'Sign in — Cutout' : 'Create an account — Cutout';
  byId(`${mode}-email`, HTMLInputElement).focus();
}

export function hideAuth(): void {
  view().hidden = true;
  for (const mode of ['signin', 'signup'] as const) form(mode).reset();
}

export function initAuth(onSignedIn: (session: Session) => void): void {
  for (const button of view().querySelectorAll<HTMLButtonElement>('button[data-show]')) {
    button.addEventListener('click', () => showAuth(button.dataset.show === 'signup' ? 'signup' : 'signin'));
  }
  const wire = (mode: AuthMode, fields: string[], send: (values: Record<string, string>) => Promise<Session>) => {
    const element = form(mode);
    element.addEventListener('submit', (event) => {
      event.preventDefault();
      clearErrors(mode);
      const data = new FormData(element);
      const values = Object.fromEntries(fields.map((field) => [field, String(data.get(field) ?? '').trim()]));
      // Passwords are sent as typed: spaces can be part of one.
      values.password = String(data.get('password') ?? '');
      if (missing(mode, values)) return;
      const submit = element.querySelector<HTMLButtonElement>('button[type="submit"]');
      if (submit) submit.disabled = true;
      element.setAttribute('aria-busy', 'true');
      send(values)
        .then(onSignedIn)
        .catch((error: unknown) => {
          showProblem(mode, error);
          element.querySelector<HTMLInputElement>('[aria-invalid="true"]')?.focus();
        })
        .finally(() => {
          if (submit) submit.disabled = false;
          element.removeAttribute('aria-busy');
        });
    });
  };
  wire('signin', ['email', 'password'], ({ email = '', password = '' }) => login({ email, password }));
  wire('signup', ['email', 'username', 'password'], ({ email = '', username = '', password = '' }) =>
    register({ email, username, password }),
  );
}
