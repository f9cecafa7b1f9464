import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PutOrder } from './put-client';
import { within } from './stats';

/** A forked uploader (bench/put-client.ts) holding `bodies`; sends batches of signed PUTs. */
export class Uploader {
  private readonly dir = mkdtempSync(join(tmpdir(), 'cutout-bench-bodies-'));
  private readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, (reply: { statuses?: number[]; error?: string }) => void>();

  constructor(bodies: readonly Buffer[]) {
    const files = bodies.map((body, i) => {
      const file = join(this.dir, `${i}.bin`);
      writeFileSync(file, body);
      return file;
    });
    this.child = fork(join(__dirname, 'put-client.ts'), files, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (message: { id: number; statuses?: number[]; error?: string }) => {
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
    this.child.on('exit', (code) => {
      for (const answer of this.waiting.values()) answer({ error: `uploader exited (${code})` });
      this.waiting.clear();
    });
  }

  /** All the PUTs at once; rejects unless every one answered 200. */
  async put(orders: PutOrder[]): Promise<void> {
    const id = (this.nextId += 1);
    const reply = await within(
      new Promise<{ statuses?: number[]; error?: string }>((answer) => {
        this.waiting.set(id, answer);
        this.child.send({ id, orders });
      }),
      120_000,
      'uploads',
    );
    if (reply.error !== undefined) throw new Error(reply.error);
    const refused = (reply.statuses ?? []).filter((status) => status !== 200);
    if (refused.length > 0) throw new Error(`PUT answered ${refused.join(', ')}`);
  }

  close(): void {
    if (this.child.connected) this.child.disconnect();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
