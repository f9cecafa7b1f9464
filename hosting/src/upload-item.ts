import { formatBytes, h, icon, ICONS } from './dom';

/** Where a file is on its way in, before the image's own status takes over. */
export type UploadPhase = 'waiting' | 'uploading' | 'uploaded' | 'failed';

const BADGE: Record<UploadPhase, { text: string; status: string }> = {
  waiting: { text: 'Waiting', status: 'queued' },
  uploading: { text: 'Uploading', status: 'awaiting-upload' },
  uploaded: { text: 'Uploaded', status: 'queued' },
  failed: { text: 'Failed', status: 'failed' },
};

/**
 * One file on its way, shown as a card at the top of the gallery (the same list its cutout
 * will be in): the file itself as a preview, its name, a real progress bar and its status.
 * Once the bytes are stored and the image's status moves on, the gallery puts the image's
 * own card in this one's place.
 */
export class UploadItem {
  readonly element: HTMLLIElement;
  readonly abort = new AbortController();
  phase: UploadPhase = 'waiting';
  private readonly preview: string;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLParagraphElement;
  private readonly badge: HTMLSpanElement;
  private readonly dismiss: HTMLButtonElement;

  constructor(
    readonly name: string,
    readonly file: File,
    private readonly onDismiss: (item: UploadItem) => void,
  ) {
    this.preview = URL.createObjectURL(file);
    this.progress = h('progress', { class: 'progress', max: 1, value: 0, 'aria-label': `Upload of ${name}` });
    this.status = h('p', { class: 'upload-status' }, `Waiting to upload · ${formatBytes(file.size)}`);
    this.badge = h('span', { class: 'badge' });
    // Until the bytes are in the bucket the same button cancels the upload (see dismissable).
    this.dismiss = h(
      'button',
      { type: 'button', class: 'icon-button', 'aria-label': `Cancel the upload of ${name}`, title: 'Cancel upload' },
      icon(ICONS.close),
    );
    this.dismiss.addEventListener('click', () => this.onDismiss(this));
    this.element = h(
      'li',
      { class: 'card upload' },
      h('span', { class: 'card-media upload-media' }, this.thumbnail()),
      h(
        'div',
        { class: 'card-footer' },
        h('p', { class: 'card-name', title: name }, name),
        this.progress,
        this.status,
        h('div', { class: 'card-row' }, this.badge, h('div', { class: 'card-actions' }, this.dismiss)),
      ),
    );
    this.setPhase('waiting');
  }

  /** The file itself; one the browser cannot show gets a plain icon instead. */
  private thumbnail(): HTMLElement {
    const image = h('img', { src: this.preview, alt: '', decoding: 'async', loading: 'lazy' });
    image.addEventListener('error', () => image.replaceWith(icon(ICONS.file)), { once: true });
    return image;
  }

  private setPhase(phase: UploadPhase): void {
    this.phase = phase;
    this.element.dataset.status = phase;
    this.badge.className = `badge badge-${BADGE[phase].status}`;
    this.badge.textContent = BADGE[phase].text;
  }

  /** How much of the file has been sent, 0 to 1. */
  get fraction(): number {
    return this.progress.value;
  }

  get finished(): boolean {
    return this.phase === 'uploaded' || this.phase === 'failed';
  }

  uploading(fraction: number): void {
    if (this.phase !== 'uploading') this.setPhase('uploading');
    this.progress.value = fraction;
    this.status.textContent = `Uploading… ${Math.round(fraction * 100)}%`;
  }

  /** Bytes are in the bucket; from here on the image's own status says what happens. */
  uploaded(): void {
    this.setPhase('uploaded');
    this.dismissable();
    this.progress.value = 1;
    this.status.textContent = 'Uploaded — waiting for processing to start…';
  }

  fail(message: string): void {
    this.setPhase('failed');
    this.dismissable();
    this.progress.hidden = true;
    this.status.replaceChildren(icon(ICONS.alert), h('span', {}, message));
    this.status.classList.add('upload-error');
  }

  /** Past the upload, the button only takes the card off the list. */
  private dismissable(): void {
    this.dismiss.setAttribute('aria-label', `Dismiss ${this.name}`);
    this.dismiss.title = 'Dismiss';
  }

  /** The preview is no longer shown (the image's own card took this one's place, or it was dismissed). */
  release(): void {
    URL.revokeObjectURL(this.preview);
  }

  dispose(): void {
    this.abort.abort();
    this.release();
    this.element.remove();
  }
}
