import bcrypt from 'bcryptjs';
import { randomBytes } from 'node:crypto';
import type { PasswordHasher } from '../ports';

export class BcryptHasher implements PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(private readonly cost: number) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.cost);
  }

  async verify(password: string, hash: string | undefined): Promise<boolean> {
    // Made once per instance at the same cost, so unknown accounts take as long as known ones.
    this.dummy ??= bcrypt.hash(randomBytes(18).toString('base64'), this.cost);
    const target = hash ?? (await this.dummy);
    const matches = await bcrypt.compare(password, target);
    return hash !== undefined && matches;
  }
}
