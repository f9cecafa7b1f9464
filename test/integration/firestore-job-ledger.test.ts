import type { Firestore } from '@google-cloud/firestore';
import { openFirestore } from '../../functions/src/adapters/firestore';
import { FirestoreJobLedger, JOB_COLLECTION } from '../../functions/src/adapters/firestore-job-ledger';
import { startFirestoreEmulator, type RunningEmulator } from '../../local/firestore-emulator';

describe('FirestoreJobLedger on the emulator, over gRPC', () => {
  const t0 = new Date('2026-11-24T12:00:00Z');
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  let emulator: RunningEmulator;
  let db: Firestore;
  let ledger: FirestoreJobLedger;

  beforeAll(async () => {
    emulator = await startFirestoreEmulator();
    db = await openFirestore({
      projectId: 'demo-test',
      firestore: { emulatorHost: emulator.host, databaseId: '(default)' },
    });
    ledger = new FirestoreJobLedger(db);
  });
  afterAll(async () => {
    await db.terminate();
    emulator.stop();
  });

  it('lets exactly one of many concurrent events claim an image', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ledger.claim('img-race', `event-${i}`, t0, 60)),
    );
    expect(results.filter((r) => r === 'claimed')).toHaveLength(1);
    expect(results.filter((r) => r === 'busy')).toHaveLength(7);
    const job = (await db.collection(JOB_COLLECTION).doc('img-race').get()).data();
    expect(job).toMatchObject({ state: 'processing', attempts: 1 });
  });

  it('keeps a live lease, lets an expired one be re-claimed once, and records the attempts', async () => {
    expect(await ledger.claim('img-lease', 'a', t0, 60)).toBe('claimed');
    expect(await ledger.claim('img-lease', 'b', at(59), 60)).toBe('busy');
    const retries = await Promise.all([
      ledger.claim('img-lease', 'c', at(61), 60),
      ledger.claim('img-lease', 'd', at(61), 60),
    ]);
    expect(retries.sort()).toEqual(['busy', 'claimed']);
    const job = (await db.collection(JOB_COLLECTION).doc('img-lease').get()).data();
    expect(job).toMatchObject({ attempts: 2, eventId: expect.stringMatching(/^[cd]$/) });
  });

  it('frees a released lease at once, and refuses every claim once finished', async () => {
    expect(await ledger.claim('img-done', 'a', t0, 600)).toBe('claimed');
    await ledger.release('img-done', at(1));
    expect(await ledger.claim('img-done', 'b', at(2), 600)).toBe('claimed');
    await ledger.finish('img-done', 'done', at(3));
    expect(await ledger.claim('img-done', 'c', at(10_000), 600)).toBe('finished');
  });

  it('forgets an image entirely', async () => {
    await ledger.claim('img-gone', 'a', t0, 60);
    await ledger.forget('img-gone');
    expect((await db.collection(JOB_COLLECTION).doc('img-gone').get()).exists).toBe(false);
    expect((await db.collection(JOB_COLLECTION).doc('img-gone').collection('claims').doc('1').get()).exists).toBe(
      false,
    );
    expect(await ledger.claim('img-gone', 'b', t0, 60)).toBe('claimed');
  });
});
