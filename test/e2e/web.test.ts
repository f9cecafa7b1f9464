import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page, type Request, type Route } from 'playwright-core';
import sharp from 'sharp';
import { startLocalCloud, type LocalCloud } from '../../local/local-cloud';
import {
  firebaseCsp,
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
 * The web page end to end in Debian's Chromium against the local cloud: accounts, uploads
 * through signed URLs, live status, the cutouts, download, delete, sign-out, a second person,
 * a lapsed session, a phone-sized screen, and not one console error or CSP violation.
 */
const suite = browserSuite('the browser tests');

const DISC_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480"><rect width="100%" height="100%" fill="#ffffff"/><circle cx="320" cy="240" r="150" fill="#23588a"/></svg>';

const first = { email: 'ada@example.com', username: 'ada', password: 'correct horse battery' };
const second = { email: 'grace@example.com', username: 'grace', password: 'another good passphrase' };

suite('the web page in Chromium', () => {
  // Made in beforeAll, so that a skipped run leaves nothing behind.
  let dataDir = '';
  let photoDir = '';
  const photos = { product: '', disc: '' };
  let cloud: LocalCloud | undefined;
  let browser: Browser | undefined;
  let base = '';
  let shots = 0;
  const logs: PageLog[] = [];
  const contexts: BrowserContext[] = [];
  let page: Page;
  let keptId = '';

  /** Full page, except with a modal dialog open: the dialog belongs to the viewport. */
  const shot = async (target: Page, name: string) => {
    shots += 1;
    const fullPage = !(await target.locator('dialog[open]').count());
    // From the top, or the sticky header is drawn where the page happened to be scrolled.
    if (fullPage) await target.evaluate(inPage.scrollToTop);
    await target.screenshot({ path: join(ARTIFACTS, `${String(shots).padStart(2, '0')}-${name}.png`), fullPage });
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

  const signIn = async (target: Page, login: string, password: string) => {
    await target.fill('#signin-email', login);
    await target.fill('#signin-password', password);
    await target.click('#signin-form button[type="submit"]');
    await target.locator('#app-view').waitFor();
  };

  const galleryIsLoaded = (target: Page) => target.locator('#gallery-loading').waitFor({ state: 'hidden' });

  beforeAll(async () => {
    // Built by Jest's global setup (test/global-setup.js); the local server serves it.
    if (!existsSync(join(ROOT, 'hosting/dist/index.html'))) throw new Error('hosting/dist was not built');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cutout-e2e-data-'));
    photoDir = mkdtempSync(join(tmpdir(), 'cutout-e2e-photos-'));
    photos.product = join(photoDir, 'red-box.jpg');
    photos.disc = join(photoDir, 'blue-disc.png');
    writeFileSync(photos.product, await sharp(Buffer.from(PRODUCT_SVG)).jpeg({ quality: 90 }).toBuffer());
    writeFileSync(photos.disc, await sharp(Buffer.from(DISC_SVG)).png().toBuffer());
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    // The signed URLs name 127.0.0.1; the page is opened there too, so all traffic is loopback.
    base = cloud.url.replace('localhost', '127.0.0.1');
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
    'serves the page with the Content-Security-Policy from firebase.json',
    async () => {
      const response = await page.goto(base);
      expect(response?.status()).toBe(200);
      expect(response?.headers()['content-security-policy']).toBe(firebaseCsp(join(ROOT, 'firebase.json')));
      await page.locator('#signin-form').waitFor();
      await shot(page, 'sign-in');
    },
    TEST_TIMEOUT,
  );

  it(
    'signs up (with the API’s field errors beside the fields), signs out and signs in',
    async () => {
      await page.click('#signin-form button[data-show="signup"]');
      logs[0]?.allow(400, '/api/register');
      await page.fill('#signup-email', 'not-an-email');
      await page.fill('#signup-username', first.username);
      await page.fill('#signup-password', first.password);
      await page.click('#signup-form button[type="submit"]');
      await page.locator('#signup-email-error').waitFor();
      expect(await page.textContent('#signup-email-error')).toMatch(/^Email must be an email address/);
      expect(await page.getAttribute('#signup-email', 'aria-invalid')).toBe('true');
      await shot(page, 'sign-up-field-error');

      await page.fill('#signup-email', first.email);
      await page.click('#signup-form button[type="submit"]');
      await page.locator('#gallery-empty').waitFor();
      expect(await page.textContent('#gallery-empty')).toContain('No cutouts yet — drop a photo here');
      expect(await page.textContent('#account-name')).toBe(first.username);
      // The token lives in sessionStorage only: never localStorage, never a cookie.
      expect((await page.evaluate(inPage.storedItems)).local).toBe(0);
      expect(await page.context().cookies()).toEqual([]);
      await shot(page, 'signed-up-empty-gallery');

      await page.click('#sign-out');
      await page.locator('#signin-form').waitFor();
      expect(await page.evaluate(inPage.storedItems)).toEqual({ local: 0, session: 0 });
      await signIn(page, first.username, first.password);
      await galleryIsLoaded(page);
      await page.locator('#gallery-empty').waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'uploads two photos through the file picker and shows both cutouts',
    async () => {
      await page.setInputFiles('#file-input', [photos.product, photos.disc]);
      // Each file has its own card with its own progress bar, at the top of the gallery.
      await page.locator('#gallery-grid .upload progress').nth(1).waitFor();
      await shot(page, 'uploading');
      await page.locator('#gallery-grid .card[data-status="done"]').nth(1).waitFor(PROCESSING);
      // Once done, each file's card has become its image's card: one card per image.
      expect(await page.locator('#gallery-grid > li').count()).toBe(2);
      expect(await page.locator('#gallery-grid .upload').count()).toBe(0);
      await page.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img', count: 2 }, WAIT);
      await shot(page, 'two-cutouts');
    },
    TEST_TIMEOUT,
  );

  it(
    'cancels an upload in flight: the bytes stop, the waiting record is deleted, nothing is left behind',
    async () => {
      const cards = await page.locator('#gallery-grid .card').count();
      const uploads = await page.locator('.upload').count();
      // Hold the PUT to the bucket so that the upload is still in flight when it is cancelled.
      let reached: () => void = () => undefined;
      const putReached = new Promise<void>((resolve) => (reached = resolve));
      const held: Route[] = [];
      const signedPut = (url: URL) => url.searchParams.has('X-Goog-Signature');
      await page.route(signedPut, async (route) => {
        if (route.request().method() !== 'PUT') return route.continue();
        held.push(route);
        reached();
      });
      try {
        await page.setInputFiles('#file-input', [photos.disc]);
        await putReached;
        const item = page.locator('.upload').first();
        await item.getByText('Uploading…').waitFor();
        const deleted = page.waitForResponse(
          (r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname.startsWith('/api/delete/'),
          WAIT,
        );
        await item.getByRole('button', { name: 'Cancel the upload of blue-disc.png' }).click();
        const reply = await deleted;
        expect(reply.status()).toBe(204);
        // A poll of the waiting record already on its way when it was deleted finds it gone.
        logs[0]?.allow(404, `/api/images/${new URL(reply.url()).pathname.split('/').pop()}`);
        await page.locator('.upload').nth(uploads).waitFor({ state: 'detached' });
        expect(await page.locator('#gallery-grid .card').count()).toBe(cards);
        expect(await page.locator('#gallery-grid .card[data-status="awaiting_upload"]').count()).toBe(0);
      } finally {
        await page.unroute(signedPut);
        for (const route of held) await route.abort().catch(() => undefined);
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'cancels an upload while its link is being issued: no bytes are sent, and the record is deleted',
    async () => {
      const uploads = await page.locator('.upload').count();
      const puts: string[] = [];
      const countPuts = (request: Request) => {
        if (request.method() === 'PUT') puts.push(request.url());
      };
      page.on('request', countPuts);
      let issue: Route | undefined;
      let reached: () => void = () => undefined;
      const issuing = new Promise<void>((resolve) => (reached = resolve));
      await page.route('**/api/upload', (route) => {
        issue = route;
        reached();
      });
      try {
        await page.setInputFiles('#file-input', [photos.disc]);
        await issuing;
        await page
          .locator('.upload')
          .first()
          .getByRole('button', { name: 'Cancel the upload of blue-disc.png' })
          .click();
        const deleted = page.waitForResponse(
          (r) => r.request().method() === 'DELETE' && new URL(r.url()).pathname.startsWith('/api/delete/'),
          WAIT,
        );
        // The API answers after the cancel: the page must not send the bytes anyway.
        await issue!.continue();
        const reply = await deleted;
        expect(reply.status()).toBe(204);
        logs[0]?.allow(404, `/api/images/${new URL(reply.url()).pathname.split('/').pop()}`);
        await page.locator('.upload').nth(uploads).waitFor({ state: 'detached' });
        expect(puts).toEqual([]);
      } finally {
        page.off('request', countPuts);
        await page.unroute('**/api/upload');
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'opens a cutout with the keyboard, compares before and after, and closes on Escape',
    async () => {
      const card = page.locator('#gallery-grid .card').first();
      await card.locator('.card-open').focus();
      await page.keyboard.press('Enter');
      const dialog = page.locator('#image-dialog');
      await dialog.locator('.compare-range').waitFor();
      expect(new URL(page.url()).pathname).toMatch(/^\/images\//);
      await dialog.locator('.compare-range').focus();
      await page.keyboard.press('Home');
      await page.keyboard.press('ArrowRight');
      expect(await dialog.locator('.compare').evaluate(inPage.cssVariable, '--split')).toBe('1%');
      await page.keyboard.press('End');
      for (let i = 0; i < 30; i += 1) await page.keyboard.press('ArrowLeft');
      await shot(page, 'image-dialog');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await card.locator('.card-open').evaluate(inPage.isFocused)).toBe(true);
      // The dialog's address (/images/{id}) is given back once it has closed.
      await page.waitForURL(`${base}/`, WAIT);
    },
    TEST_TIMEOUT,
  );

  it(
    'closes a cutout with the browser’s Back, opens it again with Forward',
    async () => {
      const card = page.locator('#gallery-grid .card').first();
      await card.locator('.card-open').click();
      const dialog = page.locator('#image-dialog');
      await dialog.locator('.compare-range').waitFor();
      const imageUrl = page.url();
      expect(new URL(imageUrl).pathname).toMatch(/^\/images\//);
      await page.goBack();
      await dialog.waitFor({ state: 'hidden' });
      expect(page.url()).toBe(`${base}/`);
      expect(await page.locator('#gallery-grid .card').count()).toBeGreaterThan(0);
      await page.goForward();
      await dialog.locator('.compare-range').waitFor();
      expect(page.url()).toBe(imageUrl);
      await dialog.locator('#image-dialog-close').click();
      await dialog.waitFor({ state: 'hidden' });
      await page.waitForURL(`${base}/`, WAIT);
    },
    TEST_TIMEOUT,
  );

  it(
    'downloads a cutout as a PNG',
    async () => {
      const [download] = await Promise.all([
        page.waitForEvent('download', WAIT),
        page.locator('#gallery-grid .card[data-status="done"] a[download]').first().click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/-nobg\.png$/);
      const path = await download.path();
      const bytes = readFileSync(path);
      expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', hasAlpha: true });
    },
    TEST_TIMEOUT,
  );

  it(
    'deletes an image after confirmation; signed in again, the gallery shows the other one',
    async () => {
      const cards = page.locator('#gallery-grid .card');
      const doomed = cards.filter({ hasText: 'blue-disc.png' });
      const kept = cards.filter({ hasText: 'red-box.jpg' });
      keptId = (await kept.getAttribute('data-id')) ?? '';
      expect(keptId).not.toBe('');

      // Escape is a "no": nothing is deleted.
      await doomed.locator('button[data-focus="delete"]').click();
      const confirm = page.locator('#confirm-dialog');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('cannot be undone');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'hidden' });
      expect(await cards.count()).toBe(2);

      await doomed.locator('button[data-focus="delete"]').click();
      await confirm.waitFor();
      await shot(page, 'confirm-delete');
      await page.click('#confirm-delete');
      await doomed.waitFor({ state: 'detached' });
      expect(await cards.count()).toBe(1);
      await shot(page, 'deleted');

      await page.click('#sign-out');
      await page.locator('#signin-form').waitFor();
      expect(await page.locator('#gallery-grid .card').count()).toBe(0);
      await shot(page, 'signed-out');
      await signIn(page, first.email, first.password);
      await galleryIsLoaded(page);
      await cards.first().waitFor();
      expect(await cards.count()).toBe(1);
      expect(await cards.first().getAttribute('data-id')).toBe(keptId);
      await page.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img', count: 1 }, WAIT);
      await shot(page, 'signed-in-again');
    },
    TEST_TIMEOUT,
  );

  it(
    'shows a second person an empty gallery, and not the first person’s image',
    async () => {
      const other = await openPage();
      await signUpInPage(other, base, second);
      await galleryIsLoaded(other);
      expect(await other.locator('#gallery-grid .card').count()).toBe(0);

      logs.at(-1)?.allow(404, `/api/images/${keptId}`);
      await other.goto(`${base}/images/${encodeURIComponent(keptId)}`);
      const dialog = other.locator('#image-dialog');
      await dialog.getByText('This image does not exist').waitFor();
      expect(await dialog.locator('img').count()).toBe(0);
      await shot(other, 'second-person-foreign-image');
      await other.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await other.locator('#gallery-grid .card').count()).toBe(0);
    },
    TEST_TIMEOUT,
  );

  it(
    'sends a person whose session has lapsed back to sign-in, saying so',
    async () => {
      // A token the API refuses, as an expired one would be.
      await page.evaluate(inPage.spoilToken);
      logs[0]?.allow(401, '/api/images');
      await page.reload();
      await page.locator('#auth-alert').getByText('Your session has expired — sign in again').waitFor();
      expect(await page.locator('#app-view').isHidden()).toBe(true);
      await shot(page, 'session-expired');
      await signIn(page, first.username, first.password);
      await page.locator('#gallery-grid .card').first().waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'fits a phone screen',
    async () => {
      const phone = await openPage({ width: 390, height: 844 });
      await phone.goto(base);
      await phone.locator('#signin-form').waitFor();
      await shot(phone, 'phone-sign-in');
      await signIn(phone, first.username, first.password);
      await phone.locator('#gallery-grid .card').first().waitFor();
      await phone.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img', count: 1 }, WAIT);
      await shot(phone, 'phone-gallery');
      for (const width of [390, 360]) {
        await phone.setViewportSize({ width, height: 800 });
        expect(await phone.evaluate(inPage.horizontalOverflow)).toBeLessThanOrEqual(0);
      }
      await phone.locator('#gallery-grid .card-open').first().click();
      await phone.locator('#image-dialog .compare img.compare-after').waitFor();
      await phone.waitForFunction(inPage.imagesLoaded, { selector: '#image-dialog img', count: 2 }, WAIT);
      await shot(phone, 'phone-image-dialog');
      await phone.keyboard.press('Escape');
    },
    TEST_TIMEOUT,
  );

  it(
    'takes photos by drag and drop and by paste, and refuses what the API would refuse before sending it',
    async () => {
      const uploads: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/api/upload') uploads.push(request.url());
      });
      const done = page.locator('#gallery-grid .card[data-status="done"]');
      // The options travel with the upload: a product on a yellow background.
      await page.selectOption('#subject-type', 'product');
      await page.click('label[for="bg-colour"]');
      await page.fill('#bg-colour-value', '#ffcc00');
      const disc = readFileSync(photos.disc).toString('base64');
      await page.evaluate(inPage.deliverFiles, {
        how: 'drop',
        files: [{ name: 'dropped.png', type: 'image/png', base64: disc }],
      });
      await page.evaluate(inPage.deliverFiles, {
        how: 'paste',
        files: [{ name: 'image.png', type: 'image/png', base64: disc }],
      });
      await done.filter({ hasText: 'dropped.png' }).waitFor(PROCESSING);
      await done.filter({ hasText: /pasted-\d{6}\.png/ }).waitFor(PROCESSING);
      expect(uploads).toHaveLength(2);
      await page.locator('#gallery-grid .card', { hasText: 'dropped.png' }).locator('.card-open').click();
      const details = page.locator('#image-dialog .details');
      await details.waitFor();
      expect(await details.textContent()).toMatch(/Subject\s*Product.*Background\s*#ffcc00/);
      await page.keyboard.press('Escape');

      await page.setInputFiles('#file-input', [
        { name: 'notes.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') },
        { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(22 * 1024 * 1024 + 1) },
      ]);
      // Listed as skipped, with why, and never sent.
      const refused = page.locator('#queue-skipped-list li');
      await refused.nth(1).waitFor();
      expect(await refused.filter({ hasText: 'notes.gif' }).textContent()).toContain(
        'Upload a JPEG, PNG or WebP image.',
      );
      expect(await refused.filter({ hasText: 'huge.png' }).textContent()).toContain('An image can be at most 22 MB.');
      expect(await page.locator('#gallery-grid > li', { hasText: /notes\.gif|huge\.png/ }).count()).toBe(0);
      expect(uploads).toHaveLength(2);
      expect(await page.evaluate(inPage.horizontalOverflow)).toBeLessThanOrEqual(0);
      await shot(page, 'drop-paste-and-refusals');
    },
    TEST_TIMEOUT,
  );

  it('logged no console errors, page errors, CSP violations or traffic beyond 127.0.0.1', async () => {
    for (const log of logs) {
      expect(await log.violations()).toEqual([]);
      expect(log.unexpected()).toEqual([]);
      expect(log.foreignRequests).toEqual([]);
    }
  });
});
