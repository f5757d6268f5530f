/**
 * Authors src/sample/generated/canonical.jsonl: the stored result of a real generation run over
 * the sample's prepared users, made once, offline, with the scripted OpenAI-compatible server
 * (test/support/scripted-openai.ts) standing in for the teacher. It loads the sample as the first
 * start does (without the file it writes), runs a teacher run whose first answers are malformed,
 * hallucinated or truncated (REJECTED with reasons), regenerates the rejected ones (SUPERSEDED →
 * ACCEPTED version 2), and exports every status canonically. Run it with
 *
 *   rm -rf src/sample/generated && npx jest --config '{"preset":null,"testEnvironment":"node","setupFiles":["reflect-metadata"],
 *     "transform":{"^.+\\.ts$":["ts-jest",{"isolatedModules":true}]},"testMatch":["<rootDir>/test/support/sample-run.author.ts"],
 *     "globalSetup":"<rootDir>/test/support/global-setup.mjs","globalTeardown":"<rootDir>/test/support/global-teardown.mjs","testTimeout":300000}'
 *
 * The first start then imports the file with `import canonical`; no model runs at start.
 */
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { startWorker } from '../../generator/worker/worker';
import { writeCanonicalExport } from '../../src/export/canonical';
import { loadSample, sampleDir } from '../../src/ingest/sample';
import { startTestApi } from './api';
import { createTestDatabase } from './db';
import { startScriptedOpenAI } from './scripted-openai';

const OPS = 'sample-author';

test('author the sample generation run', async () => {
  const out = path.join(sampleDir(loadConfig({}).rootDir), 'generated');
  expect(fs.existsSync(out)).toBe(false);
  const db = await createTestDatabase();
  const model = await startScriptedOpenAI({ models: ['teacher-model'] });
  const generation = loadConfig({ TEACHER_BASE_URL: model.baseUrl, TEACHER_MODEL: 'teacher-model', RECDIAL_RETRY_DELAY_S: '1', RECDIAL_RETRY_DELAY_MAX_S: '1' }).generation;
  const config = { ...loadConfig({}), apiKeys: `sample-author:operator:${OPS}`, generation };
  const api = await startTestApi(db.dataSource, config);
  try {
    await loadSample(db.dataSource, config.rootDir, { quiet: true });
    const waitFor = async (id: string) => {
      for (;;) {
        const res = await api.query('query($id: ID!) { generationRun(id: $id) { status pending } }', { id });
        if (!['QUEUED', 'RUNNING'].includes(res.data.generationRun.status)) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    model.rule('', { kind: 'malformed' }, 1);
    model.rule('', { kind: 'hallucinate' }, 1);
    model.rule('', { kind: 'truncate' }, 1);
    const started = await api.query('mutation($input: GenerationInput!) { enqueueGeneration(input: $input) { id } }',
      { input: { role: 'TEACHER', limit: 15, sampling: { temperature: 0.7, seed: 42 } } }, { token: OPS });
    expect(started.errors).toBeUndefined();
    const worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100, concurrency: 1 });
    await waitFor(started.data.enqueueGeneration.id);
    // Two of the three rejected dialogues are regenerated, so the run keeps one REJECTED dialogue.
    const rejected = await api.query('query($id: ID!) { generationRun(id: $id) { dialogues(first: 10, status: REJECTED) { nodes { id } } } }',
      { id: started.data.enqueueGeneration.id });
    const ids = rejected.data.generationRun.dialogues.nodes.map((d: { id: string }) => d.id).slice(0, 2);
    const regen = await api.query('mutation($input: RegenerationInput!) { regenerateDialogues(input: $input) { id } }', {
      input: { role: 'TEACHER', reason: 'rejected by validation', dialogueIds: ids },
    }, { token: OPS });
    expect(regen.errors).toBeUndefined();
    await waitFor(regen.data.regenerateDialogues.id);
    await worker.stop();
    const [counts] = await db.dataSource.query(`SELECT count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted, count(*) FILTER (WHERE status = 'SUPERSEDED')::int AS superseded,
      count(*) FILTER (WHERE status = 'REJECTED')::int AS rejected FROM dialogues WHERE dataset = 'generated'`);
    expect(counts).toEqual({ accepted: 14, superseded: 2, rejected: 1 });
    fs.mkdirSync(out);
    const report = await writeCanonicalExport({ dataSource: db.dataSource, outDir: out, filter: { dataset: 'generated', status: null } }, {});
    console.log(JSON.stringify(report.counts));
  } finally {
    await api.close();
    await model.close();
    await db.drop();
  }
});
