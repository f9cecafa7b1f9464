import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { sourceBytes } from '../local/removebg/image-source';
import { readForm } from '../local/removebg/request-form';

export interface RunningStub {
  url: string;
  apiKey: string;
  calls(): number;
  stop(): Promise<void>;
}

/**
 * A remove.bg-compatible endpoint that answers at once: it reads the request as remove.bg does
 * (image_file, or image_url fetched from loopback) and returns the input image itself, with
 * X-Width, X-Height and X-Credits-Charged. What remains of the pipeline's time is overhead.
 */
export async function startRemoveBgStub(): Promise<RunningStub> {
  const apiKey = randomBytes(24).toString('base64url');
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    void (async () => {
      if (req.headers['x-api-key'] !== apiKey) {
        res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"errors":[{"title":"Forbidden"}]}');
        return;
      }
      const bytes = await sourceBytes(await readForm(req));
      const { width, height } = await sharp(bytes).metadata();
      res.writeHead(200, {
        'Content-Type': 'image/png',
        'Content-Length': bytes.length,
        'X-Width': width ?? 0,
        'X-Height': height ?? 0,
        'X-Credits-Charged': 1,
      });
      res.end(bytes);
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ title: String(error) }] }));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    calls: () => calls,
    stop: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
