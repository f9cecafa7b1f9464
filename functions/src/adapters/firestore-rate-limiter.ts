import { createHash } from 'node:crypto';
import { FieldValue, Timestamp, type Firestore } from '@google-cloud/firestore';
import { currentWindow, secondsUntil } from '../core/rate-window';
import type { Clock, RateKey, RateLimiter } from '../ports';

export interface RateLimits {
  windowSeconds: number;
  /** Maximum hits per window for each scope; a scope not listed is never limited. */
  limits: Record<string, number>;
}

/** The collection; Terraform gives its `expireAt` field a TTL policy, so stale windows disappear. */
export const RATE_LIMIT_COLLECTION = 'rateLimits';
const NOT_FOUND = 5;

/**
 * Failure counters in Firestore, one document per key and fixed window. Documents are only
 * incremented (an atomic server-side transform), so concurrent instances never lose a count.
 * Subjects are hashed: neither emails nor addresses are stored in document ids.
 */
export class FirestoreRateLimiter implements RateLimiter {
  constructor(
    private readonly db: Firestore,
    private readonly policy: RateLimits,
    private readonly clock: Clock,
  ) {}

  async retryAfter(keys: RateKey[]): Promise<number | undefined> {
    const now = this.clock.now();
    const window = currentWindow(now, this.policy.windowSeconds);
    const limited = keys.filter((key) => this.policy.limits[key.scope] !== undefined);
    if (limited.length === 0) return undefined;
    const snapshots = await this.db.getAll(...limited.map((key) => this.doc(key, window.index)));
    const blocked = snapshots.some(
      (snap, i) => Number(snap.get('count') ?? 0) >= (this.policy.limits[limited[i]!.scope] ?? Infinity),
    );
    return blocked ? secondsUntil(window.endsAt, now) : undefined;
  }

  async hit(keys: RateKey[]): Promise<void> {
    const window = currentWindow(this.clock.now(), this.policy.windowSeconds);
    const counted = keys.filter((key) => this.policy.limits[key.scope] !== undefined);
    if (counted.length === 0) return;
    const batch = this.db.batch();
    for (const key of counted) {
      batch.set(
        this.doc(key, window.index),
        { count: FieldValue.increment(1), expireAt: Timestamp.fromDate(window.endsAt) },
        { merge: true },
      );
    }
    await batch.commit();
  }

  async reset(key: RateKey): Promise<void> {
    const window = currentWindow(this.clock.now(), this.policy.windowSeconds);
    await this.doc(key, window.index).delete();
  }

  async giveBack(key: RateKey, at: Date): Promise<void> {
    const window = currentWindow(this.clock.now(), this.policy.windowSeconds);
    if (currentWindow(at, this.policy.windowSeconds).index !== window.index) return;
    // update(), not set(): a counter that is gone (expired) is not brought back below zero.
    await this.doc(key, window.index)
      .update({ count: FieldValue.increment(-1) })
      .catch((error: { code?: unknown }) => {
        if (error.code !== NOT_FOUND) throw error;
      });
  }

  private doc(key: RateKey, windowIndex: number) {
    const subject = createHash('sha256').update(key.subject).digest('base64url');
    return this.db.collection(RATE_LIMIT_COLLECTION).doc(`${key.scope}:${subject}:${windowIndex}`);
  }
}
