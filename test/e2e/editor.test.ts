import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page, type Request, type Response } from 'playwright-core';
import sharp from 'sharp';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import {
  trackPage,
  type PageLog,
  ARTIFACTS,
  PROCESSING,
  PRODUCT_SVG,
  ROOT,
  TEST_TIMEOUT,
  WAIT,
  browserSuite,
  launchChromium,
  signUpInPage,
} from './browser-support';

/**
 * The image dialog's editor end to end in Debian's Chromium against the local cloud: edits
 * saved as they change (and refused with the API's field errors beside the field), the
 * preview drawn in the page agreeing with the server's render, downloads of the render, the
 * touch-up brush with undo, redo, save and reset, and an uploaded background.
 */
const suite = browserSuite("the editor's browser tests");

const SUBJECT = { x: 250, y: 150, size: 300 };
const RED = [192, 57, 43];
const PHOTO_BACKGROUND = [243, 241, 236];
const GREEN = [34, 170, 68];
const BLUE = [30, 80, 200];
const MARGIN = 10;

const person = { email: 'edith@example.com', username: 'edith', password: 'a long enough passphrase' };

/*
 * The page's canvas, as far as the functions below use it: they run inside Chromium (serialised
 * by Playwright), and this Node program has no DOM lib.
 */
interface PageCanvas {
  width: number;
  height: number;
  ownerDocument: { createElement(tag: 'canvas'): PageCanvas };
  getContext(
    type: '2d',
    options?: { willReadFrequently: boolean },
  ): {
    drawImage(source: PageCanvas, x: number, y: number): void;
    getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
  };
}

/**
 * RGBA of the canvas pixel at (x, y), given as fractions of its width and height. Read from a
 * copy made for reading: reads of the page's own canvas would earn a Chromium warning.
 */
const canvasPixel = (element: unknown, at: { x: number; y: number }): number[] => {
  const canvas = element as PageCanvas;
  const copy = canvas.ownerDocument.createElement('canvas');
  copy.width = canvas.width;
  copy.height = canvas.height;
  const context = copy.getContext('2d', { willReadFrequently: true });
  context.drawImage(canvas, 0, 0);
  const x = Math.min(canvas.width - 1, Math.floor(at.x * canvas.width));
  const y = Math.min(canvas.height - 1, Math.floor(at.y * canvas.height));
  return Array.from(context.getImageData(x, y, 1, 1).data);
};
/** How far an element's content reaches past its width. */
const overflow = (element: unknown): number => {
  const box = element as { scrollWidth: number; clientWidth: number };
  return box.scrollWidth - box.clientWidth;
};
const canvasSize = (element: unknown): number[] => [(element as PageCanvas).width, (element as PageCanvas).height];

/** The page's bearer token, as api.ts sends it. */
const sessionToken = (): string => {
  const storage = (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage;
  return (JSON.parse(storage.getItem('cutout.session') ?? '{}') as { token?: string }).token ?? '';
};

/** Decoded RGB(A) pixels of an image file, with a reader for one pixel. */
async function pixels(bytes: Buffer) {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    channels: info.channels,
    at: (x: number, y: number): number[] => {
      const i = (Math.floor(y) * info.width + Math.floor(x)) * info.channels;
      return Array.from(data.subarray(i, i + info.channels));
    },
  };
}

/** Reads until `accept` holds or the wait is over (the page draws on its next animation frame); the last value read. */
async function settle<T>(read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const end = Date.now() + WAIT.timeout;
  let value = await read();
  while (!accept(value) && Date.now() < end) {
    await new Promise((done) => setTimeout(done, 50));
    value = await read();
  }
  return value;
}

const near = (actual: number[], expected: number[], tolerance: number): boolean =>
  expected.every((value, i) => Math.abs((actual[i] ?? -999) - value) <= tolerance);

suite('the editor in Chromium', () => {
  let dataDir = '';
  let photoDir = '';
  let photo = '';
  let backdrop = '';
  let cloud: LocalCloud | undefined;
  let browser: Browser | undefined;
  let base = '';
  let page: Page;
  let log: PageLog;
  let imageId = '';
  let shots = 0;

  const shot = async (name: string) => {
    shots += 1;
    await page.screenshot({ path: join(ARTIFACTS, `editor-${String(shots).padStart(2, '0')}-${name}.png`) });
  };

  const dialog = () => page.locator('#image-dialog');
  const apiPath = (rest: string) => `/api/images/${encodeURIComponent(imageId)}/${rest}`;
  const isCall = (method: string, rest: string) => (response: Response | Request) => {
    const request = 'request' in response ? response.request() : response;
    const url = new URL(request.url());
    return request.method() === method && url.pathname + url.search === apiPath(rest);
  };
  /** The PATCH whose body mentions `text` (a debounced save sends what changed, once it settles). */
  const patchWith = (text: string) =>
    page.waitForResponse((r) => isCall('PATCH', 'edits')(r) && (r.request().postData() ?? '').includes(text), WAIT);

  /** Clicks Download in the Edit tab; the render the API answered with and the file that came. */
  const download = async (format: 'png' | 'jpg' | 'mask') => {
    await page.selectOption('#edit-format', format);
    const [file, reply] = await Promise.all([
      page.waitForEvent('download', WAIT),
      // Read as it arrives: Chromium may drop a body from its inspector cache once the page moves on.
      page
        .waitForResponse(isCall('GET', `render?format=${format}`), WAIT)
        .then(async (response) => ({ status: response.status(), body: await response.json() })),
      page.click('#edit-download'),
    ]);
    expect(reply.status).toBe(200);
    const { render } = reply.body as { render: { width: number; height: number; format: string } };
    expect(render.format).toBe(format);
    const bytes = readFileSync(await file.path());
    return { render, bytes, name: file.suggestedFilename() };
  };

  /** The image as the API has it now, asked with the page's own session. */
  const storedImage = async () => {
    const token = await page.evaluate(sessionToken);
    const reply = await fetch(`${base}/api/images/${encodeURIComponent(imageId)}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(200);
    return ((await reply.json()) as { image: Record<string, unknown> }).image;
  };
  const previewPixel = (x: number, y: number) => page.locator('#edit-preview').evaluate(canvasPixel, { x, y });
  const brushPixel = (x: number, y: number) => page.locator('#touchup-canvas').evaluate(canvasPixel, { x, y });
  /** Waits for a drawing of the preview other than drawing number `before` (null: the first). */
  const previewRedrawn = async (before: string | null) =>
    page.waitForFunction(
      (previous) => {
        const canvas = (
          globalThis as unknown as { document: { getElementById(id: string): unknown } }
        ).document.getElementById('edit-preview') as { dataset: { draws?: string } } | null;
        return canvas?.dataset.draws !== undefined && canvas.dataset.draws !== previous;
      },
      before,
      WAIT,
    );

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'hosting/dist/index.html'))) throw new Error('hosting/dist was not built');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cutout-editor-data-'));
    photoDir = mkdtempSync(join(tmpdir(), 'cutout-editor-photos-'));
    photo = join(photoDir, 'red-box.jpg');
    backdrop = join(photoDir, 'blue.png');
    writeFileSync(photo, await sharp(Buffer.from(PRODUCT_SVG)).jpeg({ quality: 92 }).toBuffer());
    const [r, g, b] = BLUE as [number, number, number];
    writeFileSync(
      backdrop,
      await sharp({ create: { width: 320, height: 200, channels: 3, background: { r, g, b } } })
        .png()
        .toBuffer(),
    );
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', METADATA_SERVER_DETECTION: 'none' },
    });
    // The signed URLs name 127.0.0.1; the page is opened there too, so all traffic is loopback.
    base = cloud.url.replace('localhost', '127.0.0.1');
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    context.setDefaultTimeout(WAIT.timeout);
    page = await context.newPage();
    log = await trackPage(page);
  }, TEST_TIMEOUT);

  afterAll(async () => {
    await browser?.close();
    await cloud?.stop();
    for (const dir of [dataDir, photoDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT);

  it(
    'signs up, uploads a photo and opens its editor',
    async () => {
      await signUpInPage(page, base, person);
      await page.setInputFiles('#file-input', [photo]);
      await page.locator('#gallery-grid .card[data-status="done"]').waitFor(PROCESSING);
      const card = page.locator('#gallery-grid .card').first();
      await card.waitFor();
      imageId = (await card.getAttribute('data-id')) ?? '';
      expect(imageId).not.toBe('');

      await card.locator('.card-open').click();
      await dialog().locator('.compare-range').waitFor();
      // Tabs: the arrow keys move between them, as the ARIA pattern has it.
      await page.getByRole('tab', { name: 'Compare' }).focus();
      await page.keyboard.press('ArrowRight');
      expect(await page.getByRole('tab', { name: 'Edit' }).getAttribute('aria-selected')).toBe('true');
      await page.locator('#edit-preview').waitFor();
      await previewRedrawn(null);
      expect(await page.textContent('#edit-save-status')).toBe('All changes saved');
      // Nothing edited yet: the whole frame, transparent, as PNG.
      expect(await page.locator('#edit-preview').evaluate(canvasSize)).toEqual([800, 600]);
      expect(await page.textContent('#edit-summary')).toBe('Download: PNG, 800 × 600 px');
      expect((await previewPixel(0.02, 0.02))[3]).toBe(0);
      expect(near(await previewPixel(0.5, 0.5), [...RED, 255], 24)).toBe(true);
      await shot('edit-tab');
    },
    TEST_TIMEOUT,
  );

  it(
    'saves a colour background and a crop as they are made, and shows a refused margin beside its field',
    async () => {
      const colour = patchWith('"color":"22aa44"');
      await page.click('label[for="edit-bg-type-color"]');
      await page.fill('#edit-bg-color', '#22aa44');
      const saved = await colour;
      expect(saved.status()).toBe(200);
      expect((await storedImage()).edits).toMatchObject({ background: { type: 'color', color: '22aa44' } });
      await page.locator('#edit-save-status', { hasText: /^Saved$/ }).waitFor();
      expect(await dialog().locator('dd[data-term="Background"]').textContent()).toBe('#22aa44');

      // 900 px is over the API's 500 px limit: its field error is shown beside the margin.
      log.allow(400, apiPath('edits'));
      const refused = patchWith('"cropMargin":"900px"');
      await page.check('#edit-crop');
      await page.fill('#edit-margin', '900');
      expect((await refused).status()).toBe(400);
      const error = page.locator('#edit-cropMargin-error');
      await error.waitFor();
      expect(await error.textContent()).toMatch(/^Margin must be /);
      expect(await page.getAttribute('#edit-margin', 'aria-invalid')).toBe('true');
      expect(await page.getAttribute('#edit-margin', 'aria-describedby')).toBe('edit-cropMargin-error');
      expect(await page.textContent('#edit-save-status')).toBe('Not saved: check the marked fields');
      await shot('margin-refused');

      const cropped = patchWith(`"cropMargin":"${MARGIN}px"`);
      await page.fill('#edit-margin', String(MARGIN));
      const reply = await cropped;
      expect(reply.status()).toBe(200);
      expect((await storedImage()).edits).toMatchObject({
        crop: true,
        cropMargin: `${MARGIN}px`,
      });
      await error.waitFor({ state: 'hidden' });
      expect(await page.getAttribute('#edit-margin', 'aria-invalid')).toBeNull();
      await page.locator('#edit-save-status', { hasText: /^Saved$/ }).waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'downloads a JPEG of the render: cropped to the subject with the margin, on the colour, as the preview showed',
    async () => {
      const quality = patchWith('"quality":80');
      await page.selectOption('#edit-format', 'jpg');
      await page.fill('#edit-quality', '80');
      // The summary is written with each drawing of the preview: this one is drawn for JPEG.
      await page.locator('#edit-summary', { hasText: 'Download: JPEG' }).waitFor();
      const summary = (await page.textContent('#edit-summary')) ?? '';
      expect(summary).toMatch(/^Download: JPEG, \d+ × \d+ px$/);
      // The preview: the subject's box plus the margin, the colour in the corner.
      const [previewWidth = 0, previewHeight = 0] = await page.locator('#edit-preview').evaluate(canvasSize);
      expect(Math.abs(previewWidth - (SUBJECT.size + 2 * MARGIN))).toBeLessThanOrEqual(8);
      expect(Math.abs(previewHeight - (SUBJECT.size + 2 * MARGIN))).toBeLessThanOrEqual(8);
      expect(near(await previewPixel(0.01, 0.01), [...GREEN, 255], 2)).toBe(true);
      expect(near(await previewPixel(0.5, 0.5), [...RED, 255], 24)).toBe(true);
      await shot('jpeg-preview');

      const { render, bytes, name } = await download('jpg');
      expect((await quality).status()).toBe(200);
      expect(name).toBe('red-box-nobg.jpg');
      expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
      const jpeg = await pixels(bytes);
      expect((await sharp(bytes).metadata()).format).toBe('jpeg');
      expect([jpeg.width, jpeg.height]).toEqual([render.width, render.height]);
      // The page's preview and summary measured the same subject box as the server.
      expect(summary).toBe(`Download: JPEG, ${jpeg.width} × ${jpeg.height} px`);
      expect(Math.abs(jpeg.width - (SUBJECT.size + 2 * MARGIN))).toBeLessThanOrEqual(8);
      expect(Math.abs(jpeg.height - (SUBJECT.size + 2 * MARGIN))).toBeLessThanOrEqual(8);
      for (const [x, y] of [
        [2, 2],
        [jpeg.width - 3, jpeg.height - 3],
      ])
        expect(near(jpeg.at(x!, y!), GREEN, 12)).toBe(true);
      expect(near(jpeg.at(jpeg.width / 2, jpeg.height / 2), RED, 20)).toBe(true);
      // The subject starts at the margin: red just inside it, halfway down the left edge.
      expect(near(jpeg.at(MARGIN + 6, jpeg.height / 2), RED, 30)).toBe(true);
      expect(near(jpeg.at(MARGIN - 6, jpeg.height / 2), GREEN, 20)).toBe(true);
      await page.locator('#edit-download-status', { hasText: /^Downloaded: JPEG, / }).waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'erases a band with the brush; undo and redo; saves a full-size mask the render then shows',
    async () => {
      await page.getByRole('tab', { name: 'Touch up' }).click();
      const canvas = page.locator('#touchup-canvas');
      await canvas.waitFor();
      expect(await canvas.evaluate(canvasSize)).toEqual([800, 600]);
      expect(await page.textContent('#touchup-status')).toBe('The model’s cutout, untouched');
      expect(await page.isDisabled('#touchup-undo')).toBe(true);
      expect(await page.isDisabled('#touchup-save')).toBe(true);
      const kept = await brushPixel(0.5, 0.5);
      expect(near(kept, [...RED, 255], 24)).toBe(true);

      // A horizontal stroke right across the subject, at its middle.
      await page.fill('#touchup-size', '30');
      const box = await canvas.boundingBox();
      if (!box) throw new Error('the touch-up canvas has no box');
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.5);
      await page.mouse.down();
      for (let i = 1; i <= 12; i += 1)
        await page.mouse.move(box.x + box.width * (0.2 + 0.05 * i), box.y + box.height * 0.5);
      await page.mouse.up();
      await page.locator('#touchup-status', { hasText: 'Unsaved changes' }).waitFor();
      const erased = () => brushPixel(0.5, 0.5).then((pixel) => pixel[3]! < 128);
      expect(await settle(erased, (yes) => yes)).toBe(true);
      // Above the band the subject is untouched.
      expect((await brushPixel(0.5, (SUBJECT.y + 40) / 600))[3]).toBeGreaterThanOrEqual(250);
      await shot('erased');

      await page.click('#touchup-undo');
      expect(await settle(erased, (yes) => !yes)).toBe(false);
      expect(await page.isDisabled('#touchup-save')).toBe(true);
      await page.click('#touchup-redo');
      expect(await settle(erased, (yes) => yes)).toBe(true);
      expect(await page.isDisabled('#touchup-redo')).toBe(true);

      // Restoring where the model removed the background shows the photo's own pixels, opaque.
      const corner = { x: 0.1, y: 0.1 };
      expect((await brushPixel(corner.x, corner.y))[3]).toBeLessThan(128);
      await page.click('label[for="touchup-restore"]');
      await page.mouse.move(box.x + box.width * 0.05, box.y + box.height * corner.y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.15, box.y + box.height * corner.y, { steps: 4 });
      await page.mouse.up();
      const restored = await settle(
        () => brushPixel(corner.x, corner.y),
        (pixel) => pixel[3] === 255,
      );
      expect(near(restored, [...PHOTO_BACKGROUND, 255], 6)).toBe(true);
      await shot('restored');
      await page.keyboard.press('Control+z');
      const undone = await settle(
        () => brushPixel(corner.x, corner.y),
        (pixel) => pixel[3]! < 128,
      );
      expect(undone[3]).toBeLessThan(128);
      await page.click('label[for="touchup-erase"]');

      // The keyboard paints too: Space starts a stroke, arrows move it, Space ends it; Ctrl+Z undoes it.
      await canvas.focus();
      await page.keyboard.press('Space');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Space');
      expect(await page.isEnabled('#touchup-redo')).toBe(false);
      await page.keyboard.press('Control+z');
      expect(
        await settle(
          () => page.isEnabled('#touchup-redo'),
          (yes) => yes,
        ),
      ).toBe(true);
      expect(await settle(erased, (yes) => yes)).toBe(true);

      const [reply] = await Promise.all([
        page.waitForResponse(isCall('PUT', 'mask'), WAIT),
        page.click('#touchup-save'),
      ]);
      expect(reply.request().headers()['content-type']).toBe('image/png');
      expect(reply.status()).toBe(200);
      const saved = (await storedImage()) as { touchedUp: boolean; maskUrl?: string };
      expect(saved.touchedUp).toBe(true);
      expect(saved.maskUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
      // The mask stored (Chromium does not show a test a Blob body): the cutout's full size,
      // black on the band and where the model removed, white elsewhere.
      const stored = await fetch(saved.maskUrl ?? '');
      expect(stored.status).toBe(200);
      const mask = await pixels(Buffer.from(await stored.arrayBuffer()));
      expect([mask.width, mask.height]).toEqual([800, 600]);
      expect(mask.at(400, 300)[0]).toBe(0);
      expect(mask.at(400, SUBJECT.y + 40)[0]).toBeGreaterThanOrEqual(250);
      expect(mask.at(400, SUBJECT.y + SUBJECT.size - 40)[0]).toBeGreaterThanOrEqual(250);
      expect(mask.at(60, 60)[0]).toBeLessThanOrEqual(5);
      await page.locator('#touchup-status', { hasText: 'Touch-up saved' }).waitFor();
      expect(await page.isDisabled('#touchup-save')).toBe(true);
      await shot('touch-up-saved');

      await page.getByRole('tab', { name: 'Edit' }).click();
      const { bytes, name } = await download('mask');
      expect(name).toBe('red-box-mask.png');
      const render = await pixels(bytes);
      // Still cropped to the subject (its box did not change): the band is gone from the middle only.
      expect(render.at(render.width / 2, render.height / 2)[0]).toBeLessThan(16);
      expect(render.at(render.width / 2, MARGIN + 40)[0]).toBeGreaterThan(240);
      expect(render.at(render.width / 2, render.height - MARGIN - 40)[0]).toBeGreaterThan(240);
      expect(render.at(2, 2)[0]).toBeLessThan(16);
      // A colour render shows the background colour through the band.
      const jpeg = await pixels((await download('jpg')).bytes);
      expect(near(jpeg.at(jpeg.width / 2, jpeg.height / 2), GREEN, 16)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'resets to the model’s cutout: the stored mask is deleted and renders are whole again',
    async () => {
      await page.getByRole('tab', { name: 'Touch up' }).click();
      const [reply] = await Promise.all([
        page.waitForResponse(isCall('DELETE', 'mask'), WAIT),
        page.click('#touchup-reset'),
      ]);
      expect(reply.status()).toBe(200);
      const image = await storedImage();
      expect(image.touchedUp).toBe(false);
      expect(image.maskUrl).toBeUndefined();
      await page.locator('#touchup-status', { hasText: 'The model’s cutout, untouched' }).waitFor();
      const alpha = () => brushPixel(0.5, 0.5).then((pixel) => pixel[3] ?? 0);
      expect(await settle(alpha, (value) => value >= 250)).toBeGreaterThanOrEqual(250);
      expect(await page.isDisabled('#touchup-undo')).toBe(true);
      expect(await page.isDisabled('#touchup-redo')).toBe(true);
      expect(await page.isDisabled('#touchup-reset')).toBe(true);

      await page.getByRole('tab', { name: 'Edit' }).click();
      const render = await pixels((await download('mask')).bytes);
      expect(render.at(render.width / 2, render.height / 2)[0]).toBeGreaterThan(240);
    },
    TEST_TIMEOUT,
  );

  it(
    'uploads a background image: the render shows it behind the subject',
    async () => {
      await page.click('label[for="edit-bg-type-image"]');
      await page.locator('#edit-bg-file').waitFor();
      const [reply] = await Promise.all([
        page.waitForResponse(isCall('PUT', 'background'), WAIT),
        page.setInputFiles('#edit-bg-file', backdrop),
      ]);
      expect(reply.status()).toBe(200);
      expect(reply.request().headers()['content-type']).toBe('image/png');
      const image = await storedImage();
      expect(image.edits).toMatchObject({ background: { type: 'image' } });
      expect(image.backgroundUrl).toMatch(/^http:\/\/127\.0\.0\.1:/);
      await page.locator('#edit-save-status', { hasText: 'Background uploaded and saved' }).waitFor();
      expect(await page.isChecked('#edit-bg-type-image')).toBe(true);
      expect(await page.locator('#edit-background-error').isHidden()).toBe(true);

      await page.selectOption('#edit-format', 'png');
      await page.locator('#edit-summary', { hasText: 'Download: PNG' }).waitFor();
      expect(near(await previewPixel(0.02, 0.02), [...BLUE, 255], 3)).toBe(true);
      await shot('background-image');
      const png = await pixels((await download('png')).bytes);
      expect(near(png.at(2, 2), BLUE, 3)).toBe(true);
      expect(near(png.at(png.width / 2, png.height / 2), RED, 20)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'fits a phone screen: neither tab is wider than the dialog',
    async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      for (const tab of ['Edit', 'Touch up']) {
        await page.getByRole('tab', { name: tab }).click();
        expect(await dialog().evaluate(overflow)).toBeLessThanOrEqual(0);
        await shot(`phone-${tab.toLowerCase().replace(' ', '-')}`);
      }
    },
    TEST_TIMEOUT,
  );

  it('logged no console errors, page errors, CSP violations or traffic beyond 127.0.0.1', async () => {
    expect(await log.violations()).toEqual([]);
    expect(log.unexpected()).toEqual([]);
    expect(log.foreignRequests).toEqual([]);
  });
});
