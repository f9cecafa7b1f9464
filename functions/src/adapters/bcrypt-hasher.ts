import bcrypt from 'bcryptjs';
import { randomInt } from 'node:crypto';
import type { PasswordHasher } from '../ports';

/** bcrypt's own base64 alphabet. */
const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A well-formed hash at `cost` that no password matches: comparing against it costs exactly
 * what comparing against a real one does. Built from a salt and random characters, not by
 * hashing, which would put a whole bcrypt run on an instance's first sign-in.
 */
export function unmatchableHash(cost: number): string {
  const digest = Array.from({ length: 31 }, () => BCRYPT_ALPHABET[randomInt(BCRYPT_ALPHABET.length)]).join('');
  return `${bcrypt.genSaltSync(cost)}${digest}`;
}

export class BcryptHasher implements PasswordHasher {
  private dummy: string | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    // Unknown accounts are compared against a dummy at the same cost, so they take as long as known ones.
    this.dummy ??= unmatchableHash(this.cost);
    const matches = await bcrypt.compare(password, hash ?? this.dummy);
    return hash !== undefined && matches;
  }
}
