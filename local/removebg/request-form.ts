import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';
import { apiErrors, MAX_FILE_MB, RemoveBgError } from './api-errors';

/** The request's parameters: text fields and uploaded files, by name. */
export interface RequestForm {
  fields: Record<string, string>;
  files: Record<string, Buffer>;
}

export const MAX_FILE_BYTES = MAX_FILE_MB * 1024 * 1024;
/** Room for the largest file as base64 (image_file_b64), with a data: prefix or line breaks. */
const MAX_FIELD_BYTES = Math.ceil(MAX_FILE_BYTES / 3) * 4 + 256 * 1024;
/** No form this API accepts is bigger; past this the connection is cut rather than read on. */
const MAX_BODY_BYTES = 2 * MAX_FILE_BYTES + MAX_FIELD_BYTES;

/** Too large to keep reading: answered, then the connection is closed. */
export class BodyTooLarge extends RemoveBgError {
  constructor() {
    const { status, entry } = apiErrors.fileTooLarge();
    super(status, entry);
  }
}

const malformed = (detail: string) => apiErrors.invalidParameter('invalid_request', 'Invalid request body', detail);

/**
 * Reads the body as remove.bg accepts it: multipart/form-data, application/x-www-form-urlencoded
 * or application/json. Any other type carries no parameters (and so no image).
 */
export async function readForm(req: IncomingMessage): Promise<RequestForm> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new BodyTooLarge();
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'multipart/form-data' || type === 'application/x-www-form-urlencoded') return readWithBusboy(req);
  const body = await readBody(req);
  if (type !== 'application/json') return { fields: {}, files: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw malformed('The body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw malformed('Expected a JSON object.');
  const fields: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== null) fields[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return { fields, files: {} };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(new BodyTooLarge());
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function readWithBusboy(req: IncomingMessage): Promise<RequestForm> {
  return new Promise((resolve, reject) => {
    let form: busboy.Busboy;
    try {
      // A file that reaches busboy's limit is flagged truncated, so its limit is one byte past ours.
      form = busboy({
        headers: req.headers,
        limits: { files: 4, fileSize: MAX_FILE_BYTES + 1, fields: 64, fieldSize: MAX_FIELD_BYTES, parts: 80 },
      });
    } catch {
      req.resume();
      reject(malformed('The multipart body has no boundary.'));
      return;
    }
    const fields: Record<string, string> = {};
    const files: Record<string, Buffer> = {};
    let tooLarge = false;
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.unpipe(form);
        req.pause();
        reject(new BodyTooLarge());
      }
    });
    form.on('field', (name, value, info) => {
      if (info.valueTruncated) tooLarge = true;
      else fields[name] = value;
    });
    form.on('file', (name, stream) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (stream.truncated) tooLarge = true;
        else files[name] = Buffer.concat(chunks);
      });
    });
    form.on('close', () => (tooLarge ? reject(apiErrors.fileTooLarge()) : resolve({ fields, files })));
    form.on('error', () => reject(malformed('The form body is malformed.')));
    req.pipe(form);
  });
}
