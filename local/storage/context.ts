import type { KeyObject } from 'node:crypto';
import type { ObjectFiles, StoredObject } from './object-files';
import type { BucketConfig } from './storage-server';

/** What every request handler of the storage server shares. */
export interface StorageContext {
  files: ObjectFiles;
  buckets: ReadonlyMap<string, BucketConfig>;
  /** Public keys of the service accounts whose V4 signatures are accepted, by email. */
  signers: ReadonlyMap<string, KeyObject>;
  now: () => Date;
  /** The server's own URL (known once it listens), for selfLink, mediaLink and session URIs. */
  baseUrl: string;
  /** Called once per completed object write, before the write is answered. */
  finalized(object: StoredObject): void;
}
