import { h } from './dom';

export interface Tab {
  id: string;
  label: string;
  /** Built the first time the tab is shown: the editor loads its pictures only when asked for. */
  panel: () => HTMLElement;
}

/**
 * Tabs as the ARIA practices describe them: one tab stop, arrow keys, Home and End move and
 * select. A panel gets a `shown` event each time it is shown, to redraw what it draws.
 */
export function tabs(prefix: string, items: Tab[]): HTMLElement {
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'View' });
  const holder = h('div', { class: 'tab-panels' });
  const buttons = items.map((item) =>
    h(
      'button',
      {
        type: 'button',
        class: 'tab',
        role: 'tab',
        id: `${prefix}-tab-${item.id}`,
        'aria-controls': `${prefix}-panel-${item.id}`,
        'aria-selected': 'false',
        tabindex: -1,
      },
      item.label,
    ),
  );
  const panels = items.map((item) =>
    h('div', {
      class: 'tab-panel',
      role: 'tabpanel',
      id: `${prefix}-panel-${item.id}`,
      'aria-labelledby': `${prefix}-tab-${item.id}`,
      hidden: true,
    }),
  );
  list.append(...buttons);
  holder.append(...panels);

  const select = (index: number, focus: boolean): void => {
    buttons.forEach((button, i) => {
      button.setAttribute('aria-selected', String(i === index));
      button.tabIndex = i === index ? 0 : -1;
      panels[i]!.hidden = i !== index;
    });
    const panel = panels[index]!;
    if (!panel.firstChild) panel.append(items[index]!.panel());
    if (focus) buttons[index]!.focus();
    panel.firstElementChild?.dispatchEvent(new Event('shown'));
  };
  buttons.forEach((button, i) => {
    button.addEventListener('click', () => select(i, false));
    button.addEventListener('keydown', (event) => {
      const last = buttons.length - 1;
      const next = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[
        event.key
      ];
      if (next === undefined) return;
      event.preventDefault();
      select(next, true);
    });
  });
  select(0, false);
  return h('div', { class: 'tabbed' }, list, holder);
}
