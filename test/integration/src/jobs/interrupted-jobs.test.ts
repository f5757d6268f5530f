import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import pino from 'pino';
import { startWorker, type RunningWorker } from '../../../../generator/worker/worker';
import { loadConfig } from '../../../../src/config/config';
import { openGraphQLSocket, startTestApi, type TestApi } from '../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../support/db';
import { startScriptedOpenAI, type ScriptedOpenAI } from '../../../support/scripted-openai';

/**
 * An API process killed in the middle of an export or an evaluation, and a server restarted at
 * once on the same database: the jobs of the dead process are FAILED with the cause, their
 * partial files removed and their subscriptions ended within a minute, while the live jobs of
 * other servers are left alone. A generation run, the third kind of job (src/jobs/lifecycle.ts),
 * ends the same way when the worker that held it was killed: FAILED, with its jobs' causes.
 *
 * A killed process is, to the database and to the other servers, a session that ends without
 * cleaning up: its advisory lock goes, its rows stay RUNNING with a fresh heartbeat. Each "other
 * process" here is such a session holding the lock its job rows name, as a real runner does.
 */
let db: TestDatabase;
let exportsDir: string;
let api: TestApi | undefined;
let model: ScriptedOpenAI | undefined;
let worker: RunningWorker | undefined;
const sessions: Client[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  exportsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-interrupted-'));
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await model?.close();
  await api?.close();
  for (const s of sessions) await s.end().catch(() => undefined);
  await db?.drop();
  fs.rmSync(exportsDir, { recursive: true, force: true });
});

/** A process's job owner: a session holding an advisory lock on `key`. */
async function ownerSession(key: string): Promise<Client> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  sessions.push(client);
  return client;
}

/** A RUNNING export of `owner` (null: a row from before owners were recorded) with partial files on disk. */
async function runningExport(owner: string | null): Promise<{ id: number; partial: string }> {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO exports (format, options, folder, status, started_at, heartbeat_at, owner_lock)
     VALUES ('CANONICAL', '{}', '', 'RUNNING', now(), now(), $1) RETURNING id`,
    [owner],
  );
  await db.dataSource.query('UPDATE exports SET folder = $2 WHERE id = $1', [id, path.join(exportsDir, String(id))]);
  const partial = path.join(exportsDir, `${id}.partial`);
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, 'canonical.jsonl'), '{"half": "written"');
  return { id, partial };
}

async function runningEvaluation(owner: string): Promise<number> {
  const [{ id }] = await db.dataSource.query(
    `INSERT INTO evaluations (kind, options, status, started_at, heartbeat_at, owner_lock) VALUES ('RECOMMENDATION', '{}', 'RUNNING', now(), now(), $1) RETURNING id`,
    [owner],
  );
  return id;
}

const statusOf = async (table: string, id: number) => (await db.dataSource.query(`SELECT status, error FROM ${table} WHERE id = $1`, [id]))[0];
const gid = (type: string, id: number) => Buffer.from(`${type}:${id}`).toString('base64url');

test('a restarted server fails its dead predecessor\'s export and evaluation within a minute, and only those', async () => {
  const deadKey = '1234567890123';
  const liveKey = '2234567890123';
  const dead = await ownerSession(deadKey);
  const live = await ownerSession(liveKey);
  const orphan = await runningExport(deadKey);
  const orphanEvaluation = await runningEvaluation(deadKey);
  const alive = await runningExport(liveKey);
  // Its heartbeat is old (a busy process), but its owner's lock says the owner lives.
  await db.dataSource.query(`UPDATE exports SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, [alive.id]);
  const legacy = await runningExport(null); // fresh heartbeat, no owner: left to the heartbeat rule

  // The process dies (no cleanup: its rows stay RUNNING with a fresh heartbeat) …
  await dead.end();
  // … and a server starts at once on the same database.
  const started = Date.now();
  api = await startTestApi(db.dataSource, { ...loadConfig({}), exportsDir });

  const socket = openGraphQLSocket(api.wsUrl);
  expect(await socket.ready).toEqual({ acked: true });
  const [exportStates, evaluationStates] = await Promise.all([
    socket.run(`subscription($id: ID!) { exportUpdated(id: $id) { status error } }`, { id: gid('Export', orphan.id) }),
    socket.run(`subscription($id: ID!) { evaluationUpdated(id: $id) { status error } }`, { id: gid('Evaluation', orphanEvaluation) }),
  ]);
  socket.close();
  const elapsed = Date.now() - started;

  // The subscriptions ended by themselves, on the final FAILED state that names the cause.
  const lastExport = exportStates.results.at(-1).data.exportUpdated;
  expect(lastExport.status).toBe('FAILED');
  expect(lastExport.error).toMatch(/^interrupted: the server stopped before this export finished; start it again/);
  expect(evaluationStates.results.at(-1).data.evaluationUpdated).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^interrupted/) });
  expect(elapsed).toBeLessThan(60_000);
  // The partial files go with it (removed by the sweep that failed it, or the next one).
  for (let i = 0; i < 30 && fs.existsSync(orphan.partial); i++) await new Promise((r) => setTimeout(r, 500));
  expect(fs.existsSync(orphan.partial)).toBe(false);

  // Another server's live job (however old its heartbeat), and an ownerless job whose heartbeat is fresh, are not touched.
  expect(await statusOf('exports', alive.id)).toEqual({ status: 'RUNNING', error: null });
  expect(await statusOf('exports', legacy.id)).toEqual({ status: 'RUNNING', error: null });
  expect(fs.existsSync(alive.partial)).toBe(true);

  // When that server dies too, the running server notices without a restart of its own.
  await live.end();
  const deadline = Date.now() + 45_000;
  while ((await statusOf('exports', alive.id)).status === 'RUNNING' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  expect((await statusOf('exports', alive.id)).status).toBe('FAILED');
  for (let i = 0; i < 30 && fs.existsSync(alive.partial); i++) await new Promise((r) => setTimeout(r, 500));
  expect(fs.existsSync(alive.partial)).toBe(false);
}, 150_000);

test('a generation run whose worker was killed before settling it ends FAILED with its jobs\' causes, and its subscription ends', async () => {
  api ??= await startTestApi(db.dataSource, { ...loadConfig({}), exportsDir });
  const [{ id: runId }] = await db.dataSource.query(
    `INSERT INTO generation_runs (kind, role, strategy, model, endpoint, config, config_hash, requested, status, started_at)
     VALUES ('GENERATE', 'TEACHER', 'STEREOTYPE', 'teacher-model', 'http://model/v1', '{}', 'x', 2, 'RUNNING', now()) RETURNING id`,
  );
  // Its two jobs ended as workers record them: one's last attempt expired (its worker was killed
  // mid-request), one failed for good on the server's error …
  const causes = [
    { code: 'EXPIRED', message: 'the attempt did not finish within RECDIAL_JOB_EXPIRE_S (worker killed or cut off from PostgreSQL)', httpStatus: null, attempt: 1 },
    { code: 'SERVER_ERROR', message: 'HTTP 500: CUDA out of memory', httpStatus: 500, attempt: 1 },
  ];
  for (const [i, cause] of causes.entries()) {
    const [{ id: jobId }] = await db.dataSource.query(
      `INSERT INTO generation_jobs (run_id, key, status, attempts, queue_job_id, last_error, updated_at)
       VALUES ($1, $2, 'FAILED', 1, gen_random_uuid(), $3, now() - interval '1 minute') RETURNING id`,
      [runId, `job-${i}`, JSON.stringify(cause)],
    );
    await db.dataSource.query(
      `INSERT INTO generation_attempts (run_id, job_id, attempt, outcome, retryable, http_status, message, worker) VALUES ($1, $2, 1, $3, false, $4, $5, 'killed-worker')`,
      [runId, jobId, cause.code, cause.httpStatus, cause.message],
    );
  }
  // … but the process that ended the last one died before it settled the run: the row says RUNNING.
  const socket = openGraphQLSocket(api.wsUrl);
  expect(await socket.ready).toEqual({ acked: true });
  const states = socket.run(`subscription($id: ID!) { generationRunUpdated(id: $id) { status failed pending errors(first: 10) { code message } } }`, { id: gid('GenerationRun', runId) });

  // Any live worker's supervisor finds the run and settles it.
  model = await startScriptedOpenAI({ models: ['teacher-model'] });
  const config = { ...loadConfig({ TEACHER_BASE_URL: model.baseUrl, TEACHER_MODEL: 'teacher-model', RECDIAL_SUPERVISE_INTERVAL_S: '1' }), exportsDir };
  worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
  let timer: NodeJS.Timeout | undefined;
  const ended = await Promise.race([states, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('the subscription did not end')), 30_000)))]).finally(() => clearTimeout(timer));
  socket.close();

  const last = ended.results.at(-1).data.generationRunUpdated;
  expect(last).toMatchObject({ status: 'FAILED', failed: 2, pending: 0 });
  expect(last.errors.map((e: { code: string }) => e.code).sort()).toEqual(['EXPIRED', 'SERVER_ERROR']);
  expect(last.errors.find((e: { code: string }) => e.code === 'EXPIRED').message).toMatch(/worker killed/);
  const [row] = await db.dataSource.query('SELECT status, finished_at FROM generation_runs WHERE id = $1', [runId]);
  expect(row.status).toBe('FAILED');
  expect(row.finished_at).not.toBeNull();
  expect(model.requests).toHaveLength(0); // nothing was generated again
}, 60_000);
