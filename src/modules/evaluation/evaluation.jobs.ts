import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { createBackgroundJobs, type BackgroundJobs } from '../../jobs/background-jobs';
import { JobLifecycle } from '../../jobs/job-lifecycle';
import { EVALUATION_JOBS } from '../../jobs/lifecycle';
import type { EvaluationRow, RunHooks } from './evaluation.runner';

export type EvaluationWork = (hooks: RunHooks) => Promise<{ rows: EvaluationRow[]; report: Record<string, unknown> }>;

/** The evaluations this API process computes in the background, and their change events. */
export interface EvaluationJobs extends Pick<BackgroundJobs, 'events' | 'idle' | 'close'> {
  /** Computes a QUEUED evaluation in this process; its rows land in its row as they grow. */
  start(id: number, work: EvaluationWork): void;
}

export function createEvaluationJobs(options: { dataSource: DataSource; logger: Logger }): EvaluationJobs {
  // INTERACTIVE evaluations follow their generation run (generator/interactive/evaluation-sync.ts), written by workers.
  const jobs = createBackgroundJobs({ ...options, lifecycle: new JobLifecycle(EVALUATION_JOBS), retryHint: 'ask again', progressEveryMs: 250, sweepWhere: `j.kind <> 'INTERACTIVE'` });
  return {
    events: jobs.events,
    idle: jobs.idle,
    close: jobs.close,
    start(id, work) {
      jobs.start(id, async ({ signal, progress }) => {
        const { rows, report } = await work({ signal, onProgress: (value, partial) => progress(value, { results: partial }) });
        return { results: rows, report };
      });
    },
  };
}
