import type { Session } from './types';

// sessionStorage, never localStorage or cookies: the token dies with the tab, and no request
// carries it unless the page adds it on purpose.
const KEY = 'cutout.session';

let current: Session | null = null;

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

/** The session this tab holds, if any and still valid; read from sessionStorage once. */
export function getSession(): Session | null {
  if (current && expired(current)) clearSession();
  if (current) return current;
  try {
    const parsed: unknown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    if (isSession(parsed) && !expired(parsed)) current = parsed;
    else sessionStorage.removeItem(KEY);
  } catch {
    // Storage disabled or garbled: the person simply signs in again.
  }
  return current;
}

export function setSession(session: Session): void {
  current = session;
  try {
    sessionStorage.setItem(KEY, JSON.stringify(session));
  } catch {
    // Private mode without storage: the session lives in memory for this page only.
  }
}

export function clearSession(): void {
  current = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing stored.
  }
}
