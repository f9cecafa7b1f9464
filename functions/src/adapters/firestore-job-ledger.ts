import { Timestamp, type Firestore } from '@google-cloud/firestore';
import type { ClaimResult, JobLedger } from '../ports';

/** Jobs live a week past their last change (TTL on `expireAt`, set by Terraform). */
const KEEP_MS = 7 * 24 * 3600 * 1000;
export const JOB_COLLECTION = 'jobs';
const ALREADY_EXISTS = 6;

interface Job {
  state: 'processing' | 'done' | 'failed';
  attempts: number;
  eventId: string;
  leaseExpiresAt: Timestamp;
}

/**
 * One document per image: its state, attempts, the event that holds it and the lease expiry.
 * Each attempt is won by creating `jobs/{id}/claims/{attempt}`: a create succeeds for exactly
 * one caller, however many events race, in Firestore as in its emulator. The winner then
 * records the lease; a later event may claim attempt n+1 once that lease has expired.
 */
export class FirestoreJobLedger implements JobLedger {
  constructor(private readonly db: Firestore) {}

  async claim(imageId: string, eventId: string, now: Date, leaseSeconds: number): Promise<ClaimResult> {
    const job = (await this.job(imageId).get()).data() as Job | undefined;
    if (job && job.state !== 'processing') return 'finished';
    if (job && job.leaseExpiresAt.toMillis() > now.getTime()) return 'busy';
    const attempt = (job?.attempts ?? 0) + 1;
    try {
      await this.job(imageId)
        .collection('claims')
        .doc(String(attempt))
        .create({ eventId, at: Timestamp.fromDate(now), expireAt: this.expiry(now) });
    } catch (error) {
      if ((error as { code?: unknown }).code === ALREADY_EXISTS) return 'busy';
      throw error;
    }
    await this.job(imageId).set({
      state: 'processing',
      attempts: attempt,
      eventId,
      leaseExpiresAt: Timestamp.fromMillis(now.getTime() + leaseSeconds * 1000),
      updatedAt: Timestamp.fromDate(now),
      expireAt: this.expiry(now),
    });
    return 'claimed';
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

  async forget(imageId: string): Promise<void> {
    const job = (await this.job(imageId).get()).data() as Job | undefined;
    const claims = Array.from({ length: job?.attempts ?? 0 }, (_, i) =>
      this.job(imageId)
        .collection('claims')
        .doc(String(i + 1)),
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
