import { ApiError, deleteMask, putMask } from './api';
import { newCanvas, type EditAssets } from './edit-assets';
import type { EditorSession } from './editor-session';
import { h } from './dom';
import type { MaskEdits } from './mask-edits';
import { lay, newScratch, reach, trace, union, type Area, type Stroke } from './mask-strokes';
import { touchUpControls, type TouchUpControls } from './touch-up-controls';

/**
 * The Touch up tab: an erase/restore brush over the cutout. The brush draws on display-size
 * canvases (a 12 MP cutout is brushed at about 1.2 MP); the full-size mask is built from the
 * stroke list only when it is saved (PUT …/mask). Erased parts show the photo faintly, so
 * that there is something to aim at when restoring; restored parts show the photo's pixels.
 */
export function touchUpPanel(session: EditorSession): HTMLElement {
  const controls = touchUpControls();
  const loading = h('p', { class: 'muted center' }, 'Loading the editor…');
  controls.stage.prepend(loading);
  session.ready().then(
    ({ assets, mask }) => {
      loading.remove();
      attach(session, controls, assets, mask);
    },
    (error: unknown) => {
      loading.remove();
      controls.showProblem(error);
    },
  );
  return controls.panel;
}

const ARROWS: Record<string, [number, number]> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

function attach(session: EditorSession, ui: TouchUpControls, assets: EditAssets, mask: MaskEdits): void {
  const { canvas } = ui;
  const { width, height } = mask.working;
  canvas.width = width;
  canvas.height = height;
  canvas.hidden = false;
  const view = canvas.getContext('2d')!;
  const [layer, layerContext] = newCanvas(width, height);
  const [compose, composeContext] = newCanvas(width, height);
  const scratch = newScratch(width, height);
  /** The stroke being drawn, traced on `scratch` as it grows and shown over the mask until it is added. */
  let live: Stroke | null = null;
  /** What needs painting at the next frame: a region, everything, or nothing. */
  let dirty: Area | 'all' | null = null;
  let frame = 0;
  let saving = false;

  /**
   * Paints `area` of the view: the photo faintly (when asked), then the colours masked by the
   * working mask with the live stroke laid over it. A stroke repaints the few pixels around
   * its newest segment, not the picture: that keeps a 12 MP image's brush at frame rate.
   */
  const paint = (area: Area): void => {
    const { x, y, w, h } = area;
    let source = mask.working;
    if (live) {
      composeContext.clearRect(x, y, w, h);
      composeContext.drawImage(mask.working, x, y, w, h, x, y, w, h);
      lay(composeContext, scratch, live, assets.scale, 'alpha', area);
      source = compose;
    }
    view.clearRect(x, y, w, h);
    if (ui.ghost.checked && assets.original) {
      view.globalAlpha = 0.3;
      view.drawImage(assets.original, x, y, w, h, x, y, w, h);
      view.globalAlpha = 1;
    }
    // destination-in clears everything outside what it draws: clipped, it costs the area only.
    layerContext.save();
    layerContext.beginPath();
    layerContext.rect(x, y, w, h);
    layerContext.clip();
    layerContext.clearRect(x, y, w, h);
    layerContext.drawImage(assets.colour, x, y, w, h, x, y, w, h);
    layerContext.globalCompositeOperation = 'destination-in';
    layerContext.drawImage(source, x, y, w, h, x, y, w, h);
    layerContext.restore();
    view.drawImage(layer, x, y, w, h, x, y, w, h);
  };
  const whole: Area = { x: 0, y: 0, w: width, h: height };
  /** Asks for `area` (null: everything) to be painted at the next frame. */
  const redraw = (area: Area | null): void => {
    if (area && area.w <= 0) return;
    dirty = area === null || dirty === 'all' ? 'all' : dirty ? union(dirty, area) : area;
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const target = dirty === 'all' ? whole : dirty;
      dirty = null;
      if (target) paint(target);
    });
  };

  const update = (): void => {
    ui.undo.disabled = !mask.canUndo;
    ui.redo.disabled = !mask.canRedo;
    ui.save.disabled = saving || !mask.dirty;
    ui.reset.disabled = saving || !(mask.canUndo || mask.canRedo || mask.touchedUp || session.image.touchedUp);
    if (!saving) {
      ui.status.textContent = mask.dirty
        ? 'Unsaved changes'
        : mask.touchedUp
          ? 'Touch-up saved'
          : 'The model’s cutout, untouched';
    }
    canvas.dataset.version = String(mask.version);
  };
  mask.onChange((area) => {
    update();
    redraw(area);
  });
  ui.panel.addEventListener('shown', () => redraw(null));
  ui.ghost.addEventListener('change', () => redraw(null));
  update();
  paint(whole);

  // ---- Brush ----
  const rect = () => canvas.getBoundingClientRect();
  /** The slider is in screen pixels, as a brush feels; strokes are kept in cutout pixels. */
  const brushSize = (): number => (Number(ui.size.value) * assets.width) / Math.max(1, rect().width);
  /** Traces the live stroke from point `from` on and asks for the pixels it reaches. */
  const grow = (stroke: Stroke, from: number): void => {
    trace(scratch, stroke, assets.scale, 'alpha', from);
    redraw(reach(stroke, assets.scale, width, height, from));
  };
  const begin = (x: number, y: number): void => {
    scratch.context.clearRect(0, 0, width, height);
    live = { mode: ui.mode(), size: brushSize(), softness: Number(ui.softness.value) / 100, points: [x, y] };
    grow(live, 0);
  };
  const extend = (x: number, y: number): void => {
    if (!live) return;
    const [lastX = x, lastY = y] = live.points.slice(-2);
    // Points closer than a display pixel add nothing but work.
    if (Math.hypot(x - lastX, y - lastY) * assets.scale < 0.75) return;
    live.points.push(x, y);
    grow(live, live.points.length / 2 - 1);
  };
  const finish = (): void => {
    if (!live) return;
    const stroke = live;
    live = null;
    mask.add(stroke);
  };
  const toCutout = (clientX: number, clientY: number): [number, number] => {
    const box = rect();
    return [((clientX - box.left) * assets.width) / box.width, ((clientY - box.top) * assets.height) / box.height];
  };
  const showCursor = (x: number, y: number): void => {
    const box = rect();
    const scale = box.width / assets.width;
    ui.showCursor(x * scale, y * scale, brushSize() * scale);
  };

  canvas.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    begin(...toCutout(event.clientX, event.clientY));
  });
  canvas.addEventListener('pointermove', (event) => {
    const [x, y] = toCutout(event.clientX, event.clientY);
    showCursor(x, y);
    if (!live) return;
    // Coalesced events keep a fast stroke smooth: the browser merges them into one pointermove.
    const events = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    for (const each of events.length > 0 ? events : [event]) extend(...toCutout(each.clientX, each.clientY));
  });
  canvas.addEventListener('pointerup', finish);
  canvas.addEventListener('pointercancel', finish);
  canvas.addEventListener('pointerleave', () => !live && ui.hideCursor());

  // ---- Keyboard: arrows move the brush, Space or Enter starts and ends a stroke ----
  let at: [number, number] = [assets.width / 2, assets.height / 2];
  canvas.addEventListener('focus', () => showCursor(...at));
  canvas.addEventListener('blur', () => {
    finish();
    ui.hideCursor();
  });
  canvas.addEventListener('keydown', (event) => {
    const arrow = ARROWS[event.key];
    if (arrow) {
      const step = (event.shiftKey ? 0.05 : 0.01) * Math.max(assets.width, assets.height);
      at = [
        Math.min(assets.width, Math.max(0, at[0] + arrow[0] * step)),
        Math.min(assets.height, Math.max(0, at[1] + arrow[1] * step)),
      ];
      extend(...at);
    } else if (event.key === ' ' || event.key === 'Enter') {
      if (live) finish();
      else begin(...at);
    } else if (event.key === 'Escape' && live) {
      finish(); // ends the stroke; the dialog stays open
    } else if (event.key === '[' || event.key === ']') {
      ui.size.stepUp(event.key === ']' ? 5 : -5);
      ui.size.dispatchEvent(new Event('input'));
    } else if (event.key === 'e' || event.key === 'r') {
      ui.setMode(event.key === 'e' ? 'erase' : 'restore');
    } else return;
    event.preventDefault();
    showCursor(...at);
  });
  ui.panel.addEventListener('keydown', (event) => {
    if (!(event.ctrlKey || event.metaKey)) return;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) mask.undo();
    else if ((key === 'z' && event.shiftKey) || key === 'y') mask.redo();
    else return;
    event.preventDefault();
  });

  // ---- Undo, redo, reset, save ----
  ui.undo.addEventListener('click', () => mask.undo());
  ui.redo.addEventListener('click', () => mask.redo());

  const busy = async (message: string, work: () => Promise<void>): Promise<void> => {
    saving = true;
    ui.clearErrors();
    ui.status.textContent = message;
    update();
    let failed = false;
    try {
      await work();
    } catch (error) {
      failed = true;
      const unplaced =
        error instanceof ApiError ? error.fieldErrors.filter(({ message }) => !ui.setMaskError(message)) : [];
      if (!(error instanceof ApiError) || error.fieldErrors.length === 0 || unplaced.length > 0) ui.showProblem(error);
    } finally {
      saving = false;
      update();
      if (failed) ui.status.textContent = 'Not saved';
    }
  };

  ui.reset.addEventListener('click', () => {
    void busy('Going back to the model’s cutout…', async () => {
      if (session.image.touchedUp) session.update(await deleteMask(session.image.id));
      mask.resetToModel();
    });
  });
  ui.save.addEventListener('click', () => {
    void busy('Saving the touch-up…', async () => {
      const png = await mask.fullSize();
      session.update(await putMask(session.image.id, png));
      mask.markSaved();
    });
  });
}
