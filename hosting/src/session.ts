import type { Session } from './types';

// sessionStorage by default: the token dies with the tab. Only a person who ticks "Keep me
// signed in" gets localStorage, which outlives the browser. Never cookies: no request carries
// the token unless the page adds it on purpose.
const KEY = 'cutout.session';

type Where = 'session' | 'local';

let current: Session | null = null;
/** Where `current` is kept, so that a replaced token (a password change) stays where it was. */
let where: Where = 'session';

const store = (place: Where): Storage => (place === 'local' ? localStorage : sessionStorage);

const isSession = (value: unknown): value is Session => {
  if (typeof value !== 'object' || value === null) return false;
  const { token, expiresAt, user } = value as Partial<Session>;
  return (
    typeof token === 'string' &&
    typeof expiresAt === 'string' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.username === 'string'
  );
};

const expired = (session: Session): boolean => Date.parse(session.expiresAt) <= Date.now();

function read(place: Where): Session | null {
  try {
    const parsed: unknown = JSON.parse(store(place).getItem(KEY) ?? 'null');
    if (isSession(parsed) && !expired(parsed)) return parsed;
    store(place).removeItem(KEY);
  } catch {
    // Storage disabled or garbled: the person simply signs in again.
  }
  return null;
}

/** The session this tab holds, if any and still valid; read from storage once (this tab's first). */
export function getSession(): Session | null {
  if (current && expired(current)) clearSession();
  if (current) return current;
  for (const place of ['session', 'local'] as const) {
    current = read(place);
    if (current) {
      where = place;
      break;
    }
  }
  return current;
}

/** Whether the session outlives the tab (the person ticked "Keep me signed in"). */
export const isRemembered = (): boolean => current !== null && where === 'local';

/**
 * `remember` says where to keep it: true in localStorage, false in sessionStorage; left out,
 * wherever the session it replaces was kept (a new token after a password change).
 */
export function setSession(session: Session, remember?: boolean): void {
  current = session;
  if (remember !== undefined) where = remember ? 'local' : 'session';
  try {
    store(where).setItem(KEY, JSON.stringify(session));
    // One place only: an old remembered token must not come back once this tab closes.
    store(where === 'local' ? 'session' : 'local').removeItem(KEY);
  } catch {
    // Private mode without storage: the session lives in memory for this page only.
  }
}

export function clearSession(): void {
  current = null;
  for (const place of ['session', 'local'] as const) {
    try {
      store(place).removeItem(KEY);
    } catch {
      // Nothing stored.
    }
  }
}

/**
 * Tabs that share a remembered session follow each other: a new token (a password change in
 * another tab) is taken up, and a sign-out there (or another person's sign-in) calls `onSignedOut`.
 */
export function followOtherTabs(onSignedOut: () => void): void {
  window.addEventListener('storage', (event) => {
    if (event.key !== KEY || event.storageArea !== localStorage || !current || where !== 'local') return;
    const next = read('local');
    // Someone else signed in there: this tab's gallery is not theirs, so it ends too.
    if (next && next.user.id === current.user.id) current = next;
    else {
      current = null;
      onSignedOut();
    }
  });
}
