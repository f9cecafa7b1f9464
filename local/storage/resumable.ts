import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClientGoneError, measureFile, receiveBody } from './body-sink';
import type { StorageContext } from './context';
import { abandonBody, readJsonBody, sendJson } from './http-util';
import type { ObjectFields, StoredObject } from './object-files';
import { checkObjectName, fieldsFromJson, objectResource } from './object-resource';
import { checkPreconditions, type Preconditions } from './preconditions';
import { StorageError } from './storage-errors';

/** A resumable upload session, persisted next to its bytes so it survives a restart. */
interface Session {
  name: string;
  fields: ObjectFields;
  preconditions: Preconditions;
  /** Set once complete: later status queries answer with the object. */
  done?: StoredObject;
}

type ContentRange = { kind: 'query'; total?: number } | { kind: 'data'; start: number; open: boolean; total?: number };

const SESSION_ID = /^[0-9a-f]{32}$/;

const sessionNotFound = (): StorageError => new StorageError('sessionNotFound', 'No such upload session.');

// A Content-Range of "bytes */T" or "bytes */*" asks for status; "bytes a-b/T", "bytes a-b/*"
// and "bytes a-*/T" or "bytes a-*/*" carry data. No header means the request carries everything.
function parseContentRange(header: string | undefined): ContentRange {
  if (header === undefined) return { kind: 'data', start: 0, open: true };
  const query = /^bytes \*\/(\d+|\*)$/.exec(header.trim());
  if (query) return { kind: 'query', total: query[1] === '*' ? undefined : Number(query[1]) };
  // The client writes an empty final chunk as `bytes N-(N-1)/N`, which for N = 0 is `0--1/0`.
  const data = /^bytes (\d+)-(\d+|-1|\*)\/(\d+|\*)$/.exec(header.trim());
  if (!data) throw new StorageError('invalid', `Invalid Content-Range: ${header}`);
  return {
    kind: 'data',
    start: Number(data[1]),
    open: data[2] === '*',
    total: data[3] === '*' ? undefined : Number(data[3]),
  };
}

const paths = (ctx: StorageContext, bucket: string, id: string): { meta: string; bytes: string } => {
  if (!SESSION_ID.test(id)) throw sessionNotFound();
  const dir = ctx.files.uploadsDir(bucket);
  return { meta: join(dir, `${id}.json`), bytes: join(dir, `${id}.bin`) };
};

const isSession = (value: unknown): value is Session =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as Partial<Session>).name === 'string' &&
  typeof (value as Partial<Session>).fields === 'object' &&
  typeof (value as Partial<Session>).preconditions === 'object';

async function loadSession(file: string): Promise<Session> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    throw sessionNotFound();
  }
  if (!isSession(value)) throw sessionNotFound();
  return value;
}

/** Bytes received so far; none if the file is gone (a crash right after completing). */
const sizeOf = async (file: string): Promise<number> => (await stat(file).catch(() => undefined))?.size ?? 0;

const incomplete = (res: ServerResponse, received: number): void => {
  const range: Record<string, string> = received > 0 ? { Range: `bytes=0-${received - 1}` } : {};
  res.writeHead(308, { ...range, 'Content-Length': '0' }).end();
};

/** `POST ?uploadType=resumable`: creates the session and answers with its URI in Location. */
export async function startResumable(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  query: URLSearchParams,
  preconditions: Preconditions,
): Promise<void> {
  const { name: bodyName, ...fields } = fieldsFromJson(await readJsonBody(req));
  const name = checkObjectName(query.get('name') ?? bodyName);
  const headerType = req.headers['x-upload-content-type'];
  if (!fields.contentType && typeof headerType === 'string' && headerType) fields.contentType = headerType;
  checkPreconditions(ctx.files.get(bucket, name), preconditions);
  const id = randomBytes(16).toString('hex');
  const { meta, bytes } = paths(ctx, bucket, id);
  await writeFile(bytes, '');
  await writeFile(meta, JSON.stringify({ name, fields, preconditions } satisfies Session));
  const location = `${ctx.baseUrl}/upload/storage/v1/b/${bucket}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
  res.writeHead(200, { Location: location, 'X-GUploader-UploadID': id, 'Content-Length': '0' }).end();
}

/**
 * `PUT` on a session URI: a chunk, or a status query. Bytes already received are kept even when
 * the request breaks off, so the client can ask where to resume and send the rest.
 */
export async function putResumable(
  ctx: StorageContext,
  req: IncomingMessage,
  res: ServerResponse,
  bucket: string,
  id: string,
): Promise<void> {
  const range = parseContentRange(req.headers['content-range']);
  const { meta, bytes } = paths(ctx, bucket, id);
  await ctx.files.lock.run(`upload\0${bucket}\0${id}`, async () => {
    const session = await loadSession(meta);
    if (session.done) {
      abandonBody(req, res);
      return sendJson(res, 200, objectResource(ctx.baseUrl, session.done));
    }
    const before = await sizeOf(bytes);
    if (range.kind === 'query') {
      abandonBody(req, res);
      if (range.total === before) return finalize(ctx, res, bucket, session, meta, bytes);
      return incomplete(res, before);
    }
    if (range.start > before) {
      throw new StorageError(
        'invalid',
        `Upload offset ${range.start} is beyond the ${before} byte(s) received so far.`,
      );
    }
    try {
      await receiveBody(req, bytes, { flags: 'a', skip: before - range.start, hash: false });
    } catch (error) {
      if (error instanceof ClientGoneError) return; // What arrived stays, for the resume.
      throw error;
    }
    const received = await sizeOf(bytes);
    if (range.total !== undefined && received > range.total) {
      await truncate(bytes, before);
      throw new StorageError('invalid', `Upload is larger than the declared ${range.total} byte(s).`);
    }
    const complete = range.total !== undefined ? received === range.total : range.open;
    if (complete) return finalize(ctx, res, bucket, session, meta, bytes);
    incomplete(res, received);
  });
}

async function finalize(
  ctx: StorageContext,
  res: ServerResponse,
  bucket: string,
  session: Session,
  meta: string,
  bytes: string,
): Promise<void> {
  const written = await measureFile(bytes);
  let object: StoredObject;
  try {
    object = await ctx.files.commit(bucket, session.name, bytes, written, session.fields, session.preconditions);
  } catch (error) {
    if (error instanceof StorageError) await Promise.all([rm(meta, { force: true }), rm(bytes, { force: true })]);
    throw error;
  }
  ctx.finalized(object);
  await writeFile(meta, JSON.stringify({ ...session, done: object } satisfies Session));
  sendJson(res, 200, objectResource(ctx.baseUrl, object));
}

/** `DELETE` on a session URI cancels it; GCS answers 499. */
export async function cancelResumable(
  ctx: StorageContext,
  res: ServerResponse,
  bucket: string,
  id: string,
): Promise<void> {
  const { meta, bytes } = paths(ctx, bucket, id);
  await ctx.files.lock.run(`upload\0${bucket}\0${id}`, async () => {
    await loadSession(meta);
    await Promise.all([rm(meta, { force: true }), rm(bytes, { force: true })]);
    res.writeHead(499, { 'Content-Length': '0' }).end();
  });
}
