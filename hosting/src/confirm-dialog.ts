import { byId } from './dom';
import { closeOnBackdrop, openModal } from './modal';

const dialog = () => byId('confirm-dialog', HTMLDialogElement);

export function initConfirm(): void {
  const box = dialog();
  byId('confirm-cancel', HTMLButtonElement).addEventListener('click', () => box.close('cancel'));
  byId('confirm-delete', HTMLButtonElement).addEventListener('click', () => box.close('delete'));
  closeOnBackdrop(box);
}

/** Asks before deleting; resolves true only for an explicit "Delete". Escape or Cancel is no. */
export function confirmDelete(filename: string, fallback: () => HTMLElement): Promise<boolean> {
  const box = dialog();
  byId('confirm-title', HTMLHeadingElement).textContent = `Delete “${filename}”?`;
  byId('confirm-text', HTMLParagraphElement).textContent =
    'The original photo and its cutout will be deleted from Cutout for good. This cannot be undone.';
  // Cancel has the focus: Enter on an unexpected dialog must not destroy anything.
  openModal(box, byId('confirm-cancel', HTMLButtonElement), fallback);
  return new Promise((resolve) => {
    box.addEventListener('close', () => resolve(box.returnValue === 'delete'), { once: true });
  });
}
