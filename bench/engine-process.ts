import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import type { EngineCommand, EngineReply, MemoryFigures } from './engine-child';
import { FULL_PNG } from './engine-inputs';
import { NodeChild } from './instance';
import { median, sleep } from './stats';

const OUT = join(resolve(__dirname, '..'), 'dist', 'bench-engine');

let bundled: Promise<string> | undefined;

/**
 * bench/engine-child.ts as one plain JavaScript file (sharp and onnxruntime-node stay packages),
 * built once per run: a child measures Node and the engine, not a TypeScript loader.
 */
export function childScript(): Promise<string> {
  const outfile = join(OUT, 'engine-child.js');
  bundled ??= build({
    entryPoints: [join(__dirname, 'engine-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['sharp', 'onnxruntime-node'],
    // The segmenter's lazy import of onnxruntime-node stays lazy, as a require().
    supported: { 'dynamic-import': false },
    logLevel: 'warning',
  }).then(() => outfile);
  return bundled;
}

type Op = EngineCommand['op'];

/** One fresh process holding at most one engine: `node dist/bench-engine/engine-child.js`. */
export class EngineProcess extends NodeChild {
  private lastId = 0;

  constructor(script: string) {
    super([script], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
  }

  /** Process start → the script loaded (Node, sharp, the bundle), and its memory then. */
  ready(): Promise<{ uptimeMs: number; memory: MemoryFigures }> {
    return this.next(
      (m) => ((m as { ready?: boolean }).ready ? (m as { uptimeMs: number; memory: MemoryFigures }) : undefined),
      'ready',
      30_000,
    );
  }

  async call<O extends Op>(
    command: Omit<Extract<EngineCommand, { op: O }>, 'id'>,
    timeoutMs = 120_000,
  ): Promise<Extract<EngineReply, { op: O }>> {
    this.lastId += 1;
    const id = this.lastId;
    this.child.send({ ...command, id });
    const reply = await this.next(
      (m) => ((m as EngineReply).id === id ? (m as EngineReply) : undefined),
      command.op,
      timeoutMs,
    );
    if (reply.error !== undefined) throw new Error(`engine process, ${command.op}: ${reply.error}`);
    return reply as Extract<EngineReply, { op: O }>;
  }

  /** Runs `work` on a fresh process, stopped afterwards whatever happens. */
  static async with<T>(script: string, work: (child: EngineProcess) => Promise<T>): Promise<T> {
    const child = new EngineProcess(script);
    try {
      return await work(child);
    } finally {
      await child.stop();
    }
  }
}

const mib = (kib: number): number => kib / 1024;

async function cutout(child: EngineProcess, file: string): Promise<number> {
  const reply = await child.call<'remove'>({ op: 'remove', file, fields: { ...FULL_PNG } });
  if (reply.refused) throw new Error(`${file}: refused with ${reply.refused.code ?? reply.refused.title}`);
  return reply.ms;
}

export interface LoadRun {
  /** How long after the load the first photo arrived. */
  pauseMs: number;
  /** Process start → script loaded. */
  readyMs: number;
  loadMs: number;
  /** The first photo end to end, sent as soon as (or pauseMs after) loadEngine resolved. */
  firstMs: number;
  /** The same photo again, median of two. */
  warmMs: number;
  afterLoadMiB: number;
}

/** A fresh process: loadEngine, then the same photo three times. */
export function loadRun(script: string, modelPath: string, photoFile: string, pauseMs: number): Promise<LoadRun> {
  return EngineProcess.with(script, async (child) => {
    const ready = await child.ready();
    const load = await child.call<'load'>({ op: 'load', modelPath });
    if (pauseMs > 0) await sleep(pauseMs);
    const firstMs = await cutout(child, photoFile);
    const warm = [await cutout(child, photoFile), await cutout(child, photoFile)];
    return {
      pauseMs,
      readyMs: ready.uptimeMs,
      loadMs: load.ms,
      firstMs,
      warmMs: median(warm),
      afterLoadMiB: mib(load.memory.rssKiB),
    };
  });
}

export interface MemoryRun {
  /** RSS when the script had loaded, and right after loadEngine. */
  atStartMiB: number;
  afterLoadMiB: number;
  /** maxRSS and VmHWM once the photo is done. */
  peakMiB: number;
  hwmMiB: number;
  ms: number;
}

/** A fresh process: loadEngine and one photo end to end; its peak RSS. */
export function peakRun(script: string, modelPath: string, photoFile: string): Promise<MemoryRun> {
  return EngineProcess.with(script, async (child) => {
    const ready = await child.ready();
    const load = await child.call<'load'>({ op: 'load', modelPath });
    const ms = await cutout(child, photoFile);
    const { memory } = await child.call<'report'>({ op: 'report' });
    return {
      atStartMiB: mib(ready.memory.rssKiB),
      afterLoadMiB: mib(load.memory.rssKiB),
      peakMiB: mib(memory.maxRssKiB),
      hwmMiB: mib(memory.hwmKiB),
      ms,
    };
  });
}

export interface RefusalRun {
  /** The process after loadEngine and one ordinary photo. */
  before: MemoryRun;
  ms: number;
  refused: { status: number; code?: string; title: string; detail?: string } | undefined;
  /** RSS when the peak was reset, just before the refused photo was sent, and the peak after. */
  resetMiB: number;
  peakMiB: number;
  /**
   * Whether the peak could be reset (Linux); if not, peakMiB is the whole process's and the
   * growth is measured against the peak before.
   */
  reset: boolean;
}

/** A fresh process: loadEngine, an ordinary photo, then (peak reset) a photo over the pixel limit. */
export function refusalRun(
  script: string,
  modelPath: string,
  photoFile: string,
  overFile: string,
): Promise<RefusalRun> {
  return EngineProcess.with(script, async (child) => {
    const ready = await child.ready();
    const load = await child.call<'load'>({ op: 'load', modelPath });
    const photoMs = await cutout(child, photoFile);
    const before = (await child.call<'report'>({ op: 'report' })).memory;
    const reset = await child.call<'resetPeak'>({ op: 'resetPeak' });
    const over = await child.call<'remove'>({ op: 'remove', file: overFile, fields: { ...FULL_PNG } });
    const after = (await child.call<'report'>({ op: 'report' })).memory;
    return {
      before: {
        atStartMiB: mib(ready.memory.rssKiB),
        afterLoadMiB: mib(load.memory.rssKiB),
        peakMiB: mib(before.maxRssKiB),
        hwmMiB: mib(before.hwmKiB),
        ms: photoMs,
      },
      ms: over.ms,
      refused: over.refused,
      resetMiB: reset.reset ? mib(reset.memory.rssKiB) : mib(before.maxRssKiB),
      peakMiB: mib(after.maxRssKiB),
      reset: reset.reset,
    };
  });
}
