import { ApiError, createUpload, deleteImage } from './api';
import { announce, byId } from './dom';
import { addUpload, claimUpload, dropUpload, unclaimUpload } from './gallery';
import { publish, subscribe } from './image-store';
import { stop, track } from './poller';
import { clearQueue, note, showQueue, skip, type QueueCounts } from './queue-panel';
import { isFinal, type ImageOptions, type SubjectType } from './types';
import { checkFile, displayName, putFile } from './upload';
import { UploadItem } from './upload-item';

/**
 * At most this many files are sent at once: a dropped folder of two hundred photos must not
 * open two hundred connections, and three keep a home uplink busy without starving the page.
 */
const AT_ONCE = 3;

/** Every item of the current batch, by state; ids once their image exists. */
const items = new Set<UploadItem>();
const waiting: UploadItem[] = [];
const active = new Set<UploadItem>();
const ids = new Map<string, UploadItem>();
const chosenOptions = new WeakMap<UploadItem, ImageOptions>();

function options(): ImageOptions {
  const type = byId('subject-type', HTMLSelectElement).value as SubjectType;
  const colour = byId('bg-colour', HTMLInputElement).checked;
  const bgColor = colour ? byId('bg-colour-value', HTMLInputElement).value.replace('#', '') : null;
  return { type, bgColor };
}

function counts(): QueueCounts {
  const all = [...items];
  return {
    total: all.length,
    uploaded: all.filter((item) => item.phase === 'uploaded').length,
    failed: all.filter((item) => item.phase === 'failed').length,
    active: active.size,
    waiting: waiting.length,
    progress: [...active].reduce((sum, item) => sum + item.fraction, 0),
  };
}

const refresh = (): void => showQueue(counts());

/** The card goes: cancelled or dismissed by the person, or its image deleted elsewhere. */
function dismiss(item: UploadItem): void {
  // Only a card the keyboard was on sends the focus somewhere; a delete elsewhere placed it already.
  const hadFocus = item.element.contains(document.activeElement);
  const queued = waiting.indexOf(item);
  if (queued >= 0) waiting.splice(queued, 1);
  item.dispose();
  dropUpload(item.element);
  items.delete(item);
  for (const [id, known] of ids) if (known === item) ids.delete(id);
  refresh();
  if (hadFocus) byId('file-input', HTMLInputElement).focus();
}

/** Next files off the queue while there is room. */
function pump(): void {
  while (active.size < AT_ONCE && waiting.length > 0) {
    const item = waiting.shift() as UploadItem;
    active.add(item);
    void send(item).finally(() => {
      active.delete(item);
      refresh();
      pump();
    });
  }
  refresh();
}

async function send(item: UploadItem): Promise<void> {
  const { name, file } = item;
  let id: string | undefined;
  try {
    item.uploading(0);
    const { image, upload } = await createUpload({
      filename: name,
      contentType: file.type,
      size: file.size,
      options: chosenOptions.get(item) ?? options(),
    });
    id = image.id;
    // Cancelled while the link was being issued: send nothing, and delete the record below.
    if (item.abort.signal.aborted) throw new Error('Upload cancelled.');
    ids.set(id, item);
    claimUpload(image, item.element);
    publish({ kind: 'changed', image });
    const moved = (fraction: number) => {
      item.uploading(fraction);
      refresh();
    };
    await putFile(upload, file, moved, item.abort.signal);
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
      ids.delete(id);
      stop(id);
      unclaimUpload(id, item.element);
      publish({ kind: 'removed', id });
      void deleteImage(id).catch(() => undefined);
    }
  }
}

/**
 * Queues every file; those the API would refuse (not a JPEG, PNG or WebP, too large, empty)
 * are listed as skipped, and never stop the others. Each accepted file gets its card at the
 * top of the gallery at once, showing "Waiting" until its turn.
 */
export function uploadFiles(files: readonly File[]): void {
  // A new batch after the last one finished: its counts start again.
  if (active.size === 0 && waiting.length === 0) {
    for (const item of [...items]) if (item.finished) items.delete(item);
    clearQueue();
  }
  const chosen = options();
  const accepted: string[] = [];
  const refused: string[] = [];
  for (const file of files) {
    const name = displayName(file);
    const problem = checkFile(file);
    if (problem) {
      skip(name, problem);
      refused.push(`${name} was not uploaded: ${problem}`);
      continue;
    }
    const item = new UploadItem(name, file, dismiss);
    chosenOptions.set(item, chosen);
    items.add(item);
    waiting.push(item);
    addUpload(item.element);
    accepted.push(name);
  }
  // One message: the page has one live region, and a second would cut the first short.
  const said = [
    accepted.length === 1 ? `Uploading ${accepted[0]}.` : '',
    accepted.length > 1 ? `${accepted.length} photos queued for upload.` : '',
    refused.length === 1 ? refused[0] : '',
    refused.length > 1 ? `${refused.length} files were skipped: see the list above your cutouts.` : '',
  ];
  if (files.length > 0) announce(said.filter(Boolean).join(' '));
  pump();
}

/** Files from a dropped folder, and what the walk had to say about it. */
export function uploadWalked(files: readonly File[], remarks: { truncated: boolean; unreadable: string[] }): void {
  if (remarks.truncated) note('Only the first 500 files of that folder were taken');
  for (const name of remarks.unreadable) skip(name, 'could not be read.');
  uploadFiles(files);
}

export function initUploader(): void {
  const input = byId('file-input', HTMLInputElement);
  input.addEventListener('change', () => {
    uploadFiles([...(input.files ?? [])]);
    input.value = ''; // the same file chosen again should upload again
  });
  // Picking a colour is choosing a colour background: the swatch is never disabled (a greyed-out
  // swatch reads as broken), it selects "Colour" when used.
  const colour = byId('bg-colour-value', HTMLInputElement);
  colour.addEventListener('input', () => (byId('bg-colour', HTMLInputElement).checked = true));
  byId('queue-dismiss', HTMLButtonElement).addEventListener('click', () => {
    for (const item of [...items]) if (item.finished) items.delete(item);
    clearQueue();
    byId('file-input', HTMLInputElement).focus();
  });
  subscribe((event) => {
    const id = event.kind === 'changed' ? event.image.id : event.id;
    const item = ids.get(id);
    if (!item) return;
    if (event.kind === 'changed' && event.image.status !== 'awaiting_upload') {
      // The gallery has put the image's own card in this one's place; the item stays only to
      // say how its image ends.
      item.release();
      if (isFinal(event.image.status)) ids.delete(id);
      if (event.image.status === 'done') announce(`${item.name} is ready.`);
      if (event.image.status === 'failed') announce(`${item.name} failed: ${event.image.error?.message ?? ''}`);
    }
    if (event.kind === 'removed') dismiss(item);
  });
}

/** Sign-out: cancel what is in flight and forget every item. */
export function resetUploader(): void {
  for (const item of [...items]) item.dispose();
  items.clear();
  waiting.length = 0;
  active.clear();
  ids.clear();
  clearQueue();
}
