/** Misbehaviour for tests: queued in-process, never reachable over HTTP. */
export interface Fault {
  status?: number;
  retryAfterSeconds?: number;
  delayMs?: number;
  drop?: boolean;
  /** How many upcoming requests it applies to. */
  times?: number;
}

/** Faults in the order they were injected; each serves its `times` requests, then the next one. */
export class FaultQueue {
  private readonly queue: { fault: Fault; remaining: number }[] = [];

  add(fault: Fault): void {
    const { status, retryAfterSeconds, delayMs, times = 1 } = fault;
    if (status !== undefined && !(Number.isInteger(status) && status >= 400 && status <= 599)) {
      throw new RangeError(`A fault's status must be an HTTP error status (400–599), not ${status}`);
    }
    for (const [name, value] of Object.entries({ retryAfterSeconds, delayMs })) {
      if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
        throw new RangeError(`A fault's ${name} must be a number ≥ 0`);
      }
    }
    if (!Number.isInteger(times) || times < 1) throw new RangeError("A fault's times must be a whole number ≥ 1");
    if (status === undefined && delayMs === undefined && !fault.drop) {
      throw new RangeError('A fault needs a status, a delay or drop');
    }
    this.queue.push({ fault: { ...fault }, remaining: times });
  }

  /** The fault for the request that just arrived, if any. */
  take(): Fault | undefined {
    const head = this.queue[0];
    if (!head) return undefined;
    head.remaining -= 1;
    if (head.remaining === 0) this.queue.shift();
    return head.fault;
  }

  clear(): void {
    this.queue.length = 0;
  }
}
