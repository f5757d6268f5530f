/**
 * Keeps an INTERACTIVE evaluation's row in step with its generation run: after every change of
 * the run (a conversation stored, failed or skipped, the run settled or cancelled) the results
 * are recomputed from the run's stored simulated dialogues, so that whichever process changed
 * the run (worker, supervisor, API) leaves the evaluation right, and subscribers hear of it.
 */
import { JobLifecycle, type Queryable } from '../../src/jobs/job-lifecycle';
import { EVALUATION_JOBS, isTerminal, type JobStatus } from '../../src/jobs/lifecycle';
import type { ConversationOutcome } from './conversation';
import { interactiveRows } from './metrics';

const evaluations = new JobLifecycle(EVALUATION_JOBS);

/** The part of a run's config that an INTERACTIVE run adds (generator/run-config.ts). */
export interface InteractiveRunConfig {
  evaluationId: number;
  system: { kind: 'openai'; baseUrl: string; model: string } | { kind: 'http'; url: string };
  systemTimeoutMs: number;
  maxRounds: number;
  k: number;
  dataset: string;
  seekerPromptVersion: number;
}

/** While a run goes on, its results are recomputed at most this often (every conversation otherwise reads them all: O(n²)). */
const RESYNC_MS = 1000;

export async function syncInteractiveEvaluation(manager: Queryable, runId: number): Promise<void> {
  const [run]: Array<{ kind: string; status: string; requested: number; evaluationId: number | null; maxRounds: number; k: number; evaluationStatus: string | null; sinceMs: number | null }> =
    await manager.query(
      `SELECT r.kind, r.status, r.requested, e.id AS "evaluationId", (r.config #>> '{interactive,maxRounds}')::int AS "maxRounds", (r.config #>> '{interactive,k}')::int AS k,
              e.status AS "evaluationStatus", (extract(epoch FROM now() - e.heartbeat_at) * 1000)::float8 AS "sinceMs"
         FROM generation_runs r LEFT JOIN evaluations e ON r.kind = 'INTERACTIVE' AND e.id = (r.config #>> '{interactive,evaluationId}')::int
        WHERE r.id = $1`,
      [runId],
    );
  if (!run || run.kind !== 'INTERACTIVE' || run.evaluationId === null) return;
  const terminal = isTerminal(run.status);
  // The run's end and every change of status are always written; progress in between at most once per RESYNC_MS.
  if (!terminal && run.evaluationStatus === run.status && run.sinceMs !== null && run.sinceMs < RESYNC_MS) return;
  const conversations: Array<{ stereotype: string | null; outcome: ConversationOutcome }> = await manager.query(
    `SELECT s.key AS stereotype, d.provenance -> 'interactive' AS outcome
       FROM dialogues d LEFT JOIN stereotypes s ON s.id = d.stereotype_id
      WHERE d.generation_run_id = $1 AND d.source = 'SIMULATED' ORDER BY d.id`,
    [runId],
  );
  const [jobs]: Array<{ done: number; failed: number; skipped: number; cancelled: number }> = await manager.query(
    `SELECT count(*) FILTER (WHERE status = 'DONE')::int AS done, count(*) FILTER (WHERE status = 'FAILED')::int AS failed,
            count(*) FILTER (WHERE status = 'SKIPPED')::int AS skipped, count(*) FILTER (WHERE status = 'CANCELLED')::int AS cancelled
       FROM generation_jobs WHERE run_id = $1`,
    [runId],
  );
  const order: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
  const rows = interactiveRows(conversations, { maxRounds: run.maxRounds, k: run.k, stereotypeOrder: order.map((o) => o.key) });
  const finished = jobs.done + jobs.failed + jobs.skipped + jobs.cancelled;
  const report = { runId, requested: run.requested, conversations: conversations.length, ...jobs };
  const error = run.status === 'FAILED' ? `every conversation failed (${jobs.failed}); see the generation run's jobs for the causes` : null;
  await evaluations.follow(manager, run.evaluationId, run.status as JobStatus, {
    results: rows,
    report,
    progress: run.requested ? finished / run.requested : 1,
    error,
  });
  await evaluations.publish(manager, run.evaluationId);
}
