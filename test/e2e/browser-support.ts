import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const ROOT = resolve(__dirname, '../..');
export const ARTIFACTS = join(__dirname, 'artifacts');
export const TEST_TIMEOUT = 120_000;
export const WAIT = { timeout: 30_000 };
export const PROCESSING = { timeout: 60_000 };

/** `describe` when Chromium is here (or CI requires it), else `describe.skip` with the reason printed. */
export function browserSuite(what: string): jest.Describe {
  const have = existsSync(CHROMIUM);
  const inCI = process.env.CI === 'true';
  if (!have && !inCI) console.warn(`Skipping ${what}: ${CHROMIUM} is missing (apt-get install chromium)`);
  return have || inCI ? describe : describe.skip;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; CI requires it (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...BROWSER_ARGS] });
}

/** A red rounded square (300 × 300 at 250, 150) on a plain light background: what the local engine cuts out well. */
export const PRODUCT_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="100%" height="100%" fill="#f3f1ec"/><rect x="250" y="150" width="300" height="300" rx="48" fill="#c0392b"/></svg>';

/**
 * Chromium as the suite runs it: headless, no sandbox (root in a container), no network of its
 * own. No --user-data-dir: Playwright refuses it for launch() and gives every launch a fresh
 * temporary profile of its own, which it deletes on close.
 */
export const BROWSER_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The Content-Security-Policy firebase.json gives every page: the one Hosting will send. */
export function firebaseCsp(file: string): string {
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    hosting?: { headers?: { source: string; headers: { key: string; value: string }[] }[] };
  };
  for (const rule of config.hosting?.headers ?? []) {
    const csp = rule.headers.find(({ key }) => key.toLowerCase() === 'content-security-policy');
    if (csp) return csp.value;
  }
  throw new Error(`${file} sets no Content-Security-Policy header`);
}

export interface PageLog {
  /** A refused request the test provokes on purpose: Chromium logs it as a console error. */
  allow(status: number, path: string): void;
  /** Console messages and page errors, less the allowed refusals. */
  unexpected(): string[];
  /** securitypolicyviolation events, from every document the page has shown. */
  violations(): Promise<string[]>;
  /** Requests that left 127.0.0.1. */
  foreignRequests: string[];
}

/*
 * The page's globals, as far as the functions below use them. Those functions are serialised
 * by Playwright and run inside Chromium; this Node program has no DOM lib, so their shapes are
 * declared here, for this module only.
 */
interface PageElement {
  complete: boolean;
  naturalWidth: number;
  value: number;
}
interface PageStorage {
  length: number;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}
interface ViolationEvent {
  effectiveDirective: string;
  blockedURI: string;
  sourceFile: string;
  lineNumber: number;
}
declare const document: {
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  activeElement: unknown;
  documentElement: { scrollWidth: number };
  body: { dispatchEvent(event: unknown): boolean };
  addEventListener(type: 'securitypolicyviolation', listener: (event: ViolationEvent) => void): void;
};
declare const window: {
  innerWidth: number;
  __cspViolations?: string[];
  __reportCspViolation?: (text: string) => Promise<void>;
};
interface PageDataTransfer {
  items: { add(file: unknown): unknown };
}
declare const DataTransfer: new () => PageDataTransfer;
declare const File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
declare const DragEvent: new (
  type: string,
  init: { dataTransfer: PageDataTransfer; bubbles: boolean; cancelable: boolean },
) => unknown;
declare const ClipboardEvent: new (
  type: string,
  init: { clipboardData: PageDataTransfer; bubbles: boolean; cancelable: boolean },
) => unknown;
declare function atob(data: string): string;
declare function scrollTo(x: number, y: number): void;
declare const localStorage: PageStorage;
declare const sessionStorage: PageStorage;
declare function getComputedStyle(element: unknown): { getPropertyValue(name: string): string };

/** Functions for page.evaluate / waitForFunction / locator.evaluate. */
export const inPage = {
  /** Every image matched has loaded (and there are `count` of them, when given). */
  imagesLoaded: ({ selector, count }: { selector: string; count?: number }): boolean => {
    const images = Array.from(document.querySelectorAll(selector));
    return (
      (count === undefined || images.length === count) &&
      images.every((image) => image.complete && image.naturalWidth > 0)
    );
  },
  values: (selector: string): number[] =>
    Array.from(document.querySelectorAll(selector)).map((element) => element.value),
  storedItems: (): { local: number; session: number } => ({
    local: localStorage.length,
    session: sessionStorage.length,
  }),
  horizontalOverflow: (): number => document.documentElement.scrollWidth - window.innerWidth,
  scrollToTop: (): void => scrollTo(0, 0),
  /** What a person dropping (or pasting) files does, as the events the page receives. */
  deliverFiles: ({ how, files }: { how: string; files: { name: string; type: string; base64: string }[] }): void => {
    const transfer = new DataTransfer();
    for (const { name, type, base64 } of files) {
      const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
      transfer.items.add(new File([bytes], name, { type }));
    }
    const init = { bubbles: true, cancelable: true };
    const event =
      how === 'drop'
        ? new DragEvent('drop', { ...init, dataTransfer: transfer })
        : new ClipboardEvent('paste', { ...init, clipboardData: transfer });
    document.body.dispatchEvent(event);
  },
  isFocused: (element: unknown): boolean => element === document.activeElement,
  cssVariable: (element: unknown, name: string): string => getComputedStyle(element).getPropertyValue(name).trim(),
  /** Spoils the stored token, as an expired or revoked one would be refused. */
  spoilToken: (): void => {
    const session = JSON.parse(sessionStorage.getItem('cutout.session') ?? '{}') as { token?: string };
    sessionStorage.setItem('cutout.session', JSON.stringify({ ...session, token: `${session.token ?? ''}x` }));
  },
};

/** Records everything a page says or asks for, so that the suite can insist on silence. */
export async function trackPage(page: Page): Promise<PageLog> {
  const messages: { text: string; url: string }[] = [];
  const allowed: { status: number; path: string }[] = [];
  const reported = new Set<string>();
  const foreignRequests: string[] = [];

  page.on('console', (message) =>
    messages.push({ text: `${message.type()}: ${message.text()}`, url: message.location().url }),
  );
  page.on('pageerror', (error) => messages.push({ text: `pageerror: ${error.message}`, url: '' }));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1') {
      foreignRequests.push(request.url());
    }
  });
  // Reported to the test as they happen as well as kept on window: a reload would lose the latter.
  await page.exposeFunction('__reportCspViolation', (text: string) => void reported.add(text));
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      const text = `${event.effectiveDirective} blocked ${event.blockedURI || 'inline code'} in ${event.sourceFile}:${event.lineNumber}`;
      window.__cspViolations?.push(text);
      void window.__reportCspViolation?.(text);
    });
  });

  const isAllowed = ({ text, url }: { text: string; url: string }) =>
    allowed.some(
      ({ status, path }) => text.includes(`status of ${status}`) && url !== '' && new URL(url).pathname === path,
    );

  return {
    allow: (status, path) => void allowed.push({ status, path }),
    unexpected: () => messages.filter((message) => !isAllowed(message)).map(({ text, url }) => `${text} ${url}`),
    async violations() {
      const onWindow = page.isClosed() ? [] : await page.evaluate(() => window.__cspViolations ?? []);
      return [...new Set([...reported, ...onWindow])];
    },
    foreignRequests,
  };
}

/** Signs up through the page's form from the landing page, and waits for the empty gallery. */
export async function signUpInPage(
  page: Page,
  base: string,
  who: { email: string; username: string; password: string },
): Promise<void> {
  await page.goto(base);
  await page.click('#signin-form button[data-show="signup"]');
  await page.fill('#signup-email', who.email);
  await page.fill('#signup-username', who.username);
  await page.fill('#signup-password', who.password);
  await page.click('#signup-form button[type="submit"]');
  await page.locator('#gallery-empty').waitFor();
}
