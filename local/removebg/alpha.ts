import { fieldAt, type BackgroundField } from './background-field';
import { FOREGROUND } from './labels';

// Math's functions held locally: a global lookup per pixel is slow in a vm context (as under Jest).
const { max, min, round, sqrt } = Math;

/** Pixels within this distance of either pixel of an outline pair get fractional alpha. */
const BAND = 1;
/** Colour samples for subject and backdrop come from this far around a band pixel. */
const WINDOW = BAND + 4;
/** Alpha at least this close to 0 or 1 is snapped, so flat areas stay exactly clear or opaque. */
const SNAP = 0.04;
// Imported bindings compile to getters under CommonJS; the hot loops read this copy.
const foreground = FOREGROUND;

export interface AlphaInputs {
  rgba: Uint8Array;
  width: number;
  height: number;
  labels: Uint8Array;
  field: BackgroundField;
  tolerance: number;
}

/**
 * The RGBA result: subject pixels opaque, background clear, and a narrow band along the outline
 * matted by colour. A band pixel is modelled as a mix a·F + (1 − a)·B of the nearby subject
 * colour F and backdrop colour B (averages of the settled pixels just outside the band), `a` is
 * its projection on F − B, and its colour is unmixed back to the subject's so no backdrop tint
 * rides along onto a new background. Input alpha is kept (multiplied in).
 */
export function composeCutout(inputs: AlphaInputs): Buffer {
  const { rgba, width, height, labels } = inputs;
  const out = Buffer.alloc(width * height * 4);
  const band = new Uint8Array(width * height);
  const pixels: number[] = [];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0, i = y * width; x < width; x += 1, i += 1) {
      const fg = labels[i] === foreground;
      if (fg) {
        const p = i * 4;
        out[p] = rgba[p] as number;
        out[p + 1] = rgba[p + 1] as number;
        out[p + 2] = rgba[p + 2] as number;
        out[p + 3] = rgba[p + 3] as number;
      }
      if (x < width - 1 && fg !== (labels[i + 1] === foreground)) {
        markBand(band, pixels, width, height, x, y);
        markBand(band, pixels, width, height, x + 1, y);
      }
      if (y < height - 1 && fg !== (labels[i + width] === foreground)) {
        markBand(band, pixels, width, height, x, y);
        markBand(band, pixels, width, height, x, y + 1);
      }
    }
  }
  const scratch = new Float64Array(9);
  for (const i of pixels) matte(inputs, band, i, out, scratch);
  return out;
}

function markBand(band: Uint8Array, pixels: number[], width: number, height: number, cx: number, cy: number): void {
  for (let y = max(0, cy - BAND); y <= min(height - 1, cy + BAND); y += 1) {
    for (let x = max(0, cx - BAND); x <= min(width - 1, cx + BAND); x += 1) {
      const i = y * width + x;
      if (band[i] === 0) {
        band[i] = 1;
        pixels.push(i);
      }
    }
  }
}

/** Mattes band pixel i into `out`; `s` is scratch: subject sum 0–2, backdrop 3–5, pixel − backdrop 6–8. */
function matte(inputs: AlphaInputs, band: Uint8Array, i: number, out: Buffer, s: Float64Array): void {
  const { rgba, width, height, labels, tolerance } = inputs;
  const cx = i % width;
  const cy = (i - cx) / width;
  // Sums in locals (not the scratch array): this window is the engine's hottest loop.
  let fr = 0;
  let fg = 0;
  let fb = 0;
  let br = 0;
  let bg = 0;
  let bb = 0;
  let nf = 0;
  let nb = 0;
  for (let y = max(0, cy - WINDOW); y <= min(height - 1, cy + WINDOW); y += 1) {
    for (let j = y * width + max(0, cx - WINDOW), end = y * width + min(width - 1, cx + WINDOW); j <= end; j += 1) {
      if (band[j] === 1) continue;
      const q = j * 4;
      if (labels[j] === foreground) {
        fr += rgba[q] as number;
        fg += rgba[q + 1] as number;
        fb += rgba[q + 2] as number;
        nf += 1;
      } else {
        br += rgba[q] as number;
        bg += rgba[q + 1] as number;
        bb += rgba[q + 2] as number;
        nb += 1;
      }
    }
  }
  s[0] = fr;
  s[1] = fg;
  s[2] = fb;
  if (nb > 0) {
    s[3] = br / nb;
    s[4] = bg / nb;
    s[5] = bb / nb;
  } else fieldAt(inputs.field, cx, cy, width, height, s.subarray(3, 6));
  const p = i * 4;
  let contrast2 = 0;
  let dot = 0;
  let far2 = 0;
  for (let k = 0; k < 3; k += 1) {
    const backdrop = s[3 + k] as number;
    const toPixel = (rgba[p + k] as number) - backdrop;
    s[6 + k] = toPixel;
    far2 += toPixel * toPixel;
    if (nf > 0) {
      s[k] = (s[k] as number) / nf;
      const toSubject = (s[k] as number) - backdrop;
      contrast2 += toSubject * toSubject;
      dot += toPixel * toSubject;
    }
  }
  let alpha: number;
  let snap = SNAP;
  const matted = nf > 0 && contrast2 >= 2.25 * tolerance * tolerance;
  if (matted) {
    alpha = dot / contrast2;
    // Within the backdrop's own noise of either end is not a real mix: snap it.
    snap = max(SNAP, tolerance / sqrt(contrast2));
  } else {
    // Too thin or too faint to find a clean subject colour nearby: decide on this pixel alone.
    alpha = far2 > tolerance * tolerance ? 1 : 0;
  }
  alpha = alpha < snap ? 0 : alpha > 1 - snap ? 1 : alpha;
  if (alpha === 0) {
    out.fill(0, p, p + 4);
    return;
  }
  for (let k = 0; k < 3; k += 1) {
    const unmixed = alpha >= 0.5 || !matted ? (s[3 + k] as number) + (s[6 + k] as number) / alpha : (s[k] as number);
    out[p + k] = max(0, min(255, round(unmixed)));
  }
  out[p + 3] = round(alpha * (rgba[p + 3] as number));
}
