import { dirname } from 'node:path';
import { Api, ApiError } from './api';
import { sameService } from './service-url';
import type { Session } from './token-store';

/** What every command is given: the streams, the chosen service and the stored session. */
export interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readSecret(prompt: string): Promise<string>;
  sessionFile: string;
  session: Session | undefined;
  /** The service, normalised (service-url.ts). */
  api: string;
}

/** The folder of session.json and the upload records. */
export const configDir = (io: Io): string => dirname(io.sessionFile);

/** How to get a session for this service, to end a message with. */
export const loginHint = (api: string): string => `run: bgremove login --api ${api}`;

/** The session for io.api, if one is stored and has not expired. */
export function sessionFor(io: Io): Session {
  const session = io.session;
  if (!session || !sameService(session.api, io.api)) {
    const other = session ? ` (the stored session is for ${session.api})` : '';
    throw new ApiError(401, 'AUTH.NOT_SIGNED_IN', `not signed in to ${io.api}${other} — ${loginHint(io.api)}`);
  }
  const expires = Date.parse(session.expiresAt);
  if (expires <= Date.now())
    throw new ApiError(
      401,
      'AUTH.NOT_SIGNED_IN',
      `the session for ${io.api} expired at ${session.expiresAt} — ${loginHint(io.api)}`,
    );
  return session;
}

/** A client for io.api carrying the session's token: it is only ever sent to the service that issued it. */
export const authed = (io: Io): Api => new Api(io.api, sessionFor(io).token);

/** The message of an API error; a token the service no longer takes says how to get a new one. */
export const describeApiError = (error: ApiError, api: string): string =>
  error.code === 'AUTH.UNAUTHENTICATED' ? `${error.message} — ${loginHint(api)}` : error.message;
