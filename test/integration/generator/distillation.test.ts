/**
 * Issue 5 "Done when": on users prepared from Amazon-format fixtures, with the scripted model
 * server, a teacher run over a 10 % stratified sample, the SFT export, a student run over the
 * rest and assignSplits give a complete dataset whose splits are stratified, user-disjoint and
 * identical for the same seed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startWorker, RunningWorker } from '../../../generator/worker/worker';
import { Config, loadConfig } from '../../../src/config/config';
import { SFT_FILE, writeSftExport } from '../../../src/export/sft';
import { parseChatTemplate } from '../../../src/ingest/chat-template';
import { fromGlobalId, toGlobalId } from '../../../src/pagination/global-id';
import { startTestApi, TestApi, waitForRun as waitForRunOf } from '../../support/api';
import { createTestDatabase, TestDatabase } from '../../support/db';
import { seedGenerationWorld } from '../../support/generation-world';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../support/scripted-openai';

const OPS = 'ops-secret';
const READER = 'reader-secret';
const USERS = 48;
let db: TestDatabase;
let model: ScriptedOpenAI;
let api: TestApi;
let config: Readonly<Config>;
let userIds: number[];
let worker: RunningWorker | null = null;
let outDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ userIds } = await seedGenerationWorld(db.dataSource, { users: USERS }));
  model = await startScriptedOpenAI({ models: ['teacher-model', 'student-adapter'] });
  const generation = loadConfig({
    TEACHER_BASE_URL: model.baseUrl,
    TEACHER_MODEL: 'teacher-model',
    STUDENT_BASE_URL: model.baseUrl,
    STUDENT_MODEL: 'student-adapter',
    TEACHER_TIMEOUT_MS: '5000',
    STUDENT_TIMEOUT_MS: '5000',
  }).generation;
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, generation };
  api = await startTestApi(db.dataSource, config);
  worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
  outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'recdial-distill-'));
}, 120_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await api?.close();
  await model?.close();
  await db?.drop();
  if (outDir) await fs.rm(outDir, { recursive: true, force: true });
});

async function ok<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
  const res = await api.query(query, variables, { token });
  expect(res.errors).toBeUndefined();
  return res.data;
}

const ENQUEUE = `mutation($input: GenerationInput!) { enqueueGeneration(input: $input) { id requested config adapter } }`;

const waitForRun = (id: string) => waitForRunOf(api, id, 'requested accepted rejected failed pending');

/** Prepared users per stereotype key, from the seeded assignment. */
async function usersPerStereotype(): Promise<Map<string, number[]>> {
  const rows: Array<{ key: string; userId: number }> = await db.dataSource.query(
    `SELECT s.key, p.user_id AS "userId" FROM user_profiles p JOIN stereotypes s ON s.id = p.stereotype_id WHERE p.strategy = 'STEREOTYPE' ORDER BY s.id, p.user_id`,
  );
  const map = new Map<string, number[]>();
  for (const r of rows) map.set(r.key, [...(map.get(r.key) ?? []), r.userId]);
  return map;
}

const SAMPLE_FIELDS = `id name kind fraction seed size byStereotype { stereotype { key } count } generationRun { id } users(first: 100) { totalCount nodes { id } }`;

let teacherRunId: string;
let sampleName: string;
let teacherUsers: number[];

describe('the teacher sample', () => {
  test('teacherFraction 0.1 draws floor(0.1·n + 0.5), at least 1, per stereotype, stored as teacher-<run id> with its seed', async () => {
    const { enqueueGeneration: run } = await ok(ENQUEUE, { input: { role: 'TEACHER', teacherFraction: 0.1 } }, OPS);
    teacherRunId = run.id;
    const runDbId = Number(fromGlobalId(run.id)!.id);
    sampleName = `teacher-${runDbId}`;
    expect(run.config.selection).toMatchObject({ teacherFraction: 0.1, teacherSeed: 42 });

    const { userSample } = await ok(`query($name: String!) { userSample(name: $name) { ${SAMPLE_FIELDS} } }`, { name: sampleName });
    const perStereotype = await usersPerStereotype();
    const expected = [...perStereotype].map(([key, users]) => ({ stereotype: { key }, count: Math.max(1, Math.floor(0.1 * users.length + 0.5)) }));
    expect(perStereotype.size).toBeGreaterThanOrEqual(4); // the seeded world covers the stereotypes
    expect(userSample).toMatchObject({ name: sampleName, kind: 'TEACHER', fraction: 0.1, seed: 42, generationRun: { id: run.id } });
    expect(userSample.byStereotype).toEqual(expected);
    const size = expected.reduce((n, e) => n + e.count, 0);
    expect(userSample.size).toBe(size);
    expect(run.requested).toBe(size);
    expect(userSample.users.totalCount).toBe(size);
    const { node } = await ok(`query($id: ID!) { node(id: $id) { ... on UserSample { name } } }`, { id: userSample.id });
    expect(node).toEqual({ name: sampleName });
    const { node: runNode } = await ok(`query($id: ID!) { node(id: $id) { ... on GenerationRun { requested } } }`, { id: run.id });
    expect(runNode).toEqual({ requested: size });

    // Each member was drawn from its own stereotype's users.
    teacherUsers = userSample.users.nodes.map((n: { id: string }) => Number(fromGlobalId(n.id)!.id));
    const members: Array<{ userId: number; key: string }> = await db.dataSource.query(
      `SELECT m.user_id AS "userId", s.key FROM user_sample_members m JOIN stereotypes s ON s.id = m.stereotype_id`,
    );
    for (const m of members) expect(perStereotype.get(m.key)).toContain(m.userId);
    // The run's jobs are exactly the sample.
    const jobs: Array<{ userId: number }> = await db.dataSource.query(`SELECT user_id AS "userId" FROM generation_jobs WHERE run_id = $1 ORDER BY user_id`, [runDbId]);
    expect(jobs.map((j) => j.userId)).toEqual([...teacherUsers].sort((a, b) => a - b));

    const { userSamples } = await ok(`{ userSamples { name size } }`);
    expect(userSamples).toEqual([{ name: sampleName, size }]);
    await waitForRun(teacherRunId);
  });

  test('a sample name that exists is a CONFLICT naming input.sampleName; an unknown excludeSample is BAD_USER_INPUT; neither writes a run', async () => {
    const [{ before }] = await db.dataSource.query('SELECT count(*)::int AS before FROM generation_runs');
    const taken = await api.query(ENQUEUE, { input: { role: 'TEACHER', teacherFraction: 0.1, sampleName } }, { token: OPS });
    expect(taken.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', argument: 'input.sampleName' });
    const unknown = await api.query(ENQUEUE, { input: { role: 'STUDENT', excludeSample: 'no-such-sample' } }, { token: OPS });
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.excludeSample' });
    expect(unknown.errors?.[0].message).toContain(`"${sampleName}"`);
    const without = await api.query(ENQUEUE, { input: { role: 'TEACHER', sampleName: 'lonely' } }, { token: OPS });
    expect(without.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.sampleName' });
    const [{ after }] = await db.dataSource.query('SELECT count(*)::int AS after FROM generation_runs');
    expect(after).toBe(before);
  });
});

describe('the SFT export', () => {
  let acceptedTeacher: Array<{ id: number; sourceId: string; userId: number; key: string }>;

  beforeAll(async () => {
    acceptedTeacher = await db.dataSource.query(
      `SELECT d.id, u.source_id AS "sourceId", d.user_id AS "userId", s.key FROM dialogues d JOIN users u ON u.id = d.user_id JOIN stereotypes s ON s.id = d.stereotype_id
        WHERE d.source = 'TEACHER' AND d.status = 'ACCEPTED' ORDER BY u.source_id COLLATE "C", d.id`,
    );
  });

  test('one messages record per accepted teacher dialogue in user order: the stereotype’s active system prompt, promptPreview’s user prompt, tagged [USR]/[AI] lines', async () => {
    expect(acceptedTeacher.length).toBeGreaterThanOrEqual(4);
    const dir = path.join(outDir, 'messages');
    await fs.mkdir(dir);
    const report = await writeSftExport({ dataSource: db.dataSource, outDir: dir, filter: { generationRunId: teacherRunId } }, {});
    expect(report.counts).toEqual({ records: acceptedTeacher.length, skipped: 0 });
    expect(await fs.readdir(dir)).toEqual([SFT_FILE]); // the scratch file is gone
    const lines = (await fs.readFile(path.join(dir, SFT_FILE), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.dialogueId)).toEqual(acceptedTeacher.map((d) => d.id));

    const { stereotypes } = await ok(`{ stereotypes { key systemPrompt { content } } }`);
    const systemOf = new Map(stereotypes.map((s: { key: string; systemPrompt: { content: string } }) => [s.key, s.systemPrompt.content.trim()]));
    for (const [i, line] of lines.entries()) {
      const d = acceptedTeacher[i];
      const { promptPreview } = await ok(`query($u: ID!) { promptPreview(userId: $u) { messages { role content } } }`, { u: toGlobalId('User', d.userId) });
      expect(line.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(line.messages[0].content).toBe(systemOf.get(d.key));
      expect(line.messages[1].content).toBe(promptPreview.messages[1].content.trim());
      const assistant: string[] = line.messages[2].content.split('\n');
      expect(assistant.length).toBeGreaterThanOrEqual(5);
      for (const l of assistant) expect(l).toMatch(/^\[(USR|AI)\]: \S/);
      expect(line.messages[2].content).toMatch(/<id_[A-Z0-9]+>/);
      expect(line.stereotype).toBe(d.key);
    }
  });

  test('the text format renders the same messages with the Llama-3 template; a stereotype filter narrows it', async () => {
    const dir = path.join(outDir, 'text');
    await fs.mkdir(dir);
    await writeSftExport({ dataSource: db.dataSource, outDir: dir }, { format: 'text' });
    const texts = (await fs.readFile(path.join(dir, SFT_FILE), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l));
    const messages = (await fs.readFile(path.join(outDir, 'messages', SFT_FILE), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).messages);
    expect(texts.map((t) => Object.keys(t))).toEqual(messages.map(() => ['text']));
    for (const [i, t] of texts.entries()) {
      const parsed = parseChatTemplate(t.text);
      expect(parsed.generationPrompt).toBe(false);
      expect([{ role: 'system', content: parsed.system }, ...parsed.messages]).toEqual(messages[i]);
    }

    const key = acceptedTeacher[0].key;
    const one = path.join(outDir, 'one');
    await fs.mkdir(one);
    const report = await writeSftExport({ dataSource: db.dataSource, outDir: one, filter: { stereotype: key } }, {});
    expect(report.counts.records).toBe(acceptedTeacher.filter((d) => d.key === key).length);
  });
});

describe('the student run over the rest, and its splits', () => {
  let studentRunId: string;
  let studentRunDbId: number;

  test('excludeSample leaves the teacher sample out: the two runs together cover every prepared user, once', async () => {
    // The adapter's own description (what generator/finetune writes) is stored with the run.
    const adapter = { base_model: 'meta-llama/Llama-3.1-8B-Instruct', rank: 16, alpha: 32, epochs: 3, data_sha256: 'ab'.repeat(32) };
    const wrongRole = await api.query(ENQUEUE, { input: { role: 'TEACHER', adapter } }, { token: OPS });
    expect(wrongRole.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.adapter' });
    const { enqueueGeneration: run } = await ok(ENQUEUE, { input: { role: 'STUDENT', excludeSample: sampleName, adapter } }, OPS);
    expect(run.adapter).toEqual(adapter);
    studentRunId = run.id;
    studentRunDbId = Number(fromGlobalId(run.id)!.id);
    expect(run.requested).toBe(USERS - teacherUsers.length);
    expect(run.config.selection.excludeSample).toBe(sampleName);
    const finished = await waitForRun(studentRunId);
    expect(finished.status).toBe('COMPLETED');
    expect(finished.accepted).toBeGreaterThan(USERS / 2);

    const studentUsers: Array<{ userId: number }> = await db.dataSource.query(`SELECT user_id AS "userId" FROM generation_jobs WHERE run_id = $1`, [studentRunDbId]);
    const student = new Set(studentUsers.map((u) => u.userId));
    expect(teacherUsers.filter((u) => student.has(u))).toEqual([]);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE source = 'STUDENT' AND user_id = ANY($1)`, [teacherUsers]);
    expect(n).toBe(0);
    expect([...student, ...teacherUsers].sort((a, b) => a - b)).toEqual([...userIds].sort((a, b) => a - b));
  });

  const ASSIGN = `mutation($input: SplitInput!) { assignSplits(input: $input) { name dialogueCount byStereotype { stereotype { key } count } assignment { seed populationSize units warnings { code stratum units } ratios { train valid test } } } }`;

  async function assignment(): Promise<Array<{ id: number; userId: number; split: string; pos: number }>> {
    return db.dataSource.query(
      `SELECT id, user_id AS "userId", split, split_position AS pos FROM dialogues WHERE generation_run_id = $1 AND status = 'ACCEPTED' ORDER BY id`,
      [studentRunDbId],
    );
  }

  test('assignSplits over the student run: every accepted dialogue gets a split, 80/10/10 per stereotype, no user in two splits', async () => {
    const { assignSplits: splits } = await ok(ASSIGN, { input: { generationRunId: studentRunId } }, OPS);
    const rows = await assignment();
    expect(rows.every((r) => ['train', 'valid', 'test'].includes(r.split))).toBe(true);

    const perStereotype: Array<{ key: string; n: number }> = await db.dataSource.query(
      `SELECT s.key, count(DISTINCT d.user_id)::int AS n FROM dialogues d JOIN stereotypes s ON s.id = d.stereotype_id
        WHERE d.generation_run_id = $1 AND d.status = 'ACCEPTED' GROUP BY s.id, s.key ORDER BY s.id`,
      [studentRunDbId],
    );
    const count = (name: string, key: string) => splits.find((s: any) => s.name === name).byStereotype.find((b: any) => b.stereotype.key === key).count;
    for (const { key, n } of perStereotype) {
      const held = n < 3 ? 0 : Math.max(1, Math.floor(0.1 * n));
      expect([count('TRAIN', key), count('VALID', key), count('TEST', key)]).toEqual([n - 2 * held, held, held]);
    }
    expect(splits.map((s: any) => s.dialogueCount).reduce((a: number, b: number) => a + b, 0)).toBe(rows.length);
    expect(splits[0].assignment).toMatchObject({ seed: 42, populationSize: rows.length, ratios: { train: 0.8, valid: 0.1, test: 0.1 } });
    expect(splits[0].assignment.warnings).toEqual(perStereotype.filter((s) => s.n < 3).map((s) => ({ code: 'SMALL_STRATUM', stratum: s.key, units: s.n })));

    const splitsOfUser = new Map<number, Set<string>>();
    for (const r of rows) splitsOfUser.set(r.userId, (splitsOfUser.get(r.userId) ?? new Set()).add(r.split));
    expect([...splitsOfUser.values()].every((s) => s.size === 1)).toBe(true);
    // Positions are each split's line order: 0 … size − 1.
    for (const name of ['train', 'valid', 'test']) {
      expect(rows.filter((r) => r.split === name).map((r) => r.pos).sort((a, b) => a - b)).toEqual([...Array(rows.filter((r) => r.split === name).length).keys()]);
    }
    // The `splits` query sees the same counts (nothing else has a split here).
    const { splits: seen } = await ok(`{ splits { name dialogueCount } }`);
    expect(seen).toEqual(splits.map((s: any) => ({ name: s.name, dialogueCount: s.dialogueCount })));
    // Teacher dialogues are outside the population and keep no split.
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE source = 'TEACHER' AND split IS NOT NULL`);
    expect(n).toBe(0);
  });

  test('the same seed gives identical assignments (splits and line order); another seed different ones; each is recorded', async () => {
    const first = await assignment();
    await ok(ASSIGN, { input: { generationRunId: studentRunId, seed: 42 } }, OPS);
    expect(await assignment()).toEqual(first);
    await ok(ASSIGN, { input: { generationRunId: studentRunId, seed: 7 } }, OPS);
    const other = await assignment();
    expect(other.map((r) => [r.split, r.pos])).not.toEqual(first.map((r) => [r.split, r.pos]));
    const recorded: Array<{ seed: number; population: number }> = await db.dataSource.query('SELECT seed, population FROM split_assignments ORDER BY id');
    expect(recorded).toEqual([42, 42, 7].map((seed) => ({ seed, population: first.length })));
  });

  test('bad split requests name the argument; a reader key may not assign', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{}, 'BAD_USER_INPUT', 'input'],
      [{ generationRunId: studentRunId, ratios: { train: 0.8, valid: 0.1, test: 0.2 } }, 'BAD_USER_INPUT', 'input.ratios'],
      [{ generationRunId: studentRunId, filter: { status: 'REJECTED' } }, 'BAD_USER_INPUT', 'input.filter.status'],
      [{ generationRunId: toGlobalId('GenerationRun', 999999) }, 'NOT_FOUND', 'input.generationRunId'],
      [{ filter: { stereotype: 'Nobody' } }, 'BAD_USER_INPUT', 'input.filter.stereotype'],
    ];
    for (const [input, code, argument] of cases) {
      const res = await api.query(ASSIGN, { input }, { token: OPS });
      expect(res.errors?.[0].extensions).toMatchObject({ code, argument });
    }
    const unknownRun = toGlobalId('GenerationRun', 999999);
    const missing = await api.query(ASSIGN, { input: { generationRunId: unknownRun } }, { token: OPS });
    expect(missing.errors?.[0].message).toBe(`input.generationRunId: no such generation run "${unknownRun}"`);
    const reader = await api.query(ASSIGN, { input: { generationRunId: studentRunId } }, { token: READER });
    expect(reader.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  test('a user with dialogues from two student runs is one unit: all of their dialogues land in the same split', async () => {
    const again = (await assignment()).slice(0, 8).map((r) => r.userId);
    const { enqueueGeneration: run } = await ok(ENQUEUE, { input: { role: 'STUDENT', userIds: again.map((u) => toGlobalId('User', u)) } }, OPS);
    await waitForRun(run.id);
    const { assignSplits: splits } = await ok(ASSIGN, { input: { filter: { source: 'STUDENT' } } }, OPS);
    const rows: Array<{ userId: number; splits: string[] }> = await db.dataSource.query(
      `SELECT user_id AS "userId", array_agg(DISTINCT split) AS splits FROM dialogues WHERE source = 'STUDENT' AND status = 'ACCEPTED' GROUP BY user_id`,
    );
    const twice: Array<{ n: number }> = await db.dataSource.query(
      `SELECT count(*)::int AS n FROM dialogues WHERE source = 'STUDENT' AND status = 'ACCEPTED' GROUP BY user_id HAVING count(*) > 1`,
    );
    expect(twice.length).toBeGreaterThanOrEqual(4); // users with two accepted dialogues
    expect(rows.filter((r) => r.splits.length !== 1)).toEqual([]);
    expect(splits[0].assignment.units).toBe(rows.length);
    expect(splits[0].assignment.populationSize).toBe(rows.length + twice.length);
  });
});
