import { getMetadataArgsStorage } from 'typeorm';
import { RunStatus } from '../../../../src/dialogues/vocabulary';
import { EvaluationEntity } from '../../../../src/db/schema/evaluation.entity';
import { ExportEntity } from '../../../../src/db/schema/export.entity';
import { GenerationRunEntity } from '../../../../src/db/schema/generation.entity';
import {
  EVALUATION_JOBS,
  EXPORT_JOBS,
  GENERATION_RUNS,
  interruptionCause,
  isTerminal,
  JOB_LIFECYCLE,
  JOB_STATUSES,
  nextStatus,
  OPEN_STATUSES,
  permits,
  statusAllows,
  TERMINAL_STATUSES,
  type JobEvent,
  type JobStatus,
} from '../../../../src/jobs/lifecycle';
import { JobLifecycle, type Queryable } from '../../../../src/jobs/job-lifecycle';

// The one job lifecycle of exports, evaluations and generation runs, as a pure table: no
// database, no pg-boss.

const EVENTS = Object.keys(JOB_LIFECYCLE) as JobEvent[];

test('the statuses are the public RunStatus enum, in its order, split into open and terminal', () => {
  expect(JOB_STATUSES).toEqual(['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']);
  expect(JOB_STATUSES).toEqual(Object.values(RunStatus));
  expect(OPEN_STATUSES).toEqual(['QUEUED', 'RUNNING']);
  expect(TERMINAL_STATUSES).toEqual(['COMPLETED', 'FAILED', 'CANCELLED']);
  for (const s of JOB_STATUSES) expect(OPEN_STATUSES.includes(s) !== isTerminal(s)).toBe(true);
  expect(isTerminal('DONE')).toBe(false); // a generation job's state, not a job status
});

test('every transition, from every status: the whole table', () => {
  const table: Record<string, Record<string, string | null>> = {};
  for (const event of EVENTS) {
    table[event] = {};
    for (const s of JOB_STATUSES) table[event][s] = event === 'settle' ? (permits(event, s) ? nextStatus(event, s, 'FAILED') : null) : nextStatus(event, s);
  }
  const row = (q: string | null, r: string | null, c: string | null, f: string | null, x: string | null) => ({ QUEUED: q, RUNNING: r, COMPLETED: c, FAILED: f, CANCELLED: x });
  expect(table).toEqual({
    claim: row('QUEUED', null, null, null, null),
    start: row('RUNNING', null, null, null, null),
    progress: row(null, 'RUNNING', null, null, null),
    heartbeat: row('QUEUED', 'RUNNING', null, null, null),
    succeed: row(null, 'COMPLETED', null, null, null),
    fail: row(null, 'FAILED', null, null, null),
    interrupt: row('FAILED', 'FAILED', null, null, null),
    cancel: row('CANCELLED', 'CANCELLED', null, null, null),
    settle: row('FAILED', 'FAILED', null, null, null),
    reopen: row('RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', null),
  });
});

test('a terminal job is left only by reopen, and a cancelled one never', () => {
  for (const s of TERMINAL_STATUSES) {
    for (const event of EVENTS) if (event !== 'reopen') expect([event, s, permits(event, s)]).toEqual([event, s, false]);
  }
  expect(permits('reopen', 'CANCELLED')).toBe(false);
  // Racing processes cannot undo an end: a job another server interrupted is not completed afterwards.
  expect(nextStatus('succeed', 'FAILED')).toBeNull();
  expect(nextStatus('progress', 'FAILED')).toBeNull();
});

test('every status is reachable from QUEUED, and every open job can end', () => {
  const reached = new Set<string>(['QUEUED']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const event of EVENTS) {
      for (const from of [...reached]) {
        if (!permits(event, from)) continue;
        for (const to of JOB_LIFECYCLE[event].to) {
          if (reached.has(to)) continue;
          reached.add(to);
          grew = true;
        }
      }
    }
  }
  expect([...reached].sort()).toEqual([...JOB_STATUSES].sort());
  for (const s of OPEN_STATUSES) {
    expect(EVENTS.some((e) => permits(e, s) && JOB_LIFECYCLE[e].to.some(isTerminal))).toBe(true);
  }
});

test('settle picks COMPLETED or FAILED, nothing else', () => {
  expect(nextStatus('settle', 'RUNNING', 'COMPLETED')).toBe('COMPLETED');
  expect(nextStatus('settle', 'QUEUED', 'FAILED')).toBe('FAILED');
  expect(() => nextStatus('settle', 'RUNNING')).toThrow(/COMPLETED or FAILED/);
  expect(() => nextStatus('settle', 'RUNNING', 'CANCELLED' as JobStatus)).toThrow(/not CANCELLED/);
});

test('the SQL guards are the table’s from-statuses', () => {
  expect(statusAllows('start')).toBe(`status = 'QUEUED'`);
  expect(statusAllows('interrupt', 'j.status')).toBe(`j.status IN ('QUEUED', 'RUNNING')`);
  expect(statusAllows('reopen', 'r.status')).toBe(`r.status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED')`);
});

test('an interruption is FAILED with a cause that says so and what to do', () => {
  const cause = interruptionCause('before this export finished', 'start it again');
  expect(cause).toBe('interrupted: the server stopped before this export finished; start it again');
});

test('three kinds of job, each with its own table and channel; the tables’ status constraint is the lifecycle’s', () => {
  const kinds = [EXPORT_JOBS, EVALUATION_JOBS, GENERATION_RUNS];
  expect(new Set(kinds.map((k) => k.table)).size).toBe(3);
  expect(new Set(kinds.map((k) => k.channel)).size).toBe(3);
  expect(kinds.map((k) => k.tracked)).toEqual([true, true, false]);
  const checks = getMetadataArgsStorage().checks;
  for (const [entity, table] of [[ExportEntity, 'exports'], [EvaluationEntity, 'evaluations'], [GenerationRunEntity, 'generation_runs']] as const) {
    const check = checks.find((c) => c.target === entity && c.name === `${table}_status_check`);
    expect(check?.expression).toBe(`"status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')`);
  }
});

/** A database that records what it is asked and answers every UPDATE as if `changed` rows matched. */
function recorder(changed: number[]) {
  const calls: Array<{ sql: string; params: unknown[] }> = [];
  const db: Queryable = {
    async query(sql: string, params: unknown[] = []) {
      calls.push({ sql: sql.replace(/\s+/g, ' ').trim(), params });
      return sql.includes('UPDATE') ? changed.map((id) => ({ id })) : [];
    },
  };
  return { db, calls };
}

test('JobLifecycle writes each event guarded by the table, and publishes status changes on the kind’s channel', async () => {
  const { db, calls } = recorder([5]);
  const exports = new JobLifecycle(EXPORT_JOBS);
  expect(await exports.start(db, 5, '42')).toBe(true);
  expect(calls[0].sql).toMatch(/UPDATE exports SET status = \$2, started_at = now\(\), heartbeat_at = now\(\), owner_lock = \$3 WHERE id = ANY\(\$1\) AND status = 'QUEUED'/);
  expect(calls[0].params).toEqual([[5], 'RUNNING', '42']);
  expect(calls[1]).toEqual({ sql: 'SELECT pg_notify($1, $2)', params: ['recdial_export', '5'] });

  calls.length = 0;
  await exports.progress(db, 5, 1, { results: [{ a: 1 }] });
  expect(calls[0].sql).toMatch(/SET progress = \$2, results = \$3 WHERE id = ANY\(\$1\) AND status = 'RUNNING'/);
  expect(calls[0].params).toEqual([[5], 0.99, '[{"a":1}]']); // 1 is for succeed
  expect(calls).toHaveLength(2); // published

  calls.length = 0;
  await exports.heartbeat(db, [5, 6], '42');
  expect(calls).toHaveLength(1); // a heartbeat is nothing a subscriber sees
  expect(calls[0].sql).toMatch(/AND status IN \('QUEUED', 'RUNNING'\)/);

  calls.length = 0;
  await exports.fail(db, 5, 'disk full');
  expect(calls[0].sql).toMatch(/SET status = \$2, error = \$3, finished_at = now\(\) WHERE id = ANY\(\$1\) AND status = 'RUNNING'/);
  expect(calls[0].params).toEqual([[5], 'FAILED', 'disk full']);
});

test('a generation run keeps no progress, cause or heartbeat of its own; settling is published by the caller; a publication runs the kind’s follow-up', async () => {
  const { db, calls } = recorder([9]);
  const followed: number[] = [];
  const runs = new JobLifecycle(GENERATION_RUNS, { afterPublish: async (_db, id) => void followed.push(id) });
  await runs.start(db, 9);
  expect(calls[0].sql).toMatch(/UPDATE generation_runs SET status = \$2, started_at = now\(\) WHERE id = ANY\(\$1\) AND status = 'QUEUED'/);
  expect(calls[1].params).toEqual(['recdial_generation_run', '9']);
  expect(followed).toEqual([9]);

  calls.length = 0;
  expect(await runs.settle(db, 9, { outcome: `'COMPLETED'`, when: 'true' }, { publish: false })).toBe(true);
  expect(calls).toHaveLength(1);
  expect(calls[0].sql).toMatch(/SET status = 'COMPLETED', finished_at = now\(\) WHERE id = ANY\(\$1\) AND status IN \('QUEUED', 'RUNNING'\) AND \(true\)/);
  await expect(runs.recoverInterrupted(db, { ownerLock: '1', cause: 'x', orphanAfterS: 1, staleAfterS: 1 })).rejects.toThrow(/supervisor/);
  await expect(runs.heartbeat(db, [9], '1')).rejects.toThrow(/no heartbeat/);
  await expect(runs.progress(db, 9, 0.5)).rejects.toThrow(/no progress/);

  calls.length = 0;
  const none = recorder([]);
  expect(await runs.cancel(none.db, 9)).toBe(false); // already ended: nothing changed, nothing published
  expect(none.calls).toHaveLength(1);
});
