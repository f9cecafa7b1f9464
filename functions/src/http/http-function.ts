import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { HttpFunction, Request, Response } from '@google-cloud/functions-framework';
import { methodNotAllowed } from '../core/errors';
import { PROBLEM_JSON, toProblem } from '../core/problem';
import type { Deps, DepsProvider } from '../deps';
import { createLogger, traceField, traceId, type Logger } from '../logger';
import { leaveFrameworkDomain } from '../framework-domain';
import { installFrameworkPatches, restoreContentType } from './framework-patches';
import { apiHeaders } from './headers';

installFrameworkPatches();

export type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface Context {
  req: Request;
  deps: Deps;
  log: Logger;
  requestId: string;
}

export interface Reply {
  status: number;
  /** Serialised to JSON; JSON bytes already made are sent as they are; a stream is piped. */
  body?: unknown;
  headers?: Record<string, string>;
}

export type Route = (ctx: Context) => Promise<Reply>;

/**
 * The one wrapper every HTTP function goes through: method dispatch (405 with Allow), a request
 * id, trace-aware JSON logs, and the single mapping from errors to problem+json.
 */
export function httpFunction(getDeps: DepsProvider, routes: Partial<Record<Method, Route>>): HttpFunction {
  const allowed = Object.keys(routes) as Method[];
  return async (req: Request, res: Response) => {
    leaveFrameworkDomain();
    const started = process.hrtime.bigint();
    const requestId = randomUUID();
    let log: Logger | undefined;
    let reply: Reply;
    restoreContentType(req);
    try {
      const deps = getDeps();
      log = deps.log.child({ requestId, ...traceField(traceId(req.headers), deps.config.projectId) });
      const route = routes[req.method as Method];
      if (!route) throw methodNotAllowed(allowed);
      reply = await route({ req, deps, log, requestId });
    } catch (error) {
      const problem = toProblem(error, requestId);
      // Without a logger the configuration itself is broken; its problems name variables, not values.
      if (problem.status >= 500) (log ?? createLogger()).error('Unhandled error', { requestId, error });
      reply = {
        status: problem.status,
        body: problem.body,
        headers: { ...problem.headers, 'Content-Type': PROBLEM_JSON },
      };
    }
    log?.info(`${req.method} ${req.path} ${reply.status}`, {
      httpRequest: {
        requestMethod: req.method,
        requestUrl: req.path,
        status: reply.status,
        latency: `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(6)}s`,
        // Gone (null) once a refused body's connection is closed: the reply must still be sent.
        remoteIp: req.socket?.remoteAddress,
      },
    });
    send(res, requestId, reply);
  };
}

/**
 * Written straight to the socket: Express's `send` would hash every body for an ETag, which
 * `Cache-Control: no-store` makes worthless, and a gallery page is tens of kilobytes.
 */
function send(res: Response, requestId: string, reply: Reply): void {
  if (reply.body instanceof Readable) {
    res.writeHead(reply.status, { ...apiHeaders(requestId), ...reply.headers });
    // Headers are gone once it flows: a failure midway can only cut the response short.
    reply.body.on('error', () => res.destroy());
    reply.body.pipe(res);
    return;
  }
  const body =
    reply.body === undefined || Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(JSON.stringify(reply.body));
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    ...apiHeaders(requestId),
    ...reply.headers,
  };
  if (body !== undefined) headers['Content-Length'] = body.length;
  res.writeHead(reply.status, headers);
  res.end(body);
}

/**
 * The caller's address. Behind N trusted proxies, the Nth entry from the right of
 * X-Forwarded-For; with none, the socket's peer. Entries further left are client-supplied.
 */
export function clientAddress(req: Request, trustedProxyHops: number): string {
  if (trustedProxyHops > 0) {
    const chain = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    const entry = chain[chain.length - trustedProxyHops];
    if (entry) return entry;
  }
  return req.socket?.remoteAddress ?? 'unknown';
}
