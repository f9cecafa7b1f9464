import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { serviceKey } from './service-url';

/*
 * What this machine has uploaded to one service as one user: content hash → image id. It lets
 * `upload` skip a file it has sent before; the service stays the judge of whether that image
 * still exists. Kept next to session.json, readable by its owner only (file names are private).
 */

export interface Uploaded {
  id: string;
  filename: string;
  uploadedAt: string;
}

interface RecordFile {
  api: string;
  username: string;
  images: Record<string, Uploaded>;
}

// Enough for years of use; the oldest entries go first (at worst a file is uploaded again).
const MAX_ENTRIES = 20_000;

/** `uploads-<host_port>-<username>.json`: one file per service and user, readable by name. */
export function uploadRecordFile(dir: string, api: string, username: string): string {
  const service = serviceKey(api)
    .replace(/^https?:\/\//, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_');
  return join(dir, `uploads-${service}-${username.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`);
}

export class UploadRecord {
  private readonly data: RecordFile;

  constructor(
    private readonly file: string,
    api: string,
    username: string,
  ) {
    this.data = { api, username, images: {} };
    try {
      const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<RecordFile>;
      if (stored.images && typeof stored.images === 'object') this.data.images = stored.images;
    } catch {
      // None yet, or unreadable: start afresh; the worst outcome is one upload too many.
    }
  }

  get(hash: string): Uploaded | undefined {
    return Object.hasOwn(this.data.images, hash) ? this.data.images[hash] : undefined;
  }

  set(hash: string, entry: Uploaded): void {
    delete this.data.images[hash]; // re-inserted last: insertion order is age
    this.data.images[hash] = entry;
    const hashes = Object.keys(this.data.images);
    for (const old of hashes.slice(0, Math.max(0, hashes.length - MAX_ENTRIES))) delete this.data.images[old];
    this.write();
  }

  forget(hash: string): void {
    if (!this.get(hash)) return;
    delete this.data.images[hash];
    this.write();
  }

  /** Written whole to a temporary file and renamed over the old one, so it is never half-written. */
  private write(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(this.data)}\n`, { mode: 0o600 });
    renameSync(temporary, this.file);
  }
}
