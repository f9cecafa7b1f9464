/**
 * Which gallery images are ticked for a bulk action. Kept apart from the cards: a card is
 * drawn again whenever its image changes, and its tick must survive that.
 */
const selected = new Set<string>();
const listeners = new Set<() => void>();

const changed = (): void => {
  for (const listener of listeners) listener();
};

export const isSelected = (id: string): boolean => selected.has(id);

export function setSelected(ids: readonly string[], on: boolean): void {
  let moved = false;
  for (const id of ids) {
    if (selected.has(id) === on) continue;
    if (on) selected.add(id);
    else selected.delete(id);
    moved = true;
  }
  if (moved) changed();
}

export function clearSelection(): void {
  if (selected.size === 0) return;
  selected.clear();
  changed();
}

export function onSelectionChange(listener: () => void): void {
  listeners.add(listener);
}
