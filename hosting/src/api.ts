import { clearSession, getSession, setSession } from './session';
import type {
  Edits,
  FieldError,
  Image,
  ImageOptions,
  Problem,
  Render,
  RenderFormat,
  Session,
  UploadTicket,
  User,
} from './types';

/** A refusal from the API (or no answer at all: status 0), with what the person should see. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldError[];
  /** Seconds, from a 429's Retry-After header: how long until trying again can succeed. */
  readonly retryAfter: number | undefined;

  constructor(problem: Problem, retryAfter?: number) {
    super(problem.detail ?? problem.title ?? `The request failed (HTTP ${problem.status}).`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code ?? 'UNKNOWN';
    this.fieldErrors = problem.errors ?? [];
    this.retryAfter = retryAfter;
  }

  /** The session ended; the page is already on its way back to sign-in, so say nothing more. */
  get sessionExpired(): boolean {
    return this.code === 'AUTH.UNAUTHENTICATED';
  }
}

let onSessionExpired: () => void = () => undefined;
/** This tab's last password change, settled or not: the token it answers replaces this tab's. */
let tokenChange: Promise<unknown> = Promise.resolve();

/** Called once on any 401 to an authenticated request (main.ts sends the person to sign-in). */
export function handleSessionExpiry(handler: () => void): void {
  onSessionExpired = handler;
}

const OFFLINE: Problem = {
  status: 0,
  code: 'NETWORK',
  detail: 'Cutout could not be reached. Check your connection and try again.',
};

async function readProblem(response: Response): Promise<Problem> {
  try {
    const body = (await response.json()) as Partial<Problem>;
    return { ...body, status: response.status };
  } catch {
    return { status: response.status, detail: `Something went wrong (HTTP ${response.status}). Try again.` };
  }
}

/** Retry-After in seconds (the API never sends the HTTP-date form). */
function retryAfterSeconds(response: Response): number | undefined {
  const seconds = Number(response.headers.get('Retry-After') ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** A Blob body (a mask, a background photo) is sent as it is, with its own type; anything else as JSON. */
async function call<T>(method: string, path: string, body?: unknown, auth = true, retry = true): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  const bytes = body instanceof Blob ? body : null;
  if (body !== undefined) headers['Content-Type'] = bytes ? bytes.type : 'application/json';
  const session = getSession();
  if (auth) {
    if (!session) {
      onSessionExpired();
      throw new ApiError({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
    }
    headers.Authorization = `Bearer ${session.token}`;
  }
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: bytes ?? (body === undefined ? undefined : JSON.stringify(body)),
      credentials: 'omit',
    });
  } catch {
    throw new ApiError(OFFLINE);
  }
  const problem = response.ok ? null : await readProblem(response);
  // A wrong password typed to confirm an account change is a 401 too, but the session stands.
  if (response.status === 401 && auth && problem?.code !== 'AUTH.INVALID_CREDENTIALS') {
    // Refused because this tab's own password change retired the token it was sent with
    // (a poll that crossed it): sent again with the new one rather than signing the person out.
    await tokenChange;
    const now = getSession();
    if (retry && now && now.token !== session?.token) return call<T>(method, path, body, auth, false);
    clearSession();
    onSessionExpired();
    throw new ApiError({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
  }
  if (problem) throw new ApiError(problem, retryAfterSeconds(response));
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const register = (input: { email: string; username: string; password: string }) =>
  call<Session>('POST', '/api/register', input, false);

export const login = (input: { email: string; password: string }) => call<Session>('POST', '/api/login', input, false);

export const createUpload = (input: { filename: string; contentType: string; size: number; options: ImageOptions }) =>
  call<{ image: Image; upload: UploadTicket }>('POST', '/api/upload', input);

export const listImages = (pageToken: string | null, pageSize = 24) => {
  const query = new URLSearchParams({ pageSize: String(pageSize) });
  if (pageToken) query.set('pageToken', pageToken);
  return call<{ images: Image[]; nextPageToken: string | null }>('GET', `/api/images?${query}`);
};

export const getImage = async (id: string) =>
  (await call<{ image: Image }>('GET', `/api/images/${encodeURIComponent(id)}`)).image;

export const deleteImage = (id: string) => call<void>('DELETE', `/api/delete/${encodeURIComponent(id)}`);

const imagePath = (id: string, rest: string) => `/api/images/${encodeURIComponent(id)}/${rest}`;

export const patchEdits = async (id: string, edits: Partial<Edits>) =>
  (await call<{ image: Image }>('PATCH', imagePath(id, 'edits'), edits)).image;

export const getRender = async (id: string, format: RenderFormat) =>
  (await call<{ render: Render }>('GET', imagePath(id, `render?format=${format}`))).render;

/** `mask`: a PNG the cutout's size, white keeps and black erases (the server reads the red channel). */
export const putMask = async (id: string, mask: Blob) =>
  (await call<{ image: Image }>('PUT', imagePath(id, 'mask'), mask)).image;

export const deleteMask = async (id: string) => (await call<{ image: Image }>('DELETE', imagePath(id, 'mask'))).image;

/** The file as chosen, its Content-Type its own (the server decides by the bytes anyway). */
export const putBackground = async (id: string, file: Blob) =>
  (await call<{ image: Image }>('PUT', imagePath(id, 'background'), file)).image;

/** A failed image processed again from its stored original: it comes back `queued`. */
export const retryImage = async (id: string) =>
  (await call<{ image: Image }>('POST', imagePath(id, 'retry'), {})).image;

/** A short-lived link that downloads these images' renders as one ZIP, without the token. */
export const createArchive = (ids: readonly string[]) =>
  call<{ url: string; expiresAt: string }>('POST', '/api/archive', { ids });

/** docs/api.md, "The account". */
export const getAccount = async () => (await call<{ user: User }>('GET', '/api/account')).user;

/**
 * Every token issued before, this tab's included, stops working: the new one answered is kept
 * at once (where the old one was), and requests refused meanwhile wait for it and go again.
 */
export const changePassword = (input: { currentPassword: string; newPassword: string }): Promise<Session> => {
  const change = call<Session>('POST', '/api/account/password', input).then((session) => {
    setSession(session);
    return session;
  });
  tokenChange = change.catch(() => undefined);
  return change;
};

export const signOutEverywhere = () => call<void>('DELETE', '/api/account/sessions');

/** `username` is typed again by the person to confirm. */
export const deleteAccount = (input: { username: string; password: string }) =>
  call<void>('DELETE', '/api/account', input);
