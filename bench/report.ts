import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';

/** One table of the report: every figure next to its reference, and the ratio between them. */
export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** How the figures were taken, and what the reference is. */
  notes?: string[];
}

export type Cell = string | number | undefined;

export type Metrics = Record<string, number | string | boolean | string[] | undefined>;

export interface SectionResult {
  name: string;
  title: string;
  tables: Table[];
  /** Named figures the targets read. */
  metrics: Metrics;
  /** Raw measurements, for latest.json. */
  data: unknown;
  /** Set when the section could not run (the reason). */
  skipped?: string;
  seconds: number;
  /** How busy the machine was while the section ran: all processes, and this one (its children not counted). */
  load?: { machineBusyPct: number; benchProcessPct: number; loadAverage1m: number };
}

export interface TargetOutcome {
  target: string;
  measured: string;
  limit: string;
  status: 'pass' | 'miss' | 'not run';
  detail?: string;
}

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  date: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Milliseconds: more digits when small. */
export const ms = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value)
    ? '—'
    : value < 10
      ? value.toFixed(2)
      : value < 1000
        ? value.toFixed(1)
        : value.toFixed(0);

export const num = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

export const times = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(2)}×`;

export const pct = (value: number | undefined): string =>
  value === undefined || !Number.isFinite(value) ? '—' : `${(value * 100).toFixed(0)}%`;

const escape = (cell: Cell): string => (cell === undefined ? '—' : String(cell)).replace(/\|/g, '\\|');

export function tableMarkdown(table: Table): string {
  const lines = [
    `### ${table.title}`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${table.columns.map((_, i) => escape(row[i])).join(' | ')} |`),
  ];
  if (table.notes?.length) lines.push('', ...table.notes.map((note) => `- ${note}`));
  return `${lines.join('\n')}\n`;
}

export function targetsTable(outcomes: TargetOutcome[]): Table {
  return {
    title: 'Targets',
    columns: ['target', 'measured', 'limit', 'result'],
    rows: outcomes.map((o) => [
      o.target,
      o.detail ? `${o.measured} (${o.detail})` : o.measured,
      o.limit,
      o.status === 'pass' ? 'PASS' : o.status === 'miss' ? 'MISS' : 'not run',
    ]),
  };
}

export interface Report {
  machine: Machine;
  flags: { quick: boolean; only: string[] };
  totalSeconds: number;
  sections: SectionResult[];
  targets: TargetOutcome[];
  /** What the functions logged while measured (kept out of stdout). */
  functionLogs: { file: string; lines: number; kinds: Record<string, number> };
}

export function reportMarkdown(report: Report): string {
  const m = report.machine;
  const head = [
    `# Cutout benchmarks${report.flags.quick ? ' (--quick)' : ''}`,
    '',
    `- date: ${m.date}`,
    `- machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB memory, ${m.os}`,
    `- Node.js ${m.node}`,
    `- sections: ${report.sections.map((s) => `${s.name} (${s.skipped ? 'skipped' : `${s.seconds.toFixed(0)} s`})`).join(', ')}`,
    `- machine load while measuring (all cores busy % / this process % / 1-min load average): ${report.sections
      .filter((s) => s.load)
      .map(
        (s) =>
          `${s.name} ${num(s.load?.machineBusyPct)}% / ${num(s.load?.benchProcessPct)}% / ${num(s.load?.loadAverage1m, 1)}`,
      )
      .join(', ')}`,
    `- total: ${report.totalSeconds.toFixed(0)} s`,
    `- function logs (to ${report.functionLogs.file}, not stdout): ${report.functionLogs.lines} lines${
      Object.keys(report.functionLogs.kinds).length
        ? ` — ${Object.entries(report.functionLogs.kinds)
            .sort((a, b) => b[1] - a[1])
            .slice(0, 6)
            .map(([kind, count]) => `${count}× ${kind}`)
            .join('; ')}`
        : ''
    }`,
    '',
  ].join('\n');
  const body = report.sections
    .map((section) => {
      const title = `## ${section.title}\n\n`;
      if (section.skipped) return `${title}Skipped: ${section.skipped}\n`;
      return title + section.tables.map(tableMarkdown).join('\n');
    })
    .join('\n');
  return `${head}\n${tableMarkdown(targetsTable(report.targets))}\n${body}`;
}

/** Writes latest.md and latest.json, formatted as the repository's Prettier check expects. */
export async function writeReport(report: Report, dir: string): Promise<{ md: string; json: string }> {
  const prettier = await import('prettier');
  mkdirSync(dir, { recursive: true });
  const md = join(dir, 'latest.md');
  const json = join(dir, 'latest.json');
  // Raw samples stay out (they would make the file megabytes); non-finite numbers become null.
  const replacer = (key: string, value: unknown) =>
    key === 'samples' ? undefined : typeof value === 'number' && !Number.isFinite(value) ? null : value;
  const options = (await prettier.resolveConfig(md)) ?? {};
  writeFileSync(md, await prettier.format(reportMarkdown(report), { ...options, filepath: md }));
  writeFileSync(json, await prettier.format(JSON.stringify(report, replacer), { ...options, filepath: json }));
  return { md, json };
}
