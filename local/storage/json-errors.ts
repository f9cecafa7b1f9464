import type { IncomingMessage, ServerResponse } from 'node:http';
import { abandonBody, sendJson } from './http-util';
import { StorageError, type StorageErrorKind } from './storage-errors';

const STATUS: Record<StorageErrorKind, [number, string]> = {
  bucketNotFound: [404, 'notFound'],
  objectNotFound: [404, 'notFound'],
  sessionNotFound: [404, 'notFound'],
  conditionNotMet: [412, 'conditionNotMet'],
  notModified: [304, 'notModified'],
  invalid: [400, 'invalid'],
  required: [400, 'required'],
  rangeNotSatisfiable: [416, 'requestedRangeNotSatisfiable'],
  entityTooLarge: [400, 'invalid'],
  entityTooSmall: [400, 'invalid'],
};

/** Answers as the GCS JSON API does: `{ error: { code, message, errors: [...] } }`. */
export function sendJsonError(req: IncomingMessage, res: ServerResponse, error: StorageError): void {
  abandonBody(req, res);
  const [status, reason] = STATUS[error.kind];
  if (status === 304) {
    res.writeHead(304).end();
    return;
  }
  const detail: Record<string, string> = { message: error.message, domain: 'global', reason };
  if (error.kind === 'conditionNotMet') Object.assign(detail, { locationType: 'header', location: 'If-Match' });
  sendJson(res, status, { error: { code: status, message: error.message, errors: [detail] } });
}
