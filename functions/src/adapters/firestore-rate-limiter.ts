import { createHash } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from '@google-cloud/firestore';
import { currentWindow, secondsUntil } from '../core/rate-window';
import { created, removed } from './firestore-preconditions';
import type { Clock, RateKey, RateLimiter } from '../ports';

export interface RateLimits {
  windowSeconds: number;
  /** Maximum hits per window for each scope; a scope not listed is never limited. */
  limits: Record<string, number>;
}

/** The collection; Terraform gives its `expireAt` field a TTL policy, so stale windows disappear. */
export const RATE_LIMIT_COLLECTION = 'rateLimits';

/**
 * Allowances in Firestore, per key and fixed window: a slot document per unit taken, and a
 * counter beside them, only ever changed by atomic increments. Subjects are hashed: neither
 * emails nor addresses are stored in document ids.
 */
export class FirestoreRateLimiter implements RateLimiter {
  constructor(
    private readonly db: Firestore,
    private readonly policy: RateLimits,
    private readonly clock: Clock,
  ) {}

  async reset(key: RateKey): Promise<void> {
    const window = currentWindow(this.clock.now(), this.policy.windowSeconds);
    const counter = this.doc(key, window.index);
    const count = Number((await counter.get()).get('count') ?? 0);
    if (count <= 0) return;
    const limit = this.policy.limits[key.scope] ?? 0;
    await Promise.all([
      counter.delete(),
      ...Array.from({ length: limit }, (_, k) => this.slot(key, window.index, k).delete()),
    ]);
  }

  /**
   * A unit is a slot document, `…:s<k>` for k below the limit, and taking one is creating it:
   * a create succeeds for exactly one caller, however many race (as in the job ledger), so no
   * more than the limit are ever taken. The counter is a hint of where free slots start, and
   * the first slot tried is free whenever requests come one at a time.
   */
  async take(key: RateKey): Promise<{ ticket: string } | { retryAfter: number }> {
    const limit = this.policy.limits[key.scope];
    if (limit === undefined) return { ticket: '' };
    const now = this.clock.now();
    const window = currentWindow(now, this.policy.windowSeconds);
    const counter = this.doc(key, window.index);
    const expiry = Timestamp.fromDate(window.endsAt);
    const hint = Math.min(Math.max(0, Number((await counter.get()).get('count') ?? 0)), limit);
    for (let i = 0; i < limit; i += 1) {
      const slot = this.slot(key, window.index, (hint + i) % limit);
      if (await created(slot.create({ expireAt: expiry }))) {
        await counter.set({ count: FieldValue.increment(1), expireAt: expiry }, { merge: true });
        return { ticket: slot.id };
      }
    }
    return { retryAfter: secondsUntil(window.endsAt, now) };
  }

  async release(key: RateKey, ticket: string): Promise<void> {
    if (!ticket) return;
    await this.db.collection(RATE_LIMIT_COLLECTION).doc(ticket).delete();
    await this.doc(key, Number(ticket.split(':')[2])).set({ count: FieldValue.increment(-1) }, { merge: true });
  }

  async giveBack(key: RateKey, at: Date): Promise<void> {
    const limit = this.policy.limits[key.scope];
    const window = currentWindow(this.clock.now(), this.policy.windowSeconds);
    if (limit === undefined || currentWindow(at, this.policy.windowSeconds).index !== window.index) return;
    // Any taken slot will do; a delete that must find its document frees each slot once.
    for (let k = limit - 1; k >= 0; k -= 1) {
      if (await removed(this.slot(key, window.index, k).delete({ exists: true }))) {
        await this.doc(key, window.index).set({ count: FieldValue.increment(-1) }, { merge: true });
        return;
      }
    }
  }

  private slot(key: RateKey, windowIndex: number, k: number) {
    return this.db.collection(RATE_LIMIT_COLLECTION).doc(`${this.doc(key, windowIndex).id}:s${k}`);
  }

  private doc(key: RateKey, windowIndex: number) {
    const subject = createHash('sha256').update(key.subject).digest('base64url');
    return this.db.collection(RATE_LIMIT_COLLECTION).doc(`${key.scope}:${subject}:${windowIndex}`);
  }
}
