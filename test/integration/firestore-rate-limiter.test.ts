import type { Firestore } from '@google-cloud/firestore';
import { openFirestore } from '../../functions/src/adapters/firestore';
import { FirestoreRateLimiter, RATE_LIMIT_COLLECTION } from '../../functions/src/adapters/firestore-rate-limiter';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';
import { ManualClock } from '../support/stack';

describe('FirestoreRateLimiter on the emulator, over gRPC', () => {
  const clock = new ManualClock(new Date('2026-11-24T12:01:00Z'));
  let emulator: RunningEmulator;
  let db: Firestore;
  let limiter: FirestoreRateLimiter;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    db = await openFirestore({
      projectId: 'demo-test',
      firestore: { emulatorHost: emulator.host, databaseId: '(default)' },
    });
    limiter = new FirestoreRateLimiter(db, { windowSeconds: 600, limits: { a: 20, b: 3 } }, clock);
  });
  afterAll(async () => {
    await db.terminate();
    emulator.stop();
  });

  it('loses no count when many instances hit at once', async () => {
    const key = { scope: 'a', subject: 'concurrent@example.com' };
    await Promise.all(Array.from({ length: 19 }, () => limiter.hit([key])));
    expect(await limiter.retryAfter([key])).toBeUndefined();
    await limiter.hit([key]);
    expect(await limiter.retryAfter([key])).toBe(540); // the window ends at 12:10
  });

  it('blocks when any key is over its limit, frees up in the next window, and resets on demand', async () => {
    const account = { scope: 'b', subject: 'acct' };
    const other = { scope: 'a', subject: 'elsewhere' };
    for (let i = 0; i < 3; i += 1) await limiter.hit([account, other]);
    expect(await limiter.retryAfter([other, account])).toBeGreaterThan(0);
    await limiter.reset(account);
    expect(await limiter.retryAfter([other, account])).toBeUndefined();
    for (let i = 0; i < 3; i += 1) await limiter.hit([account]);
    clock.advance(600);
    expect(await limiter.retryAfter([account])).toBeUndefined();
  });

  it('stores hashed subjects and an expiry for the TTL policy', async () => {
    await limiter.hit([{ scope: 'b', subject: 'private@example.com' }]);
    const docs = (await db.collection(RATE_LIMIT_COLLECTION).get()).docs;
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.id).not.toContain('@');
      expect(doc.get('expireAt').toDate().getTime()).toBeGreaterThan(0);
    }
  });

  it('never limits a scope it has no limit for', async () => {
    const free = { scope: 'unlisted', subject: 'x' };
    for (let i = 0; i < 5; i += 1) await limiter.hit([free]);
    expect(await limiter.retryAfter([free])).toBeUndefined();
  });
});
