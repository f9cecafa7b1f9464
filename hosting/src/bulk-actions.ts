import { hideAlert, showAlert } from './alerts';
import { ApiError, createArchive } from './api';
import { deleteManyWithConfirmation } from './delete-flow';
import { announce, byId } from './dom';
import { follow } from './download-link';
import { clearSelection, isSelected, setSelected } from './selection';
import type { Image } from './types';

/** docs/api.md, POST /api/archive: 1–100 ids. */
const MAX_ARCHIVE = 100;

interface Gallery {
  /** The images that can be ticked, as the gallery shows them now. */
  images(): Image[];
  alertBox(): HTMLElement;
  /** Where focus goes when the bar it was in goes away. */
  focusAfter(): HTMLElement;
}

let gallery: Gallery | undefined;
let busy = false;

const bar = () => byId('selection-bar', HTMLElement);
const selectAll = () => byId('select-all', HTMLInputElement);
const zipButton = () => byId('selection-zip', HTMLButtonElement);
const deleteButton = () => byId('selection-delete', HTMLButtonElement);
const status = () => byId('selection-status', HTMLParagraphElement);
const meter = () => byId('selection-progress', HTMLProgressElement);

const chosen = (): Image[] => (gallery?.images() ?? []).filter((image) => isSelected(image.id));
const images = (n: number): string => `${n} ${n === 1 ? 'image' : 'images'}`;

/** The bar's live region: progress and outcomes are read out as they change. */
function say(text: string): void {
  status().textContent = text;
}

/** The bar, "Select all" and the buttons follow the selection (and the gallery's contents). */
export function refreshBulkActions(): void {
  if (!gallery) return;
  const all = gallery.images();
  const picked = chosen();
  const box = selectAll();
  byId('select-all-label', HTMLLabelElement).hidden = all.length === 0;
  box.checked = all.length > 0 && picked.length === all.length;
  box.indeterminate = picked.length > 0 && picked.length < all.length;
  const wasShown = !bar().hidden;
  bar().hidden = picked.length === 0 && !busy;
  byId('selection-count', HTMLParagraphElement).textContent = `${images(picked.length)} selected`;
  zipButton().disabled = busy || picked.length === 0;
  deleteButton().disabled = busy || picked.length === 0;
  if (bar().hidden) say('');
  // The bar went away under the keyboard (its last image deleted or unticked): somewhere sensible.
  if (
    wasShown &&
    bar().hidden &&
    (bar().contains(document.activeElement) || document.activeElement === document.body)
  ) {
    gallery.focusAfter().focus();
  }
}

async function downloadZip(): Promise<void> {
  const picked = chosen();
  const ready = picked.filter((image) => image.status === 'done');
  const left = picked.length - ready.length;
  if (ready.length === 0) return say('None of the selected images has a cutout yet: there is nothing to download.');
  if (ready.length > MAX_ARCHIVE) return say(`A ZIP holds at most ${MAX_ARCHIVE} images: select fewer.`);
  busy = true;
  zipButton().setAttribute('aria-busy', 'true');
  say('Preparing the ZIP…');
  refreshBulkActions();
  try {
    const { url } = await createArchive(ready.map((image) => image.id));
    // The link is its own credential (no token): following it downloads and leaves the page be.
    follow(url, bar());
    const skipped = left > 0 ? ` (${images(left)} without a cutout yet left out)` : '';
    say(`Downloading ${images(ready.length)} as a ZIP${skipped}.`);
  } catch (error) {
    if (!(error instanceof ApiError && error.sessionExpired)) {
      say(`The ZIP could not be made: ${error instanceof Error ? error.message : 'try again.'}`);
    }
  } finally {
    busy = false;
    zipButton().removeAttribute('aria-busy');
    refreshBulkActions();
  }
}

async function deleteSelected(): Promise<void> {
  if (!gallery) return;
  const alertBox = gallery.alertBox();
  const picked = chosen();
  hideAlert(alertBox);
  busy = true;
  refreshBulkActions();
  try {
    const result = await deleteManyWithConfirmation(
      picked,
      () => deleteButton(),
      (finished, total) => {
        meter().hidden = false;
        meter().max = total;
        meter().value = finished;
        say(`Deleting… ${finished} of ${total} done.`);
      },
    );
    if (!result) return;
    const summary = `Deleted ${images(result.deleted)}.`;
    say(summary);
    announce(summary);
    if (result.failed.length > 0) {
      // What failed stays selected and on screen: the person can try those again.
      const reasons = result.failed.map(({ image, message }) => `${image.filename} (${message})`).join('; ');
      showAlert(alertBox, `${images(result.failed.length)} could not be deleted: ${reasons}`);
    }
  } finally {
    busy = false;
    meter().hidden = true;
    refreshBulkActions();
  }
}

export function initBulkActions(of: Gallery): void {
  gallery = of;
  selectAll().addEventListener('change', () => {
    setSelected(
      of.images().map((image) => image.id),
      selectAll().checked,
    );
  });
  zipButton().addEventListener('click', () => void downloadZip());
  deleteButton().addEventListener('click', () => void deleteSelected());
  byId('selection-clear', HTMLButtonElement).addEventListener('click', () => {
    clearSelection();
    selectAll().focus();
  });
  // Escape with focus in the bar lets go of the selection, as in a file manager.
  bar().addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !busy) {
      clearSelection();
      selectAll().focus();
    }
  });
  refreshBulkActions();
}
