import type { Fault, RunningRemoveBg } from '../local/removebg/removebg-server';

export interface InjectedFault {
  kind: string;
  fault: Fault;
  atSeconds: number;
  /** remove.bg requests received before it was queued; a later count above it means it was served. */
  callsBefore: number;
  consumed?: boolean;
}

/** Each kind the remove.bg client must ride out with a retry, twice over the run. */
const KINDS: { kind: string; fault: Fault }[] = [
  { kind: '429 Retry-After: 1', fault: { status: 429, retryAfterSeconds: 1 } },
  { kind: '500', fault: { status: 500 } },
  { kind: 'dropped connection', fault: { drop: true } },
];

/**
 * Queues the faults at even intervals between 15 % and 85 % of the load, when users are
 * uploading steadily; returns what was injected and a cancel for a run that ends early.
 */
export function scheduleFaults(
  removeBg: RunningRemoveBg,
  loadSeconds: number,
): { injected: InjectedFault[]; settle(): void; cancel(): void } {
  const injected: InjectedFault[] = [];
  const plan = [...KINDS, ...KINDS];
  const timers = plan.map(({ kind, fault }, i) => {
    const atSeconds = loadSeconds * (0.15 + (0.7 * i) / (plan.length - 1));
    return setTimeout(() => {
      injected.push({ kind, fault, atSeconds: Math.round(atSeconds * 10) / 10, callsBefore: removeBg.calls() });
      removeBg.inject(fault);
    }, atSeconds * 1000);
  });
  return {
    injected,
    settle() {
      for (const entry of injected) entry.consumed = removeBg.calls() > entry.callsBefore;
    },
    cancel() {
      for (const timer of timers) clearTimeout(timer);
    },
  };
}
