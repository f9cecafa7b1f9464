import { randomBytes } from 'node:crypto';

/** A real 1×1 PNG. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Bytes that start like each accepted type, followed by noise: enough for the upload path. */
export const fakeImage = (type: 'png' | 'jpeg' | 'webp', size: number): Buffer => {
  const head = {
    png: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    jpeg: Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
    webp: Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBP')]),
  }[type];
  return Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]).subarray(0, size);
};
