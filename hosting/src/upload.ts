import type { UploadTicket } from './types';

// The API's limits and its own wording (docs/api.md; UPLOAD.UNSUPPORTED_TYPE, UPLOAD.TOO_LARGE),
// checked here first so that nobody waits for a refusal the page could have predicted.
export const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
export const MAX_BYTES = 22 * 1024 * 1024;
export const TYPE_MESSAGE = 'Upload a JPEG, PNG or WebP image.';
export const SIZE_MESSAGE = 'An image can be at most 22 MB.';

/** Why this file cannot be sent, or null when it can. */
export function checkFile(file: File): string | null {
  if (!ACCEPTED_TYPES.includes(file.type)) return TYPE_MESSAGE;
  if (file.size > MAX_BYTES) return SIZE_MESSAGE;
  if (file.size === 0) return 'This file is empty. Choose another photo.';
  return null;
}

/** Pasted images arrive as "image.png"; give each a name a person can tell apart. */
export function displayName(file: File): string {
  if (file.name && file.name !== 'image.png') return file.name;
  const extension = file.type.split('/')[1] ?? 'png';
  const stamp = new Date().toTimeString().slice(0, 8).replaceAll(':', '');
  return `pasted-${stamp}.${extension === 'jpeg' ? 'jpg' : extension}`;
}

export class PutError extends Error {}

/**
 * PUTs the bytes to the signed URL with exactly the headers the API gave. XMLHttpRequest, not
 * fetch: only it reports upload progress. Resolves when the bucket has stored the object.
 */
export function putFile(
  ticket: UploadTicket,
  file: Blob,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // Cancelled while the ticket was being issued: send nothing.
    if (signal.aborted) return reject(new PutError('Upload cancelled.'));
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const reason = xhr.status === 403 ? 'The upload link expired or was refused.' : `HTTP ${xhr.status}.`;
      reject(new PutError(`The upload did not go through: ${reason} Try again.`));
    };
    xhr.onerror = () => reject(new PutError('The connection dropped during the upload. Try again.'));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new PutError('Upload cancelled.'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}
