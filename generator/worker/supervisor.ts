import type PgBoss from 'pg-boss';
import type { DataSource } from 'typeorm';
import { MODEL_ROLES, type ModelRole } from '../../src/config/generation';
import { statusAllows } from '../../src/jobs/lifecycle';
import { queueName, transactionDb } from '../queue/boss';
import { notifyRun, recordAttempt, settleRun } from './store';

export interface Reconciled {
  /** Jobs whose queue job was completed, cancelled or gone while the row was still open: queued again. */
  requeued: number;
  /** Jobs whose queue job pg-boss failed for good (retries spent, expired): FAILED with the cause. */
  failed: number;
  /** Open jobs of cancelled runs: CANCELLED. */
  cancelled: number;
  /** Runs with no open job left that had not settled: settled. */
  settled: number;
}

interface Orphan {
  id: number;
  runId: number;
  role: ModelRole;
  runStatus: string;
  status: string;
  attempts: number;
  queueJobId: string;
  priority: number;
  state: string | null;
  output: Record<string, any> | null;
}

/**
 * Reconciles `generation_jobs` with the pg-boss queue. The worker applies every outcome itself
 * (job-state.ts), but some never reach it or cannot be written: a worker killed mid-job, PostgreSQL
 * restarting under it, pg-boss expiring a job and dead-lettering it on its last attempt. Then a
 * row stays QUEUED or RUNNING while its queue job is finished or gone, and its run never settles.
 *
 * It is also the generation run row's recovery in the one job lifecycle (src/jobs/lifecycle.ts):
 * a run whose jobs have all ended but which is still open (its last job's settle was lost with
 * its worker or with PostgreSQL) is settled here, and published.
 *
 * Each worker runs this every `superviseIntervalSeconds` (one at a time: null when another worker
 * holds the pass). Rows are only touched when their queue
 * job is in a final state (or missing) and they have not changed for `graceSeconds`, and every
 * change is conditional on the queue job id, so workers running it at once neither race nor
 * duplicate: a requeued job gets a new queue job id, and the old one can no longer claim the row.
 */
export async function reconcileJobs(dataSource: DataSource, boss: PgBoss, options: { worker: string; graceSeconds?: number }): Promise<Reconciled | null> {
  // One pass at a time across all workers: the others skip theirs. The lock is the session's, so a
  // worker that dies (or loses PostgreSQL) mid-pass releases it.
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [SUPERVISOR_LOCK]);
    if (!locked) return null;
    try {
      return await reconcile(dataSource, boss, options);
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [SUPERVISOR_LOCK]).catch(() => undefined);
    }
  } finally {
    await runner.release().catch(() => undefined);
  }
}

const SUPERVISOR_LOCK = 'recdial:generation-supervisor';

async function reconcile(dataSource: DataSource, boss: PgBoss, options: { worker: string; graceSeconds?: number }): Promise<Reconciled> {
  const result: Reconciled = { requeued: 0, failed: 0, cancelled: 0, settled: 0 };
  const orphans: Orphan[] = await dataSource.query(
    `SELECT j.id, j.run_id AS "runId", r.role, r.status AS "runStatus", j.status, j.attempts, j.queue_job_id AS "queueJobId", r.priority,
            q.state::text AS state, q.output
       FROM generation_jobs j
       JOIN generation_runs r ON r.id = j.run_id
       LEFT JOIN unnest($2::text[], $3::text[]) AS qn(role, name) ON qn.role = r.role
       LEFT JOIN pgboss.job q ON q.id = j.queue_job_id AND q.name = qn.name
      WHERE j.status IN ('QUEUED', 'RUNNING')
        AND j.updated_at < now() - make_interval(secs => $1)
        AND (q.id IS NULL OR q.state IN ('completed', 'cancelled', 'failed'))
      ORDER BY j.id
      LIMIT 5000`,
    // The queue names come from queueName(), the one place that spells them.
    [options.graceSeconds ?? 2, [...MODEL_ROLES], MODEL_ROLES.map(queueName)],
  );
  const touched = new Set<number>();
  for (const o of orphans) {
    const queue = queueName(o.role);
    const changed = await dataSource.transaction(async (m) => {
      if (o.runStatus === 'CANCELLED') {
        const [, n] = await m.query(
          `UPDATE generation_jobs SET status = 'CANCELLED', updated_at = now() WHERE id = $1 AND queue_job_id = $2 AND status IN ('QUEUED', 'RUNNING')`,
          [o.id, o.queueJobId],
        );
        if (n) result.cancelled++;
        return n > 0;
      }
      if (o.state === 'failed') {
        // pg-boss gave up: the retries are spent (or the last attempt expired). The cause is what the
        // worker passed to fail(), or pg-boss's own "job timed out".
        const out = o.output ?? {};
        const expired = out.value?.message === 'job timed out' || out.message === 'job timed out';
        const error = {
          code: typeof out.code === 'string' ? out.code : expired ? 'EXPIRED' : 'WORKER_ERROR',
          message: typeof out.message === 'string' ? out.message : expired ? 'the attempt did not finish within RECDIAL_JOB_EXPIRE_S (worker killed or cut off from PostgreSQL)' : 'the queue failed the job',
          httpStatus: typeof out.httpStatus === 'number' ? out.httpStatus : null,
          attempt: o.attempts,
          reconciled: true,
        };
        const [, n] = await m.query(
          `UPDATE generation_jobs SET status = 'FAILED', last_error = $3, updated_at = now() WHERE id = $1 AND queue_job_id = $2 AND status IN ('QUEUED', 'RUNNING')`,
          [o.id, o.queueJobId, JSON.stringify(error)],
        );
        if (!n) return false;
        // The worker records what it saw; an expiry it never saw is recorded here.
        const [{ recorded }] = await m.query('SELECT count(*)::int AS recorded FROM generation_attempts WHERE job_id = $1 AND attempt = $2', [o.id, o.attempts]);
        if (!recorded && o.attempts > 0) {
          await recordAttempt(m, { id: o.id, runId: o.runId }, { attempt: o.attempts, outcome: error.code, retryable: false, httpStatus: error.httpStatus, message: error.message, latencyMs: null, worker: options.worker });
        }
        result.failed++;
        return true;
      }
      // Completed, cancelled or missing while the row is open: the job was lost on the way. Give it a
      // new queue job (with the queue's full budget: the lost attempts were not the job's fault).
      const [rows]: [Array<{ queueJobId: string }>, number] = await m.query(
        `UPDATE generation_jobs SET status = 'QUEUED', queue_job_id = gen_random_uuid(), updated_at = now()
          WHERE id = $1 AND queue_job_id = $2 AND status IN ('QUEUED', 'RUNNING') RETURNING queue_job_id AS "queueJobId"`,
        [o.id, o.queueJobId],
      );
      if (!rows.length) return false;
      await boss.insert(queue, [{ id: rows[0].queueJobId, name: queue, data: { jobId: o.id, runId: o.runId }, priority: o.priority }], { db: transactionDb(m.queryRunner!) });
      result.requeued++;
      return true;
    });
    if (changed) touched.add(o.runId);
  }
  // Runs whose last job's own settle was lost (PostgreSQL down at that moment), and the runs touched above.
  const open: Array<{ id: number }> = await dataSource.query(
    `SELECT r.id FROM generation_runs r
      WHERE ${statusAllows('settle', 'r.status')}
        AND NOT EXISTS (SELECT 1 FROM generation_jobs j WHERE j.run_id = r.id AND j.status IN ('QUEUED', 'RUNNING'))`,
  );
  for (const id of new Set([...touched, ...open.map((r) => r.id)])) {
    if (await settleRun(dataSource.manager, id)) result.settled++;
    await notifyRun(dataSource.manager, id);
  }
  return result;
}

/**
 * A worker's periodic supervisor pass: reconcileJobs every `everyMs` until stopping. A failed
 * pass (PostgreSQL unreachable) is logged and tried again at the next interval.
 */
export async function runSupervisor(o: {
  dataSource: DataSource;
  boss: PgBoss;
  worker: string;
  everyMs: number;
  /** How often a waiting supervisor looks at `stopping`. */
  pollMs: number;
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  stopping(): boolean;
}): Promise<void> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  while (!o.stopping()) {
    try {
      const r = await reconcileJobs(o.dataSource, o.boss, { worker: o.worker });
      if (r && (r.requeued || r.failed || r.cancelled || r.settled)) o.log.info({ ...r }, 'supervisor reconciled generation jobs with the queue');
    } catch (error) {
      if (o.stopping()) break;
      o.log.warn({ err: error }, 'supervisor pass failed (PostgreSQL unreachable?); trying again');
    }
    const until = Date.now() + o.everyMs;
    while (!o.stopping() && Date.now() < until) await sleep(Math.min(o.pollMs, until - Date.now()));
  }
}
