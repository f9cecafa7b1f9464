import { byId, h } from './dom';

/** How the current batch stands; `progress` is the bytes sent, summed over files, as files. */
export interface QueueCounts {
  total: number;
  uploaded: number;
  failed: number;
  active: number;
  waiting: number;
  progress: number;
}

const panel = () => byId('upload-queue', HTMLElement);
const summary = () => byId('queue-summary', HTMLParagraphElement);
const bar = () => byId('queue-progress', HTMLProgressElement);
const skippedBox = () => byId('queue-skipped', HTMLDivElement);
const skippedList = () => byId('queue-skipped-list', HTMLUListElement);

const photos = (n: number): string => `${n} ${n === 1 ? 'photo' : 'photos'}`;
const files = (n: number): string => `${n} ${n === 1 ? 'file' : 'files'}`;

let skipped = 0;
let notes: string[] = [];

/** In words, as the live region reads it: what is moving, what waits, what went wrong. */
export function describe(counts: QueueCounts): string {
  const { total, uploaded, failed, active, waiting } = counts;
  const busy = active + waiting > 0;
  const parts = busy
    ? [`Uploading ${photos(total)}: ${uploaded} uploaded`, `${active} in progress`, `${waiting} waiting`]
    : [`${photos(uploaded)} uploaded`];
  if (failed > 0) parts.push(`${failed} failed`);
  if (skipped > 0) parts.push(`${files(skipped)} skipped`);
  return [parts.join(', '), ...notes].join('. ');
}

/** Shown while anything is queued or moving, and afterwards while there are skipped files to read. */
export function showQueue(counts: QueueCounts): void {
  const busy = counts.active + counts.waiting > 0;
  panel().hidden = !busy && skipped === 0 && notes.length === 0;
  if (panel().hidden) return;
  const text = describe(counts);
  // The region is live: writing the same words again would only repeat them to a screen reader.
  if (summary().textContent !== text) summary().textContent = text;
  bar().hidden = counts.total === 0;
  bar().value = counts.total === 0 ? 0 : (counts.uploaded + counts.failed + counts.progress) / counts.total;
  byId('queue-dismiss', HTMLButtonElement).hidden = busy;
}

/** A file left out of the batch, with why; never fatal to the others. */
export function skip(name: string, reason: string): void {
  skipped += 1;
  skippedBox().hidden = false;
  skippedList().append(h('li', {}, h('span', { class: 'queue-file' }, name), ` — ${reason}`));
}

/** Something about the batch as a whole (a folder too big to take in full). */
export function note(text: string): void {
  if (!notes.includes(text)) notes.push(text);
}

export function clearQueue(): void {
  skipped = 0;
  notes = [];
  skippedList().replaceChildren();
  skippedBox().hidden = true;
  summary().textContent = '';
  panel().hidden = true;
}
