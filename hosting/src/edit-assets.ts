import type { Image } from './types';

/**
 * The pictures the editor draws with, downscaled once to a display size: a 12 MP cutout is
 * drawn, brushed and previewed at about 1.2 MP, which keeps every redraw within a frame. The
 * full-size images stay decoded for building the mask that is saved.
 */
export interface EditAssets {
  /** The cutout's size (Image.width × Image.height): the size of a saved mask. */
  width: number;
  height: number;
  /** Display pixels per cutout pixel (≤ 1). */
  scale: number;
  cutoutImage: HTMLImageElement;
  /** The stored touch-up mask (grey), when the image has one. */
  maskImage: HTMLImageElement | null;
  /** The colours a kept pixel shows: the cutout over the original, so restored parts show the photo. */
  colour: HTMLCanvasElement;
  original: HTMLCanvasElement | null;
  /** The opacity the editor starts from, as white with that alpha: the stored mask, else the cutout's. */
  baseMask: HTMLCanvasElement;
}

const DISPLAY_LONGEST_SIDE = 1280;

/** `readBack`: its pixels are read often (getImageData), so the browser keeps it in memory rather than on the GPU. */
export function newCanvas(
  width: number,
  height: number,
  readBack = false,
): [HTMLCanvasElement, CanvasRenderingContext2D] {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: readBack });
  if (!context) throw new Error('This browser cannot draw on a canvas.');
  return [canvas, context];
}

/** CORS mode: the editor reads pixels back (the subject's box, the mask), which a tainted canvas forbids. */
export function loadImage(url: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.crossOrigin = 'anonymous';
  image.decoding = 'async';
  image.src = url;
  return image.decode().then(
    () => image,
    () => {
      throw new Error('The editor could not load the pictures it needs. Reload the page and try again.');
    },
  );
}

/** White with the given opacity: the form the editor keeps a mask in, so that it can mask by drawing. */
export function alphaFromCutout(cutout: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  const [canvas, context] = newCanvas(width, height);
  context.drawImage(cutout, 0, 0, width, height);
  context.globalCompositeOperation = 'source-in';
  context.fillStyle = '#fff';
  context.fillRect(0, 0, width, height);
  return canvas;
}

/** A stored mask is grey (its value the opacity); the editor's form is white with that alpha. */
function alphaFromGrey(mask: HTMLImageElement, width: number, height: number): HTMLCanvasElement {
  const [canvas, context] = newCanvas(width, height);
  context.drawImage(mask, 0, 0, width, height);
  const pixels = context.getImageData(0, 0, width, height);
  const data = pixels.data;
  for (let i = 0; i < data.length; i += 4) {
    data[i + 3] = data[i]!;
    data[i] = data[i + 1] = data[i + 2] = 255;
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
}

export async function loadAssets(image: Image): Promise<EditAssets> {
  if (!image.resultUrl) throw new Error('This image has no cutout to edit yet.');
  const [cutoutImage, originalImage, maskImage] = await Promise.all([
    loadImage(image.resultUrl),
    image.originalUrl ? loadImage(image.originalUrl) : null,
    image.touchedUp && image.maskUrl ? loadImage(image.maskUrl) : null,
  ]);
  const width = image.width ?? cutoutImage.naturalWidth;
  const height = image.height ?? cutoutImage.naturalHeight;
  const scale = Math.min(1, DISPLAY_LONGEST_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));

  // The original may be larger than the cutout (a preview-size cutout); both cover the same frame.
  let original: HTMLCanvasElement | null = null;
  const [colour, context] = newCanvas(w, h);
  if (originalImage) {
    const [canvas, originalContext] = newCanvas(w, h);
    originalContext.drawImage(originalImage, 0, 0, w, h);
    original = canvas;
    context.drawImage(canvas, 0, 0);
  }
  context.drawImage(cutoutImage, 0, 0, w, h);

  return {
    width,
    height,
    scale: w / width,
    cutoutImage,
    maskImage,
    colour,
    original,
    baseMask: maskImage ? alphaFromGrey(maskImage, w, h) : alphaFromCutout(cutoutImage, w, h),
  };
}
