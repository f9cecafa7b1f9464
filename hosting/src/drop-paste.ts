import { byId } from './dom';
import { walkEntries, type WalkEntry } from './folder-walk';

const carriesFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') ?? false;

export interface Receivers {
  files(files: File[]): void;
  /** A dropped folder, walked: its files, and what could not be taken. */
  folder(files: File[], remarks: { truncated: boolean; unreadable: string[] }): void;
}

/**
 * The entries must be asked for during the drop event itself: the DataTransfer is emptied once
 * the handler returns. A synthetic or older DataTransfer has no entries: its files are used.
 */
function droppedEntries(transfer: DataTransfer): WalkEntry<File>[] | null {
  const entries: WalkEntry<File>[] = [];
  for (const item of transfer.items) {
    if (item.kind !== 'file') continue;
    const entry = item.webkitGetAsEntry?.();
    // FileSystemEntry's isFile/isDirectory are plain booleans; the walk's types tell them apart.
    if (entry) entries.push(entry as unknown as WalkEntry<File>);
  }
  return entries.some((entry) => entry.isDirectory) ? entries : null;
}

/**
 * The whole window takes dropped files and folders while `enabled()` says so (signed in);
 * elsewhere a dropped file is ignored instead of replacing the page. Pasted images upload too.
 */
export function initDropAndPaste(enabled: () => boolean, receive: Receivers): void {
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
    const transfer = event.dataTransfer;
    if (!enabled() || !transfer) return;
    const entries = droppedEntries(transfer);
    if (!entries) return receive.files([...transfer.files]);
    void walkEntries(entries).then(({ files, truncated, unreadable }) =>
      receive.folder(files, { truncated, unreadable }),
    );
  });
  document.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (!enabled() || files.length === 0) return;
    event.preventDefault();
    receive.files(files);
  });
}
