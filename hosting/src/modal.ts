/**
 * Opens a <dialog> as a modal: the browser makes the rest of the page inert and closes it on
 * Escape. On top of that: a click on the backdrop closes it too, and focus goes back to what
 * had it before (or to `fallback` when that element is gone, e.g. a deleted gallery card).
 */
export function openModal(dialog: HTMLDialogElement, focus: HTMLElement | null, fallback: () => HTMLElement): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  dialog.returnValue = '';
  dialog.showModal();
  focus?.focus();
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.open) return; // opened again before this close arrived: its focus stands
      const target = opener?.isConnected && opener !== document.body ? opener : fallback();
      target.focus();
    },
    { once: true },
  );
}

/** Backdrop clicks land on the <dialog> itself, outside its box. */
export function closeOnBackdrop(dialog: HTMLDialogElement): void {
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside =
      event.clientX >= box.left &&
      event.clientX <= box.right &&
      event.clientY >= box.top &&
      event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
}
