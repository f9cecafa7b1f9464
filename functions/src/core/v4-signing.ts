import { createHash } from 'node:crypto';

/**
 * The parts of Cloud Storage's V4 signing process (GOOG4-RSA-SHA256) that both sides share:
 * the functions build the canonical request from what a URL will allow, the local storage
 * server from what a request actually sent, and each signs or verifies the same string.
 */
export const V4_ALGORITHM = 'GOOG4-RSA-SHA256';

/** RFC 3986 encoding, as the canonical request wants it: all but A–Z a–z 0–9 - . _ ~ encoded. */
export const strictEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** An object's path: `/bucket/key`, each segment encoded and the slashes kept. */
export const resourcePath = (bucket: string, key: string): string =>
  `/${strictEncode(bucket)}/${key.split('/').map(strictEncode).join('/')}`;

/** Query pairs encoded and sorted by name, then by value. */
export function canonicalQuery(pairs: readonly (readonly [string, string])[]): string {
  return pairs
    .map(([k, v]) => [strictEncode(k), strictEncode(v)] as const)
    .sort(([ka, va], [kb, vb]) => (ka < kb ? -1 : ka > kb ? 1 : va < vb ? -1 : va > vb ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** A header value as signed: trimmed, runs of whitespace folded to one space. */
export const canonicalValue = (value: string): string => value.trim().replace(/\s{2,}/g, ' ');

export interface CanonicalRequest {
  method: string;
  /** Already encoded (resourcePath). */
  path: string;
  /** Already canonical (canonicalQuery). */
  query: string;
  /** Lower-case names, in the order of `signedHeaders`, with their canonical values. */
  headers: readonly (readonly [string, string])[];
  payload: string;
}

/** The canonical request's text, as hashed into the string to sign. */
export function canonicalText(request: CanonicalRequest): string {
  return [
    request.method,
    request.path,
    request.query,
    request.headers.map(([name, value]) => `${name}:${value}\n`).join(''),
    request.headers.map(([name]) => name).join(';'),
    request.payload,
  ].join('\n');
}

/** The string that is signed: the algorithm, the time, the scope and the canonical request's SHA-256. */
export const stringToSign = (canonical: string, date: string, scope: string): string =>
  [V4_ALGORITHM, date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');

/** `20261204T185525Z` and its day, `20261204`. */
export function signingDate(at: Date): { date: string; day: string } {
  const date = at.toISOString().replace(/[-:]|\.\d{3}/g, '');
  return { date, day: date.slice(0, 8) };
}

export const credentialScope = (day: string): string => `${day}/auto/storage/goog4_request`;
