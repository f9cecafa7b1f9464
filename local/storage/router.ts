import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientGoneError } from './body-sink';
import type { StorageContext } from './context';
import { handleJsonApi } from './json-api';
import { handleUpload } from './uploads';
import { handleXmlApi } from './xml-api';

/**
 * One server answers all three faces of GCS, told apart by path as on storage.googleapis.com:
 * /upload/storage/v1/… (JSON uploads), /storage/v1/… and /download/storage/v1/… (JSON API),
 * and everything else is the XML API at /{bucket}/{object}.
 */
export async function route(ctx: StorageContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const rawQuery = mark < 0 ? '' : url.slice(mark + 1);
  try {
    if (rawPath.startsWith('/upload/storage/v1/')) {
      await handleUpload(ctx, req, res, rawPath, new URLSearchParams(rawQuery));
    } else if (rawPath.startsWith('/storage/v1/') || rawPath.startsWith('/download/storage/v1/')) {
      await handleJsonApi(ctx, req, res, rawPath, new URLSearchParams(rawQuery));
    } else {
      await handleXmlApi(ctx, req, res, rawPath, rawQuery);
    }
  } catch (error) {
    if (error instanceof ClientGoneError) {
      res.destroy();
      return;
    }
    console.error(
      JSON.stringify({
        severity: 'ERROR',
        message: 'storage: request failed',
        method: req.method,
        path: rawPath,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = JSON.stringify({ error: { code: 500, message: 'Internal error', errors: [] } });
    res.writeHead(500, { 'Content-Type': 'application/json; charset=UTF-8', Connection: 'close' }).end(body);
    req.resume();
  }
}
