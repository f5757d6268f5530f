import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { registerJudgeReadCommands, registerPromptCommands, registerRubricCommands } from '../../../../src/cli/judgements';
import { loadConfig } from '../../../../src/config/config';
import { importDistillRecDial } from '../../../../src/ingest/distillrecdial.load';
import { startTestApi, TestApi } from '../../../support/api';
import { runCli } from '../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { SAMPLE_RELEASE } from '../../../support/sample';

/**
 * `recdial eval judgement-statistics|judge-agreement`, `rubrics …` and `prompts …` against a real PostgreSQL, each
 * checked against what the GraphQL API (the real HTTP server) answers for the same data.
 */

const OPS = 'ops-secret';
let db: TestDatabase;
let api: TestApi;
let tmp: string;

const register = (program: Command) => {
  registerJudgeReadCommands(program.command('eval'));
  registerRubricCommands(program);
  registerPromptCommands(program);
};
const cli = (...args: string[]) => runCli(db.url, register, args);
const cliJson = async (...args: string[]) => JSON.parse((await cli(...args)).logs.join('\n'));

async function op(query: string, variables: Record<string, unknown> = {}) {
  const res = await api.query(query, variables, { token: OPS });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data;
}

const count = async (table: string) => (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

beforeAll(async () => {
  db = await createTestDatabase();
  await importDistillRecDial(db.dataSource, [SAMPLE_RELEASE], { quiet: true });
  api = await startTestApi(db.dataSource, { ...loadConfig({}), apiKeys: `ops:operator:${OPS}` });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-cli-judgements-'));
  // Judgements as the judge service stores them, scores spread over the scale by dialogue id;
  // an older judgement of the first dialogue must not count (the latest one does).
  const { rubrics } = await op(`query { rubrics { key min max criteria { key } } }`);
  const llm = rubrics.find((r: any) => r.key === 'LLM_REDIAL');
  const ids: number[] = (await db.dataSource.query(`SELECT id FROM dialogues ORDER BY id`)).map((r: any) => r.id);
  expect(ids.length).toBeGreaterThan(10);
  const scoresOf = (id: number, salt: number) =>
    Object.fromEntries(llm.criteria.map((c: any, i: number) => [c.key, llm.min + (((id + i) * 7 + salt) % (llm.max - llm.min + 1))]));
  for (const [n, id] of ids.entries()) {
    if (n === 0) await insertJudgement(id, scoresOf(id, 1));
    await insertJudgement(id, scoresOf(id, 0));
  }
  // Human ratings of ten dialogues: fluency agrees with the judge, informativeness is reversed.
  for (const id of ids.slice(0, 10)) {
    const s = scoresOf(id, 0);
    await db.dataSource.query(`INSERT INTO human_ratings (dialogue_id, criterion, rater, score) VALUES ($1, 'fluency', 'r1', $2), ($1, 'informativeness', 'r1', $3)`, [
      id,
      s.fluency,
      llm.max + llm.min - s.informativeness,
    ]);
  }
}, 180_000);

async function insertJudgement(dialogueId: number, scores: Record<string, number>) {
  await db.dataSource.query(
    `INSERT INTO judgements (dialogue_id, rubric_key, rubric_version, rubric_sha256, model, prompt_sha256, scores, provenance)
     VALUES ($1, 'LLM_REDIAL', 0, 'x', 'judge-model', 'y', $2, '{}')`,
    [dialogueId, JSON.stringify(scores)],
  );
}

afterAll(async () => {
  await api?.close();
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('recdial eval judgement-statistics and judge-agreement read what the API reads', () => {
  test('judgement-statistics --json equals judgementStatistics, overall, grouped and filtered; the table shows the same numbers', async () => {
    const overall = await op(`query { judgementStatistics(rubric: "LLM_REDIAL") { group criterion n mean se } }`);
    expect(overall.judgementStatistics.length).toBeGreaterThan(0);
    expect(await cliJson('eval', 'judgement-statistics', '--rubric', 'LLM_REDIAL', '--json')).toEqual(overall.judgementStatistics);
    const grouped = await op(`query { judgementStatistics(rubric: "LLM_REDIAL", groupBy: STEREOTYPE, filter: { status: null, split: TRAIN }) { group criterion n mean se } }`);
    expect(await cliJson('eval', 'judgement-statistics', '--rubric', 'LLM_REDIAL', '--group-by', 'STEREOTYPE', '--status', 'all', '--split', 'train', '--json')).toEqual(grouped.judgementStatistics);
    expect(new Set(grouped.judgementStatistics.map((s: any) => s.group)).size).toBeGreaterThan(1);

    const { logs } = await cli('eval', 'judgement-statistics', '--rubric', 'LLM_REDIAL');
    expect(logs[0].split(/\s+/)).toEqual(['criterion', 'n', 'mean', 'se']);
    for (const s of overall.judgementStatistics) {
      const row = logs.find((l) => l.startsWith(`${s.criterion} `))!;
      expect(row.split(/\s+/)).toEqual([s.criterion, String(s.n), s.mean.toFixed(3), s.se === null ? '–' : s.se.toFixed(3)]);
    }
  });

  test('judge-agreement --json equals judgeAgreement; the table shows rho and tau', async () => {
    const { judgeAgreement } = await op(`query { judgeAgreement(rubric: "LLM_REDIAL", seed: 3, resamples: 200) {
      criterion level n spearman kendall spearmanInterval { low high } kendallInterval { low high } } }`);
    const mine = await cliJson('eval', 'judge-agreement', '--rubric', 'LLM_REDIAL', '--seed', '3', '--resamples', '200', '--json');
    expect(mine).toEqual(judgeAgreement);
    const fluency = judgeAgreement.find((r: any) => r.criterion === 'fluency' && r.level === 'DIALOGUE');
    expect(fluency).toMatchObject({ n: 10, spearman: 1, kendall: 1 });
    const { logs } = await cli('eval', 'judge-agreement', '--rubric', 'LLM_REDIAL', '--seed', '3', '--resamples', '200');
    expect(logs.find((l) => /^fluency\s+DIALOGUE\s/.test(l))!.split(/\s+/).slice(0, 4)).toEqual(['fluency', 'DIALOGUE', '10', '1.000']);
    expect(logs.find((l) => /^informativeness\s+DIALOGUE\s/.test(l))!.split(/\s+/).slice(0, 4)).toEqual(['informativeness', 'DIALOGUE', '10', '-1.000']);
  });

  test('bad flags: one line naming the flag', async () => {
    await expect(cli('eval', 'judgement-statistics', '--rubric', 'NOPE')).rejects.toThrow(/^--rubric: /);
    await expect(cli('eval', 'judgement-statistics', '--rubric', 'LLM_REDIAL', '--stereotype', 'Nobody')).rejects.toThrow(/^--stereotype: /);
    await expect(cli('eval', 'judge-agreement', '--rubric', 'LLM_REDIAL', '--resamples', '5')).rejects.toThrow('--resamples: must be an integer from 100 to 10000');
    await expect(cli('eval', 'judge-agreement', '--rubric', 'NOPE')).rejects.toThrow(/^--rubric: /);
  });
});

describe('recdial rubrics and prompts edit what the API reads', () => {
  test('rubrics list and show equal the rubrics and rubricVersions queries', async () => {
    const FIELDS = 'key version title scope min max criteria { key description } instructions sha256 builtIn note createdBy createdAt';
    const { rubrics } = await op(`query { rubrics { ${FIELDS} } }`);
    expect(await cliJson('rubrics', 'list', '--json')).toEqual(rubrics);
    const { logs } = await cli('rubrics', 'list');
    expect(logs.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(rubrics.map((r: any) => r.key));
    const { rubricVersions } = await op(`query { rubricVersions(key: "LLM_REDIAL") { ${FIELDS} } }`);
    expect(await cliJson('rubrics', 'show', 'LLM_REDIAL', '--json')).toEqual(rubricVersions[0]);
    expect(await cliJson('rubrics', 'show', 'LLM_REDIAL', '--all', '--json')).toEqual(rubricVersions);
  });

  test('rubrics set stores a version the API then shows as active', async () => {
    const file = path.join(tmp, 'brevity.json');
    const definition = { title: 'Brevity', scope: 'DIALOGUE', min: 1, max: 5, criteria: [{ key: 'brevity', description: 'Short and to the point.' }], instructions: 'Score brevity.' };
    fs.writeFileSync(file, JSON.stringify(definition));
    const { logs } = await cli('rubrics', 'set', 'BREVITY', '--file', file, '--note', 'first cut');
    expect(logs[0]).toMatch(/^Stored BREVITY version 1 \(sha256 [0-9a-f]{64}\); it is active from now on\.$/);
    const { rubricVersions } = await op(`query { rubricVersions(key: "BREVITY") { version title scope min max criteria { key description } instructions note } }`);
    expect(rubricVersions).toEqual([{ version: 1, ...definition, note: 'first cut' }]);
    const shown = await cli('rubrics', 'show', 'BREVITY');
    expect(shown.logs[0]).toBe('BREVITY version 1: Brevity');
    expect(shown.logs).toContain('  brevity: Short and to the point.');
  });

  test('rubrics: bad input names the flag or the file field, nothing written', async () => {
    const before = await count('rubric_versions');
    const file = path.join(tmp, 'bad.json');
    const good = { title: 'T', scope: 'DIALOGUE', min: 1, max: 5, criteria: [{ key: 'x', description: 'd' }], instructions: 'i' };
    fs.writeFileSync(file, JSON.stringify({ ...good, max: 1 }));
    await expect(cli('rubrics', 'set', 'MINE', '--file', file)).rejects.toThrow('--file: max: must be greater than min (1)');
    fs.writeFileSync(file, JSON.stringify({ ...good, criteria: [{ key: 'Bad Key', description: 'd' }] }));
    await expect(cli('rubrics', 'set', 'MINE', '--file', file)).rejects.toThrow('--file: criteria[0].key: "Bad Key" must be lower-case');
    fs.writeFileSync(file, '{ not json');
    await expect(cli('rubrics', 'set', 'MINE', '--file', file)).rejects.toThrow(`--file: ${file} is not JSON`);
    fs.writeFileSync(file, JSON.stringify({ ...good, key: 'MINE' }));
    await expect(cli('rubrics', 'set', 'MINE', '--file', file)).rejects.toThrow('--file: key: unknown field');
    fs.writeFileSync(file, JSON.stringify(good));
    await expect(cli('rubrics', 'set', 'lower', '--file', file)).rejects.toThrow('KEY: "lower" must be upper-case');
    await expect(cli('rubrics', 'set', 'MINE', '--file', path.join(tmp, 'missing.json'))).rejects.toThrow('--file: cannot read');
    await expect(cli('rubrics', 'show', 'NOPE')).rejects.toThrow(/^KEY: /);
    await expect(cli('rubrics', 'show', 'LLM_REDIAL', '--version', '7')).rejects.toThrow('--version: rubric LLM_REDIAL has no version 7');
    expect(await count('rubric_versions')).toBe(before);
  });

  test('prompts set stores a version the API then shows; prompts show prints it as promptVersions does', async () => {
    const builtIn = await op(`query { goalTemplateInstructions { version content } }`);
    expect((await cli('prompts', 'show', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default')).stdout.trimEnd()).toBe(builtIn.goalTemplateInstructions.content.trimEnd());
    const file = path.join(tmp, 'prompt.txt');
    fs.writeFileSync(file, 'Write goals briefly.\n');
    const { logs } = await cli('prompts', 'set', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default', '--file', file, '--note', 'shorter');
    expect(logs[0]).toMatch(/^Stored GOAL_TEMPLATE_INSTRUCTIONS "default" version 1 \(sha256 [0-9a-f]{64}\); it is active from now on\.$/);
    const { goalTemplateInstructions } = await op(`query { goalTemplateInstructions { version content note } }`);
    expect(goalTemplateInstructions).toEqual({ version: 1, content: 'Write goals briefly.\n', note: 'shorter' });
    const FIELDS = 'kind key version content sha256 builtIn note createdBy createdAt';
    const { promptVersions } = await op(`query { promptVersions(kind: GOAL_TEMPLATE_INSTRUCTIONS, key: "default") { ${FIELDS} } }`);
    expect(await cliJson('prompts', 'show', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default', '--all', '--json')).toEqual(promptVersions);
    expect((await cli('prompts', 'show', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default')).stdout).toBe('Write goals briefly.\n');
    expect((await cli('prompts', 'show', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default', '--version', '0')).stdout.trimEnd()).toBe(builtIn.goalTemplateInstructions.content.trimEnd());
  });

  test('prompts: bad input names the argument or flag, nothing written', async () => {
    const before = await count('prompt_versions');
    const file = path.join(tmp, 'empty.txt');
    fs.writeFileSync(file, '  \n');
    await expect(cli('prompts', 'set', 'GOAL_TEMPLATE_INSTRUCTIONS', 'default', '--file', file)).rejects.toThrow('--file: must not be empty');
    await expect(cli('prompts', 'set', 'NOPE', 'default', '--file', file)).rejects.toThrow('KIND: "NOPE" must be one of STEREOTYPE_SYSTEM, GOAL_TEMPLATE_INSTRUCTIONS');
    fs.writeFileSync(file, 'text');
    await expect(cli('prompts', 'set', 'STEREOTYPE_SYSTEM', 'Nobody', '--file', file)).rejects.toThrow(/^KEY: /);
    await expect(cli('prompts', 'show', 'STEREOTYPE_SYSTEM', 'Nobody')).rejects.toThrow(/^KEY: /);
    expect(await count('prompt_versions')).toBe(before);
  });
});
