import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Api, ApiError, type ImageView } from './api';
import { renderName, type RenderFormat } from './edits';
import { authed, loginHint, sessionFor, type Io } from './io';
import { forgetSession, saveSession } from './token-store';
import { imagePath, render, save } from './transfer';

export { type Io } from './io';
export { upload } from './upload';

interface User {
  username: string;
  email?: string;
}

export async function login(io: Io, args: { email?: string }): Promise<void> {
  const email = args.email ?? (await io.readSecret('Email or username: '));
  const password = await io.readSecret('Password: ');
  const session = await new Api(io.api).call<{ token: string; expiresAt: string; user: User }>('POST', '/api/login', {
    email,
    password,
  });
  saveSession(io.sessionFile, {
    api: io.api,
    token: session.token,
    expiresAt: session.expiresAt,
    username: session.user.username,
  });
  io.stdout.write(`Signed in to ${io.api} as ${session.user.username} (until ${session.expiresAt}).\n`);
}

export function logout(io: Io): void {
  const was = io.session ? ` from ${io.session.api}` : '';
  forgetSession(io.sessionFile);
  io.stdout.write(`Signed out${was}.\n`);
}

/**
 * Who is signed in to the service: the account the service names for the token (GET
 * /api/account) when it answers that, else the username stored at sign-in. A token the
 * service refuses is not a session.
 */
export async function whoami(io: Io): Promise<void> {
  const session = sessionFor(io);
  let user: User = { username: session.username };
  try {
    const answer = await new Api(io.api, session.token).call<{ user?: User }>('GET', '/api/account');
    if (typeof answer.user?.username === 'string') user = answer.user;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.status === 401)
      throw new ApiError(
        401,
        'AUTH.UNAUTHENTICATED',
        `the session for ${io.api} is no longer valid (expired or signed out) — ${loginHint(io.api)}`,
      );
    // A service without /api/account, or out of reach: the stored name is still the answer.
    if (error.status === 0) io.stderr.write(`bgremove: ${error.message} (showing the stored session)\n`);
  }
  const email = user.email ? ` <${user.email}>` : '';
  io.stdout.write(`Signed in to ${io.api} as ${user.username}${email} (until ${session.expiresAt}).\n`);
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
 * format's extension, in the current folder. An existing file is kept unless `force`.
 */
export async function download(
  io: Io,
  args: { id: string; out?: string; format: RenderFormat; force: boolean },
): Promise<void> {
  const api = authed(io);
  const { image } = await api.call<{ image: ImageView }>('GET', imagePath(args.id));
  if (image.status !== 'done')
    throw new ApiError(0, 'NOT_READY', `the image is ${image.status}${image.error ? `: ${image.error.message}` : ''}`);
  const intoFolder = args.out !== undefined && (/[/\\]$/.test(args.out) || isFolder(args.out));
  const target =
    args.out !== undefined && !intoFolder ? args.out : join(args.out ?? '', renderName(image.filename, args.format));
  // Checked before the render is made, and again as the file is created (save).
  if (!args.force && existsSync(target))
    throw new ApiError(0, 'FILE.EXISTS', `${target} already exists: add --force to overwrite it`);
  const made = await render(api, image.id, args.format);
  await save(made.url, target, args.force, made.bytes);
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
