import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { LocalCloud } from '../local/local-cloud';
import type { RunningRemoveBg } from '../local/removebg/removebg-server';
import type { SoakArgs } from './args';
import { scheduleFaults, type InjectedFault } from './faults';
import { Client } from './http';
import type { StudioShot } from './images';
import { Recorder } from './metrics';
import { SimulatedUser, type Plan, type Upload } from './user';

/** In-flight images get this long after the load to finish (polls, then event delivery). */
export const DRAIN_SECONDS = 120;

export interface LoadRun {
  recorder: Recorder;
  client: Client;
  uploads: Upload[];
  faults: InjectedFault[];
  signedIn: number;
  rampUpSeconds: number;
  loadSeconds: number;
  drainSeconds: number;
  /** How late timers fired on the one event loop the product and the users share. */
  loopDelay: IntervalHistogram;
}

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * The users, the faults and the drain: users arrive over the ramp-up, loop until the load
 * ends, finish the image they wait for; then the trigger's pending deliveries are awaited,
 * all within the drain's bound.
 */
export async function driveLoad(
  cloud: LocalCloud,
  removeBg: RunningRemoveBg,
  shots: StudioShot[],
  args: SoakArgs,
  runId: string,
): Promise<LoadRun> {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const recorder = new Recorder();
  const client = new Client(recorder);
  const loadStart = performance.now();
  const rampUpSeconds = Math.min(15, args.seconds / 4);
  const plan: Plan = {
    api: cloud.url,
    shots,
    loadEnd: loadStart + args.seconds * 1000,
    drainEnd: loadStart + (args.seconds + DRAIN_SECONDS) * 1000,
    runId,
    uploads: [],
  };
  const faults = scheduleFaults(removeBg, args.seconds);
  let signedIn = 0;
  await Promise.all(
    Array.from({ length: args.users }, async (_, index) => {
      // Staggered: users arrive over the ramp-up rather than all in the first millisecond.
      await sleep((index * rampUpSeconds * 1000) / args.users);
      const user = new SimulatedUser(index, plan, client);
      await user.run();
      if (user.signedIn) signedIn += 1;
    }),
  );
  faults.cancel();
  const loadEnded = Math.min(performance.now(), plan.loadEnd);

  // At least 10 s for deliveries even when the polls used up the drain: idle() is usually instant.
  const drainLeft = Math.max(10_000, plan.drainEnd - performance.now());
  await Promise.race([cloud.storage.idle(), sleep(drainLeft)]);
  faults.settle();
  loopDelay.disable();
  return {
    recorder,
    client,
    uploads: plan.uploads,
    faults: faults.injected,
    signedIn,
    rampUpSeconds,
    loadSeconds: (loadEnded - loadStart) / 1000,
    drainSeconds: (performance.now() - loadEnded) / 1000,
    loopDelay,
  };
}
