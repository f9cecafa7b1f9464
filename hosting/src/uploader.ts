import { ApiError, createUpload, deleteImage } from './api';
import { announce, byId } from './dom';
import { publish, subscribe } from './image-store';
import { stop, track } from './poller';
import type { ImageOptions, SubjectType } from './types';
import { checkFile, displayName, putFile } from './upload';
import { UploadItem } from './upload-item';

const items = new Map<string, UploadItem>();
const pending = new Set<UploadItem>();

const list = () => byId('upload-list', HTMLUListElement);
const section = () => byId('uploads-section', HTMLElement);

function options(): ImageOptions {
  const type = byId('subject-type', HTMLSelectElement).value as SubjectType;
  const colour = byId('bg-colour', HTMLInputElement).checked;
  const bgColor = colour ? byId('bg-colour-value', HTMLInputElement).value.replace('#', '') : null;
  return { type, bgColor };
}

function dismiss(item: UploadItem): void {
  item.dispose();
  pending.delete(item);
  for (const [id, known] of items) if (known === item) items.delete(id);
  section().hidden = list().childElementCount === 0;
  if (section().hidden) byId('file-input', HTMLInputElement).focus();
}

async function send(file: File, name: string, chosen: ImageOptions): Promise<void> {
  const item = new UploadItem(name, file, dismiss);
  pending.add(item);
  list().prepend(item.element);
  section().hidden = false;
  const problem = checkFile(file);
  if (problem) {
    item.fail(problem);
    announce(`${name} was not uploaded: ${problem}`);
    return;
  }
  let id: string | undefined;
  try {
    const { image, upload } = await createUpload({
      filename: name,
      contentType: file.type,
      size: file.size,
      options: chosen,
    });
    id = image.id;
    items.set(id, item);
    publish({ kind: 'changed', image, fresh: true });
    announce(`Uploading ${name}.`);
    item.uploading(0);
    await putFile(upload, file, (fraction) => item.uploading(fraction), item.abort.signal);
    item.uploaded();
    track(id);
  } catch (error) {
    if (error instanceof ApiError && error.sessionExpired) return;
    if (item.abort.signal.aborted) {
      announce(`The upload of ${name} was cancelled.`);
    } else {
      const message = error instanceof Error ? error.message : 'The upload failed. Try again.';
      item.fail(message);
      announce(`${name} failed: ${message}`);
    }
    // The record waits for bytes that will never come: take it away rather than leave a ghost,
    // from the page first, so that nothing polls it while it is deleted.
    if (id) {
      items.delete(id);
      stop(id);
      publish({ kind: 'removed', id });
      void deleteImage(id).catch(() => undefined);
    }
  }
}

/** Starts every file at once; each one reports on its own. */
export function uploadFiles(files: readonly File[]): void {
  const chosen = options();
  for (const file of files) void send(file, displayName(file), chosen);
}

export function initUploader(): void {
  const input = byId('file-input', HTMLInputElement);
  input.addEventListener('change', () => {
    uploadFiles([...(input.files ?? [])]);
    input.value = ''; // the same file chosen again should upload again
  });
  const colour = byId('bg-colour-value', HTMLInputElement);
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="background"]')) {
    radio.addEventListener('change', () => (colour.disabled = !byId('bg-colour', HTMLInputElement).checked));
  }
  byId('uploads-clear', HTMLButtonElement).addEventListener('click', () => {
    for (const item of [...pending]) if (item.finished) dismiss(item);
  });
  subscribe((event) => {
    const id = event.kind === 'changed' ? event.image.id : event.id;
    const item = items.get(id);
    if (!item) return;
    if (event.kind === 'changed') {
      const before = item.phase;
      item.show(event.image);
      if (item.phase !== before && (item.phase === 'done' || item.phase === 'failed')) {
        announce(
          item.phase === 'done' ? `${item.name} is ready.` : `${item.name} failed: ${event.image.error?.message ?? ''}`,
        );
      }
    }
    if (event.kind === 'stalled') item.stalled();
    if (event.kind === 'removed') dismiss(item);
  });
}

/** Sign-out: cancel what is in flight and forget every item. */
export function resetUploader(): void {
  for (const item of [...pending]) item.dispose();
  pending.clear();
  items.clear();
  section().hidden = true;
}
