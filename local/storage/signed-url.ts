import { createPrivateKey, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  V4_ALGORITHM,
  canonicalQuery,
  canonicalText,
  canonicalValue,
  strictEncode,
  stringToSign,
} from '../../functions/src/core/v4-signing';

export interface SignedRequest {
  method: string;
  /** The path exactly as received, still percent-encoded. */
  rawPath: string;
  rawQuery: string;
  headers: IncomingHttpHeaders;
}

export interface Rejection {
  status: number;
  code: string;
  message: string;
  extra: Record<string, string>;
}

export type Verdict = { kind: 'anonymous' } | { kind: 'signed'; signer: string } | ({ kind: 'rejected' } & Rejection);

const MAX_EXPIRES_SECONDS = 604800;
const PARAMS = ['X-Goog-Algorithm', 'X-Goog-Credential', 'X-Goog-Date', 'X-Goog-Expires', 'X-Goog-SignedHeaders'];

/** Public keys by service-account email, derived from the configured private keys. */
export function signerKeys(signers: readonly { clientEmail: string; privateKey: string }[]): Map<string, KeyObject> {
  return new Map(signers.map((s) => [s.clientEmail, createPublicKey(createPrivateKey(s.privateKey))]));
}

const decode = (raw: string): string | undefined => {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
};

/** In a query string a `+` is a space; in a path it is itself. */
const decodeQuery = (raw: string): string | undefined => decode(raw.replace(/\+/g, '%20'));

const reject = (status: number, code: string, message: string, extra: Record<string, string> = {}): Verdict => ({
  kind: 'rejected',
  status,
  code,
  message,
  extra,
});

const malformed = (parameter: string, details: string): Verdict =>
  reject(400, 'MalformedSecurityHeader', 'Your request has a malformed header.', {
    ParameterName: parameter,
    Details: details,
  });

const parseDate = (value: string): number | undefined => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const time = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isNaN(time) ? undefined : time;
};

const headerValue = (value: string | string[] | undefined): string =>
  canonicalValue(Array.isArray(value) ? value.join(',') : (value ?? ''));

interface AuthParams {
  email: string;
  scope: string;
  date: string;
  signedHeaders: string[];
  signature: string;
}

function parseQuery(rawQuery: string): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decodeQuery(eq < 0 ? part : part.slice(0, eq));
    const value = decodeQuery(eq < 0 ? '' : part.slice(eq + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([key, value]);
  }
  return pairs;
}

/** The X-Goog-* parameters, checked for shape and expiry before any signature work. */
function readAuthParams(pairs: [string, string][], now: Date): AuthParams | Verdict {
  const param = (name: string): string | undefined => pairs.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const names = [...PARAMS, 'X-Goog-Signature'];
  if (names.every((name) => param(name) === undefined)) return { kind: 'anonymous' };
  const missing = names.find((name) => param(name) === undefined);
  if (missing)
    return reject(400, 'AuthenticationRequired', 'Authentication required.', { Details: `Missing ${missing}` });
  const [algorithm = '', credential = '', date = '', expires = '', signedHeaderList = '', signature = ''] =
    names.map(param);

  if (algorithm !== V4_ALGORITHM) return malformed('X-Goog-Algorithm', `Unsupported algorithm: ${algorithm}`);
  const signedAt = parseDate(date);
  if (signedAt === undefined) return malformed('X-Goog-Date', `Invalid X-Goog-Date: ${date}`);
  if (!/^\d{1,10}$/.test(expires) || Number(expires) < 1) {
    return malformed('X-Goog-Expires', `Invalid X-Goog-Expires: ${expires}`);
  }
  if (Number(expires) > MAX_EXPIRES_SECONDS) {
    return reject(400, 'InvalidArgument', 'Invalid argument.', {
      Details: `Max allowed expiration interval is seven days ${MAX_EXPIRES_SECONDS}`,
    });
  }
  const [email = '', ...scopeParts] = credential.split('/');
  const scope = scopeParts.join('/');
  if (scopeParts.length !== 4 || scopeParts[0] !== date.slice(0, 8) || !scope.endsWith('/storage/goog4_request')) {
    return malformed('X-Goog-Credential', `Invalid credential scope: ${scope}`);
  }
  const expiresAt = signedAt + Number(expires) * 1000;
  if (now.getTime() > expiresAt) {
    const at = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, '+00:00');
    return reject(400, 'ExpiredToken', 'Invalid argument.', {
      Details: `The provided token has expired. Request signature expired at: ${at}`,
    });
  }
  const signedHeaders = signedHeaderList.toLowerCase().split(';');
  if (!signedHeaders.includes('host')) return malformed('X-Goog-SignedHeaders', 'The host header must be signed.');
  return { email, scope, date, signedHeaders, signature };
}

/**
 * The canonical requests this request could have been signed as. The client signs the
 * endpoint's host name without the port (real GCS has none to drop), and a URL signed for GET
 * also serves HEAD.
 */
function canonicalRequests(request: SignedRequest, pairs: [string, string][], auth: AuthParams): string[] {
  const query = canonicalQuery(pairs.filter(([k]) => k.toLowerCase() !== 'x-goog-signature'));
  const path = request.rawPath
    .split('/')
    .map((segment) => strictEncode(decode(segment) ?? segment))
    .join('/');
  const payload = auth.signedHeaders.includes('x-goog-content-sha256')
    ? headerValue(request.headers['x-goog-content-sha256'])
    : 'UNSIGNED-PAYLOAD';
  const host = headerValue(request.headers.host);
  const results: string[] = [];
  for (const hostValue of new Set([host.replace(/:\d+$/, ''), host])) {
    const headers = auth.signedHeaders.map(
      (name) => [name, name === 'host' ? hostValue : headerValue(request.headers[name])] as const,
    );
    for (const method of request.method === 'HEAD' ? ['HEAD', 'GET'] : [request.method]) {
      results.push(canonicalText({ method, path, query, headers, payload }));
    }
  }
  return results;
}

/**
 * Checks a V4 signed URL the way GCS does: the request GCS would have signed is rebuilt from
 * what actually arrived (method, path, every query parameter but the signature, and the value
 * of every signed header as sent), so a different object, method, content type, size range or
 * precondition header, or any edited parameter, fails the signature like a forged one.
 */
export function verifySignedUrl(request: SignedRequest, keys: ReadonlyMap<string, KeyObject>, now: Date): Verdict {
  const pairs = parseQuery(request.rawQuery);
  if (!pairs) return malformed('query', 'The query string is not valid.');
  const auth = readAuthParams(pairs, now);
  if ('kind' in auth) return auth;

  const key = keys.get(auth.email);
  const signature = /^(?:[0-9a-f]{2})+$/i.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined;
  let shown: Record<string, string> = {};
  for (const canonicalRequest of canonicalRequests(request, pairs, auth)) {
    const signed = stringToSign(canonicalRequest, auth.date, auth.scope);
    if (key && signature && verify('sha256', Buffer.from(signed), key, signature)) {
      return { kind: 'signed', signer: auth.email };
    }
    if (Object.keys(shown).length === 0) shown = { StringToSign: signed, CanonicalRequest: canonicalRequest };
  }
  return reject(403, 'SignatureDoesNotMatch', 'Access denied.', {
    Details:
      'The request signature we calculated does not match the signature you provided. Check your Google secret key and signing method.',
    ...shown,
  });
}
