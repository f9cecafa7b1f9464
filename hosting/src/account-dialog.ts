import { changePassword, deleteAccount, getAccount, signOutEverywhere } from './api';
import { field, hiddenUsername, newPasswordCheck, wireForm, NEW_PASSWORD_HINT } from './account-forms';
import { alertMessage } from './account-fields';
import { hideAlert, showAlert } from './alerts';
import { byId, formatDate, h, icon, ICONS } from './dom';
import { closeOnBackdrop, openModal } from './modal';
import { getSession } from './session';
import type { User } from './types';

/**
 * The account dialog, opened from the name in the header: who is signed in, change the
 * password, sign out everywhere, delete the account. Built on first open, for the person
 * signed in then; rebuilt for whoever opens it next.
 */

let built: { dialog: HTMLDialogElement; username: string } | null = null;
let signedOut: (message: string) => void = () => undefined;

const opener = () => byId('account-open', HTMLButtonElement);

const section = (id: string, title: string, ...children: (Node | null)[]): HTMLElement =>
  h('section', { class: 'account-section', 'aria-labelledby': id }, h('h3', { id }, title), ...children);

function whoAmI(user: User): HTMLDListElement {
  const rows: [string, string][] = [
    ['Username', user.username],
    ['Email', user.email],
    ['Member since', formatDate(user.createdAt)],
  ];
  return h(
    'dl',
    { class: 'details account-details' },
    ...rows.map(([term, value]) => h('div', {}, h('dt', {}, term), h('dd', {}, value))),
  );
}

/** A part of the dialog, and what empties it when the dialog closes. */
interface Part {
  element: HTMLElement;
  reset(): void;
}

function passwordSection(user: User, status: HTMLElement): Part {
  const current = field('account-current-password', 'Current password', {
    type: 'password',
    autocomplete: 'current-password',
    name: 'currentPassword',
  });
  const next = field(
    'account-new-password',
    'New password',
    { type: 'password', autocomplete: 'new-password', name: 'newPassword' },
    NEW_PASSWORD_HINT,
  );
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button primary' }, 'Change password');
  const form = h(
    'form',
    { class: 'account-form', id: 'account-password-form', novalidate: true },
    hiddenUsername(user.username),
    alert,
    current.element,
    next.element,
    h('div', { class: 'account-actions' }, submit),
  );
  const reset = wireForm({
    form,
    alert,
    submit,
    inputs: {
      currentPassword: { input: current.input, label: 'Current password' },
      newPassword: { input: next.input, label: 'New password' },
    },
    rewrite: (name, values) =>
      name === 'newPassword'
        ? (newPasswordCheck(name, 'New password', values.newPassword ?? '')[0]?.message ?? null)
        : null,
    refusal: (error) =>
      error.code === 'AUTH.INVALID_CREDENTIALS'
        ? { field: 'currentPassword', message: 'Current password is not right. Type it again.' }
        : null,
    check: (values) => [
      ...(values.currentPassword ? [] : [{ field: 'currentPassword', message: 'Enter your current password.' }]),
      ...newPasswordCheck('newPassword', 'New password', values.newPassword ?? ''),
    ],
    focusOnRefusal: current.input,
    async send(values) {
      status.textContent = '';
      // api.ts keeps the new token at once: this page goes on working with it.
      await changePassword({ currentPassword: values.currentPassword ?? '', newPassword: values.newPassword ?? '' });
      form.reset();
      status.textContent = 'Password changed. You are still signed in here; every other device has been signed out.';
    },
  });
  const element = section(
    'account-password-title',
    'Change password',
    h('p', { class: 'muted' }, 'Every other device signed in to this account will be signed out.'),
    form,
  );
  return { element, reset };
}

function everywhereSection(): HTMLElement {
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  const button = h(
    'button',
    { type: 'button', class: 'button', id: 'account-sign-out-everywhere' },
    'Sign out everywhere',
  );
  button.addEventListener('click', () => {
    if (button.getAttribute('aria-disabled') === 'true') return;
    hideAlert(alert);
    button.setAttribute('aria-disabled', 'true');
    signOutEverywhere()
      .then(() => signedOut('You have been signed out on every device, this one included.'))
      .catch((error: unknown) => showAlert(alert, alertMessage(error, [])))
      .finally(() => button.removeAttribute('aria-disabled'));
  });
  return section(
    'account-everywhere-title',
    'Sign out everywhere',
    h(
      'p',
      { class: 'muted' },
      'Ends every session of this account: other browsers, phones, the command line, and this one.',
    ),
    alert,
    h('div', { class: 'account-actions' }, button),
  );
}

/** As the API compares them: case and Unicode form aside. */
const sameName = (typed: string, username: string): boolean =>
  typed.trim().normalize('NFKC').toLowerCase() === username.normalize('NFKC').toLowerCase();

function deleteSection(user: User): Part {
  const confirmName = field('account-delete-username', `Type your username, ${user.username}, to confirm`, {
    type: 'text',
    autocomplete: 'off',
    name: 'confirmUsername',
  });
  const password = field('account-delete-password', 'Password', {
    type: 'password',
    autocomplete: 'current-password',
    name: 'password',
  });
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  const submit = h('button', { type: 'submit', class: 'button danger' }, 'Delete my account');
  const cancel = h('button', { type: 'button', class: 'button' }, 'Cancel');
  const form = h(
    'form',
    { class: 'account-form', id: 'account-delete-form', novalidate: true, hidden: true },
    hiddenUsername(user.username),
    alert,
    confirmName.element,
    password.element,
    h('div', { class: 'account-actions' }, cancel, submit),
  );
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button danger-quiet',
      id: 'account-delete-toggle',
      'aria-expanded': 'false',
      'aria-controls': 'account-delete-form',
    },
    icon(ICONS.trash),
    h('span', {}, 'Delete account…'),
  );
  const show = (open: boolean) => {
    form.hidden = !open;
    toggle.hidden = open;
    toggle.setAttribute('aria-expanded', String(open));
    if (!open) clear();
  };
  toggle.addEventListener('click', () => {
    show(true);
    confirmName.input.focus();
  });
  cancel.addEventListener('click', () => {
    show(false);
    toggle.focus();
  });
  const wrongName = `That is not your username: type ${user.username} to confirm.`;
  const clear = wireForm({
    form,
    alert,
    submit,
    inputs: {
      username: { input: confirmName.input, label: 'Username' },
      password: { input: password.input, label: 'Password' },
    },
    rewrite: (name) => (name === 'username' ? wrongName : null),
    refusal: (error) =>
      error.code === 'AUTH.INVALID_CREDENTIALS'
        ? { field: 'password', message: 'Password is not right. Type it again.' }
        : null,
    check: (values) => [
      ...(sameName(values.username ?? '', user.username) ? [] : [{ field: 'username', message: wrongName }]),
      ...(values.password ? [] : [{ field: 'password', message: 'Enter your password.' }]),
    ],
    focusOnRefusal: password.input,
    async send(values) {
      await deleteAccount({ username: values.username?.trim() ?? '', password: values.password ?? '' });
      signedOut('Your account and every image in it have been deleted.');
    },
  });
  const element = section(
    'account-delete-title',
    'Delete account',
    h(
      'p',
      { class: 'muted' },
      'Deletes every photo, cutout and edit, and the account itself, for good. This cannot be undone.',
    ),
    toggle,
    form,
  );
  return { element, reset: () => show(false) };
}

function build(user: User): HTMLDialogElement {
  built?.dialog.remove();
  const close = h(
    'button',
    { type: 'button', class: 'icon-button', id: 'account-dialog-close', 'aria-label': 'Close' },
    icon(ICONS.close),
  );
  // Always in the page, empty until a password change: a live region added with its words is not read.
  const status = h('p', { class: 'account-status', id: 'account-status', role: 'status', 'aria-live': 'polite' });
  const dialog = h(
    'dialog',
    { class: 'dialog account-dialog', id: 'account-dialog', 'aria-labelledby': 'account-dialog-title' },
    h('div', { class: 'dialog-head' }, h('h2', { id: 'account-dialog-title' }, 'Your account'), close),
    whoAmI(user),
    status,
  );
  const password = passwordSection(user, status);
  const removal = deleteSection(user);
  dialog.append(password.element, everywhereSection(), removal.element);
  close.addEventListener('click', () => dialog.close());
  // Closed and opened again, the dialog starts over: nothing half-typed waits in it.
  dialog.addEventListener('close', () => {
    status.textContent = '';
    for (const part of [password, removal]) part.reset();
  });
  closeOnBackdrop(dialog);
  document.body.append(dialog);
  built = { dialog, username: user.username };
  return dialog;
}

/** Opens the dialog for the person signed in, refreshing who that is from the API. */
export function openAccount(): void {
  const session = getSession();
  if (!session) return;
  const dialog =
    built?.username === session.user.username && built.dialog.isConnected ? built.dialog : build(session.user);
  if (dialog.open) return;
  openModal(dialog, byId('account-dialog-close', HTMLButtonElement), opener);
  getAccount()
    .then((user) => dialog.querySelector('.account-details')?.replaceWith(whoAmI(user)))
    // The stored details stand; a lapsed session is already on its way to sign-in.
    .catch(() => undefined);
}

/** `onSignedOut`: the session has ended (everywhere, or with the account): back to the landing page. */
export function initAccount(onSignedOut: (message: string) => void): void {
  signedOut = onSignedOut;
  opener().addEventListener('click', openAccount);
}

/** Forgets the last person's dialog: nothing of theirs stays in the page. */
export function resetAccount(): void {
  built?.dialog.remove();
  built = null;
}
