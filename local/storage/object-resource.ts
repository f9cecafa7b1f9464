import type { BucketConfig } from './storage-server';
import type { ObjectFields, StoredObject } from './object-files';
import { StorageError } from './storage-errors';

/** Protobuf varint, for etags shaped like GCS's (base64 of generation and metageneration fields). */
const varint = (value: bigint): number[] => {
  const bytes: number[] = [];
  let rest = value;
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return bytes;
};

export const objectEtag = (o: StoredObject): string =>
  Buffer.from([0x08, ...varint(BigInt(o.generation)), 0x10, ...varint(BigInt(o.metageneration))]).toString('base64');

/** The JSON API object resource; also the `data` of a finalize CloudEvent. */
export function objectResource(baseUrl: string, o: StoredObject): Record<string, unknown> {
  const path = `b/${o.bucket}/o/${encodeURIComponent(o.name)}`;
  return {
    kind: 'storage#object',
    id: `${o.bucket}/${o.name}/${o.generation}`,
    selfLink: `${baseUrl}/storage/v1/${path}`,
    mediaLink: `${baseUrl}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: o.metageneration,
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.size),
    md5Hash: o.md5Hash,
    crc32c: o.crc32c,
    etag: objectEtag(o),
    timeCreated: o.timeCreated,
    updated: o.updated,
    timeStorageClassUpdated: o.timeCreated,
    ...(o.contentDisposition !== undefined && { contentDisposition: o.contentDisposition }),
    ...(o.contentEncoding !== undefined && { contentEncoding: o.contentEncoding }),
    ...(o.contentLanguage !== undefined && { contentLanguage: o.contentLanguage }),
    ...(o.cacheControl !== undefined && { cacheControl: o.cacheControl }),
    ...(o.metadata !== undefined && Object.keys(o.metadata).length > 0 && { metadata: o.metadata }),
  };
}

export function bucketResource(baseUrl: string, bucket: BucketConfig, timeCreated: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    selfLink: `${baseUrl}/storage/v1/b/${bucket.name}`,
    id: bucket.name,
    name: bucket.name,
    projectNumber: '0',
    metageneration: '1',
    location: 'US',
    locationType: 'multi-region',
    storageClass: 'STANDARD',
    etag: 'CAE=',
    timeCreated,
    updated: timeCreated,
    ...(bucket.cors && { cors: bucket.cors }),
  };
}

const TEXT_FIELDS = [
  'contentType',
  'contentDisposition',
  'contentEncoding',
  'contentLanguage',
  'cacheControl',
] as const;

/**
 * The settable fields of a JSON object resource sent by a client (upload metadata, PATCH).
 * In `metadata`, null removes a key on update, as in GCS; values are kept as strings.
 */
export function fieldsFromJson(value: unknown, current?: ObjectFields): ObjectFields & { name?: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StorageError('invalid', 'Object metadata must be a JSON object.');
  }
  const body = value as Record<string, unknown>;
  const fields: ObjectFields & { name?: string } = {};
  if (typeof body.name === 'string') fields.name = body.name;
  for (const key of TEXT_FIELDS) {
    const text = body[key];
    if (typeof text === 'string') fields[key] = text;
  }
  if (typeof body.metadata === 'object' && body.metadata !== null) {
    const metadata: Record<string, string> = { ...current?.metadata };
    for (const [key, entry] of Object.entries(body.metadata)) {
      if (entry === null) delete metadata[key];
      else metadata[key] = typeof entry === 'string' ? entry : JSON.stringify(entry);
    }
    fields.metadata = metadata;
  }
  return fields;
}

/** GCS object-name rules: 1–1024 bytes of UTF-8, no CR or LF, not "." or "..". */
export function checkObjectName(name: string | null | undefined): string {
  if (name === null || name === undefined || name === '') throw new StorageError('required', 'Required');
  const bytes = Buffer.byteLength(name);
  if (bytes > 1024 || /[\r\n]/.test(name) || name === '.' || name === '..') {
    throw new StorageError('invalid', 'The specified object name is not valid.');
  }
  return name;
}
