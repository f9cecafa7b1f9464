import { Timestamp, type Firestore } from '@google-cloud/firestore';
import type { ClaimResult, JobLedger } from '../ports';
import { created } from './firestore-preconditions';

/** Jobs live a week past their last change (TTL on `expireAt`, set by Terraform). */
const KEEP_MS = 7 * 24 * 3600 * 1000;
export const JOB_COLLECTION = 'jobs';

interface Job {
  state: 'processing' | 'done' | 'failed';
  attempts: number;
  eventId: string;
  leaseExpiresAt: Timestamp;
}

/**
 * One document per image: its state, attempts, the event that holds it and the lease expiry.
 * The first attempt is won by creating that document; each later one (after a lease expired)
 * by creating `jobs/{id}/claims/{attempt}`. A create succeeds for exactly one caller, however
 * many events race, in Firestore as in its emulator; the common case costs one round trip.
 */
export class FirestoreJobLedger implements JobLedger {
  constructor(private readonly db: Firestore) {}

  async claim(imageId: string, eventId: string, now: Date, leaseSeconds: number): Promise<ClaimResult> {
    const lease = (attempt: number) => ({
      state: 'processing',
      attempts: attempt,
      eventId,
      leaseExpiresAt: Timestamp.fromMillis(now.getTime() + leaseSeconds * 1000),
      updatedAt: Timestamp.fromDate(now),
      expireAt: this.expiry(now),
    });
    if (await created(this.job(imageId).create(lease(1)))) return { state: 'claimed', attempt: 1 };
    const job = (await this.job(imageId).get()).data() as Job | undefined;
    // Forgotten (the image was deleted) since the create lost: nothing left to claim now.
    if (!job) return { state: 'busy' };
    if (job.state !== 'processing') return { state: 'finished' };
    if (job.leaseExpiresAt.toMillis() > now.getTime()) return { state: 'busy' };
    const attempt = job.attempts + 1;
    const claim = this.job(imageId).collection('claims').doc(String(attempt));
    if (!(await created(claim.create({ eventId, at: Timestamp.fromDate(now), expireAt: this.expiry(now) }))))
      return { state: 'busy' };
    await this.job(imageId).set(lease(attempt));
    return { state: 'claimed', attempt };
  }

  async release(imageId: string, now: Date): Promise<void> {
    await this.job(imageId).set(
      { leaseExpiresAt: Timestamp.fromDate(now), updatedAt: Timestamp.fromDate(now) },
      { merge: true },
    );
  }

  async finish(imageId: string, state: 'done' | 'failed', now: Date): Promise<void> {
    await this.job(imageId).set(
      { state, updatedAt: Timestamp.fromDate(now), expireAt: this.expiry(now) },
      { merge: true },
    );
  }

  async reopen(imageId: string, now: Date): Promise<void> {
    const job = (await this.job(imageId).get()).data() as Job | undefined;
    if (job?.state !== 'failed') return;
    // A lease that has already run out: the next event claims attempt + 1 at once.
    await this.job(imageId).set(
      { state: 'processing', leaseExpiresAt: Timestamp.fromDate(now), updatedAt: Timestamp.fromDate(now) },
      { merge: true },
    );
  }

  async forget(imageId: string): Promise<void> {
    const job = (await this.job(imageId).get()).data() as Job | undefined;
    // Attempt 1 has no claim document (the job's creation was its claim).
    const claims = Array.from({ length: Math.max(0, (job?.attempts ?? 0) - 1) }, (_, i) =>
      this.job(imageId)
        .collection('claims')
        .doc(String(i + 2)),
    );
    await Promise.all([...claims.map((doc) => doc.delete()), this.job(imageId).delete()]);
  }

  private job(imageId: string) {
    return this.db.collection(JOB_COLLECTION).doc(imageId);
  }

  private expiry(now: Date): Timestamp {
    return Timestamp.fromMillis(now.getTime() + KEEP_MS);
  }
}
