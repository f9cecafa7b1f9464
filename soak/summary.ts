import { cpus } from 'node:os';
import type { SoakArgs } from './args';
import type { Checks } from './checks';
import type { CapturedLogs } from './logs';
import type { LoadRun } from './load';
import { NO_ANSWER, percentile } from './metrics';
import type { SoakResult } from './report';

export interface Finished {
  args: SoakArgs;
  argv: string[];
  startedAt: Date;
  totalSeconds: number;
  database: string;
  removeBgCalls: number;
  run: LoadRun;
  checks: Checks;
  logs: CapturedLogs;
}

/** What fails the run: the brief's two musts (nothing lost, no 5xx) and everything else the checks forbid. */
function failuresOf(f: Finished, serverErrors: number, noAnswer: number): string[] {
  const { checks, run, args } = f;
  const rules: [number, string][] = [
    [checks.lost.length, 'images lost'],
    [serverErrors, '5xx answers'],
    [noAnswer, 'requests without an answer'],
    [run.client.anomalies.length, 'unexpected answers'],
    [checks.stuckProcessing.length, 'rows stuck in processing'],
    [checks.originalsWithoutRow.length, 'originals without a row'],
    [checks.finalizedNotFinished.length, 'originals neither done nor failed'],
    [checks.outputsWithoutRow.length, 'orphaned outputs'],
    [checks.doneWithoutOutputs.length, 'done rows without outputs'],
    [args.users - run.signedIn, 'users could not sign in'],
  ];
  return rules.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
}

export function summarize(f: Finished): SoakResult {
  const { run, checks } = f;
  const sent = run.uploads.filter((u) => u.putOk);
  const toDone = sent.flatMap((u) => (u.processingMs === undefined ? [] : [u.processingMs])).sort((a, b) => a - b);
  const serverErrors = run.recorder.count((s) => typeof s.status === 'number' && s.status >= 500);
  const noAnswer = run.recorder.count((s) => s.status === NO_ANSWER);
  const requests = run.recorder.samples.length;
  const round = (value: number) => Math.round(value * 10) / 10;
  return {
    startedAt: f.startedAt.toISOString(),
    command: `npm run soak${f.argv.length > 0 ? ` -- ${f.argv.join(' ')}` : ''}`,
    environment: {
      node: process.version,
      cpus: cpus().length,
      platform: `${process.platform}-${process.arch}`,
      database: f.database,
    },
    seconds: {
      load: Math.round(run.loadSeconds),
      rampUp: run.rampUpSeconds,
      drain: Math.round(run.drainSeconds),
      total: Math.round(f.totalSeconds),
    },
    users: { simulated: f.args.users, signedIn: run.signedIn },
    requests: {
      total: requests,
      perSecond: round(requests / (run.loadSeconds + run.drainSeconds)),
      byEndpoint: run.recorder.byEndpoint(),
    },
    responsesByStatus: run.recorder.byStatus(),
    images: {
      uploadsIssued: run.uploads.length,
      uploaded: sent.length,
      done: checks.finalStatus.done ?? 0,
      failed: checks.finalStatus.failed ?? 0,
      lost: checks.lost.length,
      deleted: sent.filter((u) => u.deleted).length,
      failedReasons: checks.failedReasons,
      uploadToDoneMs: { p50: percentile(toDone, 50), p95: percentile(toDone, 95), max: toDone.at(-1) ?? 0 },
    },
    serverErrors,
    noAnswer,
    anomalies: { count: run.client.anomalies.length, first: run.client.anomalies.slice(0, 20) },
    faults: run.faults,
    removeBgCalls: f.removeBgCalls,
    // maxRSS is in KiB: the high-water mark of the whole process, product and users together.
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    // The histogram counts nanoseconds.
    eventLoopDelayMs: {
      p50: round(run.loopDelay.percentile(50) / 1e6),
      p99: round(run.loopDelay.percentile(99) / 1e6),
      max: round(run.loopDelay.max / 1e6),
    },
    checks,
    logs: { counts: f.logs.counts, lines: f.logs.lines },
    failures: failuresOf(f, serverErrors, noAnswer),
  };
}
