import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../../src/config/config';
import { toGlobalId } from '../../../src/pagination/global-id';
import { viewerRouter } from '../../../src/server/viewer';
import { startTestApi, type TestApi } from '../../support/api';
import { describeWithBrowser, openBrowser, testOutputDir, type BrowserSession } from '../../support/browser';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { importSample } from '../../support/sample';
import { checkViewerPage, ensureViewerBuilt, viewerReady } from '../../support/viewer';
import { unzip } from '../../support/zip';

const OPS = 'ops-viewer-secret';

test('without a build, /viewer says how to build it (plain HTML, not a 404)', async () => {
  const emptyRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-noviewer-'));
  const app = express().use('/viewer', viewerRouter(emptyRoot));
  const server = http.createServer(app).listen(0);
  try {
    const { port } = server.address() as { port: number };
    for (const p of ['/viewer', '/viewer/dialogues/abc']) {
      const res = await fetch(`http://127.0.0.1:${port}${p}`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(await res.text()).toContain('npm run build');
    }
  } finally {
    server.close();
    fs.rmSync(emptyRoot, { recursive: true, force: true });
  }
});

describeWithBrowser('the dataset viewer in a real browser', () => {
  let db: TestDatabase;
  let api: TestApi;
  let base: string;
  let session: BrowserSession;
  let page: Page;
  let exportsDir: string;
  let exportId: string;
  let evaluationId: string;
  const shots = testOutputDir('viewer');

  async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Opens a viewer URL and waits until the page has drawn itself (or failed visibly). */
  async function open(pathname: string): Promise<void> {
    await page.goto(base + pathname);
    await ready();
  }

  const ready = () => viewerReady(page);
  const checkPage = (name: string) => checkViewerPage(session, name, shots);

  beforeAll(async () => {
    ensureViewerBuilt();
    db = await createTestDatabase();
    await importSample(db.dataSource);
    exportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-viewer-exports-'));
    api = await startTestApi(db.dataSource, { ...loadConfig({}), apiKeys: `ops:operator:${OPS}`, exportsDir });
    base = `http://127.0.0.1:${api.server.port}`;

    const started = await api.query(`mutation { startExport(input: { format: JSONL, split: [VALID] }) { id } }`, {}, { token: OPS });
    expect(started.errors).toBeUndefined();
    exportId = started.data.startExport.id;
    const evaluation = await api.query(
      `mutation { evaluateRecommendations(input: { baseline: POPULARITY, filter: { split: TEST }, ks: [1, 10] }) { id } }`,
      {},
      { token: OPS },
    );
    expect(evaluation.errors).toBeUndefined();
    evaluationId = evaluation.data.evaluateRecommendations.id;
    await waitFor(async () => (await api.query(`query($id: ID!) { export(id: $id) { status } }`, { id: exportId })).data.export.status === 'COMPLETED', 'the export');
    await waitFor(
      async () => (await api.query(`query($id: ID!) { evaluation(id: $id) { status } }`, { id: evaluationId })).data.evaluation.status === 'COMPLETED',
      'the evaluation',
    );

    // A user with interactions and a dialogue for the user page: today's bundled sample has no
    // users, so one is made here when the sample does not bring any.
    const withDialogues = await api.query(`{ users(first: 1, filter: { hasDialogues: true }) { nodes { id } } }`);
    if (withDialogues.data.users.nodes.length === 0) {
      const [{ id: userId }] = await db.dataSource.query(`INSERT INTO users (source_id) VALUES ('AVIEWERTESTUSER') RETURNING id`);
      await db.dataSource.query(
        `INSERT INTO interactions (user_id, item_id, rating, timestamp_ms, review_title, review_text)
         SELECT $1, id, 5, 1600000000000 + id, 'Loved it', 'A review written for the viewer test.' FROM items ORDER BY id LIMIT 3`,
        [userId],
      );
      await db.dataSource.query(`UPDATE dialogues SET user_id = $1 WHERE id = (SELECT max(id) FROM dialogues)`, [userId]);
    }

    session = await openBrowser();
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await session?.close();
    await api?.close();
    await db?.drop();
    if (exportsDir) fs.rmSync(exportsDir, { recursive: true, force: true });
  });

  test('/viewer shows the dialogue table with counts and paging', async () => {
    await open('/viewer');
    expect(await page.getAttribute('main', 'data-page')).toBe('dialogues');
    const rows = await page.locator('#dialogues-table tbody tr').count();
    expect(rows).toBeGreaterThan(0);
    expect(await page.textContent('#dialogue-count')).toMatch(/^\d+ dialogues match\.$/);
    await checkPage('dialogues');

    // Cursor paging: Next gives other rows and an `after` cursor in the URL; Previous comes back.
    const firstPage = await page.locator('#dialogues-table tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(firstPage).toHaveLength(25); // the sample has more dialogues than one page
    await page.click('nav.pager >> text=Next →');
    await page.waitForURL(/after=/);
    await ready();
    const secondPage = await page.locator('#dialogues-table tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(secondPage.length).toBeGreaterThan(0);
    expect(secondPage.filter((h) => firstPage.includes(h))).toEqual([]);
    await page.click('nav.pager >> text=← Previous');
    await page.waitForURL(/before=/);
    await ready();
    expect(await page.locator('#dialogues-table tbody tr td:first-child a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(firstPage);
  });

  test('filters change the URL and the rows; the URL alone reproduces the view', async () => {
    await open('/viewer/dialogues');
    const allCount = Number((await page.textContent('#dialogue-count'))!.split(' ')[0]);
    await page.selectOption('#f-split', 'TEST');
    await page.waitForURL(/split=TEST/);
    await ready();
    const testCount = Number((await page.textContent('#dialogue-count'))!.split(' ')[0]);
    expect(testCount).toBeGreaterThan(0);
    expect(testCount).toBeLessThan(allCount);
    const firstCells = await page.locator('#dialogues-table tbody tr td:first-child').allTextContents();
    for (const cell of firstCells) expect(cell).toContain('TEST');

    // A search that matches nothing empties the table; the query string carries it.
    await page.fill('#f-q', 'zzzqqqnotaword');
    await page.press('#f-q', 'Enter');
    await page.waitForURL(/q=zzzqqqnotaword/);
    await ready();
    expect(await page.textContent('#dialogue-count')).toBe('0 dialogues match.');
    expect(new URL(page.url()).searchParams.get('split')).toBe('TEST');

    // Opening the shared URL directly (a deep link) gives the same view.
    await open('/viewer/dialogues?split=TEST');
    expect(Number((await page.textContent('#dialogue-count'))!.split(' ')[0])).toBe(testCount);
    await checkPage('dialogues-filtered');
  });

  test('a dialogue page: chat bubbles, highlighted linked mentions, recommendations, the target; a deep link reloads', async () => {
    // The bundled DistillRecDial sample: its dialogues mention and recommend catalogue items.
    await open('/viewer/dialogues?dataset=distillrecdial');
    await page.locator('#dialogues-table tbody tr td:first-child a').first().click();
    await page.waitForURL(/\/viewer\/dialogues\/[^/?]+$/);
    await ready();
    expect(await page.locator('.bubble.USER').count()).toBeGreaterThan(0);
    expect(await page.locator('.bubble.ASSISTANT').count()).toBeGreaterThan(0);
    const mentions = page.locator('a.mention');
    expect(await mentions.count()).toBeGreaterThan(0);
    expect(await mentions.first().getAttribute('href')).toMatch(/^\/viewer\/items\/.+/);
    expect(await page.locator('a.mention.rec').count()).toBeGreaterThan(0);
    expect(await page.locator('aside').textContent()).toMatch(/^Target/);
    await checkPage('dialogue');

    // A reload of the deep link is served by the SPA fallback.
    const url = page.url();
    await open(new URL(url).pathname);
    expect(await page.locator('a.mention').count()).toBe(await mentions.count());
  });

  test('an item page and a user page, reached by links', async () => {
    await open('/viewer/dialogues?dataset=distillrecdial');
    await page.locator('#dialogues-table tbody tr td:first-child a').first().click();
    await ready();
    const mention = page.locator('a.mention').first();
    const title = (await mention.getAttribute('title'))!.replace(/ \(.*$/, '');
    await mention.click();
    await page.waitForURL(/\/viewer\/items\//);
    await ready();
    expect(await page.textContent('h1')).toBe(title);
    expect(await page.textContent('main')).toMatch(/As (target|mention) \(\d+\)/);
    await checkPage('item');

    // The user of a dialogue that has one: from the dialogue page's side panel.
    const { data } = await api.query(`{ users(first: 1, filter: { hasDialogues: true }) { nodes { id dialogues(first: 1) { nodes { id } } } } }`);
    const [user] = data.users.nodes;
    await open(`/viewer/dialogues/${user.dialogues.nodes[0].id}`);
    expect(await page.locator('aside').textContent()).toMatch(/Target[\s\S]*User[\s\S]*History/);
    await page.locator('aside a[href^="/viewer/users/"]').first().click();
    await page.waitForURL(/\/viewer\/users\//);
    await ready();
    expect(await page.textContent('h1')).toMatch(/^User /);
    expect(new URL(page.url()).pathname).toBe(`/viewer/users/${user.id}`);
    expect(await page.textContent('main')).toMatch(/Ratings and reviews, oldest first \(\d+\)/);
    expect(await page.locator('table').first().locator('tbody a[href^="/viewer/dialogues/"]').count()).toBeGreaterThan(0);
    await checkPage('user');
  });

  test('statistics: the table with published references, a histogram per distribution, the diversity chart', async () => {
    await open('/viewer/statistics');
    expect(await page.locator('#statistics-table tbody tr.reference').count()).toBeGreaterThan(0);
    expect(await page.textContent('#statistics-table')).toContain('published');
    const histograms = page.locator('#histograms figure.chart');
    expect(await histograms.count()).toBe(5);
    expect(await page.locator('#histograms figure.chart svg rect').count()).toBeGreaterThan(5);
    expect(await page.locator('#diversity svg').count()).toBeGreaterThan(0);
    expect(await page.textContent('#diversity')).toMatch(/n=\d+/);
    // TF-IDF (no embeddings endpoint here) is not comparable with the published embedding values:
    // the API returns no references, the chart draws none and says why.
    expect((await page.locator('#diversity svg text').allTextContents()).join(' ')).not.toMatch(/0\.422|0\.598/);
    expect(await page.textContent('#diversity-comparability')).toMatch(/NOT comparable[\s\S]*not shown/);
    await checkPage('statistics');

    // Grouping and two selections on the diversity chart come from the URL.
    await open('/viewer/statistics?groupBy=SPLIT&compare=split:TRAIN,split:TEST&refs=1');
    const { data } = await api.query(`{ datasetStatistics(groupBy: [SPLIT]) { groups { dialogues } } }`);
    expect(await page.locator('#statistics-table tbody tr:not(.reference)').count()).toBe(1 + data.datasetStatistics.groups.length);
    expect(await page.locator('#diversity tbody tr').count()).toBe(2);
    expect(await page.textContent('#diversity-comparability')).toMatch(/TF-IDF|not comparable/i);
    await checkPage('statistics-grouped');
  });

  test('runs and exports: the export downloads as a zip by clicking', async () => {
    await open('/viewer/runs');
    expect(await page.locator('#exports-table tbody tr').count()).toBeGreaterThan(0);
    await checkPage('runs');

    // Without a key the button says what is missing.
    await page.locator(`button[data-export="${exportId}"]`).click();
    await page.waitForSelector('#download-status .error');
    expect(await page.textContent('#download-status')).toMatch(/operator API key/);

    // Save the key in the settings box, then download.
    await page.click('.settings summary');
    await page.fill('#operator-key', OPS);
    await page.click('#settings-form button[type="submit"]');
    await ready();
    // An operator key stays in this tab (sessionStorage) unless "Remember" is ticked.
    const storedKeys = () => page.evaluate(() => [sessionStorage.getItem('recdial.operatorKey'), localStorage.getItem('recdial.operatorKey')]);
    expect(await storedKeys()).toEqual([OPS, null]);
    expect(await page.textContent('#settings-status')).toMatch(/for this tab/);
    await page.check('#operator-key-remember');
    await page.click('#settings-form button[type="submit"]');
    expect(await storedKeys()).toEqual([null, OPS]);
    await page.uncheck('#operator-key-remember');
    await page.click('#settings-form button[type="submit"]');
    expect(await storedKeys()).toEqual([OPS, null]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`button[data-export="${exportId}"]`).click()]);
    expect(download.suggestedFilename()).toBe('dialogues.zip');
    const file = path.join(shots, 'download.zip');
    await download.saveAs(file);
    expect([...unzip(fs.readFileSync(file)).keys()]).toEqual(['dialogues.jsonl']);
    expect(download.url()).toMatch(/\/download\?expires=\d+&key=\d+&signature=[0-9a-f]{64}$/);
  });

  test('evaluations: a result table and a bar chart per metric', async () => {
    await open(`/viewer/evaluations?evaluation=${encodeURIComponent(evaluationId)}`);
    expect(await page.locator('#results-table tbody tr').count()).toBeGreaterThan(0);
    expect(await page.textContent('#results-table')).toContain('popularity');
    const charts = await page.locator('#metric-charts figure.chart').count();
    expect(charts).toBeGreaterThanOrEqual(6); // hit, mrr, ndcg at k 1 and 10
    expect(await page.locator('#metric-charts svg').count()).toBe(charts);
    await checkPage('evaluations');
  });

  test('evaluations: an interactive evaluation shows its metrics per stereotype as mean and 95 % interval', async () => {
    // The row as the interactive-evaluation worker writes it (generator/interactive/evaluation-sync.ts).
    const estimate = (mean: number, low: number, high: number, n: number) => ({ mean, standardError: 0.1, low, high, n });
    const results = [
      { stereotype: null, conversations: 4, metrics: { success: estimate(0.75, 0.3, 0.954, 4), rounds_to_success: estimate(2, 1.5, 2.5, 3) } },
      { stereotype: 'History-Only Explorer', conversations: 4, metrics: { success: estimate(0.75, 0.3, 0.954, 4), rounds_to_success: { mean: null, standardError: null, low: null, high: null, n: 0 } } },
    ];
    const [row] = await db.dataSource.query(
      `INSERT INTO evaluations (kind, status, options, results, progress, finished_at) VALUES ('INTERACTIVE', 'COMPLETED', '{}', $1, 1, now()) RETURNING id`,
      [JSON.stringify(results)],
    );
    await open(`/viewer/evaluations?evaluation=${encodeURIComponent(toGlobalId('Evaluation', row.id))}`);
    expect(await page.locator('#interactive-table tbody tr').count()).toBe(2);
    const text = await page.textContent('#interactive-table');
    expect(text).toContain('0.750 [0.300, 0.954]');
    expect(text).toContain('History-Only Explorer');
    expect(await page.locator('#results-table').count()).toBe(0);
    await checkPage('evaluations-interactive');
  });

  test('an unknown dialogue id shows an error page, not a blank one', async () => {
    await page.goto(`${base}/viewer/dialogues/${Buffer.from('Dialogue:99999999').toString('base64url')}`);
    await page.waitForSelector('main[data-state="error"]');
    expect(await page.textContent('main')).toContain('No dialogue has the id');
  });
});
