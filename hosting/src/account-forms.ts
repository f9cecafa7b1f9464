import {
  alertMessage,
  fieldMessages,
  passwordProblem,
  setFieldError,
  PASSWORD_RULE,
  type FieldMessage,
} from './account-fields';
import { hideAlert, showAlert } from './alerts';
import { ApiError } from './api';
import { h } from './dom';

/** One labelled input with its hint and error slots, ids as account-fields.ts expects them. */
export function field(
  id: string,
  label: string,
  input: { type: string; autocomplete: string; name: string },
  hint?: string,
): { element: HTMLDivElement; input: HTMLInputElement } {
  const control = h('input', {
    id,
    ...input,
    required: true,
    spellcheck: 'false',
    autocapitalize: 'none',
    'aria-describedby': hint ? `${id}-hint` : null,
  });
  const element = h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
  return { element, input: control };
}

/**
 * Password managers tie a password to the account by a username field in the same form; this
 * one is never shown, and Chromium asks for it on every password form.
 */
export const hiddenUsername = (username: string): HTMLInputElement =>
  h('input', { type: 'text', name: 'account-username', autocomplete: 'username', value: username, hidden: true });

export interface FormSpec {
  form: HTMLFormElement;
  alert: HTMLElement;
  submit: HTMLButtonElement;
  /** API field name → its input and label. */
  inputs: Record<string, { input: HTMLInputElement; label: string }>;
  /** An API field error in the page's own words (a password's rule), or null for the API's. */
  rewrite(field: string, values: Record<string, string>): string | null;
  /** A refusal without field errors that belongs beside a field (a wrong password), or null. */
  refusal(error: ApiError): FieldMessage | null;
  /** What is wrong before anything is sent, by API field name. */
  check(values: Record<string, string>): FieldMessage[];
  send(values: Record<string, string>): Promise<void>;
  /** Which input takes the focus after a refusal that marks no field (a throttle). */
  focusOnRefusal: HTMLInputElement;
}

const selectAndFocus = (input: HTMLInputElement) => {
  input.focus();
  input.select();
};

/**
 * Submits a form through `spec.send`: values read as typed, checked here first, the API's
 * refusals placed beside their fields or in the form's alert, and the focus put back where
 * typing can fix it. Answers a function that empties the form and its messages.
 */
export function wireForm(spec: FormSpec): () => void {
  const { form, alert, submit, inputs } = spec;
  const clear = () => {
    hideAlert(alert);
    for (const { input } of Object.values(inputs)) setFieldError(input, null);
  };
  const place = (messages: FieldMessage[]): FieldMessage[] =>
    messages.filter(({ field, message }) => {
      const target = inputs[field];
      if (target) setFieldError(target.input, message);
      return !target;
    });
  const focusFirstInvalid = (): boolean => {
    const invalid = form.querySelector<HTMLInputElement>('[aria-invalid="true"]');
    if (invalid) selectAndFocus(invalid);
    return invalid !== null;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    clear();
    // Read as typed: spaces can be part of a password.
    const values = Object.fromEntries(Object.entries(inputs).map(([name, { input }]) => [name, input.value]));
    const problems = spec.check(values);
    if (problems.length > 0) {
      place(problems);
      focusFirstInvalid();
      return;
    }
    // Busy rather than disabled: a disabled button would drop the keyboard focus to <body>.
    submit.setAttribute('aria-disabled', 'true');
    form.setAttribute('aria-busy', 'true');
    spec
      .send(values)
      .catch((error: unknown) => {
        if (error instanceof ApiError && error.sessionExpired) return;
        const labels = Object.fromEntries(Object.entries(inputs).map(([name, { label }]) => [name, label]));
        const messages =
          error instanceof ApiError ? fieldMessages(error, labels, (name) => spec.rewrite(name, values)) : [];
        const refusal = error instanceof ApiError && messages.length === 0 ? spec.refusal(error) : null;
        const unplaced = place(refusal ? [refusal] : messages);
        const placedAll = unplaced.length === 0 && (messages.length > 0 || refusal !== null);
        if (!placedAll) showAlert(alert, alertMessage(error, unplaced));
        if (!focusFirstInvalid()) selectAndFocus(spec.focusOnRefusal);
      })
      .finally(() => {
        submit.removeAttribute('aria-disabled');
        form.removeAttribute('aria-busy');
      });
  });
  return () => {
    form.reset();
    clear();
  };
}

/** The rule for a new password, checked before sending (the API says it in bytes). */
export const newPasswordCheck = (field: string, label: string, value: string): FieldMessage[] => {
  if (value === '') return [{ field, message: `Enter a ${label.toLowerCase()}.` }];
  const problem = passwordProblem(value, label);
  return problem ? [{ field, message: problem }] : [];
};

export const NEW_PASSWORD_HINT = PASSWORD_RULE;
