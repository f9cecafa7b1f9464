/**
 * A dropped folder, read through the entries API (`DataTransferItem.webkitGetAsEntry()`).
 * The shapes are the parts the walk uses, and generic in the file type, so that a unit test
 * can walk plain objects under Node, where there is no DOM.
 */
export interface WalkFileEntry<F> {
  readonly isFile: true;
  readonly isDirectory: false;
  readonly name: string;
  file(success: (file: F) => void, failure?: (error: unknown) => void): void;
}

export interface WalkDirectoryEntry<F> {
  readonly isFile: false;
  readonly isDirectory: true;
  readonly name: string;
  createReader(): {
    readEntries(success: (entries: WalkEntry<F>[]) => void, failure?: (error: unknown) => void): void;
  };
}

export type WalkEntry<F> = WalkFileEntry<F> | WalkDirectoryEntry<F>;

export interface Walked<F> {
  files: F[];
  /** Names of entries that could not be read (permissions, removed while reading). */
  unreadable: string[];
  /** More was there than the limits allow: the first `maxFiles` files were taken. */
  truncated: boolean;
}

/**
 * Bounds: a folder dropped by mistake (a home directory) must not queue a hundred thousand
 * files or recurse through a symlink loop. 500 photos is far beyond one sitting's batch.
 */
export const WALK_LIMITS = { maxFiles: 500, maxDepth: 8 };

const fileOf = <F>(entry: WalkFileEntry<F>): Promise<F> =>
  new Promise((resolve, reject) => entry.file(resolve, reject));

/** One directory's entries: readEntries answers in batches (100 in Chromium) until an empty one. */
async function childrenOf<F>(entry: WalkDirectoryEntry<F>): Promise<WalkEntry<F>[]> {
  const reader = entry.createReader();
  const all: WalkEntry<F>[] = [];
  for (;;) {
    const batch = await new Promise<WalkEntry<F>[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

/**
 * Every file under the dropped entries, depth first, in name order within a folder (the order
 * a file manager shows). Hidden files (".DS_Store", "._photo.jpg") are left out silently: the
 * person never chose them, so listing them as skipped would only be noise.
 */
export async function walkEntries<F>(entries: readonly WalkEntry<F>[], limits = WALK_LIMITS): Promise<Walked<F>> {
  const result: Walked<F> = { files: [], unreadable: [], truncated: false };
  const visit = async (entry: WalkEntry<F>, depth: number): Promise<void> => {
    if (entry.name.startsWith('.')) return;
    if (result.files.length >= limits.maxFiles) {
      result.truncated = true;
      return;
    }
    try {
      if (entry.isFile) {
        result.files.push(await fileOf(entry));
        return;
      }
      if (depth >= limits.maxDepth) {
        result.truncated = true;
        return;
      }
      const children = await childrenOf(entry);
      children.sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
      for (const child of children) await visit(child, depth + 1);
    } catch {
      result.unreadable.push(entry.name);
    }
  };
  for (const entry of entries) await visit(entry, 0);
  return result;
}
