import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { malformedRequest, requestTooLarge, unsupportedMediaType, type AppError } from '../core/errors';
import { PROBLEM_JSON, toProblem } from '../core/problem';
import { createLogger } from '../logger';
import { apiHeaders } from './headers';

/**
 * Two adjustments to what the Functions Framework does before a function runs. There is no hook
 * for either (functions-framework-nodejs#686), so they sit on the Express application prototype,
 * which the framework uses after loading the function's module:
 *
 * 1. Its body parsers read every body whole, up to 1 GB, before the function is called. HTTP
 *    functions here read bodies themselves, streaming, with each endpoint's limit, after
 *    authentication. So the content type of a request for an HTTP function is moved aside
 *    (the parsers then skip it) and restored by `restoreContentType` in the function's wrapper.
 *    CloudEvent deliveries keep the framework's parsing.
 * 2. Errors raised in the framework's own middleware would reach Express's default handler (an
 *    HTML page with a stack trace outside production); they get the problem+json mapping.
 */
type Handle = (this: unknown, req: IncomingMessage, res: ServerResponse, done?: (error?: unknown) => void) => void;

const DEFERRED = 'x-cutout-deferred-content-type';

const isCloudEvent = (req: IncomingMessage): boolean =>
  req.headers['ce-type'] !== undefined || String(req.headers['content-type']).startsWith('application/cloudevents');

/** The content type the client sent, put back for the function that reads the body itself. */
export function restoreContentType(req: IncomingMessage): void {
  const deferred = req.headers[DEFERRED];
  if (typeof deferred === 'string') req.headers['content-type'] = deferred;
  delete req.headers[DEFERRED];
}

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
  res.writeHead(status, { ...apiHeaders(requestId), ...headers, 'Content-Type': PROBLEM_JSON });
  res.end(JSON.stringify(body));
}

let installed = false;

export function installFrameworkPatches(): void {
  if (installed) return;
  installed = true;
  // Resolve Express exactly as the framework does, whatever the installed layout.
  const fromFramework = createRequire(require.resolve('@google-cloud/functions-framework'));
  const proto = (fromFramework('express') as { application: { handle: Handle } }).application;
  const original = proto.handle;
  proto.handle = function handle(req, res, done) {
    if (req.headers['content-type'] !== undefined && !isCloudEvent(req)) {
      req.headers[DEFERRED] = req.headers['content-type'];
      delete req.headers['content-type'];
    }
    original.call(
      this,
      req,
      res,
      done ?? ((error?: unknown) => (error === undefined ? res.writeHead(404).end() : answer(res, error))),
    );
  };
}
