import { AppError, type ErrorCode } from './errors';

/** The media type of every error response (RFC 9457). */
export const PROBLEM_JSON = 'application/problem+json; charset=utf-8';

/** RFC 9457 problem details, with the API's `code` and optional field errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: AppError['errors'];
  requestId: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export interface ProblemReply {
  status: number;
  headers: Record<string, string>;
  body: Problem;
}

/**
 * The one mapping from an error to what the client sees. Anything that is not an AppError is
 * reported as a bare 500: its message and stack stay in the logs.
 */
export function toProblem(error: unknown, requestId: string): ProblemReply {
  const known = error instanceof AppError;
  const status = known ? error.status : 500;
  const code: ErrorCode = known ? error.code : 'INTERNAL';
  const body: Problem = {
    type: `urn:cutout:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail: known ? error.message : `Something went wrong on our side. Quote request ${requestId}.`,
    code,
    requestId,
  };
  if (known && error.errors) body.errors = error.errors;
  return { status, headers: known ? error.headers : {}, body };
}
