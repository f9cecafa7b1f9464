import { clearSession, getSession } from './session';
import type { FieldError, Image, ImageOptions, Problem, Session, UploadTicket } from './types';

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

async function call<T>(method: string, path: string, body?: unknown, auth = true): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
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
      body: body === undefined ? undefined : JSON.stringify(body),
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
