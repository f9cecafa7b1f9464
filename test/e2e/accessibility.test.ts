import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type Page } from 'playwright-core';
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
} from './browser-support';

/**
 * Accessibility in Debian's Chromium against the local cloud: axe-core on every main view
 * (no serious or critical violation; the rest printed), the whole flow by keyboard alone
 * (sign up, upload through the file picker, open an image, close it with Escape), dialogs that
 * keep Tab inside and give the focus back, and status changes said through live regions.
 */
const suite = browserSuite('the accessibility tests');

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const person = { email: 'alan@example.com', username: 'alan', password: 'keyboard only, please' };

interface Finding {
  view: string;
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/*
 * What the functions below use of the page: they are serialised by Playwright and run inside
 * Chromium, and this Node program has no DOM lib.
 */
interface PageNode {
  nodeType: number;
  parentElement: PageNode | null;
  textContent: string | null;
  id: string;
  tagName: string;
  className: string;
  closest(selector: string): PageNode | null;
  matches(selector: string): boolean;
  contains(other: unknown): boolean;
  getAttribute(name: string): string | null;
}
interface AxeResult {
  passes: unknown[];
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
}
interface PageGlobals {
  axe?: { run(context: unknown, options: unknown): Promise<AxeResult> };
  document: { activeElement: PageNode | null; querySelector(selector: string): PageNode | null };
  __announced?: string[];
  MutationObserver: new (callback: (records: { target: PageNode }[]) => void) => {
    observe(target: unknown, options: Record<string, unknown>): void;
  };
}
// Each function below stands alone: Playwright sends its source, without this module around it.

/** Runs in the page before its scripts: every text a live region (or an alert) takes on, in order. */
function recordAnnouncements(): void {
  const page = globalThis as unknown as PageGlobals;
  page.__announced = [];
  const observer = new page.MutationObserver((records) => {
    for (const { target } of records) {
      const element = target.nodeType === 1 ? target : target.parentElement;
      const region = element?.closest('[aria-live], [role="status"], [role="alert"]');
      const text = region?.textContent?.trim();
      if (text && page.__announced?.at(-1) !== text) page.__announced?.push(text);
    }
  });
  observer.observe(page.document, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ['hidden'],
  });
}

/** axe-core on the whole document; the result as plain data, with how many rules passed. */
async function axeViolations(): Promise<{ passed: number; found: Finding[] }> {
  const { axe, document } = globalThis as unknown as PageGlobals;
  if (!axe) throw new Error('axe-core is not in the page');
  const result = await axe.run(document, { resultTypes: ['violations'] });
  const found = result.violations.map(({ id, impact, help, nodes }) => ({
    view: '',
    id,
    impact: impact ?? 'unknown',
    help,
    targets: nodes.map(({ target }) => target.map(String).join(' ')),
  }));
  return { passed: result.passes.length, found };
}

/** The focused element as a short selector-like text, for messages. */
function describeFocus(): string {
  const active = (globalThis as unknown as PageGlobals).document.activeElement;
  if (!active) return 'nothing';
  const id = active.id ? `#${active.id}` : '';
  const classes = active.className ? `.${String(active.className).trim().split(/\s+/).join('.')}` : '';
  return `${active.tagName.toLowerCase()}${id}${classes}`;
}

const focusMatches = (selector: string): boolean =>
  (globalThis as unknown as PageGlobals).document.activeElement?.matches(selector) ?? false;

const focusInside = (selector: string): boolean => {
  const { document } = globalThis as unknown as PageGlobals;
  const container = document.querySelector(selector);
  return container !== null && document.activeElement !== null && container.contains(document.activeElement);
};

const announced = (): string[] => (globalThis as unknown as PageGlobals).__announced ?? [];

suite('accessibility in Chromium', () => {
  let dataDir = '';
  let photo = '';
  let cloud: LocalCloud | undefined;
  let browser: Browser | undefined;
  let base = '';
  let page: Page;
  let log: PageLog;
  let shots = 0;
  const findings: Finding[] = [];

  const shot = async (name: string) => {
    shots += 1;
    const fullPage = !(await page.locator('dialog[open]').count());
    if (fullPage) await page.evaluate(inPage.scrollToTop);
    await page.screenshot({ path: join(ARTIFACTS, `a11y-${String(shots).padStart(2, '0')}-${name}.png`), fullPage });
  };

  /**
   * axe-core on the page as it is now. The page's CSP (script-src 'self') refuses an inline
   * <script>, so the library is evaluated through the DevTools protocol, which CSP does not
   * govern; the page's own scripts stay under the policy.
   */
  const checkAxe = async (view: string) => {
    if (!(await page.evaluate(() => Boolean((globalThis as unknown as PageGlobals).axe))))
      await page.evaluate(AXE_SOURCE);
    const { passed, found: raw } = await page.evaluate(axeViolations);
    // A run that checked next to nothing would pass for the wrong reason.
    expect(passed).toBeGreaterThan(10);
    const found = raw.map((finding) => ({ ...finding, view }));
    findings.push(...found);
    const serious = found.filter(({ impact }) => impact === 'serious' || impact === 'critical');
    expect(serious).toEqual([]);
  };

  /** Presses Tab (or Shift+Tab) until the focus is on `selector`: proof that the keyboard gets there. */
  const tabTo = async (selector: string, { back = false, max = 60 } = {}) => {
    for (let i = 0; i < max; i += 1) {
      if (await page.evaluate(focusMatches, selector)) return;
      await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    }
    throw new Error(
      `${max} presses of Tab never reached ${selector}; the focus is on ${await page.evaluate(describeFocus)}`,
    );
  };

  /**
   * Walks a modal dialog's Tab order both ways: the focus never leaves it, and it comes round
   * to where it started (the last stop leads to the first, and back).
   */
  const expectFocusTrapped = async (dialog: string) => {
    const start = await page.evaluate(describeFocus);
    for (const key of ['Tab', 'Shift+Tab']) {
      const seen: string[] = [];
      for (let i = 0; i < 40; i += 1) {
        await page.keyboard.press(key);
        expect(await page.evaluate(focusInside, dialog)).toBe(true);
        const now = await page.evaluate(describeFocus);
        seen.push(now);
        if (now === start) break;
      }
      expect(seen.at(-1)).toBe(start);
      expect(seen.length).toBeGreaterThan(1);
    }
  };

  const isFocused = (selector: string) => page.evaluate(focusMatches, selector);
  /** A dialog gives the focus back on its `close` event, a task after it is hidden. */
  const focusReturnsTo = async (selector: string) => {
    const arrived = await page
      .waitForFunction(focusMatches, selector, WAIT)
      .then(() => true)
      .catch(() => false);
    if (!arrived) throw new Error(`the focus went to ${await page.evaluate(describeFocus)}, not ${selector}`);
  };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'hosting/dist/index.html'))) throw new Error('hosting/dist was not built');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cutout-a11y-data-'));
    photo = join(dataDir, 'red-box.jpg');
    writeFileSync(photo, await sharp(Buffer.from(PRODUCT_SVG)).jpeg({ quality: 90 }).toBuffer());
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error' },
    });
    base = cloud.url.replace('localhost', '127.0.0.1');
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT.timeout);
    page = await context.newPage();
    log = await trackPage(page);
    await page.addInitScript(recordAnnouncements);
  }, TEST_TIMEOUT);

  afterAll(async () => {
    // Below serious: printed for a person to judge, not failed.
    const lines = findings.map(
      ({ view, id, impact, help, targets }) => `${view}: ${id} (${impact}) ${help} — ${targets.join(', ')}`,
    );
    console.log(`axe-core findings below serious (${lines.length}):\n${lines.join('\n') || 'none'}`);
    await browser?.close();
    await cloud?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, TEST_TIMEOUT);

  it(
    'landing page, signed out: the skip link comes first, and axe finds nothing serious',
    async () => {
      await page.goto(base);
      await page.locator('#signin-form').waitFor();
      // The sign-in form took the focus on load. Back from there to the skip link, and one
      // step further leaves the page: nothing comes before it.
      await tabTo('.skip-link', { back: true, max: 20 });
      await page.keyboard.press('Shift+Tab');
      expect(await isFocused('body')).toBe(true);
      await page.keyboard.press('Tab');
      expect(await isFocused('.skip-link')).toBe(true);
      await page.keyboard.press('Enter');
      expect(await isFocused('#main')).toBe(true);
      await checkAxe('landing');
      await shot('landing');
    },
    TEST_TIMEOUT,
  );

  it(
    'sign-in: a refused sign-in is said in the alert and the focus goes back to the password',
    async () => {
      log.allow(401, '/api/login');
      await tabTo('#signin-email');
      await page.keyboard.type('nobody@example.com');
      await page.keyboard.press('Tab');
      expect(await isFocused('#signin-password')).toBe(true);
      await page.keyboard.type('not the password');
      await page.keyboard.press('Enter');
      const alert = page.locator('#auth-alert');
      await alert.waitFor();
      expect(await alert.getAttribute('role')).toBe('alert');
      expect(await alert.textContent()).toBe('The email, username or password is wrong.');
      expect(await isFocused('#signin-password')).toBe(true);
      expect(await page.evaluate(announced)).toContain('The email, username or password is wrong.');
      await checkAxe('sign-in, refused');
      await shot('sign-in-refused');
    },
    TEST_TIMEOUT,
  );

  it(
    'sign-up with errors shown: each beside its field, a hint or an error and never both',
    async () => {
      log.allow(400, '/api/register');
      await tabTo('#signin-form button[data-show="signup"]');
      await page.keyboard.press('Enter');
      expect(await isFocused('#signup-email')).toBe(true);
      await page.keyboard.type('not-an-email');
      await page.keyboard.press('Tab');
      await page.keyboard.type(person.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type('short');
      await page.keyboard.press('Enter');
      // The page says the rule itself; nothing is sent.
      const passwordError = page.locator('#signup-password-error');
      await passwordError.waitFor();
      expect(await passwordError.textContent()).toBe('Password is too short: use 8 to 72 characters.');
      expect(await page.locator('#signup-password-hint').isHidden()).toBe(true);
      expect(await page.getAttribute('#signup-password', 'aria-describedby')).toBe('signup-password-error');
      expect(await isFocused('#signup-password')).toBe(true);

      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type(person.password);
      await page.keyboard.press('Enter');
      const emailError = page.locator('#signup-email-error');
      await emailError.waitFor();
      expect(await emailError.textContent()).toBe('Email must be an email address such as ada@example.com.');
      expect(await page.locator('#auth-alert').isHidden()).toBe(true);
      expect(await page.getAttribute('#signup-email', 'aria-invalid')).toBe('true');
      expect(await isFocused('#signup-email')).toBe(true);
      // The password is fine now: its hint is back, its error gone.
      expect(await page.locator('#signup-password-hint').isVisible()).toBe(true);
      expect(await passwordError.isHidden()).toBe(true);
      await checkAxe('sign-up, with errors');
      await shot('sign-up-errors');
    },
    TEST_TIMEOUT,
  );

  it(
    'signs up, uploads through the file picker and opens the image, by keyboard alone',
    async () => {
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.type(person.email);
      await page.keyboard.press('Enter');
      await page.locator('#app-view').waitFor();
      expect(await page.textContent('#account-name')).toBe(person.username);

      await tabTo('#file-input');
      const chooser = page.waitForEvent('filechooser', WAIT);
      await page.keyboard.press('Space');
      await (await chooser).setFiles(photo);
      const card = page.locator('#gallery-grid .card[data-status="done"]').first();
      await card.waitFor(PROCESSING);
      await page.waitForFunction(inPage.imagesLoaded, { selector: '#gallery-grid img' }, WAIT);
      // Said, not only shown: the live region had the upload's news.
      const saidName = (name: string) =>
        ((globalThis as unknown as PageGlobals).__announced ?? []).some((text) => text.includes(name));
      await page.waitForFunction(saidName, 'red-box.jpg', WAIT).catch(async () => {
        throw new Error(`nothing said about red-box.jpg; said: ${JSON.stringify(await page.evaluate(announced))}`);
      });
      expect(await page.getAttribute('#announcer', 'aria-live')).toBe('polite');
      await checkAxe('gallery with an image');
      await shot('gallery');
    },
    TEST_TIMEOUT,
  );

  it(
    'the image dialog: Compare, Edit and Touch up pass axe, Tab stays inside, Escape gives the focus back to the card',
    async () => {
      const opener = '#gallery-grid .card[data-status="done"] .card-open';
      await tabTo(opener);
      await page.keyboard.press('Enter');
      const dialog = page.locator('#image-dialog');
      await dialog.locator('.compare-range').waitFor();
      expect(await page.evaluate(focusInside, '#image-dialog')).toBe(true);
      await checkAxe('image dialog, Compare');
      await shot('image-compare');

      await tabTo('#image-dialog [role="tab"][aria-selected="true"]');
      await page.keyboard.press('ArrowRight');
      await page.locator('#edit-preview').waitFor();
      await checkAxe('image dialog, Edit');
      await shot('image-edit');
      await page.keyboard.press('ArrowRight');
      await page.locator('#touchup-canvas').waitFor();
      await checkAxe('image dialog, Touch up');
      await shot('image-touch-up');

      await expectFocusTrapped('#image-dialog');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await focusReturnsTo(opener);
    },
    TEST_TIMEOUT,
  );

  it(
    'the delete confirmation: axe, Tab stays inside, Escape is a "no" and the focus goes back',
    async () => {
      const remove = '#gallery-grid .card button[data-focus="delete"]';
      await tabTo(remove);
      await page.keyboard.press('Enter');
      const confirm = page.locator('#confirm-dialog');
      await confirm.waitFor();
      expect(await isFocused('#confirm-cancel')).toBe(true);
      await checkAxe('delete confirmation');
      await shot('confirm-delete');
      await expectFocusTrapped('#confirm-dialog');
      await page.keyboard.press('Escape');
      await confirm.waitFor({ state: 'hidden' });
      await focusReturnsTo(remove);
      expect(await page.locator('#gallery-grid .card').count()).toBe(1);
    },
    TEST_TIMEOUT,
  );

  it(
    'the account dialog: axe with and without the deletion form, Tab stays inside, Escape gives the focus back',
    async () => {
      await tabTo('#account-open', { back: true });
      await page.keyboard.press('Enter');
      const dialog = page.locator('#account-dialog');
      await dialog.waitFor();
      expect(await page.evaluate(focusInside, '#account-dialog')).toBe(true);
      await checkAxe('account dialog');
      await shot('account');
      await expectFocusTrapped('#account-dialog');

      await tabTo('#account-delete-toggle');
      await page.keyboard.press('Enter');
      expect(await isFocused('#account-delete-username')).toBe(true);
      expect(await page.getAttribute('#account-delete-toggle', 'aria-expanded')).toBe('true');
      await checkAxe('account dialog, deletion form');
      await shot('account-delete-form');
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await focusReturnsTo('#account-open');
    },
    TEST_TIMEOUT,
  );

  it(
    'said nothing unexpected: no console error, no CSP violation',
    async () => {
      expect(log.unexpected()).toEqual([]);
      expect(await log.violations()).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
