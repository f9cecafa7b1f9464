import { apiErrors, RemoveBgError } from './api-errors';
import { MAX_FILE_BYTES, type RequestForm } from './request-form';

/** This machine never sends traffic elsewhere: image_url may only name the loopback interface. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const FETCH_TIMEOUT_MS = 20_000;
const MAX_REDIRECTS = 3;

/** The source image's bytes from exactly one of image_file, image_file_b64 and image_url. */
export async function sourceBytes(form: RequestForm): Promise<Buffer> {
  const file = form.files.image_file;
  const b64 = form.fields.image_file_b64 || undefined;
  const url = form.fields.image_url || undefined;
  const given = [file, b64, url].filter((source) => source !== undefined).length;
  if (given === 0) throw apiErrors.missingSource();
  if (given > 1) throw apiErrors.multipleSources();
  const bytes = file ?? (b64 !== undefined ? fromBase64(b64) : await download(url ?? ''));
  if (bytes.length > MAX_FILE_BYTES) throw apiErrors.fileTooLarge();
  return bytes;
}

function fromBase64(text: string): Buffer {
  const payload = text.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) throw apiErrors.failedToRead();
  return Buffer.from(payload, 'base64');
}

/**
 * Fetches image_url itself, as remove.bg does, but only from loopback hosts, following at most
 * a few redirects (each checked the same way), within a timeout and the file-size limit.
 */
async function download(given: string): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw apiErrors.invalidImageUrl('The image_url is not a URL.');
  }
  for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw apiErrors.invalidImageUrl('Only http and https URLs are fetched.');
    }
    if (!LOOPBACK_HOSTS.has(url.hostname)) {
      throw apiErrors.invalidImageUrl('The local remove.bg only fetches from 127.0.0.1, localhost or [::1].');
    }
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch {
      throw apiErrors.failedImageDownload(given);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      url = new URL(location, url);
      continue;
    }
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw apiErrors.failedImageDownload(given);
    }
    return readCapped(response.body, given);
  }
  throw apiErrors.failedImageDownload(given);
}

async function readCapped(body: ReadableStream<Uint8Array>, given: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return Buffer.concat(chunks);
      size += value.length;
      if (size > MAX_FILE_BYTES) {
        await reader.cancel();
        throw apiErrors.fileTooLarge();
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof RemoveBgError) throw error;
    throw apiErrors.failedImageDownload(given);
  }
}
