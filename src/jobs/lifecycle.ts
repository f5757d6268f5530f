import { RUN_STATUSES, type RunStatusValue } from '../dialogues/vocabulary';

/**
 * The one lifecycle of a long-running job: exports, evaluations and generation runs
 * (docs/architecture.md §4, infrastructure floor). This file is the pure part — the statuses,
 * what may happen to a job in each of them, and the causes it records — with no database; the
 * SQL that applies it to a job table is `JobLifecycle` (job-lifecycle.ts), and everything that
 * moves a job row goes through that.
 *
 *   QUEUED ──start──▶ RUNNING ──succeed──▶ COMPLETED
 *                         ──fail (the work threw: its message)──▶ FAILED
 *   QUEUED | RUNNING ──interrupt (its process stopped or died: the cause)──▶ FAILED
 *                    ──cancel──▶ CANCELLED
 *                    ──settle (a generation run whose last job ended)──▶ COMPLETED | FAILED
 *   COMPLETED | FAILED ──reopen (retryFailedJobs requeued failed jobs of the run)──▶ RUNNING
 *
 * claim, heartbeat and progress leave the status as it is but are allowed only in the statuses
 * the table names. "Interrupted" is not a status of its own (the public enum has five): it is
 * FAILED with a cause that begins `interrupted:`.
 *
 * The per-dialogue work of a generation run (generation_jobs) has its own states and transition
 * table (generator/worker/job-state.ts) on pg-boss, the queue; the run row is a job like the
 * others.
 */
export type JobStatus = RunStatusValue;

/** The statuses, in the order the public `RunStatus` enum lists them (src/dialogues/vocabulary.ts). */
export const JOB_STATUSES: readonly JobStatus[] = RUN_STATUSES;

/** Statuses a job never leaves by itself: a subscription on it ends there. Only `reopen` leaves COMPLETED or FAILED. */
export const TERMINAL_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** Statuses of a job that is waiting or working: what heartbeats, sweeps and cancellations look at. */
export const OPEN_STATUSES: readonly JobStatus[] = JOB_STATUSES.filter((s) => !TERMINAL_STATUSES.includes(s));

export type JobEvent = 'claim' | 'start' | 'progress' | 'heartbeat' | 'succeed' | 'fail' | 'interrupt' | 'cancel' | 'settle' | 'reopen';

export interface JobRule {
  /** The statuses the event is allowed in; in any other it changes nothing. */
  readonly from: readonly JobStatus[];
  /** The statuses it may lead to; empty: the status stays. `settle` picks one by the run's jobs. */
  readonly to: readonly JobStatus[];
  /** What it means, for the reader. */
  readonly what: string;
}

/** The transition table: every change of a job row is one of these events. */
export const JOB_LIFECYCLE: { readonly [E in JobEvent]: JobRule } = {
  claim: { from: ['QUEUED'], to: [], what: 'the process that accepted it records itself as the owner (owner_lock)' },
  start: { from: ['QUEUED'], to: ['RUNNING'], what: 'the work begins (started_at)' },
  progress: { from: ['RUNNING'], to: [], what: 'a share in [0, 1) and partial results' },
  heartbeat: { from: ['QUEUED', 'RUNNING'], to: [], what: 'proof that its owner lives (heartbeat_at)' },
  succeed: { from: ['RUNNING'], to: ['COMPLETED'], what: 'the work returned; its results land in the row (progress 1)' },
  fail: { from: ['RUNNING'], to: ['FAILED'], what: 'the work threw; its message is the cause' },
  interrupt: { from: ['QUEUED', 'RUNNING'], to: ['FAILED'], what: 'its process stopped or died; the cause says so and what to do' },
  cancel: { from: ['QUEUED', 'RUNNING'], to: ['CANCELLED'], what: 'a user stopped it' },
  settle: { from: ['QUEUED', 'RUNNING'], to: ['COMPLETED', 'FAILED'], what: 'a generation run whose last job ended: FAILED when none stored or skipped and one failed, else COMPLETED' },
  reopen: { from: ['QUEUED', 'RUNNING', 'COMPLETED', 'FAILED'], to: ['RUNNING'], what: 'failed jobs of a run were requeued (retryFailedJobs)' },
};

/** Whether `event` may happen to a job in `status`. */
export function permits(event: JobEvent, status: string): boolean {
  return (JOB_LIFECYCLE[event].from as readonly string[]).includes(status);
}

/**
 * The status a job in `status` has after `event`, or null when the event is refused there.
 * `outcome` picks among several targets (settle); it must be one of them.
 */
export function nextStatus(event: JobEvent, status: string, outcome?: JobStatus): JobStatus | null {
  if (!permits(event, status)) return null;
  const { to } = JOB_LIFECYCLE[event];
  if (to.length === 0) return status as JobStatus;
  if (to.length === 1) return to[0];
  if (outcome === undefined || !to.includes(outcome)) throw new Error(`${event} leads to ${to.join(' or ')}, not ${outcome}`);
  return outcome;
}

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `status IN ('QUEUED', 'RUNNING')`: the SQL condition that a row may take `event` (column name or `alias.status`). */
export function statusAllows(event: JobEvent, column = 'status'): string {
  return statusIn(JOB_LIFECYCLE[event].from, column);
}

/** `status IN (…)` for a list of statuses (OPEN_STATUSES, TERMINAL_STATUSES). */
export function statusIn(statuses: readonly JobStatus[], column = 'status'): string {
  return statuses.length === 1 ? `${column} = ${quote(statuses[0])}` : `${column} IN (${statuses.map(quote).join(', ')})`;
}

/** The CHECK constraint of every job table's status column (the migrations spell the same text). */
export const JOB_STATUS_CHECK = statusIn(JOB_STATUSES, '"status"');

/** The cause an interrupted job records: `interrupted: the server stopped <when>; <retryHint>`. */
export function interruptionCause(when: string, retryHint: string): string {
  return `interrupted: the server stopped ${when}; ${retryHint}`;
}

/** A kind of job: its table, NOTIFY channel and the columns its lifecycle writes besides status, started_at and finished_at. */
export interface JobKind {
  table: string;
  /** NOTIFY channel; payloads are job ids. */
  channel: string;
  /** For messages and logs: "export", "evaluation", "generation run". */
  noun: string;
  /** The row keeps progress (0–1), error (the cause), heartbeat_at and owner_lock. */
  tracked: boolean;
}

/**
 * The three kinds of job, each defined here once. Exports and evaluations run in the API process
 * that accepted them (src/jobs/background-jobs.ts) and keep their own progress, cause and
 * heartbeat; a generation run's progress is its jobs' counts, its causes are its jobs' errors and
 * its liveness is pg-boss's expiry of each job (the supervisor recovers what a dead worker left),
 * so its row has none of those columns.
 */
export const EXPORT_JOBS: JobKind = { table: 'exports', channel: 'recdial_export', noun: 'export', tracked: true };
export const EVALUATION_JOBS: JobKind = { table: 'evaluations', channel: 'recdial_evaluation', noun: 'evaluation', tracked: true };
export const GENERATION_RUNS: JobKind = { table: 'generation_runs', channel: 'recdial_generation_run', noun: 'generation run', tracked: false };
