/**
 * `npm run bench [-- --quick] [-- --only <section>[,<section>]]`: measures the product on the
 * local cloud, prints the tables (stdout; progress on stderr) and writes them to
 * bench/results/latest.md and latest.json. Not part of `npm test`.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { progress, type BenchContext } from './context';
import { captureFunctionLogs } from './log-capture';
import { machine, reportMarkdown, writeReport, type Report, type SectionResult } from './report';
import { evaluateTargets, type AllMetrics } from './targets';
import { within } from './stats';

interface Section {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<SectionResult>;
}

const SECTIONS: Section[] = [
  { name: 'engine', title: '5. Local engine', run: async (ctx) => (await import('./engine')).engineBench(ctx) },
  {
    name: 'http',
    title: '1. HTTP functions under load',
    run: async (ctx) => (await import('./http-load')).httpLoad(ctx),
  },
  {
    name: 'pipeline',
    title: '2. Pipeline overhead',
    run: async (ctx) => (await import('./pipeline')).pipelineBench(ctx),
  },
  { name: 'cold', title: '3. Cold start', run: async (ctx) => (await import('./cold-start')).coldStart(ctx) },
  { name: 'memory', title: '4. Memory', run: async (ctx) => (await import('./memory')).memoryBench(ctx) },
  { name: 'growth', title: '6. Growth', run: async (ctx) => (await import('./growth')).growthBench(ctx) },
  { name: 'edits', title: '7. Edits', run: async (ctx) => (await import('./edits')).editsBench(ctx) },
];

function parseArgs(argv: string[]): { quick: boolean; only: string[] } {
  let quick = false;
  const only: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--quick') quick = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[(i += 1)] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a section name');
      only.push(
        ...value
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      );
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write(`Usage: npm run bench -- [--quick] [--only ${SECTIONS.map((s) => s.name).join('|')}]\n`);
      process.exit(0);
    } else throw new Error(`Unknown argument ${arg} (try --help)`);
  }
  const unknown = only.filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length)
    throw new Error(`Unknown section ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`);
  return { quick, only };
}

/** All cores' busy and total jiffies, from /proc/stat (zeros where it does not exist). */
function cpuTimes(): { busy: number; total: number } {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const total = fields.reduce((sum, v) => sum + v, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

async function main(): Promise<number> {
  const flags = parseArgs(process.argv.slice(2));
  // The Google clients would otherwise probe for a GCE metadata server (169.254.169.254): this
  // bench talks to 127.0.0.1 only. Child instances get the same setting (bench/instance.ts).
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const started = performance.now();
  const chosen = SECTIONS.filter((s) => flags.only.length === 0 || flags.only.includes(s.name));
  // Each section is bounded; together they stay within 10 minutes (2 with --quick).
  const limitSeconds = flags.quick ? 100 : 300;
  const results: SectionResult[] = [];
  let failed = false;
  const logs = captureFunctionLogs(join(__dirname, 'results', 'latest-functions.log'));
  for (const section of chosen) {
    const log = progress(section.name);
    const sectionStarted = performance.now();
    const cpuBefore = cpuTimes();
    const ownBefore = process.cpuUsage();
    log('start');
    try {
      const result = await within(section.run({ quick: flags.quick, log }), limitSeconds * 1000, section.name);
      const cpuAfter = cpuTimes();
      const own = process.cpuUsage(ownBefore);
      const wallMs = performance.now() - sectionStarted;
      result.load = {
        machineBusyPct:
          cpuAfter.total > cpuBefore.total
            ? (100 * (cpuAfter.busy - cpuBefore.busy)) / (cpuAfter.total - cpuBefore.total)
            : NaN,
        benchProcessPct: (100 * (own.user + own.system)) / 1000 / wallMs / Math.max(1, cpus().length),
        loadAverage1m: loadavg()[0] ?? NaN,
      };
      results.push(result);
      log(
        `done in ${result.seconds.toFixed(1)} s (machine ${result.load.machineBusyPct.toFixed(0)}% busy, this process ${result.load.benchProcessPct.toFixed(0)}%)`,
      );
    } catch (error) {
      failed = true;
      const reason = error instanceof Error ? (error.stack ?? error.message) : String(error);
      log(`failed: ${reason}`);
      results.push({
        name: section.name,
        title: section.title,
        tables: [],
        metrics: {},
        data: {},
        skipped: `failed: ${error instanceof Error ? error.message : String(error)}`,
        seconds: (performance.now() - sectionStarted) / 1000,
      });
    }
  }
  logs.stop();
  const all: AllMetrics = Object.fromEntries(results.filter((r) => !r.skipped).map((r) => [r.name, r.metrics]));
  const report: Report = {
    machine: machine(),
    flags,
    totalSeconds: (performance.now() - started) / 1000,
    sections: results,
    targets: evaluateTargets(all),
    functionLogs: { file: 'bench/results/latest-functions.log', lines: logs.lines, kinds: logs.kinds },
  };
  process.stdout.write(`\n${reportMarkdown(report)}`);
  const files = await writeReport(report, join(__dirname, 'results'));
  console.error(`\nWritten ${files.md} and ${files.json} (${report.totalSeconds.toFixed(0)} s).`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
