import type { ClassifiedError } from '../models/clients';

/**
 * The one state machine of a generation job (docs/pipeline.md §6.2). Every way an attempt can end is
 * an exit; each exit maps to exactly one transition, which says what the `generation_jobs` row
 * becomes, what happens to the pg-boss job, whether the attempt is recorded and whether the run
 * may settle. The worker applies transitions; it never decides a job's fate anywhere else.
 *
 *   QUEUED ──claim──▶ RUNNING ──stored──▶ DONE
 *                        │ ──no prompt──▶ SKIPPED
 *                        │ ──error, attempts left──▶ QUEUED (pg-boss retries it with backoff)
 *                        │ ──error, none left / not retryable──▶ FAILED (dead-letter queue)
 *                        │ ──endpoint unreachable──▶ QUEUED (given back: no attempt spent)
 *
 * Exits the worker never sees (a crash, a PostgreSQL restart mid-job, pg-boss expiring or
 * dead-lettering the job) are found by the supervisor (supervisor.ts), which applies the same
 * transitions from the queue's state.
 */
export type JobExit =
  /** The dialogue was stored (storeDialogue records the attempt in the same transaction). */
  | { kind: 'stored' }
  /** Nothing to generate from (e.g. no template fits the user's data). */
  | { kind: 'skipped'; code: string; message: string }
  /** The model, the store or the worker failed; `error.retryable` says whether another attempt may help. */
  | { kind: 'failed'; error: ClassifiedError }
  /** The endpoint refused the connection: an outage, not the job's fault. */
  | { kind: 'unreachable'; error: ClassifiedError }
  /** Not sent at all: the endpoint was already known to be down. */
  | { kind: 'held' };

/** pg-boss's view of the job's retry budget. */
export interface Budget {
  retryCount: number;
  retryLimit: number;
}

export type QueueAction =
  /** Acknowledge: the job is finished. */
  | 'complete'
  /** Fail it: pg-boss schedules the next attempt, or dead-letters it when none is left. */
  | 'fail'
  /** Straight to the dead-letter queue (not worth another attempt). */
  | 'dead-letter'
  /** Give it back as a fresh queue job with the same remaining budget. */
  | 'release';

export interface Transition {
  status: 'DONE' | 'SKIPPED' | 'QUEUED' | 'FAILED';
  queue: QueueAction;
  /** Record the attempt in generation_attempts (stored dialogues record theirs when stored). */
  recordAttempt: boolean;
  /** The job ended for good: the run may settle. */
  terminal: boolean;
}

export function transition(exit: JobExit, budget: Budget): Transition {
  switch (exit.kind) {
    case 'stored':
      return { status: 'DONE', queue: 'complete', recordAttempt: false, terminal: true };
    case 'skipped':
      return { status: 'SKIPPED', queue: 'complete', recordAttempt: false, terminal: true };
    case 'unreachable':
      return { status: 'QUEUED', queue: 'release', recordAttempt: true, terminal: false };
    case 'held':
      return { status: 'QUEUED', queue: 'release', recordAttempt: false, terminal: false };
    case 'failed': {
      if (!exit.error.retryable) return { status: 'FAILED', queue: 'dead-letter', recordAttempt: true, terminal: true };
      const left = budget.retryCount < budget.retryLimit;
      return left
        ? { status: 'QUEUED', queue: 'fail', recordAttempt: true, terminal: false }
        : { status: 'FAILED', queue: 'fail', recordAttempt: true, terminal: true };
    }
  }
}

/** What the job row's last_error says about an exit. */
export function errorRecord(error: ClassifiedError, attempt: number): Record<string, unknown> {
  return {
    code: error.outcome,
    message: error.message,
    httpStatus: error.httpStatus,
    ...(error.networkCode ? { networkCode: error.networkCode } : {}),
    attempt,
  };
}

/** A failure of our own side (PostgreSQL, a bug): retried, since most are passing (a restart, a lost connection). */
export function workerError(error: unknown, stage: 'store' | 'worker'): ClassifiedError {
  const e = error as { message?: unknown; code?: unknown };
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.code === 'string' ? ` (${e.code})` : '';
  return { outcome: stage === 'store' ? 'STORE_ERROR' : 'WORKER_ERROR', retryable: true, httpStatus: null, message: `${message}${code}` };
}
