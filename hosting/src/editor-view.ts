import { compareView } from './compare';
import { editPanel } from './edit-panel';
import { editorSession } from './editor-session';
import { tabs } from './editor-tabs';
import { touchUpPanel } from './touch-up';
import type { Image } from './types';

/** A done image in the dialog: before/after, its edits, and the touch-up brush, one tab each. */
export function editorView(image: Image): HTMLElement {
  const session = editorSession(image);
  return tabs('image', [
    { id: 'compare', label: 'Compare', panel: () => compareView(image) },
    { id: 'edit', label: 'Edit', panel: () => editPanel(session) },
    { id: 'touch-up', label: 'Touch up', panel: () => touchUpPanel(session) },
  ]);
}
