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
    expect(results.filter((r) => r.state === 'claimed')).toEqual([{ state: 'claimed', attempt: 1 }]);
    expect(results.filter((r) => r.state === 'busy')).toHaveLength(7);
    const job = (await db.collection(JOB_COLLECTION).doc('img-race').get()).data();
    expect(job).toMatchObject({ state: 'processing', attempts: 1 });
  });

  it('keeps a live lease, lets an expired one be re-claimed once, and records the attempts', async () => {
    expect(await ledger.claim('img-lease', 'a', t0, 60)).toEqual({ state: 'claimed', attempt: 1 });
    expect(await ledger.claim('img-lease', 'b', at(59), 60)).toEqual({ state: 'busy' });
    const retries = await Promise.all([
      ledger.claim('img-lease', 'c', at(61), 60),
      ledger.claim('img-lease', 'd', at(61), 60),
    ]);
    expect(retries.map((r) => JSON.stringify(r)).sort()).toEqual([
      JSON.stringify({ state: 'busy' }),
      JSON.stringify({ state: 'claimed', attempt: 2 }),
    ]);
    const job = (await db.collection(JOB_COLLECTION).doc('img-lease').get()).data();
    expect(job).toMatchObject({ attempts: 2, eventId: expect.stringMatching(/^[cd]$/) });
  });

  it('frees a released lease at once, and refuses every claim once finished', async () => {
    expect(await ledger.claim('img-done', 'a', t0, 600)).toEqual({ state: 'claimed', attempt: 1 });
    await ledger.release('img-done', at(1));
    expect(await ledger.claim('img-done', 'b', at(2), 600)).toEqual({ state: 'claimed', attempt: 2 });
    await ledger.finish('img-done', 'done', at(3));
    expect(await ledger.claim('img-done', 'c', at(10_000), 600)).toEqual({ state: 'finished' });
  });

  it('forgets an image entirely, claims of later attempts included', async () => {
    await ledger.claim('img-gone', 'a', t0, 60);
    await ledger.release('img-gone', at(1));
    await ledger.claim('img-gone', 'b', at(2), 60);
    const job = db.collection(JOB_COLLECTION).doc('img-gone');
    expect((await job.collection('claims').doc('2').get()).exists).toBe(true);
    await ledger.forget('img-gone');
    expect((await job.get()).exists).toBe(false);
    expect((await job.collection('claims').doc('2').get()).exists).toBe(false);
    expect(await ledger.claim('img-gone', 'c', t0, 60)).toEqual({ state: 'claimed', attempt: 1 });
  });
});
