import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stand-ins on 127.0.0.1 for what the remover client talks to deployed: the metadata server's
 * identity endpoint and a remover that checks the Authorization header as Cloud Run would. Tests
 * never reach metadata.google.internal or 169.254.169.254.
 */

export interface Listening {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<Listening> {
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

/** An unsigned JWT with the given claims: the client reads only iat and exp. */
export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

export interface MetadataStandIn extends Listening {
  /** Each identity request: its audience and whether it carried Metadata-Flavor: Google. */
  asked: Array<{ audience: string | null; flavored: boolean }>;
  /** Every token issued, in order. */
  issued: string[];
  /** Fails the next `count` requests with this status. */
  failNext(status: number, count: number): void;
}

/** The identity endpoint: a new token for each request, living `lifetimeSeconds`. */
export async function startMetadata(lifetimeSeconds = 3600): Promise<MetadataStandIn> {
  const asked: MetadataStandIn['asked'] = [];
  const issued: string[] = [];
  let failures = { status: 0, count: 0 };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const flavored = req.headers['metadata-flavor'] === 'Google';
    if (url.pathname !== '/computeMetadata/v1/instance/service-accounts/default/identity' || !flavored) {
      res.writeHead(404).end('not found');
      return;
    }
    asked.push({ audience: url.searchParams.get('audience'), flavored });
    if (failures.count > 0) {
      failures.count -= 1;
      res.writeHead(failures.status).end('metadata unavailable');
      return;
    }
    const iat = Math.floor(Date.now() / 1000);
    const token = fakeJwt({ aud: url.searchParams.get('audience'), iat, exp: iat + lifetimeSeconds, n: issued.length });
    issued.push(token);
    res.writeHead(200, { 'content-type': 'text/html' }).end(token);
  });
  return {
    ...(await listen(server)),
    asked,
    issued,
    failNext: (status, count) => {
      failures = { status, count };
    },
  };
}

export interface RemoverStandIn extends Listening {
  /** The credential headers of each request. */
  seen: Array<{ authorization: string | undefined; apiKey: string | undefined }>;
  /** Answers the next requests with these statuses before succeeding again. */
  answerNext(...statuses: number[]): void;
}

/**
 * A remove.bg-compatible endpoint that admits a request only with `admit(req)`: 401 without
 * credentials it accepts, like Cloud Run in front of the private remover.
 */
export async function startRemover(admit: (req: IncomingMessage) => boolean): Promise<RemoverStandIn> {
  const seen: RemoverStandIn['seen'] = [];
  const queued: number[] = [];
  const server = createServer((req, res) => {
    seen.push({
      authorization: req.headers.authorization,
      apiKey: req.headers['x-api-key'] as string | undefined,
    });
    req.resume();
    req.on('end', () => {
      const status = queued.shift() ?? (admit(req) ? 200 : 401);
      if (status !== 200) {
        res.writeHead(status, { 'content-type': 'application/json' }).end('{"errors":[{"title":"refused"}]}');
        return;
      }
      const png = Buffer.from('a cutout');
      res.writeHead(200, {
        'content-type': 'image/png',
        'x-width': '4',
        'x-height': '3',
        'x-credits-charged': '0',
      });
      res.end(png);
    });
  });
  return {
    ...(await listen(server)),
    seen,
    answerNext: (...statuses) => queued.push(...statuses),
  };
}
