import { malformedRequest } from './errors';
import { mac, macMatches } from './macs';

/** Where the next page starts: the last image shown, by (createdAt, id), newest first. */
export interface Cursor {
  createdAt: number;
  id: string;
}

/**
 * Opaque, tamper-proof page tokens. The cursor is bound to the user it was issued to and signed,
 * so a forged token, or one taken from another user, is refused rather than trusted.
 */
export class PageTokens {
  constructor(private readonly secret: string) {}

  encode(userId: string, cursor: Cursor): string {
    const payload = Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
    return `${payload}.${mac(this.secret, 'page-token', userId, payload)}`;
  }

  decode(userId: string, token: string): Cursor {
    const [payload, given, extra] = token.split('.');
    if (!payload || !given || extra !== undefined || !macMatches(this.secret, given, 'page-token', userId, payload)) {
      throw malformedRequest('The pageToken is not one this API issued to you. Start again without it.');
    }
    const [createdAt, id] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [number, string];
    return { createdAt, id };
  }
}
