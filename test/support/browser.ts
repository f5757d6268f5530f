import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/**
 * A real Chromium (Debian's `chromium` package) driven by playwright-core, for the tests of every
 * page the server serves. `.ci/run` installs the package when it is missing; where no browser can
 * be found the browser tests are skipped with a loud message (see `describeWithBrowser`).
 */
export const CHROMIUM_CANDIDATES = [process.env.RECDIAL_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
  (p): p is string => !!p,
);

export function findChromium(): string | undefined {
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p));
}

/** `describe` when a Chromium is installed, else a skipped `describe` and a warning naming the fix. */
export function describeWithBrowser(name: string, fn: () => void): void {
  if (findChromium()) {
    describe(name, fn);
    return;
  }
  // eslint-disable-next-line no-console
  console.warn(
    `\n*** BROWSER TESTS SKIPPED (${name}): no Chromium at ${CHROMIUM_CANDIDATES.join(', ')}.\n` +
      `*** Install it with: apt-get install -y chromium   (.ci/run does this in CI)\n`,
  );
  describe.skip(name, fn);
}

/** Where tests keep what a person would look at: screenshots, generated clients. Gitignored. */
export function testOutputDir(...parts: string[]): string {
  const dir = path.join(__dirname, '..', '..', 'test-output', ...parts);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request the page made to a host other than 127.0.0.1/localhost/[::1] (it was aborted). */
  externalRequests: string[];
  /** Console errors and uncaught page errors. */
  consoleErrors: string[];
  close(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * Launches headless Chromium with the flags that keep it off the network by itself (no component
 * updates, no background networking), and aborts and records any request to a non-local host, so a
 * page that loads something from a CDN is caught even on a machine that has internet.
 */
export async function openBrowser(options: { extraHTTPHeaders?: Record<string, string> } = {}): Promise<BrowserSession> {
  // require, not import(): jest runs the tests as CommonJS without --experimental-vm-modules.
  const { chromium } = require('playwright-core') as typeof import('playwright-core');
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium found; apt-get install -y chromium');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, extraHTTPHeaders: options.extraHTTPHeaders });
  const externalRequests: string[] = [];
  const consoleErrors: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.protocol === 'data:' || url.protocol === 'blob:' || LOCAL_HOSTS.has(url.hostname)) return route.continue();
    externalRequests.push(url.toString());
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  return {
    browser,
    context,
    page,
    externalRequests,
    consoleErrors,
    close: () => browser.close(),
  };
}
