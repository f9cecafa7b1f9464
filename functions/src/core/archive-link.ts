import { type FieldError, validationError } from './errors';
import { isId } from './ids';
import { mac, macMatches } from './macs';

/*
 * A link to a ZIP of some of one user's images (docs/api.md, "POST /api/archive"). The link is
 * its own credential, so that a browser can follow it as a download: it names the user and the
 * images, carries its expiry, and is signed; anything altered, or expired, is nobody's link.
 */

export const ARCHIVE_LINK_SECONDS = 300;
export const MAX_ARCHIVE_IMAGES = 100;

export interface ArchiveRequest {
  userId: string;
  ids: string[];
  expiresAt: Date;
}

/** The body of POST /api/archive: 1 to 100 image ids, each once. */
export function parseArchiveIds(input: unknown): string[] {
  const ids = (input as { ids?: unknown } | null)?.ids;
  const errors: FieldError[] = [];
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw validationError([{ field: '', message: 'The body must be a JSON object.' }]);
  for (const key of Object.keys(input))
    if (key !== 'ids') errors.push({ field: key, message: 'is not a recognised field' });
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_ARCHIVE_IMAGES)
    errors.push({ field: 'ids', message: `must be a list of 1 to ${MAX_ARCHIVE_IMAGES} image ids` });
  else if (!ids.every((id) => typeof id === 'string' && isId(id)))
    errors.push({ field: 'ids', message: 'must hold image ids only' });
  if (errors.length > 0) throw validationError(errors);
  return [...new Set(ids as string[])];
}

export function encodeArchiveLink(secret: string, request: ArchiveRequest): string {
  const payload = Buffer.from(JSON.stringify([request.userId, request.ids, request.expiresAt.getTime()])).toString(
    'base64url',
  );
  return `${payload}.${mac(secret, 'archive-link', payload)}`;
}

/** The request a link stands for, or undefined when it is not one we made or it has expired. */
export function decodeArchiveLink(secret: string, token: string, now: Date): ArchiveRequest | undefined {
  const [payload, given, extra] = token.split('.');
  if (!payload || !given || extra !== undefined || !macMatches(secret, given, 'archive-link', payload))
    return undefined;
  const [userId, ids, expiresAtMs] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [
    string,
    string[],
    number,
  ];
  if (expiresAtMs <= now.getTime()) return undefined;
  return { userId, ids, expiresAt: new Date(expiresAtMs) };
}

/** "photo-nobg.png", then "photo-nobg (2).png" for the next of the same name. */
export function uniqueNames(names: string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name.toLowerCase()) ?? 0) + 1;
    seen.set(name.toLowerCase(), count);
    return count === 1 ? name : name.replace(/(\.[^.]*)?$/, (ext) => ` (${count})${ext}`);
  });
}
