import { createReadStream, openSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import type { Edits } from '../functions/src/core/edits';
import { sniffImageType } from '../functions/src/core/image';
import { Api, ApiError, UsageError, type ImageView, type RenderView } from './api';
import { explainRefusal, renderName, type RenderFormat } from './edits';
import { progressBar } from './progress';
import { forgetSession, saveSession, type Session } from './token-store';

export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readSecret(prompt: string): Promise<string>;
  sessionFile: string;
  session: Session | undefined;
  api: string;
}

export { UsageError };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function authed(io: Io): Api {
  // The token is only ever sent to the service that issued it.
  if (!io.session || io.session.api !== io.api)
    throw new ApiError(401, 'AUTH.UNAUTHENTICATED', `not signed in to ${io.api}`);
  return new Api(io.session.api, io.session.token);
}

export async function login(io: Io, args: { email?: string }): Promise<void> {
  const email = args.email ?? (await io.readSecret('Email or username: '));
  const password = await io.readSecret('Password: ');
  const api = new Api(io.api);
  const session = await api.call<{ token: string; expiresAt: string; user: { username: string } }>(
    'POST',
    '/api/login',
    { email, password },
  );
  saveSession(io.sessionFile, {
    api: io.api,
    token: session.token,
    expiresAt: session.expiresAt,
    username: session.user.username,
  });
  io.stdout.write(`Signed in as ${session.user.username} (until ${session.expiresAt}).\n`);
}

export function logout(io: Io): void {
  forgetSession(io.sessionFile);
  io.stdout.write('Signed out.\n');
}

function sniffFile(path: string): string {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(12);
  try {
    readSync(fd, head, 0, 12, 0);
  } finally {
    closeSync(fd);
  }
  const type = sniffImageType(head);
  if (!type) throw new UsageError(`${path}: not a JPEG, PNG or WebP image`);
  return type;
}

async function put(url: string, headers: Record<string, string>, path: string, size: number, io: Io): Promise<void> {
  const report = progressBar(basename(path), size, io.stderr);
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
  const response = await fetch(url, {
    method: 'PUT',
    headers,
    body: Readable.toWeb(counted) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if (!response.ok)
    throw new ApiError(response.status, 'STORAGE', `the bucket refused the upload (${response.status})`);
  report(size);
}

async function waitForResult(api: Api, id: string, timeoutMs: number): Promise<ImageView> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 500; Date.now() < deadline; delay = Math.min(delay * 2, 4000)) {
    const { image } = await api.call<{ image: ImageView }>('GET', `/api/images/${id}`);
    if (image.status === 'done' || image.status === 'failed') return image;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
  }
  throw new ApiError(0, 'TIMEOUT', `still processing after ${timeoutMs / 1000} s; try: bgremove download ${id}`);
}

async function save(url: string, path: string, expectedBytes?: number): Promise<void> {
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
  writeFileSync(path, bytes);
}

const imagePath = (id: string, rest = '') => `/api/images/${encodeURIComponent(id)}${rest}`;

/** The image rendered with its saved edits in `format`, as a signed URL (docs/api.md, "Edits"). */
async function render(api: Api, id: string, format: RenderFormat): Promise<RenderView> {
  const { render } = await api.call<{ render: RenderView }>('GET', imagePath(id, `/render?format=${format}`));
  return render;
}

export interface UploadArgs {
  files: string[];
  type?: string;
  out?: string;
  download: boolean;
  timeoutSeconds: number;
  /** Saved with each image once its cutout is done (a PATCH of only these fields). */
  edits?: Partial<Edits>;
  /** Saves a render in this format; without it and without edits, the cutout as it came. */
  format?: RenderFormat;
}

/**
 * Each file: signed URL, PUT with progress, wait for the cutout, apply the edits if any, save
 * the render (or the plain cutout) beside the input. Returns failures.
 */
export async function upload(io: Io, args: UploadArgs): Promise<number> {
  const api = authed(io);
  let failures = 0;
  for (const path of args.files) {
    try {
      const size = statSync(path).size;
      const contentType = sniffFile(path);
      // The background is an edit now, never a remover option: the remover makes one cutout.
      const options = args.type ? { type: args.type } : {};
      const issued = await api.call<{ image: ImageView; upload: { url: string; headers: Record<string, string> } }>(
        'POST',
        '/api/upload',
        {
          filename: basename(path),
          contentType,
          size,
          options,
        },
      );
      await put(issued.upload.url, issued.upload.headers, path, size, io);
      if (!args.download) {
        io.stdout.write(`${path}\t${issued.image.id}\tuploaded\n`);
        continue;
      }
      const image = await waitForResult(api, issued.image.id, args.timeoutSeconds * 1000);
      if (image.status === 'failed' || !image.downloadUrl)
        throw new ApiError(0, image.error?.code ?? 'FAILED', image.error?.message ?? 'processing failed');
      const format = args.format ?? 'png';
      const target = join(args.out ?? dirname(path), renderName(basename(path), format));
      if (!args.edits && !args.format) {
        // Nothing to render: the cutout as the remover made it is the default render.
        await save(image.downloadUrl, target);
      } else {
        if (args.edits) {
          await api.call('PATCH', imagePath(image.id, '/edits'), args.edits).catch((error: unknown) => {
            if (!(error instanceof ApiError)) throw error;
            const refusal = explainRefusal(error);
            throw new ApiError(refusal.status, refusal.code, `${refusal.message} (the cutout is image ${image.id})`);
          });
        }
        const made = await render(api, image.id, format);
        await save(made.url, target, made.bytes);
      }
      io.stdout.write(`${path}\t${image.id}\t${target}\n`);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      failures += 1;
      io.stderr.write(`${path}: ${(error as Error).message}\n`);
    }
  }
  return failures;
}

export async function list(io: Io, args: { all: boolean }): Promise<void> {
  const api = authed(io);
  let token: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const query: string = token ? `?pageSize=100&pageToken=${encodeURIComponent(token)}` : '?pageSize=100';
    const result: { images: ImageView[]; nextPageToken: string | null } = await api.call('GET', `/api/images${query}`);
    for (const image of result.images)
      io.stdout.write(`${image.id}\t${image.status}\t${image.createdAt}\t${image.filename}\n`);
    token = result.nextPageToken;
    if (!token || !args.all) break;
  }
  if (token && !args.all) io.stderr.write('More images: add --all to list every one.\n');
}

/**
 * Saves the image rendered with its saved edits in `format`, as `out` (a file, or a folder to
 * put the default name in) or by default as the original's name with -nobg/-mask and the
 * format's extension, in the current folder.
 */
export async function download(io: Io, args: { id: string; out?: string; format: RenderFormat }): Promise<void> {
  const api = authed(io);
  const { image } = await api.call<{ image: ImageView }>('GET', imagePath(args.id));
  if (image.status !== 'done')
    throw new ApiError(0, 'NOT_READY', `the image is ${image.status}${image.error ? `: ${image.error.message}` : ''}`);
  const intoFolder = args.out !== undefined && (/[/\\]$/.test(args.out) || isFolder(args.out));
  const target =
    args.out !== undefined && !intoFolder ? args.out : join(args.out ?? '', renderName(image.filename, args.format));
  const made = await render(api, image.id, args.format);
  await save(made.url, target, made.bytes);
  io.stdout.write(`${target}\n`);
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export async function remove(io: Io, args: { id: string }): Promise<void> {
  await authed(io).call('DELETE', `/api/delete/${encodeURIComponent(args.id)}`);
  io.stdout.write(`Deleted ${args.id}.\n`);
}
