import { h } from './dom';
import type { Background, Edits, FieldError, RenderFormat } from './types';

/**
 * The edit controls. They hold any value a person types: the API judges the edits and its field
 * errors are shown beside the fields; the page catches only what cannot be sent (an empty box).
 */
export interface EditForm {
  element: HTMLFormElement;
  /** The edits as set (best effort for the preview), and the fields that cannot be sent as they are. */
  read(): { edits: Edits; unsendable: string[] };
  write(edits: Edits, hasBackgroundImage: boolean): void;
  format(): RenderFormat;
  /** Places API field errors (`background.color` goes by `background`); returns those with no field here. */
  showErrors(errors: FieldError[]): FieldError[];
  /** One message as it is, beside a field (`background`, `cropMargin`, …); false when there is no such field. */
  setError(field: string, message: string | null): boolean;
  /** After PUT …/background: the uploaded image is the background. */
  useUploadedBackground(): void;
  clearErrors(fields?: string[]): void;
  /** The background file input, for the panel to upload from. */
  file: HTMLInputElement;
}

/** Error slots: the first part of an API field name. */
const FIELDS = ['background', 'crop', 'cropMargin', 'scale', 'position', 'size', 'format', 'quality'] as const;
const LABELS: Record<string, string> = {
  background: 'Background',
  'background.color': 'Colour',
  'background.radius': 'Blur',
  'background.type': 'Background',
  crop: 'Crop',
  cropMargin: 'Margin',
  scale: 'Subject size',
  position: 'Position',
  size: 'Output size',
  format: 'Format',
  quality: 'Quality',
};
const BACKGROUNDS = [
  ['transparent', 'Transparent'],
  ['color', 'Colour'],
  ['blur', 'Blurred photo'],
  ['image', 'Image'],
] as const;
const SIZES: [string, string][] = [
  ['full', 'Full size'],
  ['preview', 'Preview (about 0.25 MP)'],
  ['2048', '2048 px, longest side'],
  ['1024', '1024 px, longest side'],
  ['512', '512 px, longest side'],
];
const FORMATS: [RenderFormat, string][] = [
  ['png', 'PNG'],
  ['jpg', 'JPEG'],
  ['webp', 'WebP'],
  ['mask', 'Mask (opacity, grey PNG)'],
];

const errorSlot = (field: string) => h('p', { class: 'field-error', id: `edit-${field}-error`, hidden: true });
const options = (pairs: [string, string][]) => pairs.map(([value, text]) => h('option', { value }, text));

/** A select's options plus the given value when it is not one of them (an edit made elsewhere). */
function choose(select: HTMLSelectElement, value: string, text: string): void {
  if (![...select.options].some((option) => option.value === value)) select.append(h('option', { value }, text));
  select.value = value;
}

export function editForm(): EditForm {
  const radios = BACKGROUNDS.map(([value]) =>
    h('input', { type: 'radio', name: 'edit-bg', id: `edit-bg-type-${value}`, value }),
  );
  const color = h('input', { type: 'color', id: 'edit-bg-color', value: '#ffffff' });
  const radius = h('input', { type: 'range', id: 'edit-bg-radius', min: 1, max: 100, step: 1, value: 12 });
  const radiusOut = h('output', { for: 'edit-bg-radius' });
  const file = h('input', { type: 'file', id: 'edit-bg-file', accept: 'image/jpeg,image/png,image/webp' });
  const fileNote = h('p', { class: 'hint', id: 'edit-bg-file-note' });
  const crop = h('input', { type: 'checkbox', id: 'edit-crop' });
  const margin = h('input', { type: 'number', id: 'edit-margin', min: 0, max: 500, step: 'any', inputmode: 'decimal' });
  const unit = h(
    'select',
    { id: 'edit-margin-unit', 'aria-label': 'Margin unit' },
    ...options([
      ['px', 'px'],
      ['%', '%'],
    ]),
  );
  const scaleMode = h(
    'select',
    { id: 'edit-scale-mode' },
    ...options([
      ['original', 'Original'],
      ['share', '% of canvas'],
    ]),
  );
  const scale = h('input', {
    type: 'number',
    id: 'edit-scale',
    min: 10,
    max: 100,
    step: 'any',
    'aria-label': 'Subject size, % of the canvas',
  });
  const position = h(
    'select',
    { id: 'edit-position' },
    ...options([
      ['original', 'As in the photo'],
      ['center', 'Centred'],
    ]),
  );
  const size = h('select', { id: 'edit-size' }, ...options(SIZES));
  const format = h('select', { id: 'edit-format' }, ...options(FORMATS));
  const quality = h('input', { type: 'range', id: 'edit-quality', min: 1, max: 100, step: 1, value: 90 });
  const qualityOut = h('output', { for: 'edit-quality' });

  const colorRow = h('div', { class: 'edit-inline' }, h('label', { for: 'edit-bg-color' }, 'Colour'), color);
  const blurRow = h('div', { class: 'edit-inline' }, h('label', { for: 'edit-bg-radius' }, 'Blur'), radius, radiusOut);
  const fileRow = h('div', { class: 'field' }, h('label', { for: 'edit-bg-file' }, 'Background image'), file, fileNote);

  const element = h(
    'form',
    { class: 'edit-form', novalidate: true },
    h(
      'fieldset',
      { class: 'edit-group' },
      h('legend', {}, 'Background'),
      h(
        'div',
        { class: 'segmented wrap' },
        ...radios.flatMap((radio, i) => [radio, h('label', { for: radio.id }, BACKGROUNDS[i]![1])]),
      ),
      colorRow,
      blurRow,
      fileRow,
      errorSlot('background'),
    ),
    h(
      'fieldset',
      { class: 'edit-group' },
      h('legend', {}, 'Framing'),
      h('div', { class: 'edit-check' }, crop, h('label', { for: 'edit-crop' }, 'Crop to the subject')),
      errorSlot('crop'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-margin' }, 'Margin'), margin, unit),
      errorSlot('cropMargin'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-scale-mode' }, 'Subject size'), scaleMode, scale),
      errorSlot('scale'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-position' }, 'Position'), position),
      errorSlot('position'),
    ),
    h(
      'fieldset',
      { class: 'edit-group' },
      h('legend', {}, 'Output'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-size' }, 'Size'), size),
      errorSlot('size'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-format' }, 'Format'), format),
      errorSlot('format'),
      h('div', { class: 'edit-inline' }, h('label', { for: 'edit-quality' }, 'Quality'), quality, qualityOut),
      errorSlot('quality'),
    ),
  );
  // Each control names its error slot, so that a screen reader reads the error with the field.
  const controls: Record<string, HTMLElement[]> = {
    background: [...radios, color, radius, file],
    crop: [crop],
    cropMargin: [margin, unit],
    scale: [scaleMode, scale],
    position: [position],
    size: [size],
    format: [format],
    quality: [quality],
  };
  for (const [field, list] of Object.entries(controls))
    for (const control of list) control.setAttribute('aria-describedby', `edit-${field}-error`);

  let hasBackgroundImage = false;
  /** What was last written, for a box left empty: it keeps its value rather than becoming 0. */
  let written: Edits | null = null;
  const backgroundType = () => radios.find((radio) => radio.checked)?.value ?? 'transparent';

  /** Shows only the controls that apply: a colour for a colour background, a margin when cropping… */
  const sync = (): void => {
    const type = backgroundType();
    colorRow.hidden = type !== 'color';
    blurRow.hidden = type !== 'blur';
    fileRow.hidden = type !== 'image';
    fileNote.textContent = hasBackgroundImage
      ? 'Your uploaded image is the background. Choose another file to replace it.'
      : 'Choose a JPEG, PNG or WebP photo to put behind the subject.';
    margin.disabled = unit.disabled = !crop.checked;
    scale.disabled = scaleMode.value === 'original';
    quality.disabled = format.value !== 'jpg' && format.value !== 'webp';
    radiusOut.value = `${radius.value} px`;
    qualityOut.value = quality.value;
  };
  element.addEventListener('input', sync);
  element.addEventListener('change', sync);
  // Enter in a number box would submit the form: there is nothing to submit, edits save by themselves.
  element.addEventListener('submit', (event) => event.preventDefault());

  const number = (input: HTMLInputElement): number | null =>
    input.value.trim() === '' || !Number.isFinite(input.valueAsNumber) ? null : input.valueAsNumber;

  const slot = (field: string) => element.querySelector<HTMLElement>(`#edit-${field}-error`);
  const setError = (field: string, message: string | null): boolean => {
    const target = slot(field);
    if (!target) return false;
    target.textContent = message ?? '';
    target.hidden = message === null;
    for (const control of controls[field] ?? []) {
      if (message === null) control.removeAttribute('aria-invalid');
      else control.setAttribute('aria-invalid', 'true');
    }
    return true;
  };

  return {
    element,
    file,
    read() {
      const unsendable: string[] = [];
      const type = backgroundType();
      const background: Background =
        type === 'color'
          ? { type, color: color.value.replace('#', '').toLowerCase() }
          : type === 'blur'
            ? { type, radius: Number(radius.value) }
            : type === 'image'
              ? { type }
              : { type: 'transparent' };
      if (type === 'image' && !hasBackgroundImage) unsendable.push('background');
      const marginValue = number(margin);
      if (crop.checked && marginValue === null) unsendable.push('cropMargin');
      const cropMargin =
        marginValue === null ? (written?.cropMargin ?? '0') : marginValue === 0 ? '0' : `${marginValue}${unit.value}`;
      const scaleValue = number(scale);
      if (scaleMode.value !== 'original' && scaleValue === null) unsendable.push('scale');
      const sizeValue = size.value === 'full' || size.value === 'preview' ? size.value : Number(size.value);
      return {
        edits: {
          background,
          crop: crop.checked,
          cropMargin,
          scale: scaleMode.value === 'original' || scaleValue === null ? 'original' : `${scaleValue}%`,
          position: position.value,
          size: sizeValue,
          quality: Number(quality.value),
        },
        unsendable,
      };
    },
    write(edits, uploaded) {
      written = edits;
      hasBackgroundImage = uploaded;
      const background = edits.background;
      for (const radio of radios) radio.checked = radio.value === background.type;
      if (background.type === 'color') color.value = `#${background.color}`;
      if (background.type === 'blur') radius.value = String(background.radius);
      crop.checked = edits.crop;
      const marginMatch = /^(\d+(?:\.\d+)?)(px|%)$/.exec(edits.cropMargin);
      margin.value = marginMatch?.[1] ?? '0';
      unit.value = marginMatch?.[2] ?? unit.value;
      scaleMode.value = edits.scale === 'original' ? 'original' : 'share';
      scale.value = edits.scale === 'original' ? scale.value || '80' : edits.scale.replace('%', '');
      choose(position, edits.position, `At ${edits.position}`);
      choose(size, String(edits.size), `${edits.size} px, longest side`);
      quality.value = String(edits.quality);
      sync();
    },
    useUploadedBackground() {
      hasBackgroundImage = true;
      for (const radio of radios) radio.checked = radio.value === 'image';
      sync();
    },
    setError,
    format: () => format.value as RenderFormat,
    showErrors(errors) {
      return errors.filter(({ field, message }) => {
        const key = field.split('.')[0] ?? field;
        return !setError(key, `${LABELS[field] ?? LABELS[key] ?? field} ${message}`);
      });
    },
    clearErrors(fields = [...FIELDS]) {
      for (const field of fields) setError(field, null);
    },
  };
}
