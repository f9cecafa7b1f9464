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

  const taken = (unit: { ticket: string } | { retryAfter: number }) => 'ticket' in unit;

  it('gives out exactly the limit when many instances take at once, then says when it frees up', async () => {
    const key = { scope: 'a', subject: 'concurrent@example.com' };
    const units = await Promise.all(Array.from({ length: 30 }, () => limiter.take(key)));
    expect(units.filter(taken)).toHaveLength(20);
    expect(units.filter((unit) => !taken(unit))).toEqual(Array(10).fill({ retryAfter: 540 })); // the window ends at 12:10
  });

  it('takes back a released unit, forgets on reset, and frees up in the next window', async () => {
    const key = { scope: 'b', subject: 'acct' };
    const units = [await limiter.take(key), await limiter.take(key), await limiter.take(key)];
    expect(units.every(taken)).toBe(true);
    expect(taken(await limiter.take(key))).toBe(false);
    await limiter.release(key, (units[1] as { ticket: string }).ticket);
    expect(taken(await limiter.take(key))).toBe(true);
    expect(taken(await limiter.take(key))).toBe(false);
    await limiter.reset(key);
    for (let i = 0; i < 3; i += 1) expect(taken(await limiter.take(key))).toBe(true);
    expect(taken(await limiter.take(key))).toBe(false);
    clock.advance(600);
    expect(taken(await limiter.take(key))).toBe(true);
  });

  it('gives a unit back for an upload that never came, only within its own window', async () => {
    const key = { scope: 'b', subject: 'gone' };
    for (let i = 0; i < 3; i += 1) await limiter.take(key);
    await limiter.giveBack(key, new Date(clock.now().getTime() - 600_000));
    expect(taken(await limiter.take(key))).toBe(false);
    await limiter.giveBack(key, clock.now());
    expect(taken(await limiter.take(key))).toBe(true);
  });

  it('stores hashed subjects and an expiry for the TTL policy', async () => {
    await limiter.take({ scope: 'b', subject: 'private@example.com' });
    const docs = (await db.collection(RATE_LIMIT_COLLECTION).get()).docs;
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      expect(doc.id).not.toContain('@');
      expect(doc.get('expireAt').toDate().getTime()).toBeGreaterThan(0);
    }
  });

  it('never limits a scope it has no limit for', async () => {
    const free = { scope: 'unlisted', subject: 'x' };
    for (let i = 0; i < 5; i += 1) expect(taken(await limiter.take(free))).toBe(true);
  });
});
