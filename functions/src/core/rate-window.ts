/**
 * Fixed-window counting. A window is identified by its index, so each counter document is only
 * ever incremented (atomic in Firestore) and never read-modify-written in a transaction.
 */
export interface Window {
  index: number;
  endsAt: Date;
}

export function currentWindow(now: Date, windowSeconds: number): Window {
  const size = windowSeconds * 1000;
  const index = Math.floor(now.getTime() / size);
  return { index, endsAt: new Date((index + 1) * size) };
}

export function secondsUntil(end: Date, now: Date): number {
  return Math.max(1, Math.ceil((end.getTime() - now.getTime()) / 1000));
}
