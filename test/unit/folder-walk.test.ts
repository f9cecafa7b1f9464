import { walkEntries, type WalkEntry } from '../../hosting/src/folder-walk';

/**
 * The web page's walk over a dropped folder (DataTransferItem.webkitGetAsEntry), on plain
 * objects shaped like the browser's entries: Chromium cannot be made to drop a real folder.
 */

type Tree = { [name: string]: string | Tree | Error };

/** Entries like Chromium's: a directory answers readEntries in batches of `batch`, then []. */
function entry(name: string, node: string | Tree | Error, batch = 2): WalkEntry<string> {
  if (typeof node === 'string') {
    return { isFile: true, isDirectory: false, name, file: (success) => success(node) };
  }
  if (node instanceof Error) {
    return { isFile: true, isDirectory: false, name, file: (_success, failure) => failure?.(node) };
  }
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader() {
      const children = Object.entries(node).map(([child, value]) => entry(child, value, batch));
      let at = 0;
      return {
        readEntries(success) {
          // Asynchronous, as in the browser.
          setTimeout(() => {
            success(children.slice(at, at + batch));
            at += batch;
          }, 0);
        },
      };
    },
  };
}

describe('walkEntries', () => {
  it('finds every file in nested folders, reading each folder until it answers with nothing', async () => {
    const holiday = entry('holiday', {
      'b.jpg': 'holiday/b.jpg',
      'a.jpg': 'holiday/a.jpg',
      'notes.txt': 'holiday/notes.txt',
      day2: { 'c.png': 'holiday/day2/c.png', 'd.webp': 'holiday/day2/d.webp', deeper: { 'e.jpg': 'e' } },
    });
    const loose = entry('loose.png', 'loose.png');
    const walked = await walkEntries([holiday, loose]);
    // Name order within a folder (what a file manager shows), depth first; non-images are kept
    // for the uploader to list as skipped.
    expect(walked.files).toEqual([
      'holiday/a.jpg',
      'holiday/b.jpg',
      'holiday/day2/c.png',
      'holiday/day2/d.webp',
      'e',
      'holiday/notes.txt',
      'loose.png',
    ]);
    expect(walked).toMatchObject({ unreadable: [], truncated: false });
  });

  it('orders numbered names as numbers: photo 2 before photo 10', async () => {
    const walked = await walkEntries([entry('set', { 'photo 10.jpg': '10', 'photo 2.jpg': '2', 'photo 1.jpg': '1' })]);
    expect(walked.files).toEqual(['1', '2', '10']);
  });

  it('leaves hidden files out silently', async () => {
    const walked = await walkEntries([
      entry('shoot', { '.DS_Store': 'junk', '._a.jpg': 'resource fork', 'a.jpg': 'a', '.thumbs': { 'x.jpg': 'x' } }),
    ]);
    expect(walked.files).toEqual(['a']);
  });

  it('stops at the file limit and says the folder was cut short', async () => {
    const many: Tree = {};
    for (let i = 0; i < 30; i += 1) many[`p${String(i).padStart(2, '0')}.jpg`] = `p${i}`;
    const walked = await walkEntries([entry('many', many, 7)], { maxFiles: 10, maxDepth: 8 });
    expect(walked.files).toHaveLength(10);
    expect(walked.files[0]).toBe('p0');
    expect(walked.truncated).toBe(true);
  });

  it('does not go deeper than the depth limit', async () => {
    const walked = await walkEntries([entry('a', { '1.jpg': '1', b: { '2.jpg': '2', c: { '3.jpg': '3' } } })], {
      maxFiles: 500,
      maxDepth: 2,
    });
    expect(walked.files).toEqual(['1', '2']);
    expect(walked.truncated).toBe(true);
  });

  it('lists a file it cannot read and carries on with the rest', async () => {
    const walked = await walkEntries([
      entry('mixed', { 'bad.jpg': new Error('NotReadableError'), 'good.jpg': 'good' }),
    ]);
    expect(walked.files).toEqual(['good']);
    expect(walked.unreadable).toEqual(['bad.jpg']);
  });
});
