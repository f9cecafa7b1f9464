import { createReadStream, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { findRewrite, headersFor, type HostingConfig } from './hosting-config';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
};

/** Each function is a Functions Framework server; requests are handed to it as Hosting would. */
export type FunctionServers = ReadonlyMap<string, Server>;

/**
 * What Firebase Hosting does in front of the functions: static files from `public`, then the
 * rewrites from firebase.json in order (functions, or a destination file for the SPA), plus
 * the configured headers.
 */
export function createHostingServer(root: string, config: HostingConfig, functions: FunctionServers): Server {
  const publicDir = resolve(root, config.public);

  const fileFor = (path: string): string | undefined => {
    const candidate = normalize(join(publicDir, decodeURIComponent(path)));
    if (candidate !== publicDir && !candidate.startsWith(publicDir + sep)) return undefined;
    for (const file of [candidate, join(candidate, 'index.html'), `${candidate}.html`]) {
      try {
        if (statSync(file).isFile()) return file;
      } catch {
        // not this one
      }
    }
    return undefined;
  };

  const sendFile = (req: IncomingMessage, res: ServerResponse, file: string, path: string): void => {
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...headersFor(config, path),
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let file: string | undefined;
    try {
      file = fileFor(path);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (file && (req.method === 'GET' || req.method === 'HEAD')) return sendFile(req, res, file, path);
    const rewrite = findRewrite(config, path);
    if (rewrite && 'function' in rewrite) {
      const target = functions.get(rewrite.function.functionId);
      if (target) {
        target.emit('request', req, res);
        return;
      }
    } else if (rewrite && (req.method === 'GET' || req.method === 'HEAD')) {
      const destination = fileFor(rewrite.destination);
      if (destination) return sendFile(req, res, destination, path);
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n');
  });
}
