import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, type Request, type Route } from 'playwright-core';
import sharp from 'sharp';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import {
  inPage,
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
 * The gallery in Debian's Chromium against the local cloud (issue 17): one list, newest first,
 * above the fold at 1280×800 and finger-sized at 375 px; failed images with their reason and a
 * Retry; bulk ZIP download and bulk delete; a drop of many files queued a few at a time with
 * the non-images listed as skipped; the landing page's samples; an abandoned upload settled.
 */
const suite = browserSuite('the gallery browser tests');

const owner = { email: 'gala@example.com', username: 'gala', password: 'a gallery of cutouts' };
const abandoner = { email: 'abe@example.com', username: 'abe', password: 'left it half done' };

/** Short link lifetimes, so that an upload abandoned in beforeAll is settled within the suite. */
const SIGNED_URL_TTL_SECONDS = 60;
const EVENT_MAX_AGE_SECONDS = 60;

const LONG_NAME = 'IMG_20250614_183012_holiday-on-the-coast-with-the-whole-family-final-edit.png';

const discSvg = (colour: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="480" height="360"><rect width="100%" height="100%" fill="#f4f4f0"/><circle cx="240" cy="180" r="110" fill="${colour}"/></svg>`;

/*
 * The page's globals, as far as the functions below use them: they run inside Chromium
 * (serialised by Playwright), and this Node program has no DOM lib.
 */
interface PageNode {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { top: number; bottom: number; width: number; height: number };
  textContent: string | null;
  checkVisibility(): boolean;
  scrollWidth: number;
  clientWidth: number;
}
interface PageStyle {
  lineHeight: string;
  fontSize: string;
  minHeight: string;
  paddingTop: string;
  paddingBottom: string;
  borderTopWidth: string;
  borderBottomWidth: string;
  opacity: string;
}
declare const document: {
  querySelector(selector: string): PageNode | null;
  querySelectorAll(selector: string): ArrayLike<PageNode>;
};
declare const window: { __seen?: string[]; __opened?: number };
declare const axe: {
  run(
    context: unknown,
    options: unknown,
  ): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] }>;
};
declare function getComputedStyle(element: PageNode): PageStyle;
declare const MutationObserver: new (callback: () => void) => {
  observe(target: PageNode, options: Record<string, unknown>): void;
};

/** Every control the selector matches that is shown, with its size and the height of one line of it. */
const controlSizes = (selector: string) =>
  Array.from(document.querySelectorAll(selector))
    .filter((element) => element.checkVisibility())
    .map((element) => {
      const style = getComputedStyle(element);
      const px = (value: string) => parseFloat(value) || 0;
      const line = px(style.lineHeight) || px(style.fontSize) * 1.2;
      const box = element.getBoundingClientRect();
      return {
        name: (element.getAttribute('aria-label') ?? element.textContent ?? '').trim().replace(/\s+/g, ' '),
        width: box.width,
        height: box.height,
        // What the control measures when its words fit on one line.
        oneLine: Math.max(
          px(style.minHeight),
          line +
            px(style.paddingTop) +
            px(style.paddingBottom) +
            px(style.borderTopWidth) +
            px(style.borderBottomWidth),
        ),
      };
    });

/** Records every status a card goes through from now on (cards are replaced when their image changes). */
const watchStatuses = (id: string): void => {
  const seen: string[] = [];
  window.__seen = seen;
  const look = () => {
    const status = document.querySelector(`#gallery-grid li[data-id="${id}"]`)?.getAttribute('data-status');
    if (status && seen[seen.length - 1] !== status) seen.push(status);
  };
  look();
  const grid = document.querySelector('#gallery-grid');
  if (grid) {
    new MutationObserver(look).observe(grid, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
  }
};

/** Counts how often the confirmation dialog opens from now on. */
const countConfirmations = (): void => {
  window.__opened = 0;
  const dialog = document.querySelector('#confirm-dialog');
  if (!dialog) return;
  new MutationObserver(() => {
    if (dialog.getAttribute('open') !== null) window.__opened = (window.__opened ?? 0) + 1;
  }).observe(dialog, { attributes: true, attributeFilter: ['open'] });
};

/** The entries of a ZIP, read by Python's zipfile (there is no ZIP reader among the dependencies). */
function zipEntries(path: string): { name: string; size: number; head: string }[] {
  const script =
    'import json, sys, zipfile\n' +
    'z = zipfile.ZipFile(sys.argv[1])\n' +
    'print(json.dumps([{"name": i.filename, "size": i.file_size, "head": z.read(i)[:8].hex()} for i in z.infolist()]))';
  return JSON.parse(execFileSync('python3', ['-c', script, path], { encoding: 'utf8' })) as {
    name: string;
    size: number;
    head: string;
  }[];
}

const PNG_MAGIC = '89504e470d0a1a0a';

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical findings on the page as it is now (accessibility.test.ts runs the rest). */
async function seriousAxeFindings(target: Page): Promise<{ id: string; targets: string[] }[]> {
  // Evaluated through the DevTools protocol: the page's CSP refuses an inline <script>.
  if (!(await target.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object')))
    await target.evaluate(AXE_SOURCE);
  return target.evaluate(async () => {
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations
      .filter(({ impact }) => impact === 'serious' || impact === 'critical')
      .map(({ id, nodes }) => ({ id, targets: nodes.map(({ target }) => target.map(String).join(' ')) }));
  });
}

suite('the gallery in Chromium', () => {
  let dataDir = '';
  let photoDir = '';
  let cloud: LocalCloud | undefined;
  let browser: Browser | undefined;
  let base = '';
  let shots = 0;
  const logs: PageLog[] = [];
  const contexts: BrowserContext[] = [];
  let page: Page;
  const photos = { box: '', long: '', twinA: '', twinB: '' };
  /** When the abandoned upload's link was issued. */
  let abandonedAt = 0;
  let failedId = '';

  const shot = async (target: Page, name: string, fullPage = true) => {
    shots += 1;
    const open = await target.locator('dialog[open]').count();
    if (fullPage && !open) await target.evaluate(inPage.scrollToTop);
    await target.screenshot({
      path: join(ARTIFACTS, `gallery-${String(shots).padStart(2, '0')}-${name}.png`),
      fullPage: fullPage && !open,
    });
  };

  const openPage = async (viewport = { width: 1280, height: 800 }): Promise<Page> => {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    context.setDefaultTimeout(WAIT.timeout);
    contexts.push(context);
    const opened = await context.newPage();
    logs.push(await trackPage(opened));
    return opened;
  };

  const signIn = async (target: Page, who: { username: string; password: string }) => {
    await target.goto(base);
    await target.fill('#signin-email', who.username);
    await target.fill('#signin-password', who.password);
    await target.click('#signin-form button[type="submit"]');
    await target.locator('#app-view').waitFor();
    await target.locator('#gallery-loading').waitFor({ state: 'hidden' });
  };

  const api = async <T>(method: string, path: string, body?: unknown, token?: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'Content-Type': 'application/json',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };

  const tokenOf = async (who: { username: string; password: string }) =>
    (await api<{ token: string }>('POST', '/api/login', { email: who.username, password: who.password })).token;

  const cards = () => page.locator('#gallery-grid > li');
  const card = (name: string) => page.locator('#gallery-grid > li.card', { hasText: name });

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'hosting/dist/index.html'))) throw new Error('hosting/dist was not built');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cutout-gallery-data-'));
    photoDir = mkdtempSync(join(tmpdir(), 'cutout-gallery-photos-'));
    photos.box = join(photoDir, 'red-box.jpg');
    photos.long = join(photoDir, LONG_NAME);
    photos.twinA = join(photoDir, 'a', 'twin.png');
    photos.twinB = join(photoDir, 'b', 'twin.png');
    mkdirSync(join(photoDir, 'a'));
    mkdirSync(join(photoDir, 'b'));
    writeFileSync(photos.box, await sharp(Buffer.from(PRODUCT_SVG)).jpeg({ quality: 90 }).toBuffer());
    writeFileSync(
      photos.long,
      await sharp(Buffer.from(discSvg('#23588a')))
        .png()
        .toBuffer(),
    );
    writeFileSync(
      photos.twinA,
      await sharp(Buffer.from(discSvg('#2e8b57')))
        .png()
        .toBuffer(),
    );
    writeFileSync(
      photos.twinB,
      await sharp(Buffer.from(discSvg('#8b2e6b')))
        .png()
        .toBuffer(),
    );
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: {
        BCRYPT_COST: '4',
        LOG_LEVEL: 'error',
        SIGNED_URL_TTL_SECONDS: String(SIGNED_URL_TTL_SECONDS),
        EVENT_MAX_AGE_SECONDS: String(EVENT_MAX_AGE_SECONDS),
      },
    });
    base = cloud.url.replace('localhost', '127.0.0.1');
    // A second person starts an upload and never sends the bytes: the last test finds it settled.
    const { token } = await api<{ token: string }>('POST', '/api/register', abandoner);
    await api('POST', '/api/upload', { filename: 'never-sent.jpg', contentType: 'image/jpeg', size: 1000 }, token);
    abandonedAt = Date.now();
    browser = await launchChromium();
    page = await openPage();
  }, TEST_TIMEOUT);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await cloud?.stop();
    for (const dir of [dataDir, photoDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }, TEST_TIMEOUT);

  it(
    'shows one list, newest first, above the fold at 1280×800, with whole file names',
    async () => {
      await signUpInPage(page, base, owner);

      await page.setInputFiles('#file-input', [photos.box]);
      await page.locator('#gallery-grid .card[data-status="done"]').waitFor(PROCESSING);
      // A file on its way in is a card at the top of the gallery itself, with its progress.
      await page.setInputFiles('#file-input', [photos.long]);
      await cards().first().locator('progress').waitFor();
      expect(await cards().first().getAttribute('class')).toContain('upload');
      expect(await cards().count()).toBe(2);
      await page.locator('#gallery-grid .card[data-status="done"]').nth(1).waitFor(PROCESSING);
      await page.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img', count: 2 }, WAIT);
      // One card per image: no second list repeating them.
      expect(await cards().count()).toBe(2);
      expect(await page.locator('#uploads-section, #upload-list').count()).toBe(0);
      expect(await page.locator('main').textContent()).not.toContain('Just uploaded');
      expect(await page.locator('#gallery-grid .upload').count()).toBe(0);

      // Newest first, as the API lists them.
      const listed = await api<{ images: { id: string }[] }>('GET', '/api/images', undefined, await tokenOf(owner));
      const shown = await cards().evaluateAll((items) => items.map((item) => item.getAttribute('data-id')));
      expect(shown).toEqual(listed.images.map((image) => image.id));
      expect(await cards().first().textContent()).toContain(LONG_NAME);

      // The gallery starts without scrolling: its first card's top is inside the viewport.
      await page.evaluate(inPage.scrollToTop);
      const top = await cards()
        .first()
        .evaluate((element) => (element as unknown as PageNode).getBoundingClientRect().top);
      expect(top).toBeGreaterThan(0);
      expect(top).toBeLessThan(800 - 150);

      // The count says what it counts.
      expect(await page.textContent('#gallery-count')).toBe('2 cutouts');

      // A long name wraps to two lines on its card (not cut to a few letters), whole in its tooltip.
      const name = card(LONG_NAME).locator('.card-name');
      expect(await name.getAttribute('title')).toBe(LONG_NAME);
      const lines = await name.evaluate((element) => {
        const node = element as unknown as PageNode;
        return node.getBoundingClientRect().height / parseFloat(getComputedStyle(node).lineHeight);
      });
      expect(Math.round(lines)).toBe(2);
      // …and whole in the dialog's title, which wraps rather than overflows.
      await card(LONG_NAME).locator('.card-open').click();
      const heading = page.locator('#image-dialog-title');
      await page.locator('#image-dialog .compare-range').waitFor();
      expect(await heading.textContent()).toBe(LONG_NAME);
      const fits = await heading.evaluate((element) => {
        const node = element as unknown as PageNode;
        return node.scrollWidth <= node.clientWidth;
      });
      expect(fits).toBe(true);
      await shot(page, 'dialog-long-name', false);
      await page.keyboard.press('Escape');
      await page.locator('#image-dialog').waitFor({ state: 'hidden' });
      await shot(page, 'gallery-1280x800', false);
    },
    TEST_TIMEOUT,
  );

  it(
    'shows why an image failed, offers Retry, and retries it (a file that is no image fails again)',
    async () => {
      // Declared a PNG, so the page sends it; the bytes are text, so the server refuses it.
      await page.setInputFiles('#file-input', [
        { name: 'not-really.png', mimeType: 'image/png', buffer: Buffer.from('These are words, not a picture.\n') },
      ]);
      const failed = card('not-really.png');
      await failed.and(page.locator('[data-status="failed"]')).waitFor(PROCESSING);
      failedId = (await failed.getAttribute('data-id')) ?? '';
      expect(failedId).not.toBe('');
      const reason = 'The file is not a JPEG, PNG or WebP image.';
      expect(await failed.locator('.card-error').textContent()).toContain(reason);
      const retry = failed.getByRole('button', { name: 'Retry not-really.png' });
      await retry.waitFor();
      expect(await page.textContent('#gallery-count')).toBe('2 cutouts, 1 failed');
      await shot(page, 'failed-card', false);

      await page.evaluate(watchStatuses, failedId);
      const [response] = await Promise.all([
        page.waitForResponse(
          (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === `/api/images/${failedId}/retry`,
          WAIT,
        ),
        retry.click(),
      ]);
      expect(response.status()).toBe(202);
      expect(((await response.json()) as { image: { status: string } }).image.status).toBe('queued');
      // The card went back to the queue, was followed, and failed again with the same reason.
      await page.waitForFunction(() => (window.__seen ?? []).slice(1).includes('failed'), undefined, PROCESSING);
      const seen = await page.evaluate(() => window.__seen ?? []);
      expect(seen[0]).toBe('failed');
      expect(seen.slice(1, seen.indexOf('failed', 1))).toContain('queued');
      expect(await card('not-really.png').locator('.card-error').textContent()).toContain(reason);

      // The dialog says the same and offers the same.
      await card('not-really.png').locator('.card-open').click();
      const dialog = page.locator('#image-dialog');
      await dialog.getByText(reason).waitFor();
      await dialog.getByRole('button', { name: 'Retry' }).waitFor();
      await shot(page, 'failed-dialog', false);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    },
    TEST_TIMEOUT,
  );

  it(
    'fits a 375 px screen: no button wraps, every target is at least 44 px, nothing scrolls sideways',
    async () => {
      const phone = await openPage({ width: 375, height: 812 });
      await signIn(phone, owner);
      await phone.locator('#gallery-grid .card[data-status="done"]').nth(1).waitFor();
      await phone.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img', count: 2 }, WAIT);
      // A tick shows the selection bar, so that its buttons are measured too.
      await phone.locator('#gallery-grid .card-select').first().click();
      await phone.locator('#selection-bar').waitFor();
      expect(await phone.evaluate(inPage.horizontalOverflow)).toBeLessThanOrEqual(0);

      const buttons = await phone.evaluate(controlSizes, '#app-view .button');
      expect(buttons.map((button) => button.name)).toEqual(
        expect.arrayContaining(['Choose photos', 'Retry not-really.png', 'Download as ZIP', 'Delete', 'Clear']),
      );
      const wrapped = buttons.filter((button) => button.height > button.oneLine + 1);
      expect(wrapped).toEqual([]);
      const targets = await phone.evaluate(
        controlSizes,
        '#app-view :is(button, a[href], select, label.button, .card-select, .select-all, .segmented label, input[type="color"])',
      );
      expect(targets.length).toBeGreaterThanOrEqual(15);
      const small = targets.filter((target) => target.width < 44 || target.height < 44);
      expect(small).toEqual([]);

      // The colour swatch is never a washed-out "disabled" control: using it chooses a colour background.
      const swatch = phone.locator('#bg-colour-value');
      expect(await swatch.isEnabled()).toBe(true);
      expect(await swatch.evaluate((element) => getComputedStyle(element as unknown as PageNode).opacity)).toBe('1');
      await shot(phone, 'phone-375');
      await swatch.fill('#3366cc');
      expect(await phone.isChecked('#bg-colour')).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'downloads two selected images as one ZIP, with a name for each made unique',
    async () => {
      await page.setInputFiles('#file-input', [photos.twinA]);
      await page.setInputFiles('#file-input', [photos.twinB]);
      const twins = card('twin.png');
      await page
        .locator('#gallery-grid .card[data-status="done"]')
        .filter({ hasText: 'twin.png' })
        .nth(1)
        .waitFor(PROCESSING);
      expect(await twins.count()).toBe(2);

      // Select all, then none: the bar follows.
      await page.click('#select-all-label');
      await page.locator('#selection-count').getByText('5 images selected').waitFor();
      await page.click('#selection-clear');
      await page.locator('#selection-bar').waitFor({ state: 'hidden' });

      for (const index of [0, 1]) await twins.nth(index).locator('.card-select').click();
      await page.locator('#selection-count').getByText('2 images selected').waitFor();
      expect(
        await page
          .locator('#select-all')
          .evaluate((box) => (box as unknown as { indeterminate: boolean }).indeterminate),
      ).toBe(true);
      await shot(page, 'two-selected', false);

      const [archive, download] = await Promise.all([
        page.waitForResponse(
          (r) => new URL(r.url()).pathname === '/api/archive' && r.request().method() === 'POST',
          WAIT,
        ),
        page.waitForEvent('download', WAIT),
        page.click('#selection-zip'),
      ]);
      expect(archive.status()).toBe(201);
      expect(download.suggestedFilename()).toMatch(/^cutouts-\d{4}-\d{2}-\d{2}\.zip$/);
      const path = await download.path();
      const entries = zipEntries(path);
      expect(entries.map((entry) => entry.name).sort()).toEqual(['twin-nobg (2).png', 'twin-nobg.png']);
      for (const entry of entries) {
        expect(entry.head).toBe(PNG_MAGIC);
        expect(entry.size).toBeGreaterThan(100);
      }
      await page.locator('#selection-status').getByText('Downloading 2 images as a ZIP.').waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'deletes several selected images after one confirmation',
    async () => {
      // The twins are still selected; the failed image joins them.
      await card('not-really.png').locator('.card-select').click();
      await page.locator('#selection-count').getByText('3 images selected').waitFor();
      // The selection bar, the ticked cards and a failed card with its Retry.
      expect(await seriousAxeFindings(page)).toEqual([]);
      await page.evaluate(countConfirmations);

      // Cancel is a no: nothing goes.
      await page.click('#selection-delete');
      await page.locator('#confirm-dialog').getByText('Delete 3 images?').waitFor();
      await page.click('#confirm-cancel');
      await page.locator('#confirm-dialog').waitFor({ state: 'hidden' });
      expect(await cards().count()).toBe(5);

      const deletes: string[] = [];
      const countDeletes = (request: Request) => {
        if (request.method() === 'DELETE') deletes.push(new URL(request.url()).pathname);
      };
      page.on('request', countDeletes);
      try {
        await page.click('#selection-delete');
        await page.locator('#confirm-dialog').waitFor();
        await shot(page, 'confirm-bulk-delete', false);
        await page.click('#confirm-delete');
        await card('twin.png').first().waitFor({ state: 'detached' });
        await card('not-really.png').waitFor({ state: 'detached' });
      } finally {
        page.off('request', countDeletes);
      }
      expect(deletes).toHaveLength(3);
      expect(deletes).toContain(`/api/delete/${failedId}`);
      // One question for the lot: asked twice in all (the cancelled one and this one).
      expect(await page.evaluate(() => window.__opened)).toBe(2);
      expect(await cards().count()).toBe(2);
      await page.locator('#selection-bar').waitFor({ state: 'hidden' });
      expect(await page.textContent('#gallery-count')).toBe('2 cutouts');
      expect(await page.locator('#gallery-alert').isHidden()).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'queues a drop of many files, at most three uploading at once, and lists what it skipped',
    async () => {
      const colours = ['#c0392b', '#16a085', '#8e44ad', '#d35400'];
      const pngs = await Promise.all(
        colours.map(async (colour) =>
          (
            await sharp(Buffer.from(discSvg(colour)))
              .png()
              .toBuffer()
          ).toString('base64'),
        ),
      );
      // Hold each PUT a while, so that the queue is seen working; count how many are in flight.
      let inFlight = 0;
      let most = 0;
      const signedPut = (url: URL) => url.searchParams.has('X-Goog-Signature');
      const finished = (request: Request) => {
        if (request.method() === 'PUT' && signedPut(new URL(request.url()))) inFlight -= 1;
      };
      page.on('requestfinished', finished);
      page.on('requestfailed', finished);
      await page.route(signedPut, async (route: Route) => {
        if (route.request().method() !== 'PUT') return route.continue();
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 700));
        // Handled already when the test ended early and the route was taken away.
        await route.continue().catch(() => undefined);
      });
      try {
        await page.evaluate(inPage.deliverFiles, {
          how: 'drop',
          files: [
            ...pngs.map((base64, i) => ({ name: `batch-${i + 1}.png`, type: 'image/png', base64 })),
            { name: 'notes.txt', type: 'text/plain', base64: Buffer.from('a shopping list').toString('base64') },
            { name: 'animation.gif', type: 'image/gif', base64: Buffer.from('GIF89a').toString('base64') },
          ],
        });
        const queue = page.locator('#upload-queue');
        await queue.waitFor();
        // Every accepted file has its card and progress at once; the fourth waits its turn.
        expect(await page.locator('#gallery-grid > li.upload progress').count()).toBe(4);
        await page.locator('#gallery-grid > li.upload[data-status="waiting"]').first().waitFor();
        expect(await page.textContent('#queue-summary')).toMatch(/^Uploading 4 photos: /);
        const skipped = page.locator('#queue-skipped-list li');
        expect(await skipped.count()).toBe(2);
        expect(await skipped.filter({ hasText: 'notes.txt' }).textContent()).toContain(
          'Upload a JPEG, PNG or WebP image.',
        );
        expect(await skipped.filter({ hasText: 'animation.gif' }).textContent()).toContain(
          'Upload a JPEG, PNG or WebP image.',
        );
        await shot(page, 'drop-queue', false);
        expect(await seriousAxeFindings(page)).toEqual([]);

        await page
          .locator('#gallery-grid .card[data-status="done"]')
          .filter({ hasText: /batch-\d\.png/ })
          .nth(3)
          .waitFor(PROCESSING);
      } finally {
        await page.unroute(signedPut);
        page.off('requestfinished', finished);
        page.off('requestfailed', finished);
      }
      expect(most).toBeGreaterThanOrEqual(2);
      expect(most).toBeLessThanOrEqual(3);
      // Done: the summary stays while there are skipped files to read, then is dismissed.
      await page.locator('#queue-summary').getByText('4 photos uploaded, 2 files skipped').waitFor();
      expect(await page.textContent('#gallery-count')).toBe('6 cutouts');
      await page.click('#queue-dismiss');
      await page.locator('#upload-queue').waitFor({ state: 'hidden' });
      await shot(page, 'after-drop');
    },
    TEST_TIMEOUT,
  );

  it(
    'shows sample cutouts on the landing page, made by our engine, and hides them when they are missing',
    async () => {
      const visitor = await openPage();
      await visitor.goto(base);
      const samples = visitor.locator('#samples');
      await samples.waitFor();
      expect(await samples.locator('.sample').count()).toBe(3);
      await samples.scrollIntoViewIfNeeded();
      await visitor.waitForFunction(inPage.imagesLoaded, { selector: '#samples img', count: 6 }, WAIT);
      expect(await samples.locator('.compare-range').count()).toBe(3);
      await shot(visitor, 'landing-samples');
      expect(await seriousAxeFindings(visitor)).toEqual([]);

      // Each "after" is a real cutout: transparent around the subject, opaque on it.
      const source = await samples.locator('img.compare-after').first().getAttribute('src');
      const bytes = Buffer.from(await (await fetch(`${base}${source}`)).arrayBuffer());
      const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const alpha = (x: number, y: number) => data[(y * info.width + x) * info.channels + 3];
      expect(info.width).toBe(640);
      expect(alpha(5, 5)).toBe(0);
      expect(alpha(info.width - 5, info.height - 5)).toBe(0);
      expect(alpha(info.width / 2, info.height / 2)).toBe(255);

      // Without them (a build where the engine could not run) the page is whole, just without the section.
      const bare = await openPage();
      await bare.route('**/samples/manifest.json', (route) => route.fulfill({ status: 404, body: '' }));
      logs.at(-1)?.allow(404, '/samples/manifest.json');
      await bare.goto(base);
      await bare.locator('#signin-form').waitFor();
      // The manifest was asked for and refused; the section stays hidden.
      await bare.waitForLoadState('networkidle');
      expect(await bare.locator('#samples').isHidden()).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'shows an upload whose bytes never came as failed, with the reason, Delete and no Retry',
    async () => {
      // The server settles it on read once its link and the event window are past.
      const due = abandonedAt + (SIGNED_URL_TTL_SECONDS + EVENT_MAX_AGE_SECONDS + 2) * 1000;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
      const other = await openPage();
      await signIn(other, abandoner);
      const stale = other.locator('#gallery-grid > li.card', { hasText: 'never-sent.jpg' });
      await stale.and(other.locator('[data-status="failed"]')).waitFor();
      expect(await stale.locator('.card-error').textContent()).toContain('The upload did not arrive in time');
      expect(await stale.getByRole('button', { name: /^Retry/ }).count()).toBe(0);
      await stale.getByRole('button', { name: 'Upload again: never-sent.jpg' }).waitFor();
      expect(await other.textContent('#gallery-count')).toBe('0 cutouts, 1 failed');
      await shot(other, 'abandoned-upload', false);
      // On a phone the button still fits its card, on one line.
      await other.setViewportSize({ width: 375, height: 812 });
      const button = await stale.getByRole('button', { name: /^Upload again/ }).boundingBox();
      const box = await stale.boundingBox();
      expect(button && box && button.x + button.width <= box.x + box.width).toBe(true);
      expect(button?.height).toBeLessThanOrEqual(45);
      await other.setViewportSize({ width: 1280, height: 800 });

      await stale.getByRole('button', { name: 'Delete never-sent.jpg' }).click();
      await other.click('#confirm-delete');
      await stale.waitFor({ state: 'detached' });
      await other.locator('#gallery-empty').waitFor();
    },
    (SIGNED_URL_TTL_SECONDS + EVENT_MAX_AGE_SECONDS) * 1000 + TEST_TIMEOUT,
  );

  it('logged no console errors, page errors or CSP violations', async () => {
    for (const log of logs) {
      expect(await log.violations()).toEqual([]);
      expect(log.unexpected()).toEqual([]);
      expect(log.foreignRequests).toEqual([]);
    }
  });
});
