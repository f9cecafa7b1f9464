import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AppError, malformedRequest, requestTooLarge, unsupportedMediaType } from '../core/errors';
import { toProblem } from '../core/problem';
import { createLogger } from '../logger';
import { apiHeaders } from './headers';

/**
 * The Functions Framework parses bodies before our function runs, and hands its errors (bad
 * JSON, a body over its limit) to Express's default handler, which answers in HTML with a stack
 * trace outside production. There is no hook for this (functions-framework-nodejs#686), so we
 * give the Express application prototype a final handler that answers with the same
 * problem+json mapping as everything else. It must run before the framework builds its app,
 * which it does: the framework loads the function's module first.
 */
type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

function toAppError(error: unknown): AppError | undefined {
  const { type, limit } = (error ?? {}) as { type?: unknown; limit?: unknown };
  switch (type) {
    case 'entity.parse.failed':
      return malformedRequest('The body is not valid JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return malformedRequest('The body ended before its declared length.');
    case 'entity.too.large':
      return requestTooLarge(Number(limit) || 0);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType('application/json; charset=utf-8');
    default:
      return undefined;
  }
}

function answer(res: ServerResponse, error: unknown): void {
  const requestId = randomUUID();
  const mapped = toAppError(error);
  if (!mapped) createLogger().error('Request failed before the function ran', { requestId, error });
  const { status, headers, body } = toProblem(mapped ?? error, requestId);
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { ...apiHeaders(requestId), ...headers, 'Content-Type': 'application/problem+json' });
  res.end(JSON.stringify(body));
}

let installed = false;

export function installFrameworkErrorHandler(): void {
  if (installed) return;
  installed = true;
  // Resolve Express exactly as the framework does, whatever the installed layout.
  const fromFramework = createRequire(require.resolve('@google-cloud/functions-framework'));
  const proto = (fromFramework('express') as { application: { handle: Handle } }).application;
  const original = proto.handle;
  proto.handle = function handle(req, res, done) {
    original.call(
      this,
      req,
      res,
      done ?? ((error?: unknown) => (error === undefined ? res.writeHead(404).end() : answer(res, error))),
    );
  };
}
