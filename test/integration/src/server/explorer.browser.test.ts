import path from 'node:path';
import type { Page } from 'playwright-core';
import { startTestApi, TestApi } from '../../../support/api';
import { BrowserSession, describeWithBrowser, openBrowser, testOutputDir } from '../../../support/browser';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

/**
 * The explorer as a person uses it, in a real Chromium against the real server over the sample:
 * every request that leaves 127.0.0.1 is aborted and recorded, so a CDN dependency fails here
 * even on a machine with internet.
 */
const SECRET = 'explorer-s3cret';
const WAIT = { timeout: 30_000 };

let db: TestDatabase;
let api: TestApi;
let base: string;
let totalDialogues: number;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource, { apiKeys: `browser-test:operator:${SECRET}` });
  base = api.server.url.replace(/\/graphql$/, '');
  totalDialogues = (await api.query('{ dialogues { totalCount } }')).data.dialogues.totalCount;
  expect(totalDialogues).toBeGreaterThan(0);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

/** The text Monaco shows in an editor (its visible lines; non-breaking spaces as spaces). */
async function editorText(page: Page, selector: string): Promise<string> {
  return (await page.locator(`${selector} .monaco-editor .view-lines`).first().innerText()).replace(/\u00a0/g, ' ');
}

/** Waits until the editor's text matches. */
async function waitForEditorText(page: Page, selector: string, pattern: RegExp): Promise<string> {
  let text = '';
  const deadline = Date.now() + WAIT.timeout;
  while (Date.now() < deadline) {
    text = await editorText(page, selector).catch(() => '');
    if (pattern.test(text)) return text;
    await page.waitForTimeout(200);
  }
  throw new Error(`${selector} never showed ${pattern}; it shows:\n${text}`);
}

describeWithBrowser('the GraphQL explorer in a real browser', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await openBrowser();
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  test('GET / leads to the explorer, which loads with no request leaving 127.0.0.1', async () => {
    const { page } = session;
    const response = await page.goto(`${base}/`);
    expect(response?.status()).toBe(200);
    expect(new URL(page.url()).pathname).toBe('/graphql');
    await page.waitForSelector('.graphiql-query-editor .monaco-editor', WAIT);
    await page.waitForSelector('.graphiql-execute-button', WAIT);
    expect(await page.title()).toContain('recdial');
    expect(await page.locator('a[href="/viewer"]').count()).toBe(1);
    expect(session.externalRequests).toEqual([]);
  });

  test('a query typed into the editor runs and shows dialogues', async () => {
    const { page } = session;
    await page.locator('.graphiql-query-editor .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    // Typed key by key as a person would; Monaco closes brackets itself and types over the closers.
    await page.keyboard.type('{ dialogues(first: 2) { totalCount nodes { id stereotype { key } } } }', { delay: 15 });
    await page.keyboard.press('Escape'); // closes an autocomplete popup, if one is open
    const typed = await waitForEditorText(page, '.graphiql-query-editor', /dialogues\(first: 2\)/);
    expect(typed.replace(/\s+/g, ' ')).toContain('{ dialogues(first: 2) { totalCount nodes { id stereotype { key } } } }');

    await page.click('.graphiql-execute-button');
    const result = await waitForEditorText(page, '.graphiql-response', /"totalCount"/);
    expect(result).toContain('"dialogues"');
    expect(result).toContain(`"totalCount": ${totalDialogues}`);
    const first = (await api.query('{ dialogues(first: 1) { nodes { id } } }')).data.dialogues.nodes[0].id;
    expect(result).toContain(`"id": "${first}"`);
    await page.screenshot({ path: path.join(testOutputDir('explorer'), 'query.png') });
    expect(session.externalRequests).toEqual([]);
  });

  test('the docs pane lists the Dialogue type and opens it', async () => {
    const { page } = session;
    await page.click('button[aria-label="Show Documentation Explorer"]');
    const docs = page.locator('.graphiql-doc-explorer');
    await docs.waitFor(WAIT);
    const dialogueType = docs.locator('a.graphiql-doc-explorer-type-name', { hasText: /^Dialogue$/ }).first();
    await dialogueType.waitFor(WAIT);
    await dialogueType.click();
    await page.waitForSelector('.graphiql-doc-explorer-title:text-is("Dialogue")', WAIT);
    // Its fields are listed with their descriptions from the schema.
    await docs.locator('.graphiql-doc-explorer-field-name', { hasText: /^turns$/ }).first().waitFor(WAIT);
    await page.screenshot({ path: path.join(testOutputDir('explorer'), 'docs.png') });
    expect(session.externalRequests).toEqual([]);
  });

  test('autocomplete offers the schema fields; the history keeps the query that ran', async () => {
    const { page } = session;
    await page.locator('.graphiql-query-editor .monaco-editor .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.type('{ stereo', { delay: 15 });
    const suggestions = page.locator('.graphiql-query-editor .suggest-widget.visible');
    await suggestions.waitFor(WAIT);
    await suggestions.locator('.monaco-list-row', { hasText: 'stereotypes' }).first().waitFor(WAIT);
    await page.keyboard.press('Escape');

    await page.click('button[aria-label="Show History"]');
    const history = page.locator('.graphiql-history');
    await history.waitFor(WAIT);
    await history.locator('li', { hasText: 'dialogues' }).first().waitFor(WAIT);
    expect(session.externalRequests).toEqual([]);
    expect(session.consoleErrors).toEqual([]);
  });
});

describeWithBrowser('the explorer sends the operator key set in its headers editor', () => {
  let session: BrowserSession;
  beforeAll(async () => {
    session = await openBrowser(); // a fresh profile: no headers or tabs from the other tests
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  test('a mutation run with the key in the headers editor succeeds; the request carried it', async () => {
    const { page } = session;
    const mutation =
      'mutation { updatePrompt(input: { kind: STEREOTYPE_SYSTEM, key: "Cold-Start Browser", content: "You write movie conversations (from the explorer)." }) { version createdBy } }';
    const sent: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && (request.postData() ?? '').includes('updatePrompt')) sent.push(request.headers()['authorization']);
    });
    // ?query= opens the explorer with that operation in the editor.
    await page.goto(`${base}/graphql?query=${encodeURIComponent(mutation)}`);
    await waitForEditorText(page, '.graphiql-query-editor', /updatePrompt/);

    // Without a key the server refuses the mutation, and the explorer shows why.
    await page.click('.graphiql-execute-button');
    await waitForEditorText(page, '.graphiql-response', /UNAUTHENTICATED/);

    await page.locator('.graphiql-editor-tools button', { hasText: /^Headers$/ }).click();
    const headersEditor = page.locator('.graphiql-editor-tool .monaco-editor .view-lines').last();
    await headersEditor.waitFor(WAIT);
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(`{"Authorization": "Bearer ${SECRET}"}`);
    await page.click('.graphiql-execute-button');
    const result = await waitForEditorText(page, '.graphiql-response', /"version"/);
    expect(result).toContain('"version": 1');
    expect(result).toContain('"createdBy": "browser-test"');
    expect(sent).toEqual([undefined, `Bearer ${SECRET}`]);
    await page.screenshot({ path: path.join(testOutputDir('explorer'), 'operator-key.png') });
    expect(session.externalRequests).toEqual([]);
  });
});
