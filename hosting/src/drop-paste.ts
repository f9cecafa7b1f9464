import { byId } from './dom';

const carriesFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;

/**
 * The whole window takes dropped files while `enabled()` says so (signed in); elsewhere a
 * dropped file is ignored instead of replacing the page. Pasted images upload too.
 */
export function initDropAndPaste(enabled: () => boolean, receive: (files: File[]) => void): void {
  const overlay = byId('drop-overlay', HTMLDivElement);
  const zone = byId('dropzone', HTMLElement);
  let depth = 0; // dragenter/leave fire for every child crossed; count them
  const show = (on: boolean) => {
    overlay.hidden = !on;
    zone.classList.toggle('dragging', on);
  };

  window.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth += 1;
    if (enabled()) show(true);
  });
  window.addEventListener('dragover', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = enabled() ? 'copy' : 'none';
  });
  window.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) show(false);
  });
  window.addEventListener('drop', (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth = 0;
    show(false);
    if (enabled()) receive([...(event.dataTransfer?.files ?? [])]);
  });
  document.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!enabled() || files.length === 0) return;
    event.preventDefault();
    receive(files);
  });
}
