import type { Page } from 'playwright-core';
import pino from 'pino';
import { startWorker, type RunningWorker } from '../../../generator/worker/worker';
import { loadConfig, type Config } from '../../../src/config/config';
import { startTestApi, type TestApi } from '../../support/api';
import { describeWithBrowser, openBrowser, testOutputDir, type BrowserSession } from '../../support/browser';
import { createTestDatabase, type TestDatabase } from '../../support/db';
import { seedGenerationWorld } from '../../support/generation-world';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../support/scripted-openai';
import { checkViewerPage, ensureViewerBuilt, viewerReady } from '../../support/viewer';

const OPS = 'ops-viewer-runs-secret';

/** The runs page follows a generation run live, then shows its rejections and errors; a generated dialogue shows its provenance. */
describeWithBrowser('the viewer on a generation run', () => {
  let db: TestDatabase;
  let model: ScriptedOpenAI;
  let api: TestApi;
  let config: Readonly<Config>;
  let session: BrowserSession;
  let page: Page;
  let worker: RunningWorker | null = null;
  let runId: string;
  const shots = testOutputDir('viewer');

  beforeAll(async () => {
    ensureViewerBuilt();
    db = await createTestDatabase();
    await seedGenerationWorld(db.dataSource, { users: 8 });
    model = await startScriptedOpenAI({ models: ['teacher-model'] });
    config = {
      ...loadConfig({}),
      apiKeys: `ops:operator:${OPS}`,
      generation: loadConfig({ TEACHER_BASE_URL: model.baseUrl, TEACHER_MODEL: 'teacher-model', TEACHER_TIMEOUT_MS: '3000', RECDIAL_RETRY_DELAY_S: '1' }).generation,
    };
    api = await startTestApi(db.dataSource, config);
    // Two answers recommend an item that does not exist (rejected), one is refused by the endpoint (an error).
    model.rule('', { kind: 'hallucinate' }, 2);
    model.rule('', { kind: 'status', status: 400, message: 'prompt too long' }, 1);
    const res = await api.query(`mutation { enqueueGeneration(input: { role: TEACHER, limit: 6 }) { id status } }`, {}, { token: OPS });
    expect(res.errors).toBeUndefined();
    runId = res.data.enqueueGeneration.id;
    session = await openBrowser();
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await worker?.stop().catch(() => undefined);
    await session?.close();
    await api?.close();
    await model?.close();
    await db?.drop();
  });

  test('the run row follows the run over graphql-ws without a reload; the run shows rejections by code and its errors', async () => {
    await page.goto(`http://127.0.0.1:${api.server.port}/viewer/runs`);
    await viewerReady(page);
    const row = page.locator('#runs-table tbody tr').first();
    expect(await row.textContent()).toContain('QUEUED');
    expect(await row.textContent()).toContain('0 / 6');
    await page.evaluate(() => ((globalThis as any).__notReloaded = true));

    worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
    await page.waitForFunction(
      () => /COMPLETED|FAILED/.test((globalThis as any).document.querySelector('#runs-table tbody tr td:nth-child(2)')?.textContent ?? ''),
      undefined,
      { timeout: 60_000 },
    );
    expect(await page.evaluate(() => (globalThis as any).__notReloaded)).toBe(true);
    expect(await row.textContent()).toContain('6 / 6');

    await page.goto(`http://127.0.0.1:${api.server.port}/viewer/runs?run=${encodeURIComponent(runId)}`);
    await viewerReady(page);
    const detail = page.locator('#run-detail');
    expect(await detail.locator('figure.chart').count()).toBe(1);
    expect(await detail.locator('figure.chart svg rect').count()).toBeGreaterThan(0);
    expect(await detail.locator('figure.chart').textContent()).toContain('Rejections by check code and stereotype');
    expect(await detail.textContent()).toContain('CLIENT_ERROR');
    await checkViewerPage(session, 'runs-generation', shots);
  });

  test('a generated dialogue shows its provenance: model, sampling, prompt messages, raw response', async () => {
    const { data } = await api.query(`query($id: ID!) { generationRun(id: $id) { dialogues(first: 1, status: ACCEPTED) { nodes { id } } } }`, { id: runId });
    const [dialogue] = data.generationRun.dialogues.nodes;
    await page.goto(`http://127.0.0.1:${api.server.port}/viewer/dialogues/${dialogue.id}`);
    await viewerReady(page);
    const main = (await page.textContent('main'))!;
    expect(main).toContain('Provenance');
    expect(main).toContain('teacher-model');
    expect(main).toMatch(/temperature 0\.7, top-p 0\.9/);
    expect(await page.locator('pre[aria-label="Raw response"]').count()).toBe(1);
    expect(await page.locator('details summary').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^system/), expect.stringMatching(/^user/)]));
    await checkViewerPage(session, 'dialogue-generated', shots);
  });
});
