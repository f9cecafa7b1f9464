import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredObject } from './object-files';

/*
 * One folder per bucket:
 *   bucket.json                       when the bucket was created
 *   meta/<sha256(name)>.json          the object's metadata (the only source of truth for "exists")
 *   data/<sha256(name)>.<generation>  its bytes
 *   tmp/                              bodies being received, renamed into data/ when complete
 *   uploads/                          resumable upload sessions
 * Files are named by a hash of the object name, so no name (`../x`, 1 KB long, any Unicode) can
 * escape the folder or hit a file-name limit.
 */

const objectKey = (name: string): string => createHash('sha256').update(name).digest('hex');

export const metaFileName = (name: string): string => `${objectKey(name)}.json`;

export const dataFileName = (object: StoredObject): string => `${objectKey(object.name)}.${object.generation}`;

const isStoredObject = (value: unknown): value is StoredObject => {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  const texts = ['bucket', 'name', 'generation', 'metageneration', 'contentType', 'md5Hash', 'crc32c', 'timeCreated'];
  return texts.every((key) => typeof o[key] === 'string') && typeof o.size === 'number';
};

export interface LoadedBucket {
  objects: Map<string, StoredObject>;
  timeCreated: string;
  lastGeneration: bigint;
}

/**
 * Opens (or creates) a bucket folder: reads every object's metadata, and clears what an
 * interrupted run can leave behind: temp files, and data files no metadata points to (a crash
 * between a body's rename and its metadata's).
 */
export async function loadBucket(root: string, now: () => Date): Promise<LoadedBucket> {
  await rm(join(root, 'tmp'), { recursive: true, force: true });
  for (const dir of ['meta', 'data', 'tmp', 'uploads']) await mkdir(join(root, dir), { recursive: true });

  const objects = new Map<string, StoredObject>();
  let lastGeneration = 0n;
  for (const file of await readdir(join(root, 'meta'))) {
    const value: unknown = JSON.parse(await readFile(join(root, 'meta', file), 'utf8'));
    if (!isStoredObject(value) || metaFileName(value.name) !== file) continue;
    objects.set(value.name, value);
    if (BigInt(value.generation) > lastGeneration) lastGeneration = BigInt(value.generation);
  }
  const referenced = new Set([...objects.values()].map(dataFileName));
  for (const file of await readdir(join(root, 'data'))) {
    if (!referenced.has(file)) await rm(join(root, 'data', file), { force: true });
  }
  return { objects, timeCreated: await bucketTimeCreated(root, now), lastGeneration };
}

async function bucketTimeCreated(root: string, now: () => Date): Promise<string> {
  const file = join(root, 'bucket.json');
  try {
    const value: unknown = JSON.parse(await readFile(file, 'utf8'));
    const created =
      typeof value === 'object' && value !== null ? (value as { timeCreated?: unknown }).timeCreated : undefined;
    if (typeof created === 'string') return created;
  } catch {
    // First start: recorded below.
  }
  const timeCreated = now().toISOString();
  await writeFile(file, JSON.stringify({ timeCreated }));
  return timeCreated;
}
