import type { IncomingMessage, ServerResponse } from 'node:http';
import { abandonBody } from './http-util';
import { StorageError, type StorageErrorKind } from './storage-errors';

const escapeXml = (text: string): string =>
  text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] ?? c);

/**
 * Answers as the GCS XML API does:
 * `<?xml version='1.0' encoding='UTF-8'?><Error><Code>…</Code><Message>…</Message>…</Error>`,
 * with any further elements (Details, StringToSign, …) in the given order.
 */
export function sendXmlError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  abandonBody(req, res);
  const elements = Object.entries(extra)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  const body = `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${escapeXml(message)}</Message>${elements}</Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml; charset=UTF-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const XML: Record<StorageErrorKind, [number, string, string]> = {
  bucketNotFound: [404, 'NoSuchBucket', 'The specified bucket does not exist.'],
  objectNotFound: [404, 'NoSuchKey', 'The specified key does not exist.'],
  sessionNotFound: [404, 'NoSuchUpload', 'The requested upload was not found.'],
  conditionNotMet: [412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold.'],
  notModified: [304, 'NotModified', 'Not Modified'],
  invalid: [400, 'InvalidArgument', 'Invalid argument.'],
  required: [400, 'InvalidArgument', 'Invalid argument.'],
  rangeNotSatisfiable: [416, 'InvalidRange', 'The requested range cannot be satisfied.'],
  entityTooLarge: [
    400,
    'EntityTooLarge',
    'Your proposed upload is larger than the maximum object size specified in your Policy Document.',
  ],
  entityTooSmall: [
    400,
    'EntityTooSmall',
    'Your proposed upload is smaller than the minimum object size specified in your Policy Document.',
  ],
};

export function sendXmlStorageError(req: IncomingMessage, res: ServerResponse, error: StorageError): void {
  const [status, code, message] = XML[error.kind];
  if (status === 304) {
    abandonBody(req, res);
    res.writeHead(304).end();
    return;
  }
  const details: Record<string, string> =
    error.kind === 'conditionNotMet' || error.message === message ? {} : { Details: error.message };
  sendXmlError(req, res, status, code, message, details);
}
