import pino from 'pino';
import { loadConfig, Config } from '../../../../src/config/config';
import { startWorker, RunningWorker } from '../../../../generator/worker/worker';
import { startTestApi, TestApi, waitForRun as waitForRunOf } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { seedGenerationWorld } from '../../../support/generation-world';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../../support/scripted-openai';

// Faults from the real world (issue 16): answers PostgreSQL cannot store, servers that fail with
// a body, endpoints that go away for longer than the retry budget, jobs that failed for good.
const OPS = 'ops-secret';
const READER = 'reader-secret';
let db: TestDatabase;
let model: ScriptedOpenAI;
let api: TestApi;
let config: Readonly<Config>;
const workers: RunningWorker[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedGenerationWorld(db.dataSource, { users: 30 });
  model = await startScriptedOpenAI({ models: ['teacher-model'] });
  const generation = loadConfig({
    TEACHER_BASE_URL: model.baseUrl,
    TEACHER_MODEL: 'teacher-model',
    TEACHER_TIMEOUT_MS: '3000',
    TEACHER_MAX_IN_FLIGHT: '4',
    // Three attempts 1–2 s apart: the whole retry budget is spent in about 4 s.
    RECDIAL_GENERATION_ATTEMPTS: '3',
    RECDIAL_RETRY_DELAY_S: '1',
    RECDIAL_RETRY_DELAY_MAX_S: '2',
    RECDIAL_JOB_EXPIRE_S: '4',
    RECDIAL_SUPERVISE_INTERVAL_S: '1',
  }).generation;
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, generation };
  api = await startTestApi(db.dataSource, config);
}, 120_000);

afterAll(async () => {
  for (const w of workers) await w.stop().catch(() => undefined);
  await api?.close();
  await model?.close();
  await db?.drop();
});

afterEach(async () => {
  while (workers.length) await workers.pop()!.stop();
  await model.up().catch(() => undefined); // a test that failed with the server down
  model.reset();
});

async function worker(): Promise<RunningWorker> {
  const w = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100, outageProbeMs: { min: 200, max: 1000 } });
  workers.push(w);
  return w;
}

const RUN_FIELDS = `id status requested accepted rejected failed pending`;
const dbId = (gid: string) => Number(Buffer.from(gid, 'base64').toString().split(':')[1]);

async function enqueue(limit: number, seed: number) {
  const res = await api.query(`mutation($input: GenerationInput!) { enqueueGeneration(input: $input) { ${RUN_FIELDS} } }`, { input: { role: 'TEACHER', limit, sampling: { seed } } }, { token: OPS });
  expect(res.errors).toBeUndefined();
  return res.data.enqueueGeneration;
}

const waitForRun = (id: string, timeoutMs = 60_000) => waitForRunOf(api, id, RUN_FIELDS, { timeoutMs });

async function runErrors(id: string) {
  const res = await api.query(`query($id: ID!) { generationRun(id: $id) { errors(first: 50) { jobId code httpStatus message retried attempt } } }`, { id });
  expect(res.errors).toBeUndefined();
  return res.data.generationRun.errors as Array<{ jobId: number; code: string; httpStatus: number | null; message: string; retried: boolean; attempt: number }>;
}

test('an answer with a NUL byte and a lone surrogate is stored REJECTED (GARBLED_TEXT) with the raw answer escaped, and the run completes', async () => {
  model.rule('', { kind: 'garble' }, 1);
  model.setResponseModel('teacher-model@main');
  const run = await enqueue(3, 21);
  await worker();
  expect(await waitForRun(run.id)).toMatchObject({ status: 'COMPLETED', accepted: 2, rejected: 1, failed: 0, pending: 0 });

  // Without `status`, a run's dialogues are all of them, whatever their status.
  const res = await api.query(`query($id: ID!) { generationRun(id: $id) { dialogues(first: 10) { nodes { status model rejections { code detail } turns { text }
    provenance { model responseModel rawResponse rawResponseEscaped } } } } }`, { id: run.id });
  expect(res.errors).toBeUndefined();
  const nodes = res.data.generationRun.dialogues.nodes;
  expect(nodes.map((d: any) => d.status).sort()).toEqual(['ACCEPTED', 'ACCEPTED', 'REJECTED']);
  const garbled = nodes.find((d: any) => d.status === 'REJECTED');
  const reason = garbled.rejections.find((r: any) => r.code === 'GARBLED_TEXT');
  expect(reason.detail).toMatch(/1 × U\+0000, 1 × U\+D800, which PostgreSQL cannot store/);
  const raw: string = JSON.parse(garbled.provenance.rawResponseEscaped);
  expect(raw).toContain('\u0000\ud800');
  expect(garbled.provenance.rawResponse).toBe(raw.replace('\u0000\ud800', '\ufffd\ufffd'));
  expect(garbled.turns[0].text).toContain('\ufffd');
  for (const d of nodes) {
    // The requested name, not the server's spelling of it; that stays in the provenance.
    expect(d.model).toBe('teacher-model');
    expect(d.provenance).toMatchObject({ model: 'teacher-model', responseModel: 'teacher-model@main' });
  }
  expect(nodes.filter((d: any) => d.provenance.rawResponseEscaped !== null)).toHaveLength(1);
  // Only the fields we set are sent.
  for (const r of model.requests) expect(Object.keys(r.body).sort()).toEqual(['max_tokens', 'messages', 'model', 'seed', 'temperature', 'top_p']);
  // Nothing failed on the way: one attempt per job.
  expect(await runErrors(run.id)).toEqual([]);
}, 30_000);

test('a 500 records its status and the start of its body; a server that keeps failing ends the job FAILED with the cause, and the run settles', async () => {
  const body = JSON.stringify({ detail: 'CUDA out of memory. Tried to allocate 2.00 GiB' });
  model.rule('', { kind: 'status', status: 500, body }, 3);
  const run = await enqueue(1, 22);
  await worker();
  expect(await waitForRun(run.id)).toMatchObject({ status: 'FAILED', failed: 1, accepted: 0, pending: 0 });
  const errors = await runErrors(run.id);
  expect(errors).toHaveLength(3);
  for (const e of errors) {
    expect(e).toMatchObject({ code: 'SERVER_ERROR', httpStatus: 500 });
    expect(e.message).toContain('CUDA out of memory');
  }
  expect(errors.map((e) => e.attempt).sort()).toEqual([1, 2, 3]);
  const [job] = await db.dataSource.query('SELECT status, last_error FROM generation_jobs WHERE run_id = $1', [dbId(run.id)]);
  expect(job.status).toBe('FAILED');
  expect(job.last_error).toMatchObject({ code: 'SERVER_ERROR', httpStatus: 500, attempt: 3 });
  expect(job.last_error.message).toContain('CUDA out of memory');
}, 30_000);

test('an outage longer than the retry budget: workers pause and probe instead of spending attempts; ECONNREFUSED and the address are recorded; every job succeeds', async () => {
  const run = await enqueue(12, 23);
  await model.down();
  await worker();
  // 8 s down: twice what three attempts 1–2 s apart take to be spent.
  await new Promise((r) => setTimeout(r, 8000));
  const during = await api.query(`query($id: ID!) { generationRun(id: $id) { status failed pending } }`, { id: run.id });
  expect(during.data.generationRun).toMatchObject({ failed: 0, pending: 12 });
  await model.up();
  expect(await waitForRun(run.id, 30_000)).toMatchObject({ status: 'COMPLETED', accepted: 12, failed: 0, pending: 0 });

  const errors = await runErrors(run.id);
  // Only the requests in flight when the outage began were refused (at most the in-flight cap), not one per attempt.
  expect(errors.length).toBeGreaterThan(0);
  expect(errors.length).toBeLessThanOrEqual(4);
  for (const e of errors) {
    expect(e).toMatchObject({ code: 'CONNECTION', retried: true });
    expect(e.message).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/);
  }
  // No job spent its budget: every dialogue came from an attempt within it.
  const jobs: Array<{ attempts: number; status: string }> = await db.dataSource.query('SELECT attempts, status FROM generation_jobs WHERE run_id = $1', [dbId(run.id)]);
  expect(jobs.every((j) => j.status === 'DONE' && j.attempts <= 2)).toBe(true);
  expect(model.requests.filter((r) => r.outcome === '200')).toHaveLength(12);
}, 60_000);

test('retryFailedJobs requeues FAILED jobs with new attempts; the run goes back to RUNNING and settles again', async () => {
  model.rule('', { kind: 'status', status: 400, message: 'prompt too long' }, 2);
  const run = await enqueue(4, 24);
  await worker();
  expect(await waitForRun(run.id)).toMatchObject({ status: 'COMPLETED', accepted: 2, failed: 2 });
  const failedJobs: Array<{ id: number }> = await db.dataSource.query(`SELECT id FROM generation_jobs WHERE run_id = $1 AND status = 'FAILED' ORDER BY id`, [dbId(run.id)]);
  const doneJob: Array<{ id: number }> = await db.dataSource.query(`SELECT id FROM generation_jobs WHERE run_id = $1 AND status = 'DONE' LIMIT 1`, [dbId(run.id)]);

  const RETRY = `mutation($input: RetryFailedJobsInput!) { retryFailedJobs(input: $input) { requeued runs { id status failed pending } } }`;
  const reader = await api.query(RETRY, { input: { runId: run.id } }, { token: READER });
  expect(reader.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const both = await api.query(RETRY, { input: { runId: run.id, jobIds: [failedJobs[0].id] } }, { token: OPS });
  expect(both.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input' });
  const notFailed = await api.query(RETRY, { input: { jobIds: [doneJob[0].id] } }, { token: OPS });
  expect(notFailed.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', argument: 'input.jobIds' });
  const unknown = await api.query(RETRY, { input: { jobIds: [99_999_999] } }, { token: OPS });
  expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'NOT_FOUND', argument: 'input.jobIds' });

  const res = await api.query(RETRY, { input: { runId: run.id } }, { token: OPS });
  expect(res.errors).toBeUndefined();
  expect(res.data.retryFailedJobs).toMatchObject({ requeued: 2, runs: [{ id: run.id, status: 'RUNNING', failed: 0, pending: 2 }] });
  expect(await waitForRun(run.id)).toMatchObject({ status: 'COMPLETED', accepted: 4, failed: 0, pending: 0 });
  const jobs: Array<{ attempts: number }> = await db.dataSource.query('SELECT attempts FROM generation_jobs WHERE id = ANY($1)', [failedJobs.map((j) => j.id)]);
  expect(jobs.map((j) => j.attempts)).toEqual([2, 2]); // the new attempts are numbered on
  const again = await api.query(RETRY, { input: { runId: run.id } }, { token: OPS });
  expect(again.errors?.[0].extensions).toMatchObject({ code: 'CONFLICT', argument: 'input.runId' });
}, 30_000);

test('a job whose last attempt expired (worker killed) is found by the supervisor: FAILED with the cause, the run settled, and retryFailedJobs brings it back', async () => {
  model.setLatency(60_000); // the doomed worker's request never comes back
  const run = await enqueue(1, 25);
  // One attempt only, so that the expiry is final.
  await db.dataSource.query(`UPDATE pgboss.job SET retry_limit = 0 WHERE name = 'generation-teacher' AND data->>'runId' = $1`, [String(dbId(run.id))]);
  const doomed = await worker();
  const until = Date.now() + 10_000;
  while (model.requests.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await doomed.crash();
  workers.splice(workers.indexOf(doomed), 1);
  model.setLatency(0);
  await worker(); // its pg-boss monitor expires the job (4 s) and dead-letters it; its supervisor settles the row
  expect(await waitForRun(run.id, 30_000)).toMatchObject({ status: 'FAILED', failed: 1, pending: 0 });
  const [job] = await db.dataSource.query('SELECT id, status, last_error FROM generation_jobs WHERE run_id = $1', [dbId(run.id)]);
  expect(job.last_error).toMatchObject({ code: 'EXPIRED', attempt: 1 });
  expect((await runErrors(run.id)).map((e) => e.code)).toEqual(['EXPIRED']);

  const res = await api.query(`mutation($input: RetryFailedJobsInput!) { retryFailedJobs(input: $input) { requeued } }`, { input: { jobIds: [job.id] } }, { token: OPS });
  expect(res.data?.retryFailedJobs).toEqual({ requeued: 1 });
  expect(await waitForRun(run.id, 30_000)).toMatchObject({ status: 'COMPLETED', accepted: 1, failed: 0 });
}, 60_000);

test('updatePrompt refuses content or a note PostgreSQL cannot store, naming the argument, and stores nothing', async () => {
  const UPDATE = `mutation($input: UpdatePromptInput!) { updatePrompt(input: $input) { version } }`;
  const nul = await api.query(UPDATE, { input: { kind: 'GOAL_TEMPLATE_INSTRUCTIONS', content: 'Write a dialogue.\u0000' } }, { token: OPS });
  expect(nul.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.content' });
  // Refused before any resolver runs, by the guard every string argument goes through (src/server/argument-guards.ts).
  expect(nul.errors?.[0].message).toMatch(/^input\.content: contains U\+0000/);
  const surrogate = await api.query(UPDATE, { input: { kind: 'GOAL_TEMPLATE_INSTRUCTIONS', content: 'Write a dialogue.', note: 'oops \ud800' } }, { token: OPS });
  expect(surrogate.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.note' });
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM prompt_versions');
  expect(n).toBe(0);
});

test('the supervisor requeues jobs whose queue job vanished or was completed while the row stayed open: nothing lost, nothing run twice', async () => {
  const run = await enqueue(3, 26);
  const id = dbId(run.id);
  const jobs: Array<{ id: number; queueJobId: string }> = await db.dataSource.query(
    'SELECT id, queue_job_id AS "queueJobId" FROM generation_jobs WHERE run_id = $1 ORDER BY id',
    [id],
  );
  // As after a crash between the queue and the row: one queue job is gone, one completed, one left alone.
  await db.dataSource.query(`DELETE FROM pgboss.job WHERE name = 'generation-teacher' AND id = $1`, [jobs[0].queueJobId]);
  await db.dataSource.query(`UPDATE pgboss.job SET state = 'completed', completed_on = now() WHERE name = 'generation-teacher' AND id = $1`, [jobs[1].queueJobId]);
  await db.dataSource.query(`UPDATE generation_jobs SET updated_at = now() - interval '1 minute' WHERE run_id = $1`, [id]);
  const w = await worker();
  expect(await waitForRun(run.id)).toMatchObject({ status: 'COMPLETED', accepted: 3, failed: 0, pending: 0 });
  const after: Array<{ id: number; queueJobId: string; attempts: number }> = await db.dataSource.query(
    'SELECT id, queue_job_id AS "queueJobId", attempts FROM generation_jobs WHERE run_id = $1 ORDER BY id',
    [id],
  );
  expect(after[0].queueJobId).not.toBe(jobs[0].queueJobId);
  expect(after[1].queueJobId).not.toBe(jobs[1].queueJobId);
  expect(after[2].queueJobId).toBe(jobs[2].queueJobId);
  expect(after.map((j) => j.attempts)).toEqual([1, 1, 1]);
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM dialogues WHERE generation_run_id = $1', [id]);
  expect(n).toBe(3);
  expect(model.requests).toHaveLength(3);
  // A later pass finds nothing to do.
  let pass = await w.reconcile();
  while (pass === null) pass = await w.reconcile(); // the worker's own pass held the lock
  expect(pass).toEqual({ requeued: 0, failed: 0, cancelled: 0, settled: 0 });
}, 30_000);
