/**
 * What the load did, as the client saw it: every request's endpoint, status and latency. Kept
 * in memory (a 10-minute run makes tens of thousands of samples, a few MB at most).
 */
export type Endpoint =
  | 'POST /api/register'
  | 'POST /api/login'
  | 'POST /api/upload'
  | 'PUT signed upload URL'
  | 'GET /api/images/{id}'
  | 'GET /api/images'
  | 'GET /api/images?pageToken'
  | 'GET downloadUrl'
  | 'DELETE /api/delete/{id}';

/** A request that got no HTTP answer (reset, refused, timed out) is counted under this status. */
export const NO_ANSWER = 'no answer';

export interface Sample {
  endpoint: Endpoint;
  status: number | typeof NO_ANSWER;
  ms: number;
}

export interface EndpointSummary {
  endpoint: Endpoint;
  requests: number;
  statuses: Record<string, number>;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of sorted values: an observed latency, never an interpolated one. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export class Recorder {
  readonly samples: Sample[] = [];

  add(sample: Sample): void {
    this.samples.push(sample);
  }

  byEndpoint(): EndpointSummary[] {
    const groups = new Map<Endpoint, Sample[]>();
    for (const sample of this.samples) {
      const group = groups.get(sample.endpoint) ?? [];
      group.push(sample);
      groups.set(sample.endpoint, group);
    }
    // Tenths of a millisecond: finer is noise from the shared event loop.
    const tenths = (ms: number) => Math.round(ms * 10) / 10;
    return [...groups].map(([endpoint, group]) => {
      const sorted = group.map((s) => tenths(s.ms)).sort((a, b) => a - b);
      const statuses: Record<string, number> = {};
      for (const s of group) statuses[String(s.status)] = (statuses[String(s.status)] ?? 0) + 1;
      return {
        endpoint,
        requests: group.length,
        statuses,
        p50: percentile(sorted, 50),
        p95: percentile(sorted, 95),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1] ?? 0,
      };
    });
  }

  byStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const s of this.samples) counts[String(s.status)] = (counts[String(s.status)] ?? 0) + 1;
    return counts;
  }

  count(predicate: (sample: Sample) => boolean): number {
    return this.samples.reduce((n, s) => n + (predicate(s) ? 1 : 0), 0);
  }
}
