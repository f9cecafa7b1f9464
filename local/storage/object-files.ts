import { randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { dataFileName, loadBucket, metaFileName } from './disk-layout';
import { KeyedLock } from './keyed-lock';
import { checkPreconditions, type Preconditions } from './preconditions';
import { noSuchBucket, noSuchObject } from './storage-errors';

/** The settable parts of an object's metadata. */
export interface ObjectFields {
  contentType?: string;
  contentDisposition?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  cacheControl?: string;
  metadata?: Record<string, string>;
}

export interface StoredObject extends ObjectFields {
  bucket: string;
  name: string;
  generation: string;
  metageneration: string;
  contentType: string;
  size: number;
  md5Hash: string;
  crc32c: string;
  timeCreated: string;
  updated: string;
}

/** What a finished body write measured: byte count and the two hashes GCS keeps (base64). */
export interface Written {
  size: number;
  md5Hash: string;
  crc32c: string;
}

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Every bucket's objects, indexed in memory and kept on disk (see disk-layout.ts). A write
 * lands in data/ under a new generation and becomes visible when its metadata file is renamed
 * into place, under a per-object lock that also re-checks the preconditions.
 */
export class ObjectFiles {
  readonly lock = new KeyedLock();
  private readonly index = new Map<string, Map<string, StoredObject>>();
  private readonly bucketCreated = new Map<string, string>();
  private lastGeneration = 0n;

  private constructor(
    private readonly dataDir: string,
    private readonly now: () => Date,
  ) {}

  static async open(dataDir: string, buckets: readonly string[], now: () => Date): Promise<ObjectFiles> {
    const files = new ObjectFiles(dataDir, now);
    for (const bucket of buckets) {
      const loaded = await loadBucket(join(dataDir, bucket), now);
      files.index.set(bucket, loaded.objects);
      files.bucketCreated.set(bucket, loaded.timeCreated);
      if (loaded.lastGeneration > files.lastGeneration) files.lastGeneration = loaded.lastGeneration;
    }
    return files;
  }

  bucketTimeCreated(bucket: string): string {
    const created = this.bucketCreated.get(bucket);
    if (created === undefined) throw noSuchBucket();
    return created;
  }

  hasBucket(bucket: string): boolean {
    return this.index.has(bucket);
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.objects(bucket).get(name);
  }

  require(bucket: string, name: string): StoredObject {
    const object = this.get(bucket, name);
    if (!object) throw noSuchObject(bucket, name);
    return object;
  }

  /** Every object of the bucket, in GCS order (by the UTF-8 bytes of the name). */
  list(bucket: string): StoredObject[] {
    return [...this.objects(bucket).values()].sort((a, b) => byUtf8(a.name, b.name));
  }

  tempFile(bucket: string): string {
    return join(this.root(bucket), 'tmp', randomBytes(12).toString('hex'));
  }

  uploadsDir(bucket: string): string {
    return join(this.root(bucket), 'uploads');
  }

  /** Opens the bytes of the current generation; an object replaced meanwhile reads as gone. */
  async openData(object: StoredObject): Promise<FileHandle> {
    try {
      return await open(this.dataPath(object), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw noSuchObject(object.bucket, object.name);
      throw error;
    }
  }

  /**
   * Makes `source` (a complete file under this bucket) the object's new generation, if the
   * preconditions still hold at that moment. The caller removes `source` when this throws.
   */
  async commit(
    bucket: string,
    name: string,
    source: string,
    written: Written,
    fields: ObjectFields,
    preconditions: Preconditions,
  ): Promise<StoredObject> {
    return this.lock.run(this.lockKey(bucket, name), async () => {
      const current = this.get(bucket, name);
      checkPreconditions(current, preconditions);
      const stamp = this.now().toISOString();
      const object: StoredObject = {
        ...fields,
        bucket,
        name,
        generation: this.nextGeneration(),
        metageneration: '1',
        contentType: fields.contentType || 'application/octet-stream',
        ...written,
        timeCreated: stamp,
        updated: stamp,
      };
      const target = this.dataPath(object);
      await rename(source, target);
      try {
        await this.writeMeta(object);
      } catch (error) {
        await rm(target, { force: true });
        throw error;
      }
      this.objects(bucket).set(name, object);
      if (current) await rm(this.dataPath(current), { force: true });
      return object;
    });
  }

  async update(
    bucket: string,
    name: string,
    fields: ObjectFields,
    preconditions: Preconditions,
  ): Promise<StoredObject> {
    return this.lock.run(this.lockKey(bucket, name), async () => {
      const current = this.require(bucket, name);
      checkPreconditions(current, preconditions);
      const object: StoredObject = {
        ...current,
        ...fields,
        contentType: fields.contentType || current.contentType,
        metageneration: String(BigInt(current.metageneration) + 1n),
        updated: this.now().toISOString(),
      };
      await this.writeMeta(object);
      this.objects(bucket).set(name, object);
      return object;
    });
  }

  async remove(bucket: string, name: string, preconditions: Preconditions): Promise<void> {
    await this.lock.run(this.lockKey(bucket, name), async () => {
      const current = this.require(bucket, name);
      checkPreconditions(current, preconditions);
      await rm(this.metaPath(bucket, name), { force: true });
      this.objects(bucket).delete(name);
      await rm(this.dataPath(current), { force: true });
    });
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.index.get(bucket);
    if (!objects) throw noSuchBucket();
    return objects;
  }

  private root(bucket: string): string {
    if (!this.index.has(bucket)) throw noSuchBucket();
    return join(this.dataDir, bucket);
  }

  private lockKey(bucket: string, name: string): string {
    return `object\0${bucket}\0${name}`;
  }

  private metaPath(bucket: string, name: string): string {
    return join(this.root(bucket), 'meta', metaFileName(name));
  }

  private dataPath(object: StoredObject): string {
    return join(this.root(object.bucket), 'data', dataFileName(object));
  }

  private async writeMeta(object: StoredObject): Promise<void> {
    const temp = this.tempFile(object.bucket);
    await writeFile(temp, JSON.stringify(object));
    await rename(temp, this.metaPath(object.bucket, object.name));
  }

  /** Microseconds since the epoch, strictly increasing, like GCS generations. */
  private nextGeneration(): string {
    const candidate = BigInt(this.now().getTime()) * 1000n;
    this.lastGeneration = candidate > this.lastGeneration ? candidate : this.lastGeneration + 1n;
    return this.lastGeneration.toString();
  }
}
