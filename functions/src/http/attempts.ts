import { tooManyAttempts } from '../core/errors';
import { identityKey } from '../core/validation';
import type { RateKey, RateLimiter, User } from '../ports';

/**
 * Sign-in attempts are counted per account (by its id, however it was named: username or
 * email, any case or width) and per client address. Each attempt takes a unit of both
 * allowances before the password is checked, so requests sent in parallel can never have more
 * passwords checked than the limit; a right password gives its units back.
 */
export const accountKey = (user: Pick<User, 'id'> | undefined, login: string): RateKey => ({
  scope: 'login-account',
  subject: user ? `user:${user.id}` : `login:${identityKey(login.trim())}`,
});

export interface Attempt {
  /** The attempt succeeded: it was not a failure, and the account's earlier failures are forgiven. */
  succeeded(): Promise<void>;
}

export async function startAttempt(limiter: RateLimiter, keys: RateKey[]): Promise<Attempt> {
  const taken: { key: RateKey; ticket: string }[] = [];
  for (const key of keys) {
    const unit = await limiter.take(key);
    if ('retryAfter' in unit) {
      await Promise.all(taken.map(({ key: k, ticket }) => limiter.release(k, ticket)));
      throw tooManyAttempts(unit.retryAfter);
    }
    taken.push({ key, ticket: unit.ticket });
  }
  return {
    async succeeded() {
      // The account's units, this one's included, are forgotten at once; the others get theirs back.
      const [account, ...others] = taken;
      await Promise.all([
        limiter.reset(account!.key),
        ...others.map(({ key, ticket }) => limiter.release(key, ticket)),
      ]);
    },
  };
}
