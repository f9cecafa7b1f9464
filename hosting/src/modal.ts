/**
 * Opens a <dialog> as a modal: the browser makes the rest of the page inert and closes it on
 * Escape. On top of that: Tab and Shift+Tab go round inside it, a click on the backdrop closes
 * it too, and focus goes back to what had it before, or to what was drawn in its place (a
 * gallery tile redrawn while the dialog was open), or to `fallback` when it is gone (a
 * deleted gallery card).
 */
export function openModal(dialog: HTMLDialogElement, focus: HTMLElement | null, fallback: () => HTMLElement): void {
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const redrawn = opener ? successor(opener) : () => null;
  trapFocus(dialog);
  dialog.returnValue = '';
  dialog.showModal();
  focus?.focus();
  dialog.addEventListener(
    'close',
    () => {
      if (dialog.open) return; // opened again before this close arrived: its focus stands
      // The browser gives the focus back itself when it can, and this event may come late (after
      // another dialog has opened): only focus left nowhere, or on this dialog, is moved.
      const active = document.activeElement;
      if (active && active !== document.body && !dialog.contains(active)) return;
      const target = opener?.isConnected && opener !== document.body ? opener : (redrawn() ?? fallback());
      target.focus();
    },
    { once: true },
  );
}

/**
 * Finds `element` again once it has been drawn anew: the control with the same `data-focus`
 * inside the element with the same `data-id` (the gallery's tiles are built that way).
 */
function successor(element: HTMLElement): () => HTMLElement | null {
  const id = element.closest<HTMLElement>('[data-id]')?.dataset.id;
  const kind = element.dataset.focus;
  if (!id || !kind) return () => null;
  const selector = `[data-id="${CSS.escape(id)}"] [data-focus="${CSS.escape(kind)}"]`;
  return () => document.querySelector<HTMLElement>(selector);
}

const FOCUSABLE = 'a[href], button, input, select, textarea, [tabindex]';

/**
 * The dialog's Tab stops in order: shown, enabled, not taken out with tabindex="-1", and one
 * per group of radio buttons (the checked one), as the browser's own Tab order has them.
 */
function tabStops(dialog: HTMLDialogElement): HTMLElement[] {
  const candidates = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
    (element) =>
      element.tabIndex >= 0 &&
      !(element as HTMLButtonElement).disabled &&
      !element.closest('[inert]') &&
      element.getClientRects().length > 0,
  );
  return candidates.filter((element) => {
    if (!(element instanceof HTMLInputElement) || element.type !== 'radio' || !element.name) return true;
    const group = candidates.filter(
      (other): other is HTMLInputElement =>
        other instanceof HTMLInputElement && other.type === 'radio' && other.name === element.name,
    );
    const checked = group.find((radio) => radio.checked);
    return checked ? element === checked : element === group[0];
  });
}

const trapped = new WeakSet<HTMLDialogElement>();

/**
 * A modal <dialog> leaves Tab free to walk out of the page into the browser's own controls;
 * here the last stop leads back to the first and Shift+Tab on the first to the last.
 */
function trapFocus(dialog: HTMLDialogElement): void {
  if (trapped.has(dialog)) return;
  trapped.add(dialog);
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab' || event.defaultPrevented) return;
    const stops = tabStops(dialog);
    const first = stops[0];
    const last = stops.at(-1);
    if (!first || !last) return;
    const active = document.activeElement;
    const outside = !(active instanceof Node) || !dialog.contains(active) || active === dialog;
    if (event.shiftKey && (active === first || outside)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || outside)) {
      event.preventDefault();
      first.focus();
    }
  });
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
