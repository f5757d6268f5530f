import { DataSource } from 'typeorm';
import pino from 'pino';
import { loadConfig, Config } from '../../../../src/config/config';
import { startWorker, RunningWorker } from '../../../../generator/worker/worker';
import { enqueueGeneration, type EnqueueGenerationInput, regenerateDialogues } from '../../../../generator';
import { CliError, withCliErrors } from '../../../../src/cli/common';
import { DomainError } from '../../../../src/errors';
import { openGraphQLSocket, startTestApi, TestApi, waitForRun as waitForRunOf } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { seedGenerationWorld } from '../../../support/generation-world';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../../support/scripted-openai';

const OPS = 'ops-secret';
const READER = 'reader-secret';
let db: TestDatabase;
let model: ScriptedOpenAI;
let api: TestApi;
let config: Readonly<Config>;
let userIds: number[];
const workers: RunningWorker[] = [];

function generationConfig(baseUrl: string): Config['generation'] {
  return loadConfig({
    TEACHER_BASE_URL: baseUrl,
    TEACHER_MODEL: 'teacher-model',
    TEACHER_TIMEOUT_MS: '3000',
    TEACHER_MAX_IN_FLIGHT: '16',
    RECDIAL_RETRY_DELAY_S: '1',
    RECDIAL_RETRY_DELAY_MAX_S: '2',
    RECDIAL_JOB_EXPIRE_S: '4',
    RECDIAL_SUPERVISE_INTERVAL_S: '1',
  }).generation;
}

async function stopWorkers() {
  while (workers.length) await workers.pop()!.stop();
}

async function worker(overrides: { concurrency?: number } = {}): Promise<RunningWorker> {
  const w = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100, ...overrides });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  db = await createTestDatabase();
  ({ userIds } = await seedGenerationWorld(db.dataSource, { users: 110, goalTemplate: true }));
  model = await startScriptedOpenAI({ models: ['teacher-model', 'meta-llama/Llama-3.1-8B-Instruct'] });
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, generation: generationConfig(model.baseUrl) };
  api = await startTestApi(db.dataSource, config);
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await api?.close();
  await model?.close();
  await db?.drop();
});

const RUN_FIELDS = `id status requested accepted rejected failed pending counts { skipped cancelled superseded running }`;

async function enqueue(input: Record<string, unknown>) {
  const res = await api.query(`mutation($input: GenerationInput!) { enqueueGeneration(input: $input) { ${RUN_FIELDS} } }`, { input }, { token: OPS });
  expect(res.errors).toBeUndefined();
  return res.data.enqueueGeneration;
}

const waitForRun = (id: string, timeoutMs = 60_000) => waitForRunOf(api, id, RUN_FIELDS, { timeoutMs });

const userGid = (id: number) => Buffer.from(`User:${id}`).toString('base64');
const mutation = (name: string, type: string) => `mutation($input: ${type}!) { ${name}(input: $input) { ${RUN_FIELDS} } }`;

afterEach(async () => {
  await stopWorkers();
  model.reset();
});

describe('access and fail-fast checks', () => {
  test('enqueueGeneration without a key is UNAUTHENTICATED (401), with a reader key FORBIDDEN (403), and writes nothing', async () => {
    const input = { role: 'TEACHER', limit: 1 };
    const anonymous = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input });
    expect(anonymous.status).toBe(401);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const reader = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input }, { token: READER });
    expect(reader.status).toBe(403);
    expect(reader.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const [{ count }] = await db.dataSource.query('SELECT count(*)::int AS count FROM generation_runs');
    expect(count).toBe(0);
  });

  test('a role without a configured endpoint fails at once with BAD_USER_INPUT naming input.role', async () => {
    const res = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input: { role: 'STUDENT', limit: 1 } }, { token: OPS });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.role' });
    expect(res.errors?.[0].message).toMatch(/STUDENT_BASE_URL/);
  });

  test('an endpoint that does not serve the model fails at once with MODEL_ENDPOINT_UNAVAILABLE listing what it serves', async () => {
    model.setModels(['some-other-model']);
    const res = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input: { role: 'TEACHER', limit: 1 } }, { token: OPS });
    expect(res.errors?.[0].extensions?.code).toBe('MODEL_ENDPOINT_UNAVAILABLE');
    expect(res.errors?.[0].message).toContain('"some-other-model"');
    const [{ count }] = await db.dataSource.query('SELECT count(*)::int AS count FROM generation_runs');
    expect(count).toBe(0);
  });

  test('bad arguments name the argument', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ role: 'TEACHER', stereotypes: ['Nobody'] }, 'input.stereotypes[0]'],
      [{ role: 'TEACHER', teacherFraction: 1.5 }, 'input.teacherFraction'],
      [{ role: 'TEACHER', sampling: { temperature: 9 } }, 'input.sampling.temperature'],
      [{ role: 'TEACHER', userIds: ['nope'] }, 'input.userIds[0]'],
      [{ role: 'TEACHER', limit: 0 }, 'input.limit'],
    ];
    for (const [input, argument] of cases) {
      const res = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input }, { token: OPS });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  });

  test('the generator’s one enqueueGeneration, called with a plain object as a non-GraphQL caller would, refuses alike; the CLI’s mapping names the flag', async () => {
    const access = { dataSource: db.dataSource, config, boss: () => Promise.reject(new Error('no queue needed to refuse')) };
    const refusal = (input: EnqueueGenerationInput) => enqueueGeneration(access, input, null).then(() => null, (e: unknown) => e);
    const unknown = await refusal({ role: 'TEACHER', stereotypes: ['Fully Expressive Seeker', 'Nobody'] });
    expect(unknown).toBeInstanceOf(DomainError);
    expect(unknown).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.stereotypes[1]', message: expect.stringMatching(/^input\.stereotypes\[1\]: unknown stereotype "Nobody"; expected one of "/) });
    // The same refusal through the API: message, code and argument as the generator made them.
    const viaApi = await api.query(mutation('enqueueGeneration', 'GenerationInput'), { input: { role: 'TEACHER', stereotypes: ['Fully Expressive Seeker', 'Nobody'] } }, { token: OPS });
    expect(viaApi.errors?.[0]).toMatchObject({ message: (unknown as Error).message, extensions: { code: 'BAD_USER_INPUT', argument: 'input.stereotypes[1]' } });
    await expect(withCliErrors(() => enqueueGeneration(access, { role: 'TEACHER', sampleName: 'x' }, null))).rejects.toThrow(
      new CliError('--sample-name: names the teacher sample, so it needs teacherFraction'),
    );
    expect(await refusal({ role: 'SIMULATOR' })).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.role' });
    await expect(regenerateDialogues(access, { role: 'TEACHER', reason: 'why', dialogueIds: [userGid(1)] }, null)).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'input.dialogueIds[0]',
    });
    expect(await db.dataSource.query('SELECT count(*)::int AS n FROM generation_runs')).toEqual([{ n: 0 }]);
  });
});

describe('a run of 100 users with a misbehaving model server', () => {
  let runId: string;
  let received: typeof model.requests = [];

  test('yields 100 dialogues, accepted or rejected with reasons, seen live through the subscription, each with provenance', async () => {
    model.setLatency(100);
    model.rule('', { kind: 'malformed' }, 2);
    model.rule('', { kind: 'hallucinate' }, 2);
    model.rule('', { kind: 'truncate' }, 1);
    model.rule('', { kind: 'status', status: 429, retryAfterSeconds: 1 }, 2);
    model.rule('', { kind: 'status', status: 500 }, 1);
    model.rule('', { kind: 'drop' }, 1);
    model.rule('', { kind: 'timeout' }, 1);
    const run = await enqueue({ role: 'TEACHER', limit: 100, sampling: { temperature: 0.5, seed: 7 } });
    runId = run.id;
    expect(run).toMatchObject({ status: 'QUEUED', requested: 100, pending: 100, accepted: 0 });

    const socket = openGraphQLSocket(api.wsUrl);
    expect(await socket.ready).toEqual({ acked: true });
    const events = socket.run(`subscription($id: ID!) { generationRunUpdated(id: $id) { status accepted rejected failed pending } }`, { id: runId });
    await new Promise((r) => setTimeout(r, 200)); // subscribed before the worker starts
    await worker();
    const { results, errors } = await events;
    socket.close();
    expect(errors).toBeUndefined();
    expect(results.filter((r) => r.errors)).toEqual([]);
    const states = results.map((r) => r.data.generationRunUpdated);
    expect(states.length).toBeGreaterThanOrEqual(3);
    expect(states[0].status).toBe('QUEUED');
    const last = states[states.length - 1];
    expect(last).toMatchObject({ status: 'COMPLETED', pending: 0, failed: 0 });
    expect(last.accepted + last.rejected).toBe(100);
    // Live: progress between start and end, never going backwards.
    expect(states.some((s: any) => s.accepted + s.rejected > 0 && s.pending > 0)).toBe(true);
    for (let i = 1; i < states.length; i++) expect(states[i].accepted + states[i].rejected).toBeGreaterThanOrEqual(states[i - 1].accepted + states[i - 1].rejected);

    // Malformed (2), hallucinated (2) and truncated (1) answers are stored as REJECTED with their reasons.
    expect(last.rejected).toBe(5);
    const rejected = await api.query(`query($id: ID!) { generationRun(id: $id) { acceptanceRate rejectionsByCode { code count }
      dialogues(first: 10, status: REJECTED) { nodes { status rejectionReasons unresolvedItemIds provenance { rawResponse finishReason } } } } }`, { id: runId });
    expect(rejected.data.generationRun.acceptanceRate).toBeCloseTo(95 / 100);
    const codes = rejected.data.generationRun.rejectionsByCode.map((r: any) => r.code);
    expect(codes).toEqual(expect.arrayContaining(['NO_TURNS', 'UNKNOWN_ITEM_ID', 'TRUNCATED']));
    const nodes = rejected.data.generationRun.dialogues.nodes;
    expect(nodes).toHaveLength(5);
    for (const d of nodes) expect(d.rejectionReasons.length).toBeGreaterThan(0);
    expect(nodes.filter((d: any) => d.unresolvedItemIds.includes('B0NOTREAL9'))).toHaveLength(2);
    expect(nodes.filter((d: any) => d.provenance.finishReason === 'length')).toHaveLength(1);

    // 429, 500, a dropped connection and a timeout were retried, and every attempt is recorded.
    const errorsRes = await api.query(`query($id: ID!) { generationRun(id: $id) { errors(first: 20) { code httpStatus retried attempt } } }`, { id: runId });
    const jobErrors = errorsRes.data.generationRun.errors;
    expect(jobErrors.map((e: any) => e.code).sort()).toEqual(['CONNECTION', 'CONNECTION', 'RATE_LIMITED', 'RATE_LIMITED', 'SERVER_ERROR'].sort());
    expect(jobErrors.every((e: any) => e.retried && e.attempt === 1)).toBe(true);

    const all = await api.query(`query($id: ID!) { generationRun(id: $id) { dialogues(first: 100, status: ACCEPTED) { nodes {
      source model user { id } targetItem { asin } turns { role text } recommendedItems { asin }
      provenance { role model endpoint seed sampling { temperature topP maxTokens } promptVersion promptSha256 messages { role content }
                   rawResponse finishReason usage { promptTokens completionTokens totalTokens } latencyMs attempts run { id } } } } } }`, { id: runId });
    expect(all.errors).toBeUndefined();
    const accepted = all.data.generationRun.dialogues.nodes;
    expect(accepted).toHaveLength(95);
    for (const d of accepted) {
      expect(d).toMatchObject({ source: 'TEACHER', model: 'teacher-model' });
      expect(d.recommendedItems.map((i: any) => i.asin)).toContain(d.targetItem.asin);
      expect(d.provenance).toMatchObject({ role: 'TEACHER', model: 'teacher-model', endpoint: model.baseUrl, promptVersion: 0, finishReason: 'stop', run: { id: runId } });
      expect(d.provenance.sampling).toEqual({ temperature: 0.5, topP: 0.9, maxTokens: 2048 });
      expect(d.provenance.messages.map((m: any) => m.role)).toEqual(['system', 'user']);
      expect(d.provenance.usage.totalTokens).toBeGreaterThan(0);
      expect(d.provenance.latencyMs).toBeGreaterThanOrEqual(100);
      expect(d.provenance.rawResponse).toMatch(/^\[USR\]/);
    }
    // Retried jobs record which attempt produced the dialogue.
    expect(accepted.filter((d: any) => d.provenance.attempts > 1).length).toBeGreaterThanOrEqual(3);
    // Every request carried its keyed seed and the run's sampling.
    const seeds = new Set(model.requests.map((r) => r.body.seed));
    expect(seeds.size).toBe(100);
    expect(model.requests.every((r) => r.body.temperature === 0.5 && r.body.top_p === 0.9 && r.body.max_tokens === 2048)).toBe(true);
    received = [...model.requests];
  }, 90_000);

  test('promptPreview shows byte for byte the messages the model received', async () => {
    const res = await api.query(`query($id: ID!) { generationRun(id: $id) { dialogues(first: 3, status: ACCEPTED) { nodes { user { id } provenance { promptSha256 messages { role content } } } } } }`, { id: runId });
    for (const d of res.data.generationRun.dialogues.nodes) {
      const preview = await api.query(`query($u: ID!) { promptPreview(userId: $u) { messages { role content } sha256 rendered stereotype { key } targetItem { asin } } }`, { u: d.user.id });
      expect(preview.errors).toBeUndefined();
      expect(preview.data.promptPreview.messages).toEqual(d.provenance.messages);
      expect(preview.data.promptPreview.sha256).toBe(d.provenance.promptSha256);
      expect(preview.data.promptPreview.rendered.startsWith('<|begin_of_text|><|start_header_id|>system<|end_header_id|>')).toBe(true);
      expect(received.some((r) => JSON.stringify(r.body.messages) === JSON.stringify(d.provenance.messages))).toBe(true);
    }
  });

  test('regenerateDialogues on the rejected ones supersedes them; the old versions stay queryable with their reasons', async () => {
    const res = await api.query(mutation('regenerateDialogues', 'RegenerationInput'), {
      input: { role: 'TEACHER', reason: 'rejected by validation', filter: { status: 'REJECTED', generationRunId: runId } },
    }, { token: OPS });
    expect(res.errors).toBeUndefined();
    const regen = res.data.regenerateDialogues;
    expect(regen.requested).toBe(5);
    await worker();
    expect(await waitForRun(regen.id)).toMatchObject({ status: 'COMPLETED', accepted: 5, rejected: 0 });

    const old = await api.query(`query($id: ID!) { generationRun(id: $id) { accepted rejected counts { superseded }
      dialogues(first: 10, status: SUPERSEDED) { nodes { id status rejectionReasons version supersededBy { id version status supersedes { id } } } } } }`, { id: runId });
    const run = old.data.generationRun;
    expect(run).toMatchObject({ accepted: 95, rejected: 0, counts: { superseded: 5 } });
    for (const d of run.dialogues.nodes) {
      expect(d.rejectionReasons.length).toBeGreaterThan(0);
      expect(d.supersededBy).toMatchObject({ version: 2, status: 'ACCEPTED', supersedes: { id: d.id } });
    }
    const again = await api.query(mutation('regenerateDialogues', 'RegenerationInput'), {
      input: { role: 'TEACHER', reason: 'twice', dialogueIds: [run.dialogues.nodes[0].id] },
    }, { token: OPS });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', argument: 'input.dialogueIds' });
    // Errors name the global ids the caller sent, never the database's numbers.
    expect(again.errors?.[0].message).toBe(`input.dialogueIds: already superseded (regenerate their newest version instead): "${run.dialogues.nodes[0].id}"`);
    const unknown = Buffer.from('Dialogue:987654').toString('base64url');
    const missing = await api.query(mutation('regenerateDialogues', 'RegenerationInput'), {
      input: { role: 'TEACHER', reason: 'gone', dialogueIds: [run.dialogues.nodes[1].supersededBy.id, unknown] },
    }, { token: OPS });
    expect(missing.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'input.dialogueIds' });
    expect(missing.errors?.[0].message).toBe(`input.dialogueIds: no such dialogue: "${unknown}"`);
    expect(missing.errors?.[0].message).not.toContain('987654');
  }, 60_000);
});

test('killing a worker mid-run loses nothing and duplicates nothing', async () => {
  model.setLatency(300);
  const run = await enqueue({ role: 'TEACHER', limit: 40, sampling: { seed: 11 } });
  const doomed = await worker({ concurrency: 4 });
  const survivor = await worker({ concurrency: 4 });
  const until = Date.now() + 30_000;
  for (;;) {
    const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM dialogues WHERE generation_run_id = $1', [Number(Buffer.from(run.id, 'base64').toString().split(':')[1])]);
    if (n >= 8 || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await doomed.crash(); // its in-flight jobs stay active in the queue until they expire
  workers.splice(workers.indexOf(doomed), 1);
  const done = await waitForRun(run.id, 60_000);
  expect(done).toMatchObject({ status: 'COMPLETED', accepted: 40, failed: 0, pending: 0 });
  const dbId = Number(Buffer.from(run.id, 'base64').toString().split(':')[1]);
  const [counts] = await db.dataSource.query(
    `SELECT count(*)::int AS dialogues, count(DISTINCT user_id)::int AS users, count(DISTINCT generation_job_id)::int AS jobs
       FROM dialogues WHERE generation_run_id = $1`,
    [dbId],
  );
  expect(counts).toEqual({ dialogues: 40, users: 40, jobs: 40 });
  // The crashed worker's jobs really were taken over (expired and retried).
  const [{ retried }] = await db.dataSource.query('SELECT count(*)::int AS retried FROM generation_jobs WHERE run_id = $1 AND attempts > 1', [dbId]);
  expect(retried).toBeGreaterThan(0);
  void survivor;
}, 90_000);

test('cancelGenerationRun stops what has not started; what was running is still stored', async () => {
  model.setLatency(400);
  const run = await enqueue({ role: 'TEACHER', limit: 30, sampling: { seed: 12 } });
  await worker({ concurrency: 2 });
  await new Promise((r) => setTimeout(r, 900));
  const res = await api.query(`mutation($id: ID!) { cancelGenerationRun(id: $id) { ${RUN_FIELDS} } }`, { id: run.id }, { token: OPS });
  expect(res.errors).toBeUndefined();
  expect(res.data.cancelGenerationRun.status).toBe('CANCELLED');
  await new Promise((r) => setTimeout(r, 1200)); // the requests in flight finish
  const after = await waitForRun(run.id);
  expect(after.status).toBe('CANCELLED');
  expect(after.counts.cancelled).toBeGreaterThan(15);
  expect(after.accepted + after.counts.cancelled + after.rejected).toBe(30);
  expect(after.pending).toBe(0);
  const twice = await api.query(`mutation($id: ID!) { cancelGenerationRun(id: $id) { id } }`, { id: run.id }, { token: OPS });
  expect(twice.errors?.[0].extensions?.code).toBe('CONFLICT');
  const unknown = Buffer.from('GenerationRun:424242').toString('base64url');
  const missing = await api.query(`mutation($id: ID!) { cancelGenerationRun(id: $id) { id } }`, { id: unknown }, { token: OPS });
  expect(missing.errors?.[0]).toMatchObject({ message: `id: no such generation run "${unknown}"`, extensions: { code: 'NOT_FOUND', argument: 'id' } });
}, 30_000);

test('a request the server refuses as invalid (HTTP 400) is not retried: the job fails once and goes to the dead-letter queue', async () => {
  model.rule('', { kind: 'status', status: 400, message: 'prompt too long' }, 1);
  const run = await enqueue({ role: 'TEACHER', limit: 3, sampling: { seed: 13 } });
  await worker({ concurrency: 1 });
  const done = await waitForRun(run.id);
  expect(done).toMatchObject({ status: 'COMPLETED', accepted: 2, failed: 1 });
  const res = await api.query(`query($id: ID!) { generationRun(id: $id) { errors { code httpStatus retried attempt message } } }`, { id: run.id });
  expect(res.data.generationRun.errors).toEqual([expect.objectContaining({ code: 'CLIENT_ERROR', httpStatus: 400, retried: false, attempt: 1 })]);
  const [{ dead }] = await db.dataSource.query(`SELECT count(*)::int AS dead FROM pgboss.job WHERE name = 'generation-teacher-dead'`);
  expect(dead).toBeGreaterThanOrEqual(1);
}, 30_000);

test('the goal-template strategy writes one dialogue per might-like item from a filled template', async () => {
  const run = await enqueue({ role: 'TEACHER', strategy: 'GOAL_TEMPLATE', limit: 6, sampling: { seed: 14 } });
  expect(run.requested).toBe(6);
  await worker();
  const done = await waitForRun(run.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.accepted + done.rejected + done.counts.skipped).toBe(6);
  const res = await api.query(`query($id: ID!) { generationRun(id: $id) { strategy dialogues(first: 10) { nodes { strategy status rejectionReasons turns { role text }
    recommendedItems { asin } targetItem { asin } provenance { templateId messages { role content } } } } } }`, { id: run.id });
  const nodes = res.data.generationRun.dialogues.nodes;
  expect(res.data.generationRun.strategy).toBe('GOAL_TEMPLATE');
  expect(nodes.length).toBeGreaterThan(0);
  for (const d of nodes) {
    expect(d.strategy).toBe('GOAL_TEMPLATE');
    expect(d.provenance.templateId).toMatch(/^r[123]-/);
    expect(d.turns[0].role).toBe('USER');
  }
  const accepted = nodes.filter((d: any) => d.status === 'ACCEPTED');
  expect(accepted.length).toBeGreaterThan(0);
  for (const d of accepted) expect(d.recommendedItems.map((i: any) => i.asin)).toContain(d.targetItem.asin);
}, 30_000);

test('a teacher that writes titles instead of tags: the titles become resolved mentions and every rewrite is logged', async () => {
  model.setDefault({ kind: 'titles' });
  const run = await enqueue({ role: 'TEACHER', limit: 4, sampling: { seed: 15 } });
  await worker();
  const done = await waitForRun(run.id);
  expect(done).toMatchObject({ status: 'COMPLETED', accepted: 4, rejected: 0 });
  const res = await api.query(`query($id: ID!) { generationRun(id: $id) { dialogues(first: 10) { nodes {
    targetItem { asin } recommendedItems { asin } mentionedItems { asin title } turns { text mentions { item { asin } } } warnings { code }
    provenance { rawResponse titleRewrites { start end before after asin method } } } } } }`, { id: run.id });
  expect(res.errors).toBeUndefined();
  const nodes = res.data.generationRun.dialogues.nodes;
  expect(nodes).toHaveLength(4);
  for (const d of nodes) {
    const raw: string = d.provenance.rawResponse;
    expect(raw).not.toContain('<id_');
    expect(d.recommendedItems.map((i: any) => i.asin)).toContain(d.targetItem.asin);
    const rewrites = d.provenance.titleRewrites;
    for (const w of rewrites) {
      expect(raw.slice(w.start, w.end)).toBe(w.before);
      expect(w.after).toBe(`<id_${w.asin}>`);
      expect(w.method).toBe('QUOTED');
      const title = d.mentionedItems.find((i: any) => i.asin === w.asin)?.title;
      expect(w.before).toBe(`"${title}" (2017)`);
    }
    expect(rewrites.map((w: any) => w.asin)).toContain(d.targetItem.asin);
    expect(d.turns.flatMap((t: any) => t.mentions).length).toBe(rewrites.length);
    expect(d.warnings).toEqual([]);
  }
}, 30_000);
