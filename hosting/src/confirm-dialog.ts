import { byId } from './dom';
import { closeOnBackdrop, openModal } from './modal';

const dialog = () => byId('confirm-dialog', HTMLDialogElement);

export function initConfirm(): void {
  const box = dialog();
  byId('confirm-cancel', HTMLButtonElement).addEventListener('click', () => box.close('cancel'));
  byId('confirm-delete', HTMLButtonElement).addEventListener('click', () => box.close('delete'));
  closeOnBackdrop(box);
}

/** Resolves true only for an explicit yes. Escape or Cancel is no. */
function ask(title: string, text: string, yes: string, fallback: () => HTMLElement): Promise<boolean> {
  const box = dialog();
  byId('confirm-title', HTMLHeadingElement).textContent = title;
  byId('confirm-text', HTMLParagraphElement).textContent = text;
  byId('confirm-delete', HTMLButtonElement).textContent = yes;
  // Cancel has the focus: Enter on an unexpected dialog must not destroy anything.
  openModal(box, byId('confirm-cancel', HTMLButtonElement), fallback);
  return new Promise((resolve) => {
    box.addEventListener('close', () => resolve(box.returnValue === 'delete'), { once: true });
  });
}

/** Asks before deleting one image. */
export const confirmDelete = (filename: string, fallback: () => HTMLElement): Promise<boolean> =>
  ask(
    `Delete “${filename}”?`,
    'The original photo and its cutout will be deleted from Cutout for good. This cannot be undone.',
    'Delete for good',
    fallback,
  );

/** Asks once for a whole selection: one question, not one per image. */
export const confirmDeleteMany = (count: number, fallback: () => HTMLElement): Promise<boolean> =>
  ask(
    `Delete ${count} images?`,
    `The ${count} original photos and their cutouts will be deleted from Cutout for good. This cannot be undone.`,
    `Delete all ${count}`,
    fallback,
  );
