import type { Checks } from './checks';
import type { InjectedFault } from './faults';
import type { Anomaly } from './http';
import type { EndpointSummary } from './metrics';

/** Everything one run measured: written as soak/results/latest.json and rendered into the docs. */
export interface SoakResult {
  startedAt: string;
  command: string;
  environment: { node: string; cpus: number; platform: string; database: string };
  seconds: { load: number; rampUp: number; drain: number; total: number };
  users: { simulated: number; signedIn: number };
  requests: { total: number; perSecond: number; byEndpoint: EndpointSummary[] };
  responsesByStatus: Record<string, number>;
  images: {
    uploadsIssued: number;
    uploaded: number;
    done: number;
    failed: number;
    lost: number;
    deleted: number;
    failedReasons: Record<string, number>;
    /** createdAt → processedAt of images seen done, as the API reported them. */
    uploadToDoneMs: { p50: number; p95: number; max: number };
  };
  serverErrors: number;
  noAnswer: number;
  anomalies: { count: number; first: Anomaly[] };
  faults: InjectedFault[];
  removeBgCalls: number;
  peakRssMB: number;
  /** How late timers fired on the one event loop the product and the users share: saturation shows first here. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  checks: Checks;
  logs: { counts: Record<string, number>; lines: string[] };
  failures: string[];
}

const ms = (value: number) => String(Math.round(value));
const row = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, n]) => `${key}: ${n}`)
    .join(', ') || 'none';
const few = (items: string[]) => (items.length === 0 ? '0' : `${items.length} (${items.slice(0, 5).join(', ')})`);

/** The Load section: the summary row in the suite's shared format, then the detail tables. */
export function renderLoad(r: SoakResult): string {
  const i = r.images;
  const c = r.checks;
  const verdict = r.failures.length === 0 ? 'passed' : `FAILED: ${r.failures.join('; ')}`;
  const faultsServed = r.faults.filter((f) => f.consumed).length;
  return [
    'Reproduce with `npm run soak` (60 s of load by default; `npm run soak -- --seconds N`, at most 600).',
    `This section is written by \`soak/run.ts\`; do not edit it by hand. Last run: ${r.startedAt}, ` +
      `\`${r.command}\`, Node ${r.environment.node} on ${r.environment.cpus} CPUs (${r.environment.platform}), ` +
      `${r.environment.database}. Verdict: **${verdict}**.`,
    '',
    table(
      ['case', 'what was tried', 'how many', 'outcome', 'anything lost'],
      [
        [
          'Mixed workload',
          `${r.users.simulated} users, ramped up over ${r.seconds.rampUp} s: register, log in, then loop: upload by signed URL, ` +
            'poll with backoff, list (sometimes the next page), download the PNG, sometimes delete',
          `${r.requests.total} requests, ${i.uploaded} images`,
          `${r.serverErrors} 5xx, ${r.noAnswer} without an answer, ${r.anomalies.count} unexpected; ` +
            `${i.done} done, ${i.failed} failed`,
          `${i.lost} lost`,
        ],
        [
          'remove.bg faults under load',
          r.faults.map((f) => f.kind).join(', ') || 'none',
          r.faults.length,
          `${faultsServed} of ${r.faults.length} served; ${r.removeBgCalls} remove.bg requests for ${i.uploaded} images; ` +
            `${i.failed} failed`,
          `${i.lost} lost`,
        ],
        [
          'State after the drain',
          'rows stuck in processing; finalized originals without a row or unfinished; orphaned outputs; done rows without outputs',
          `${Object.values(c.rowsByStatus).reduce((a, b) => a + b, 0)} rows`,
          `${c.stuckProcessing.length} stuck, ${c.originalsWithoutRow.length} originals without a row, ` +
            `${c.finalizedNotFinished.length} unfinished, ${c.outputsWithoutRow.length} orphaned outputs, ` +
            `${c.doneWithoutOutputs.length} done without outputs`,
          `${i.lost} lost`,
        ],
      ],
    ),
    '',
    '### Summary',
    '',
    table(
      ['measure', 'value'],
      [
        [
          'load duration',
          `${r.seconds.load} s (ramp-up ${r.seconds.rampUp} s), drain ${r.seconds.drain} s, whole run ${r.seconds.total} s`,
        ],
        ['users', `${r.users.simulated} simulated, ${r.users.signedIn} signed in`],
        ['requests', `${r.requests.total} (${r.requests.perSecond}/s over the load)`],
        ['upload URLs issued', i.uploadsIssued],
        ['images uploaded (PUT 200)', i.uploaded],
        ['processed: done', i.done],
        ['processed: failed', `${i.failed} (${counts(i.failedReasons)})`],
        ['lost (must be 0)', i.lost],
        ['deleted by their owners', i.deleted],
        [
          'upload → done (API times)',
          `p50 ${ms(i.uploadToDoneMs.p50)} ms, p95 ${ms(i.uploadToDoneMs.p95)} ms, max ${ms(i.uploadToDoneMs.max)} ms`,
        ],
        ['5xx (must be 0)', r.serverErrors],
        ['requests without an answer', r.noAnswer],
        ['unexpected answers', r.anomalies.count],
        ['remove.bg requests', r.removeBgCalls],
        ['peak RSS (whole process)', `${r.peakRssMB} MB`],
        [
          'event-loop delay',
          `p50 ${ms(r.eventLoopDelayMs.p50)} ms, p99 ${ms(r.eventLoopDelayMs.p99)} ms, max ${ms(r.eventLoopDelayMs.max)} ms`,
        ],
      ],
    ),
    '',
    '### Requests by endpoint',
    '',
    table(
      ['endpoint', 'requests', 'statuses', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      r.requests.byEndpoint.map((e) => [
        e.endpoint,
        e.requests,
        counts(e.statuses),
        ms(e.p50),
        ms(e.p95),
        ms(e.p99),
        ms(e.max),
      ]),
    ),
    '',
    '### Responses by status',
    '',
    table(
      ['status', 'responses'],
      Object.entries(r.responsesByStatus)
        .sort()
        .map(([status, n]) => [status, n]),
    ),
    '',
    '### remove.bg faults injected',
    '',
    table(
      ['at (s)', 'fault', 'served'],
      r.faults.map((f) => [f.atSeconds, f.kind, f.consumed ? 'yes' : 'no']),
    ),
    '',
    '### Checks after the drain',
    '',
    table(
      ['check', 'found'],
      [
        ['image rows by status', counts(c.rowsByStatus)],
        ['final status of uploaded images', counts(c.finalStatus)],
        ['rows stuck in `processing` (must be 0)', few(c.stuckProcessing)],
        ['finalized originals without a row (must be 0)', few(c.originalsWithoutRow)],
        ['finalized originals neither done nor failed (must be 0)', few(c.finalizedNotFinished)],
        ['cutouts or thumbnails without a row (must be 0)', few(c.outputsWithoutRow)],
        ['done rows missing the cutout or thumbnail (must be 0)', few(c.doneWithoutOutputs)],
        ['lost images (must be 0)', few(c.lost.map((l) => `${l.id}: ${l.status}`))],
      ],
    ),
    '',
    '### Unexpected answers and log lines',
    '',
    r.anomalies.count === 0
      ? 'None: every request got an answer with the status its step expects.'
      : table(
          ['at (s)', 'request', 'status', 'request id', 'detail'],
          r.anomalies.first.map((a) => [
            a.atSeconds,
            a.request,
            a.status,
            a.requestId ?? '',
            a.detail.replace(/\s+/g, ' '),
          ]),
        ),
    '',
    Object.keys(r.logs.counts).length === 0
      ? 'The product logged nothing at `LOG_LEVEL=error` during the run.'
      : table(
          ['log line (severity message)', 'times'],
          Object.entries(r.logs.counts).map(([line, n]) => [line, n]),
        ),
  ].join('\n');
}
