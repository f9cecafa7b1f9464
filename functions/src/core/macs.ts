import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Short HMACs that bind a value to a purpose and its context (the user it was issued to), so a
 * token made for one thing is never accepted for another. Compared in constant time.
 */
export function mac(secret: string, purpose: string, ...parts: string[]): string {
  return createHmac('sha256', secret)
    .update([purpose, ...parts].join('\0'))
    .digest('base64url')
    .slice(0, 22);
}

export function macMatches(secret: string, given: string, purpose: string, ...parts: string[]): boolean {
  const expected = mac(secret, purpose, ...parts);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}
