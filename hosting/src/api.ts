import { clearSession, getSession } from './session';
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
} from './types';

/** A refusal from the API (or no answer at all: status 0), with what the person should see. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fieldErrors: FieldError[];

  constructor(problem: Problem) {
    super(problem.detail ?? problem.title ?? `The request failed (HTTP ${problem.status}).`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.code = problem.code ?? 'UNKNOWN';
    this.fieldErrors = problem.errors ?? [];
  }

  /** The session ended; the page is already on its way back to sign-in, so say nothing more. */
  get sessionExpired(): boolean {
    return this.code === 'AUTH.UNAUTHENTICATED';
  }
}

let onSessionExpired: () => void = () => undefined;

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

/** A Blob body (a mask, a background photo) is sent as it is, with its own type; anything else as JSON. */
async function call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
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
  if (response.status === 401 && auth) {
    clearSession();
    onSessionExpired();
    throw new ApiError({ status: 401, code: 'AUTH.UNAUTHENTICATED' });
  }
  if (!response.ok) throw new ApiError(await readProblem(response));
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
