import { ApiError, getRender, patchEdits, putBackground } from './api';
import { loadImage, type EditAssets } from './edit-assets';
import { editForm } from './edit-form';
import { drawPreview } from './edit-preview';
import { follow } from './download-link';
import type { EditorSession } from './editor-session';
import { formatBytes, h, icon, ICONS } from './dom';
import type { MaskEdits } from './mask-edits';
import type { Edits, RenderFormat } from './types';

const FORMAT_NAMES: Record<RenderFormat, string> = { png: 'PNG', jpg: 'JPEG', webp: 'WebP', mask: 'Mask PNG' };
const BACKGROUND_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BACKGROUND_BYTES = 22 * 1024 * 1024;
// Long enough to let a colour picker or a slider settle, short enough to feel saved at once.
const SAVE_DELAY_MS = 600;

/** The fields of `next` that differ from `saved`, less those that cannot be sent yet. */
function changes(next: Edits, saved: Edits, skip: string[]): Partial<Edits> {
  const keys = (Object.keys(next) as (keyof Edits)[]).filter(
    (key) => !skip.includes(key) && JSON.stringify(next[key]) !== JSON.stringify(saved[key]),
  );
  return Object.fromEntries(keys.map((key) => [key, next[key]])) as Partial<Edits>;
}

/**
 * The Edit tab: the controls, a preview drawn in the page, edits saved as they change
 * (PATCH …/edits, debounced, the state said in a live region) and a download of the
 * server's render of the saved edits.
 */
export function editPanel(session: EditorSession): HTMLElement {
  const id = session.image.id;
  const form = editForm();
  const canvas = h('canvas', {
    class: 'edit-canvas checkerboard',
    id: 'edit-preview',
    role: 'img',
    'aria-label': 'Preview of the edited image',
    'aria-describedby': 'edit-summary',
    hidden: true,
  });
  const loading = h('p', { class: 'muted center edit-loading' }, 'Loading the editor…');
  const summary = h('p', { class: 'hint center', id: 'edit-summary' });
  const saveStatus = h('p', { class: 'save-status', id: 'edit-save-status', role: 'status', 'aria-live': 'polite' });
  const touchNote = h(
    'p',
    { class: 'hint', hidden: true },
    'The touch-up has unsaved changes: the preview shows them, downloads use the last saved touch-up.',
  );
  const problem = h('div', { class: 'alert', role: 'alert', hidden: true });
  const download = h(
    'button',
    { type: 'button', class: 'button primary', id: 'edit-download' },
    icon(ICONS.download),
    h('span', {}, 'Download'),
  );
  const downloadStatus = h('p', { class: 'hint', id: 'edit-download-status', role: 'status' });
  const panel = h(
    'div',
    { class: 'edit-panel' },
    h('div', { class: 'edit-stage' }, loading, canvas, summary),
    h(
      'div',
      { class: 'edit-side' },
      form.element,
      touchNote,
      problem,
      h('div', { class: 'edit-actions' }, saveStatus, download),
      downloadStatus,
    ),
  );

  let saved: Edits = session.image.edits!;
  form.write(saved, Boolean(session.image.backgroundUrl));
  saveStatus.textContent = 'All changes saved';

  const showProblem = (error: unknown): void => {
    if (error instanceof ApiError && error.sessionExpired) return;
    problem.textContent = error instanceof Error ? error.message : 'Something went wrong. Try again.';
    problem.hidden = false;
  };

  // ---- Preview ----
  let loaded: { assets: EditAssets; mask: MaskEdits } | null = null;
  let uploaded: ImageBitmap | null = null;
  let backdrop: { url: string; image: HTMLImageElement | null } | null = null;
  let frame = 0;
  let draws = 0;

  /** The uploaded background: the file just sent, or the stored one (fetched once per URL). */
  const backgroundNow = (): CanvasImageSource | null => {
    if (uploaded) return uploaded;
    const url = session.image.backgroundUrl;
    if (!url) return null;
    if (backdrop?.url !== url) {
      backdrop = { url, image: null };
      const wanted = backdrop;
      void loadImage(url)
        .then((image) => {
          wanted.image = image;
          redraw();
        })
        .catch(() => undefined); // the preview goes without; the render has it
    }
    return backdrop.image;
  };

  const paint = (): void => {
    if (!loaded || panel.closest('[hidden]')) return;
    const format = form.format();
    const { edits } = form.read();
    const plan = drawPreview(canvas, { ...loaded, edits, format, background: backgroundNow() });
    summary.textContent = `Download: ${FORMAT_NAMES[format]}, ${plan.output.width} × ${plan.output.height} px`;
    canvas.dataset.draws = String((draws += 1));
  };
  const redraw = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paint();
    });
  };
  panel.addEventListener('shown', redraw);

  session.ready().then(
    (ready) => {
      loaded = ready;
      loading.hidden = true;
      canvas.hidden = false;
      ready.mask.onChange(() => {
        touchNote.hidden = !ready.mask.dirty;
        redraw();
      });
      redraw();
    },
    (error: unknown) => {
      loading.hidden = true;
      showProblem(error);
    },
  );

  // ---- Saving ----
  let timer = 0;
  let queue: Promise<boolean> = Promise.resolve(true);

  /** Sends what changed since the last save; true when nothing is left unsaved. */
  const saveNow = async (): Promise<boolean> => {
    const { edits, unsendable } = form.read();
    const diff = changes(edits, saved, unsendable);
    form.clearErrors(Object.keys(diff));
    if (unsendable.includes('background')) form.setError('background', 'Choose an image file for the background.');
    if (unsendable.includes('cropMargin')) form.setError('cropMargin', 'Enter a margin.');
    if (unsendable.includes('scale')) form.setError('scale', 'Enter the subject’s size in %.');
    const incomplete = unsendable.length > 0;
    if (Object.keys(diff).length === 0) {
      saveStatus.textContent = incomplete ? 'Not saved: complete the marked field' : 'All changes saved';
      return !incomplete;
    }
    saveStatus.textContent = 'Saving…';
    try {
      const image = await patchEdits(id, diff);
      saved = image.edits ?? { ...saved, ...diff };
      session.update(image);
      problem.hidden = true;
      saveStatus.textContent = incomplete ? 'Saved, except the marked field' : 'Saved';
      return !incomplete;
    } catch (error) {
      const unplaced = error instanceof ApiError ? form.showErrors(error.fieldErrors) : [];
      if (!(error instanceof ApiError) || error.code !== 'REQUEST.VALIDATION' || unplaced.length > 0) {
        showProblem(error);
      }
      saveStatus.textContent = 'Not saved: check the marked fields';
      return false;
    }
  };
  // One request at a time, in order; a save queued behind another finds less (or nothing) to send.
  const save = (): Promise<boolean> => (queue = queue.then(saveNow, saveNow));
  const flush = (): Promise<boolean> => {
    window.clearTimeout(timer);
    return save();
  };

  form.element.addEventListener('input', (event) => {
    redraw();
    if (event.target === form.file) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void save(), SAVE_DELAY_MS);
  });
  // Format is not an edit (it is the download's), but the preview shows it.
  form.element.addEventListener('change', redraw);

  // ---- Background upload ----
  form.file.addEventListener('change', () => {
    const file = form.file.files?.[0];
    form.file.value = '';
    if (!file) return;
    if (!BACKGROUND_TYPES.includes(file.type))
      return void form.setError('background', 'Choose a JPEG, PNG or WebP image for the background.');
    if (file.size > MAX_BACKGROUND_BYTES)
      return void form.setError('background', 'A background image can be at most 22 MB.');
    form.setError('background', null);
    saveStatus.textContent = 'Uploading the background…';
    void (async () => {
      try {
        // Saved first, so that the edits this upload answers with are the latest.
        await flush();
        const image = await putBackground(id, file);
        uploaded = await createImageBitmap(file).catch(() => null);
        saved = image.edits ?? saved;
        session.update(image);
        form.useUploadedBackground();
        form.setError('background', null);
        problem.hidden = true;
        saveStatus.textContent = 'Background uploaded and saved';
        redraw();
      } catch (error) {
        saveStatus.textContent = 'Background not uploaded';
        if (error instanceof ApiError && error.sessionExpired) return;
        const message = error instanceof Error ? error.message : 'The background could not be uploaded.';
        const detail = error instanceof ApiError ? error.fieldErrors.map((e) => e.message).join(' ') : '';
        form.setError('background', [message, detail].filter(Boolean).join(' '));
      }
    })();
  });

  // ---- Download ----
  download.addEventListener('click', () => {
    download.disabled = true;
    problem.hidden = true;
    downloadStatus.textContent = 'Preparing your download…';
    void (async () => {
      try {
        if (!(await flush())) {
          downloadStatus.textContent = 'Not downloaded: the marked fields need fixing first.';
          return;
        }
        const format = form.format();
        form.setError('format', null);
        const render = await getRender(id, format);
        follow(render.url, panel);
        downloadStatus.textContent = `Downloaded: ${FORMAT_NAMES[render.format]}, ${render.width} × ${render.height} px, ${formatBytes(render.bytes)}`;
      } catch (error) {
        downloadStatus.textContent = 'Not downloaded.';
        const unplaced = error instanceof ApiError ? form.showErrors(error.fieldErrors) : [error];
        if (unplaced.length > 0 || !(error instanceof ApiError) || error.fieldErrors.length === 0) showProblem(error);
      } finally {
        download.disabled = false;
      }
    })();
  });

  return panel;
}
