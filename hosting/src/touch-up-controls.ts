import { ApiError } from './api';
import { h } from './dom';

/** The Touch up tab's elements; touch-up.ts gives them their behaviour. */
export interface TouchUpControls {
  panel: HTMLElement;
  stage: HTMLElement;
  canvas: HTMLCanvasElement;
  size: HTMLInputElement;
  softness: HTMLInputElement;
  ghost: HTMLInputElement;
  undo: HTMLButtonElement;
  redo: HTMLButtonElement;
  reset: HTMLButtonElement;
  save: HTMLButtonElement;
  status: HTMLElement;
  mode(): 'erase' | 'restore';
  setMode(mode: 'erase' | 'restore'): void;
  /** The brush outline, centred at (x, y) in CSS pixels of the canvas, `diameter` wide. */
  showCursor(x: number, y: number, diameter: number): void;
  hideCursor(): void;
  setMaskError(message: string): boolean;
  clearErrors(): void;
  showProblem(error: unknown): void;
}

const range = (id: string, min: number, max: number, value: number) =>
  h('input', { type: 'range', id, min, max, step: 1, value, 'aria-describedby': `${id}-value` });

export function touchUpControls(): TouchUpControls {
  const modes = (['erase', 'restore'] as const).map((value) =>
    h('input', { type: 'radio', name: 'touchup-mode', id: `touchup-${value}`, value, checked: value === 'erase' }),
  );
  const size = range('touchup-size', 2, 200, 40);
  const softness = range('touchup-soft', 0, 100, 30);
  const sizeOut = h('output', { id: 'touchup-size-value', for: 'touchup-size' });
  const softOut = h('output', { id: 'touchup-soft-value', for: 'touchup-soft' });
  const ghost = h('input', { type: 'checkbox', id: 'touchup-ghost', checked: true });
  const canvas = h('canvas', {
    class: 'touchup-canvas',
    id: 'touchup-canvas',
    tabindex: 0,
    role: 'application',
    'aria-roledescription': 'brush canvas',
    'aria-label': 'Touch-up brush',
    'aria-describedby': 'touchup-help',
    hidden: true,
  });
  const cursor = h('div', { class: 'brush-cursor', 'aria-hidden': 'true', hidden: true });
  const stage = h('div', { class: 'touchup-stage' }, h('div', { class: 'touchup-frame checkerboard' }, canvas, cursor));
  const button = (id: string, text: string, extra = '') =>
    h('button', { type: 'button', class: `button small ${extra}`.trim(), id, disabled: true }, text);
  const undo = button('touchup-undo', 'Undo');
  const redo = button('touchup-redo', 'Redo');
  const reset = button('touchup-reset', 'Reset to the model’s cutout', 'danger-quiet');
  const save = button('touchup-save', 'Save touch-up', 'primary');
  undo.setAttribute('aria-keyshortcuts', 'Control+Z');
  redo.setAttribute('aria-keyshortcuts', 'Control+Shift+Z Control+Y');
  const status = h('p', { class: 'save-status', id: 'touchup-status', role: 'status', 'aria-live': 'polite' });
  const maskError = h('p', { class: 'field-error', id: 'touchup-mask-error', hidden: true });
  const problem = h('div', { class: 'alert', role: 'alert', hidden: true });

  const panel = h(
    'div',
    { class: 'touchup-panel' },
    h(
      'div',
      { class: 'touchup-tools' },
      h(
        'fieldset',
        { class: 'touchup-mode' },
        h('legend', { class: 'visually-hidden' }, 'Brush'),
        h(
          'div',
          { class: 'segmented' },
          modes[0]!,
          h('label', { for: 'touchup-erase' }, 'Erase'),
          modes[1]!,
          h('label', { for: 'touchup-restore' }, 'Restore'),
        ),
      ),
      h('div', { class: 'edit-inline' }, h('label', { for: 'touchup-size' }, 'Brush size'), size, sizeOut),
      h('div', { class: 'edit-inline' }, h('label', { for: 'touchup-soft' }, 'Soft edge'), softness, softOut),
      h('div', { class: 'edit-check' }, ghost, h('label', { for: 'touchup-ghost' }, 'Show removed parts faintly')),
    ),
    stage,
    h(
      'p',
      { class: 'hint', id: 'touchup-help' },
      'Drag over the picture to paint. With the keyboard: arrow keys move the brush (Shift: further), ' +
        'Space starts and ends a stroke, [ and ] change its size, E erases, R restores, Ctrl+Z undoes.',
    ),
    maskError,
    problem,
    h('div', { class: 'touchup-actions' }, status, undo, redo, reset, save),
  );

  const sync = (): void => {
    sizeOut.value = `${size.value} px`;
    softOut.value = `${softness.value} %`;
  };
  size.addEventListener('input', sync);
  softness.addEventListener('input', sync);
  sync();

  return {
    panel,
    stage,
    canvas,
    size,
    softness,
    ghost,
    undo,
    redo,
    reset,
    save,
    status,
    mode: () => (modes[1]!.checked ? 'restore' : 'erase'),
    setMode(mode) {
      for (const radio of modes) radio.checked = radio.value === mode;
    },
    showCursor(x, y, diameter) {
      // Through the CSSOM: the CSP forbids style attributes, not style properties.
      cursor.style.setProperty('--x', `${x}px`);
      cursor.style.setProperty('--y', `${y}px`);
      cursor.style.setProperty('--d', `${diameter}px`);
      cursor.hidden = false;
    },
    hideCursor: () => void (cursor.hidden = true),
    setMaskError(message) {
      maskError.textContent = `Mask ${message}`;
      maskError.hidden = false;
      return true;
    },
    clearErrors() {
      maskError.hidden = true;
      problem.hidden = true;
    },
    showProblem(error) {
      if (error instanceof ApiError && error.sessionExpired) return;
      problem.textContent = error instanceof Error ? error.message : 'Something went wrong. Try again.';
      problem.hidden = false;
    },
  };
}
