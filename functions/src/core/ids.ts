import { randomBytes } from 'node:crypto';

/** An opaque, URL-safe, unguessable id (128 random bits). */
export const newId = (): string => randomBytes(16).toString('base64url');

export const isId = (value: string): boolean => /^[A-Za-z0-9_-]{22}$/.test(value);
