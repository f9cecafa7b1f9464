/**
 * A process that serves the local remove.bg's image path and nothing else, for section 5:
 * bundled by bench/engine-process.ts and started fresh for each measurement, so the model's
 * load time and the engine's peak RSS are a new process's. Commands arrive over IPC, one at a
 * time; each reply carries the command's id.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RemoveBgError } from '../local/removebg/api-errors';
import { loadEngine, type Engine } from '../local/removebg/engine';
import { parseOptions } from '../local/removebg/options';
import { removeBackground } from '../local/removebg/render';

export type EngineCommand =
  | { id: number; op: 'load'; modelPath: string }
  | { id: number; op: 'remove'; file: string; fields: Record<string, string> }
  | { id: number; op: 'report' }
  | { id: number; op: 'resetPeak' };

export interface MemoryFigures {
  /** process.resourceUsage().maxRSS: the peak so far. */
  maxRssKiB: number;
  /** VmHWM from /proc/self/status, a cross-check. */
  hwmKiB: number;
  rssKiB: number;
}

export type EngineReply = { id: number; error?: string } & (
  | { op: 'load'; ms: number; memory: MemoryFigures }
  | {
      op: 'remove';
      ms: number;
      bytes?: number;
      refused?: { status: number; code?: string; title: string; detail?: string };
    }
  | { op: 'report'; memory: MemoryFigures }
  | { op: 'resetPeak'; reset: boolean; memory: MemoryFigures }
);

function memory(): MemoryFigures {
  let hwmKiB = Number.NaN;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    hwmKiB = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  } catch {
    // not Linux
  }
  return { maxRssKiB: process.resourceUsage().maxRSS, hwmKiB, rssKiB: process.memoryUsage().rss / 1024 };
}

/**
 * Brings the peak RSS (VmHWM, and so maxRSS) down to the current RSS, so a later reading is the
 * peak of what happened since (Linux ≥ 4.0: /proc/self/clear_refs). False where unsupported.
 */
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

let engine: Engine | undefined;

async function handle(command: EngineCommand): Promise<EngineReply> {
  switch (command.op) {
    case 'load': {
      const started = performance.now();
      engine = await loadEngine(command.modelPath);
      return { id: command.id, op: 'load', ms: performance.now() - started, memory: memory() };
    }
    case 'remove': {
      if (!engine) throw new Error('remove before load');
      const bytes = await readFile(command.file);
      const options = await parseOptions(command.fields);
      const started = performance.now();
      try {
        const result = await removeBackground(engine, bytes, options);
        return { id: command.id, op: 'remove', ms: performance.now() - started, bytes: result.body.length };
      } catch (error) {
        if (!(error instanceof RemoveBgError)) throw error;
        const ms = performance.now() - started;
        return { id: command.id, op: 'remove', ms, refused: { status: error.status, ...error.entry } };
      }
    }
    case 'report':
      return { id: command.id, op: 'report', memory: memory() };
    case 'resetPeak':
      return { id: command.id, op: 'resetPeak', reset: resetPeak(), memory: memory() };
  }
}

process.on('message', (command: EngineCommand) => {
  handle(command).then(
    (reply) => process.send?.(reply),
    (error: unknown) =>
      process.send?.({ id: command.id, op: command.op, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, pid: process.pid, uptimeMs: process.uptime() * 1000, memory: memory() });
