import { createHmac, timingSafeEqual } from 'node:crypto';
import { malformedRequest } from './errors';

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
    return `${payload}.${this.mac(userId, payload)}`;
  }

  decode(userId: string, token: string): Cursor {
    const [payload, mac, extra] = token.split('.');
    const expected = payload ? this.mac(userId, payload) : '';
    if (
      !payload ||
      !mac ||
      extra !== undefined ||
      mac.length !== expected.length ||
      !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    ) {
      throw malformedRequest('The pageToken is not one this API issued to you. Start again without it.');
    }
    const [createdAt, id] = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [number, string];
    return { createdAt, id };
  }

  private mac(userId: string, payload: string): string {
    return createHmac('sha256', this.secret)
      .update(`page-token\0${userId}\0${payload}`)
      .digest('base64url')
      .slice(0, 22);
  }
}
