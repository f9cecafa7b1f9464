import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, type Page } from 'playwright-core';
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
 * Accounts in Debian's Chromium against the local cloud: "Keep me signed in" (the tab's
 * storage, or the device's), the sign-in throttle said in words, password rules in plain
 * words with a hint or an error, and the account dialog: change the password (this tab goes on,
 * the others end), sign out everywhere, delete the account after typing the username.
 */
const suite = browserSuite("the account's browser tests");

interface Person {
  email: string;
  username: string;
  password: string;
}
const kay: Person = { email: 'kay@example.com', username: 'kay', password: 'kept on this device' };
const pat: Person = { email: 'pat@example.com', username: 'pat', password: 'the first passphrase' };
const lee: Person = { email: 'lee@example.com', username: 'lee', password: 'leaving for good now' };
const NEW_PASSWORD = 'the second passphrase';
/** A small limit, so that the throttle is reached in a few tries (the default is 10). */
const MAX_FAILURES = 3;

/** The focused input's selection, as [start, end, length of its value]. */
const selection = (): number[] => {
  const active = (
    globalThis as unknown as {
      document: { activeElement: { selectionStart: number; selectionEnd: number; value: string } | null };
    }
  ).document.activeElement;
  return active ? [active.selectionStart, active.selectionEnd, active.value.length] : [];
};

suite('accounts in Chromium', () => {
  let dataDir = '';
  let photo = '';
  let cloud: LocalCloud | undefined;
  let browser: Browser | undefined;
  let base = '';
  let shots = 0;
  const logs: PageLog[] = [];
  const contexts: BrowserContext[] = [];

  const shot = async (page: Page, name: string) => {
    shots += 1;
    const fullPage = !(await page.locator('dialog[open]').count());
    if (fullPage) await page.evaluate(inPage.scrollToTop);
    await page.screenshot({ path: join(ARTIFACTS, `account-${String(shots).padStart(2, '0')}-${name}.png`), fullPage });
  };

  /** A browser of its own (its own storage), with the page's log kept; `page` opens another tab in it. */
  const openBrowser = async () => {
    if (!browser) throw new Error('the browser did not start');
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    context.setDefaultTimeout(WAIT.timeout);
    contexts.push(context);
    const page = async () => {
      const opened = await context.newPage();
      const log = await trackPage(opened);
      logs.push(log);
      return { page: opened, log };
    };
    return { context, page };
  };

  const submit = (page: Page, form: string) => page.click(`${form} button[type="submit"]`);

  const signUp = async (page: Page, who: Person, remember = false) => {
    await page.goto(base);
    await page.click('#signin-form button[data-show="signup"]');
    await page.fill('#signup-email', who.email);
    await page.fill('#signup-username', who.username);
    await page.fill('#signup-password', who.password);
    if (remember) await page.check('#signup-remember');
    await submit(page, '#signup-form');
    await page.locator('#app-view').waitFor();
  };

  const fillSignIn = async (page: Page, login: string, password: string, remember = false) => {
    await page.fill('#signin-email', login);
    await page.fill('#signin-password', password);
    await page.setChecked('#signin-remember', remember);
    await submit(page, '#signin-form');
  };

  const signIn = async (page: Page, login: string, password: string, remember = false) => {
    await fillSignIn(page, login, password, remember);
    await page.locator('#app-view').waitFor();
  };

  const openAccount = async (page: Page) => {
    await page.click('#account-open');
    await page.locator('#account-dialog').waitFor();
  };

  const expectSignedOutWith = async (page: Page, text: string) => {
    await page.locator('#auth-alert').getByText(text, { exact: true }).waitFor();
    expect(await page.locator('#app-view').isHidden()).toBe(true);
    expect(await page.evaluate(inPage.storedItems)).toEqual({ local: 0, session: 0 });
  };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'hosting/dist/index.html'))) throw new Error('hosting/dist was not built');
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'cutout-account-data-'));
    photo = join(dataDir, 'red-box.jpg');
    writeFileSync(photo, await sharp(Buffer.from(PRODUCT_SVG)).jpeg({ quality: 90 }).toBuffer());
    cloud = await startLocalCloud({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      env: { BCRYPT_COST: '4', LOG_LEVEL: 'error', LOGIN_MAX_FAILURES: String(MAX_FAILURES) },
    });
    base = cloud.url.replace('localhost', '127.0.0.1');
    browser = await launchChromium();
  }, TEST_TIMEOUT);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await cloud?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, TEST_TIMEOUT);

  it(
    'keeps the session with the tab, or on the device when "Keep me signed in" is ticked',
    async () => {
      const device = await openBrowser();
      const { page: first } = await device.page();
      await signUp(first, kay);
      expect(await first.evaluate(inPage.storedItems)).toEqual({ local: 0, session: 1 });
      // Another tab does not share this tab's session.
      const { page: second } = await device.page();
      await second.goto(base);
      await second.locator('#signin-form').waitFor();
      expect(await second.locator('#app-view').isHidden()).toBe(true);
      await second.close();

      await first.click('#sign-out');
      await first.locator('#signin-form').waitFor();
      await signIn(first, kay.username, kay.password, true);
      expect(await first.evaluate(inPage.storedItems)).toEqual({ local: 1, session: 0 });
      // Ticked: a new tab (as after the browser is opened again) starts signed in.
      const { page: third } = await device.page();
      await third.goto(base);
      await third.locator('#app-view').waitFor();
      expect(await third.textContent('#account-name')).toBe(kay.username);
      await shot(third, 'kept-signed-in');

      // Signing out in one tab signs the other out too.
      await third.click('#sign-out');
      await expectSignedOutWith(first, 'You were signed out in another tab.');
      await shot(first, 'signed-out-in-another-tab');
    },
    TEST_TIMEOUT,
  );

  it(
    'says the sign-in throttle in words and puts the focus back on the password',
    async () => {
      const { page, log } = await (await openBrowser()).page();
      log.allow(401, '/api/login');
      log.allow(429, '/api/login');
      await page.goto(base);
      await page.locator('#signin-form').waitFor();
      for (let i = 0; i < MAX_FAILURES; i += 1) {
        const wrong = `wrong password ${i}`;
        await fillSignIn(page, kay.username, wrong);
        await page.locator('#auth-alert').getByText('The email, username or password is wrong.').waitFor();
        // Ready to type the password again: focused, and what was typed selected.
        expect(await page.locator('#signin-password').evaluate(inPage.isFocused)).toBe(true);
        expect(await page.evaluate(selection)).toEqual([0, wrong.length, wrong.length]);
      }
      const refused = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/login', WAIT);
      await fillSignIn(page, kay.username, kay.password);
      const reply = await refused;
      expect(reply.status()).toBe(429);
      // Windows are fixed (aligned to the clock), so the wait left is anything up to the window.
      const seconds = Number(reply.headers()['retry-after']);
      expect(seconds).toBeGreaterThan(0);
      const [count, unit] = seconds < 60 ? [seconds, 'second'] : [Math.ceil(seconds / 60), 'minute'];
      const text = `Too many attempts. Try again in ${count} ${unit}${count === 1 ? '' : 's'}.`;
      await page.locator('#auth-alert').getByText(text, { exact: true }).waitFor();
      expect(await page.locator('#signin-password').evaluate(inPage.isFocused)).toBe(true);
      await shot(page, 'throttled');
    },
    TEST_TIMEOUT,
  );

  it(
    'says the password rule in plain words, shows a hint or an error and never both, and field errors as sentences',
    async () => {
      const { page, log } = await (await openBrowser()).page();
      log.allow(400, '/api/register');
      log.allow(409, '/api/register');
      await page.goto(base);
      await page.click('#signin-form button[data-show="signup"]');
      const hint = page.locator('#signup-password-hint');
      const error = page.locator('#signup-password-error');
      expect(await hint.textContent()).toBe('8 to 72 characters');
      expect(await page.getAttribute('#signup-password', 'aria-describedby')).toBe('signup-password-hint');

      await page.fill('#signup-email', 'sam@example.com');
      await page.fill('#signup-username', kay.username);
      const refusals: [string, string][] = [
        ['short', 'Password is too short: use 8 to 72 characters.'],
        ['a'.repeat(73), 'Password is too long: use 8 to 72 characters.'],
        // 40 characters, 80 bytes: the one case where bytes are worth a mention.
        [
          'é'.repeat(40),
          'Password is too long: accented letters, other alphabets and emoji take 2 to 4 bytes each, ' +
            'and at most 72 bytes fit (this one takes 80).',
        ],
      ];
      for (const [password, message] of refusals) {
        await page.fill('#signup-password', password);
        await submit(page, '#signup-form');
        await error.getByText(message, { exact: true }).waitFor();
        expect(await hint.isHidden()).toBe(true);
        expect(await page.getAttribute('#signup-password', 'aria-describedby')).toBe('signup-password-error');
        expect(await page.locator('#signup-password').evaluate(inPage.isFocused)).toBe(true);
      }
      await shot(page, 'password-rule');

      // The API's refusals, each a sentence beside its field; no alert repeats them.
      await page.fill('#signup-password', 'a good passphrase');
      await submit(page, '#signup-form');
      await page.locator('#signup-username-error').getByText('Username is already taken.', { exact: true }).waitFor();
      expect(await hint.isVisible()).toBe(true);
      expect(await error.isHidden()).toBe(true);
      expect(await page.locator('#signup-username-hint').isHidden()).toBe(true);
      expect(await page.locator('#auth-alert').isHidden()).toBe(true);
      await page.fill('#signup-email', 'not-an-email');
      await page.fill('#signup-username', 'sam');
      await submit(page, '#signup-form');
      await page
        .locator('#signup-email-error')
        .getByText('Email must be an email address such as ada@example.com.', { exact: true })
        .waitFor();
      expect(await page.locator('#auth-alert').isHidden()).toBe(true);
      expect(await page.getByText('invalid fields').count()).toBe(0);
      await shot(page, 'field-errors');
    },
    TEST_TIMEOUT,
  );

  it(
    'changes the password: this tab goes on with the new token, every other session ends',
    async () => {
      const { page: here, log: hereLog } = await (await openBrowser()).page();
      const { page: there, log: thereLog } = await (await openBrowser()).page();
      hereLog.allow(401, '/api/account/password');
      thereLog.allow(401, '/api/images');
      thereLog.allow(401, '/api/login');
      await signUp(here, pat);
      await there.goto(base);
      await signIn(there, pat.email, pat.password);

      await openAccount(here);
      await here.fill('#account-current-password', 'not my password');
      await here.fill('#account-new-password', NEW_PASSWORD);
      await submit(here, '#account-password-form');
      await here
        .locator('#account-current-password-error')
        .getByText('Current password is not right. Type it again.', { exact: true })
        .waitFor();
      expect(await here.locator('#account-current-password').evaluate(inPage.isFocused)).toBe(true);
      // A wrong password typed here is no lapsed session: the page stays.
      expect(await here.locator('#account-dialog').isVisible()).toBe(true);

      await here.fill('#account-current-password', pat.password);
      await here.fill('#account-new-password', 'short');
      await submit(here, '#account-password-form');
      await here
        .locator('#account-new-password-error')
        .getByText('New password is too short: use 8 to 72 characters.', { exact: true })
        .waitFor();
      expect(await here.locator('#account-new-password-hint').isHidden()).toBe(true);
      expect(await here.locator('#account-current-password-error').isHidden()).toBe(true);

      await here.fill('#account-new-password', NEW_PASSWORD);
      await submit(here, '#account-password-form');
      const status = here.locator('#account-status');
      await status.getByText('Password changed.', { exact: false }).waitFor();
      expect(await status.getAttribute('role')).toBe('status');
      await shot(here, 'password-changed');
      await here.keyboard.press('Escape');
      await here.locator('#account-dialog').waitFor({ state: 'hidden' });

      // This tab keeps working with the token the change answered, reloaded or not.
      await here.reload();
      await here.locator('#gallery-empty').waitFor();
      expect(await here.locator('#auth-view').isHidden()).toBe(true);

      // The other session ended; the old password no longer opens the account, the new one does.
      await there.reload();
      await expectSignedOutWith(there, 'Your session has expired — sign in again');
      await fillSignIn(there, pat.username, pat.password);
      await there.locator('#auth-alert').getByText('The email, username or password is wrong.').waitFor();
      await signIn(there, pat.username, NEW_PASSWORD);
      await there.locator('#gallery-empty').waitFor();

      // Sign out everywhere, from the first tab: both end.
      await openAccount(here);
      await here.click('#account-sign-out-everywhere');
      await expectSignedOutWith(here, 'You have been signed out on every device, this one included.');
      await shot(here, 'signed-out-everywhere');
      await there.reload();
      await expectSignedOutWith(there, 'Your session has expired — sign in again');
    },
    TEST_TIMEOUT,
  );

  it(
    'deletes the account once the username is typed again, and lands on the landing page',
    async () => {
      const { page, log } = await (await openBrowser()).page();
      log.allow(401, '/api/account');
      log.allow(401, '/api/login');
      await signUp(page, lee);
      await page.setInputFiles('#file-input', [photo]);
      await page.locator('#gallery-grid .card[data-status="done"]').waitFor(PROCESSING);

      await openAccount(page);
      await page.click('#account-delete-toggle');
      expect(await page.locator('#account-delete-username').evaluate(inPage.isFocused)).toBe(true);
      await page.fill('#account-delete-username', 'someone');
      await page.fill('#account-delete-password', lee.password);
      await submit(page, '#account-delete-form');
      await page
        .locator('#account-delete-username-error')
        .getByText('That is not your username: type lee to confirm.', { exact: true })
        .waitFor();
      expect(await page.locator('#account-delete-username').evaluate(inPage.isFocused)).toBe(true);

      await page.fill('#account-delete-username', lee.username);
      await page.fill('#account-delete-password', 'not my password');
      await submit(page, '#account-delete-form');
      await page
        .locator('#account-delete-password-error')
        .getByText('Password is not right. Type it again.', { exact: true })
        .waitFor();
      expect(await page.locator('#account-delete-password').evaluate(inPage.isFocused)).toBe(true);
      await shot(page, 'delete-account-refused');

      await page.fill('#account-delete-password', lee.password);
      await submit(page, '#account-delete-form');
      await expectSignedOutWith(page, 'Your account and every image in it have been deleted.');
      expect(await page.locator('#gallery-grid .card').count()).toBe(0);
      expect(new URL(page.url()).pathname).toBe('/');
      await shot(page, 'account-deleted');

      await fillSignIn(page, lee.username, lee.password);
      await page.locator('#auth-alert').getByText('The email, username or password is wrong.').waitFor();
      // The name is free again, and nothing of the old account comes with it.
      await signUp(page, lee);
      await page.locator('#gallery-empty').waitFor();
    },
    TEST_TIMEOUT,
  );

  it(
    'fits a phone: the header on one line with 44 px targets, the account dialog without sideways scrolling',
    async () => {
      if (!browser) throw new Error('the browser did not start');
      const context = await browser.newContext({ viewport: { width: 375, height: 740 } });
      context.setDefaultTimeout(WAIT.timeout);
      contexts.push(context);
      const page = await context.newPage();
      logs.push(await trackPage(page));
      await signUp(page, { email: 'max@example.com', username: 'maximilian.longname', password: 'small screen here' });
      for (const button of ['#account-open', '#sign-out']) {
        const box = await page.locator(button).boundingBox();
        expect(box?.height).toBeGreaterThanOrEqual(44);
        // One line: a wrapped label would make the button taller than a target needs.
        expect(box?.height).toBeLessThan(60);
      }
      expect(await page.evaluate(inPage.horizontalOverflow)).toBeLessThanOrEqual(0);
      await shot(page, 'phone-header');
      await openAccount(page);
      await page.click('#account-delete-toggle');
      const dialog = page.locator('#account-dialog');
      expect(
        await dialog.evaluate((element) => {
          const box = element as unknown as { scrollWidth: number; clientWidth: number };
          return box.scrollWidth - box.clientWidth;
        }),
      ).toBeLessThanOrEqual(0);
      await shot(page, 'phone-account');
    },
    TEST_TIMEOUT,
  );

  it(
    'said nothing unexpected: no console error, no CSP violation',
    async () => {
      for (const log of logs) {
        expect(log.unexpected()).toEqual([]);
        expect(await log.violations()).toEqual([]);
      }
    },
    TEST_TIMEOUT,
  );
});
