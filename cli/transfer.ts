import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { sniffImageType } from '../functions/src/core/image';
import { type Api, ApiError, type ImageView, type RenderView } from './api';
import type { RenderFormat } from './edits';
import { progressBar } from './progress';

/*
 * The bytes of one image on their way: read and checked on disk, PUT to the bucket, waited
 * for, and saved back. Local problems become ApiErrors with a FILE.* code, so a batch reports
 * them like the service's (status 0: no HTTP status).
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const imagePath = (id: string, rest = '') => `/api/images/${encodeURIComponent(id)}${rest}`;

/** A file system error in words, naming the file (never a raw "ENOENT: …"). */
export function fileProblem(error: unknown, path: string): ApiError {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new ApiError(0, 'FILE.NOT_FOUND', `no such file: ${path}`);
    case 'EISDIR':
      return new ApiError(0, 'FILE.NOT_A_FILE', `${path} is a folder, not an image`);
    case 'EACCES':
    case 'EPERM':
      return new ApiError(0, 'FILE.UNREADABLE', `permission denied: ${path}`);
    case 'EEXIST':
      return new ApiError(0, 'FILE.EXISTS', `${path} already exists: add --force to overwrite it`);
    default:
      return new ApiError(0, 'FILE.ERROR', `${path}: ${(error as Error).message}`);
  }
}

/** The image type by the file's first bytes, as the service decides it. */
export function sniffFile(path: string): string {
  const head = Buffer.alloc(12);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  const type = sniffImageType(head);
  if (!type) throw new ApiError(0, 'FILE.NOT_AN_IMAGE', 'not a JPEG, PNG or WebP image');
  return type;
}

/** The SHA-256 of the file's content, in hex: what "already uploaded" is decided by. */
export async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function put(
  url: string,
  headers: Record<string, string>,
  path: string,
  size: number,
  stderr: (NodeJS.WritableStream & { isTTY?: boolean }) | undefined,
): Promise<void> {
  const report = stderr ? progressBar(basename(path), size, stderr) : () => undefined;
  let sent = 0;
  const counted = createReadStream(path).pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        report(sent);
        done(null, chunk);
      },
    }),
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers,
      body: Readable.toWeb(counted) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
  } catch {
    throw new ApiError(0, 'NETWORK', `cannot reach the bucket at ${new URL(url).origin}`);
  }
  if (!response.ok)
    throw new ApiError(response.status, 'STORAGE', `the bucket refused the upload (${response.status})`);
  report(size);
}

export async function waitForResult(api: Api, id: string, timeoutMs: number): Promise<ImageView> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 500; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
    const { image } = await api.call<{ image: ImageView }>('GET', imagePath(id));
    if (image.status === 'done' || image.status === 'failed') return image;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
  throw new ApiError(0, 'TIMEOUT', `still processing after ${timeoutMs / 1000} s; try: bgremove download ${id}`);
}

/** The image rendered with its saved edits in `format`, as a signed URL (docs/api.md, "Edits"). */
export async function render(api: Api, id: string, format: RenderFormat): Promise<RenderView> {
  const { render } = await api.call<{ render: RenderView }>('GET', imagePath(id, `/render?format=${format}`));
  return render;
}

/** Downloads `url` to `path`; an existing file is kept unless `overwrite` (checked as it is created). */
export async function save(url: string, path: string, overwrite: boolean, expectedBytes?: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch {
    throw new ApiError(0, 'NETWORK', `cannot reach the download URL ${new URL(url).origin}`);
  }
  if (!response.ok) throw new ApiError(response.status, 'STORAGE', `download failed (${response.status})`);
  const bytes = Buffer.from(await response.arrayBuffer());
  if (expectedBytes !== undefined && bytes.length !== expectedBytes)
    throw new ApiError(0, 'STORAGE', `download incomplete: ${bytes.length} of ${expectedBytes} bytes`);
  try {
    writeFileSync(path, bytes, { flag: overwrite ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new ApiError(0, 'FILE.NOT_FOUND', `no such folder: ${dirname(path)}`);
    throw fileProblem(error, path);
  }
}
