import { UsageError } from './api';

/** What `--api` means when neither it, BGREMOVE_API nor a stored session says otherwise. */
export const DEFAULT_API = 'http://localhost:8080';

/**
 * The service's address as the CLI keeps and compares it: http or https, host in lower case,
 * no default port, no trailing slash. `source` names where the value came from, for the message.
 */
export function normaliseApi(value: string, source = '--api'): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new UsageError(`${source} must be the service's address, like ${DEFAULT_API}, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`${source} must start with http:// or https://, not "${value}"`);
  if (url.username || url.password || url.search || url.hash)
    throw new UsageError(`${source} must be the service's address only (no user, query or #), not "${value}"`);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

// Every name this machine answers to itself: a session made on one is good for the others.
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The service an address reaches: loopback names are one service, so the session is found. */
export function serviceKey(api: string): string {
  const url = new URL(normaliseApi(api));
  if (LOOPBACK.has(url.hostname)) url.hostname = 'localhost';
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

export const sameService = (a: string, b: string): boolean => serviceKey(a) === serviceKey(b);
