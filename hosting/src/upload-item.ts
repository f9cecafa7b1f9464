import { compareView } from './compare';
import { formatBytes, h, icon, ICONS } from './dom';
import { downloadLink } from './download-link';
import { openImage } from './image-dialog';
import { badge, STATUS_LABEL } from './status';
import type { Image, ImageStatus } from './types';

type Phase = ImageStatus | 'checking' | 'uploading';

/** One file on its way: preview, name, a real progress bar, its status, then the result. */
export class UploadItem {
  readonly element: HTMLLIElement;
  readonly abort = new AbortController();
  phase: Phase = 'checking';
  private readonly preview: string;
  private readonly progress: HTMLProgressElement;
  private readonly status: HTMLParagraphElement;
  private readonly badgeSlot: HTMLSpanElement;
  private readonly result: HTMLDivElement;
  private readonly dismiss: HTMLButtonElement;

  constructor(
    readonly name: string,
    file: File,
    private readonly onDismiss: (item: UploadItem) => void,
  ) {
    this.preview = URL.createObjectURL(file);
    this.progress = h('progress', { class: 'progress', max: 1, value: 0, 'aria-label': `Upload of ${name}` });
    this.status = h('p', { class: 'upload-status' }, 'Checking…');
    this.badgeSlot = h('span', { class: 'upload-badge' });
    this.result = h('div', { class: 'upload-result' });
    // Until the bytes are in the bucket the same button cancels the upload (see dispose).
    const dismiss = h(
      'button',
      { type: 'button', class: 'icon-button', 'aria-label': `Cancel the upload of ${name}`, title: 'Cancel upload' },
      icon(ICONS.close),
    );
    dismiss.addEventListener('click', () => this.onDismiss(this));
    this.dismiss = dismiss;
    this.element = h(
      'li',
      { class: 'upload' },
      h(
        'div',
        { class: 'upload-head' },
        this.thumbnail(),
        h(
          'div',
          { class: 'upload-title' },
          h('p', { class: 'upload-name', title: name }, name),
          h('p', { class: 'muted small' }, formatBytes(file.size)),
        ),
        this.badgeSlot,
        dismiss,
      ),
      this.progress,
      this.status,
      this.result,
    );
  }

  /** The file itself, small; a file the browser cannot show gets a plain icon instead. */
  private thumbnail(): HTMLElement {
    const image = h('img', { class: 'upload-thumb', src: this.preview, alt: '' });
    image.addEventListener('error', () => image.replaceWith(h('span', { class: 'upload-thumb' }, icon(ICONS.file))), {
      once: true,
    });
    return image;
  }

  get finished(): boolean {
    return this.phase === 'done' || this.phase === 'failed';
  }

  uploading(fraction: number): void {
    if (this.phase !== 'uploading') this.badgeSlot.replaceChildren(badge('awaiting_upload'));
    this.phase = 'uploading';
    this.progress.value = fraction;
    this.status.textContent = `Uploading… ${Math.round(fraction * 100)}%`;
  }

  /** Bytes are in the bucket; from here on the image's own status says what happens. */
  uploaded(): void {
    this.dismissable();
    this.progress.value = 1;
    this.status.textContent = 'Uploaded — waiting for processing to start…';
  }

  show(image: Image): void {
    if (this.phase === 'uploading' && image.status === 'awaiting_upload') return;
    this.phase = image.status;
    this.badgeSlot.replaceChildren(badge(image.status));
    this.element.dataset.status = image.status;
    if (image.status === 'failed') return this.fail(image.error?.message ?? 'This image could not be processed.');
    if (image.status !== 'done') {
      this.status.textContent = `${STATUS_LABEL[image.status]}…`;
      return;
    }
    this.progress.hidden = true;
    this.status.textContent = 'Done — drag the slider to compare.';
    const open = h('button', { type: 'button', class: 'button ghost' }, 'Details');
    open.addEventListener('click', () => openImage(image.id, image));
    this.result.replaceChildren(
      compareView(image),
      h('div', { class: 'upload-actions' }, open, downloadLink(image, 'button primary', 'Download PNG')),
    );
  }

  fail(message: string): void {
    this.dismissable();
    this.phase = 'failed';
    this.progress.hidden = true;
    this.badgeSlot.replaceChildren(badge('failed'));
    this.element.dataset.status = 'failed';
    this.status.replaceChildren(icon(ICONS.alert), h('span', {}, message));
    this.status.classList.add('upload-error');
  }

  /** Past the upload, the button only takes the item off the list. */
  private dismissable(): void {
    this.dismiss.setAttribute('aria-label', `Dismiss ${this.name}`);
    this.dismiss.title = 'Dismiss';
  }

  stalled(): void {
    this.status.textContent = 'This is taking longer than usual. It will appear in your cutouts when it is ready.';
  }

  dispose(): void {
    this.abort.abort();
    URL.revokeObjectURL(this.preview);
    this.element.remove();
  }
}
