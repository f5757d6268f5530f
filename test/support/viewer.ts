import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { BrowserSession } from './browser';
import { ROOT } from './sample';

/** Helpers of the viewer's browser tests (test/integration/viewer/*.browser.test.ts). */

const VIEWER_SRC = path.join(ROOT, 'viewer');
const VIEWER_INDEX = path.join(ROOT, 'dist', 'viewer', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
  }
  return newest;
}

const upToDate = () => fs.existsSync(VIEWER_INDEX) && fs.statSync(VIEWER_INDEX).mtimeMs >= newestMtime(VIEWER_SRC);
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds the viewer (a second or two with Vite) when dist/viewer is missing or older than its
 * sources. Jest runs test files in parallel workers: a lock file lets one build while the others
 * wait, so that no server serves a dist/viewer that another build is emptying.
 */
export function ensureViewerBuilt(): void {
  if (upToDate()) return;
  const lock = path.join(ROOT, 'dist', '.viewer-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch {
      if (Date.now() > until) fs.rmSync(lock, { force: true }); // left by a build that died
      else sleep(200);
    }
  }
  try {
    if (upToDate()) return;
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', path.join(VIEWER_SRC, 'vite.config.mts')], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: 120_000,
    });
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Waits until the page has drawn itself; a page that shows its error box fails with that text. */
export async function viewerReady(page: Page): Promise<void> {
  await page.waitForSelector('main[data-state="ready"], main[data-state="error"]', { timeout: 30_000 });
  const state = await page.getAttribute('main', 'data-state');
  if (state !== 'ready') throw new Error(`the page shows an error: ${await page.textContent('main')}`);
}

/**
 * A full-page screenshot into `dir`, then: no console errors, nothing fetched from outside
 * 127.0.0.1, and no serious or critical axe-core violation (labels, contrast, ARIA, focus).
 */
export async function checkViewerPage(session: BrowserSession, name: string, dir: string): Promise<void> {
  const { page } = session;
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
  expect({ name, consoleErrors: session.consoleErrors }).toEqual({ name, consoleErrors: [] });
  expect({ name, external: session.externalRequests }).toEqual({ name, external: [] });
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> = await page.evaluate(async () => {
    const browser = globalThis as any; // runs in the page: window and document are there
    const result = await browser.axe.run(browser.document, { resultTypes: ['violations'] });
    return result.violations.map((v: any) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n: any) => ({ target: n.target })) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect({ name, serious }).toEqual({ name, serious: [] });
}
