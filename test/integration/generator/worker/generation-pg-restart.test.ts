import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loadConfig, Config } from '../../../../src/config/config';
import { createDataSource } from '../../../../src/db/data-source';
import { migrate } from '../../../../src/db/migrate';
import { enqueueGeneration } from '../../../../generator/enqueue';
import { startBoss } from '../../../../generator/queue/boss';
import { startWorker, RunningWorker } from '../../../../generator/worker/worker';
import { seedGenerationWorld } from '../../../support/generation-world';
import { PrivatePostgres, startPrivatePostgres } from '../../../support/private-postgres';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../../support/scripted-openai';

// PostgreSQL restarted under a running worker (issue 16): the suite's shared server cannot be
// restarted, so this file runs a PostgreSQL of its own (as test/support/global-setup.mjs does).
jest.setTimeout(180_000);

let pg: PrivatePostgres;
let url: string;
let dataSource: DataSource;
let model: ScriptedOpenAI;
let config: Readonly<Config>;
let worker: RunningWorker | null = null;

beforeAll(async () => {
  pg = await startPrivatePostgres();
  url = await pg.createDatabase('recdial_restart');
  dataSource = createDataSource({ url, poolSize: 5 });
  await dataSource.initialize();
  await migrate(dataSource);
  await seedGenerationWorld(dataSource, { users: 24 });
  model = await startScriptedOpenAI({ models: ['teacher-model'], latencyMs: 250 });
  config = {
    ...loadConfig({}),
    generation: loadConfig({
      TEACHER_BASE_URL: model.baseUrl,
      TEACHER_MODEL: 'teacher-model',
      TEACHER_TIMEOUT_MS: '3000',
      TEACHER_MAX_IN_FLIGHT: '4',
      RECDIAL_RETRY_DELAY_S: '1',
      RECDIAL_RETRY_DELAY_MAX_S: '2',
      RECDIAL_JOB_EXPIRE_S: '5',
      RECDIAL_SUPERVISE_INTERVAL_S: '1',
    }).generation,
  };
}, 180_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  if (dataSource?.isInitialized) await dataSource.destroy().catch(() => undefined);
  await model?.close();
  await pg?.destroy();
});

/** A query that waits for PostgreSQL to be back. */
async function query<T = any>(sql: string, params: unknown[] = [], timeoutMs = 60_000): Promise<T[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await dataSource.query(sql, params);
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

test('PostgreSQL restarted under a running worker: the run completes with every job accounted for, 0 lost, 0 duplicated', async () => {
  const boss = await startBoss({ url, supervise: false, generation: config.generation, max: 2 });
  const runId = await enqueueGeneration({ dataSource, config, boss: async () => boss }, { role: 'TEACHER', limit: 24, sampling: { seed: 31 } }, null);
  await boss.stop({ graceful: false, close: true, wait: true });

  worker = await startWorker({ dataSource, url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
  const until = Date.now() + 30_000;
  for (;;) {
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM dialogues WHERE generation_run_id = $1', [runId]);
    if (n >= 6) break;
    if (Date.now() > until) throw new Error(`only ${n} dialogues after 30 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  // Mid-run: requests are in flight and jobs are being stored.
  await pg.stop();
  await new Promise((r) => setTimeout(r, 3000));
  await pg.start();

  const settled = Date.now() + 90_000;
  let run: { status: string };
  for (;;) {
    [run] = await query('SELECT status FROM generation_runs WHERE id = $1', [runId]);
    if (!['QUEUED', 'RUNNING'].includes(run.status)) break;
    if (Date.now() > settled) throw new Error(`run still ${run.status} 90 s after the restart`);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(run.status).toBe('COMPLETED');
  const jobs = await query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM generation_jobs WHERE run_id = $1 GROUP BY status', [runId]);
  expect(jobs).toEqual([{ status: 'DONE', n: 24 }]);
  const [counts] = await query(
    `SELECT count(*)::int AS dialogues, count(DISTINCT generation_job_id)::int AS jobs, count(DISTINCT user_id)::int AS users
       FROM dialogues WHERE generation_run_id = $1`,
    [runId],
  );
  expect(counts).toEqual({ dialogues: 24, jobs: 24, users: 24 });
  // Every job points at its own dialogue.
  const [{ linked }] = await query(
    `SELECT count(*)::int AS linked FROM generation_jobs j JOIN dialogues d ON d.id = j.dialogue_id AND d.generation_job_id = j.id WHERE j.run_id = $1`,
    [runId],
  );
  expect(linked).toBe(24);
  // The restart did hit jobs in flight: they were attempted again (their first attempt could not even be recorded).
  const [{ again }] = await query('SELECT count(*)::int AS again FROM generation_jobs WHERE run_id = $1 AND attempts > 1', [runId]);
  expect(again).toBeGreaterThan(0);
  // Every attempt of every job is recorded with its outcome, those cut off by the restart included.
  const unaccounted = await query(
    `SELECT j.id, j.attempts, array_agg(a.attempt || ':' || a.outcome ORDER BY a.attempt) AS recorded
       FROM generation_jobs j LEFT JOIN generation_attempts a ON a.job_id = j.id
      WHERE j.run_id = $1 GROUP BY j.id HAVING count(DISTINCT a.attempt) <> j.attempts`,
    [runId],
  );
  expect(unaccounted).toEqual([]);
  const outcomes = await query(`SELECT DISTINCT outcome FROM generation_attempts WHERE run_id = $1 AND outcome <> 'OK'`, [runId]);
  expect(outcomes.length).toBeGreaterThan(0);
  // The worker kept working after the restart: nothing is left in the queue for this run.
  const [{ open }] = await query(`SELECT count(*)::int AS open FROM pgboss.job WHERE name = 'generation-teacher' AND state IN ('created', 'retry', 'active') AND data->>'runId' = $1`, [String(runId)]);
  expect(open).toBe(0);
});
