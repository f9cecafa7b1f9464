import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CorsRule } from './storage-server';

const originMatches = (rule: CorsRule, origin: string): boolean =>
  rule.origin.some((allowed) => allowed === '*' || allowed === origin);

const methodMatches = (rule: CorsRule, method: string): boolean =>
  rule.method.some((allowed) => allowed === '*' || allowed.toUpperCase() === method.toUpperCase());

const headerAllowed = (rule: CorsRule, header: string): boolean =>
  (rule.responseHeader ?? []).some((allowed) => allowed === '*' || allowed.toLowerCase() === header.toLowerCase());

export const isPreflight = (req: IncomingMessage): boolean =>
  req.method === 'OPTIONS' &&
  typeof req.headers.origin === 'string' &&
  typeof req.headers['access-control-request-method'] === 'string';

/**
 * A preflight, answered from the bucket's CORS rules as GCS does: the first rule whose origins,
 * methods and response headers cover the request grants it; with no such rule the answer
 * carries no Access-Control-* headers, so the browser refuses the actual request.
 */
export function answerPreflight(
  rules: readonly CorsRule[] | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const origin = req.headers.origin ?? '';
  const method = req.headers['access-control-request-method'] ?? '';
  const requested = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');
  const rule = (rules ?? []).find(
    (r) => originMatches(r, origin) && methodMatches(r, method) && requested.every((h) => headerAllowed(r, h)),
  );
  const headers: Record<string, string> = { 'Content-Length': '0', Vary: 'Origin' };
  if (rule) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Methods'] = rule.method.join(',');
    if (requested.length > 0) headers['Access-Control-Allow-Headers'] = requested.join(',');
    if (rule.maxAgeSeconds !== undefined) headers['Access-Control-Max-Age'] = String(rule.maxAgeSeconds);
  }
  res.writeHead(200, headers).end();
}

/** On an actual request from a matching origin: Allow-Origin, Vary and the exposed headers. */
export function addCorsHeaders(
  rules: readonly CorsRule[] | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const origin = req.headers.origin;
  if (!origin || !rules) return;
  const rule = rules.find((r) => originMatches(r, origin) && methodMatches(r, req.method ?? 'GET'));
  if (!rule) return;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  if (rule.responseHeader && rule.responseHeader.length > 0) {
    res.setHeader('Access-Control-Expose-Headers', rule.responseHeader.join(','));
  }
}
