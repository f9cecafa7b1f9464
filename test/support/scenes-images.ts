import sharp from 'sharp';
import { renderScene, SCENES, type Scene, type SceneSpec } from './scenes';

/** A scene encoded as PNG, with the scene for checking results against. */
export async function scenePng(spec: SceneSpec = SCENES[0] as SceneSpec): Promise<{ png: Buffer; scene: Scene }> {
  const scene = renderScene(spec);
  const png = await sharp(scene.rgba, { raw: { width: scene.width, height: scene.height, channels: 4 } })
    .png()
    .toBuffer();
  return { png, scene };
}

/** The pixels of an encoded image, as RGBA. */
export async function pixelsOf(image: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** RGBA at (x, y). */
export const pixelAt = (image: { data: Buffer; width: number }, x: number, y: number): number[] => [
  ...image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4),
];
