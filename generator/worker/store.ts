import type { DataSource, EntityManager } from 'typeorm';
import { selectListAs } from '../../src/db/columns';
import { GenerationJobEntity, GenerationRunEntity } from '../../src/db/schema/generation.entity';
import { JobLifecycle } from '../../src/jobs/job-lifecycle';
import { GENERATION_RUNS } from '../../src/jobs/lifecycle';
import { toGlobalId } from '../../src/pagination/global-id';
import { storable } from '../../src/text/unstorable';
import type { TitleRewrite } from '../output/normalise-titles';
import type { RunConfig } from '../run-config';
import type { ProcessedDialogue, ValidationIssue } from '../types';
import { syncInteractiveEvaluation } from '../interactive/evaluation-sync';

/**
 * The generation run row's lifecycle (src/jobs/lifecycle.ts), the one exports and evaluations
 * have: start, settle, cancel, reopen, publish. Every publication of a run also brings an
 * INTERACTIVE run's evaluation up to date (a no-op lookup for other runs).
 */
export const runLifecycle = new JobLifecycle(GENERATION_RUNS, { afterPublish: syncInteractiveEvaluation });

/** A job row as the worker reads it (src/db/columns.ts derives the list from the entity). */
const JOB_PROPS = ['id', 'runId', 'key', 'userId', 'stereotypeId', 'targetItemId', 'instance', 'supersedesId', 'status', 'attempts', 'dialogueId', 'subjectId'] as const;
/** `subjectId`: JUDGE runs' dialogue judged. */
export type JobRow = Pick<GenerationJobEntity, (typeof JOB_PROPS)[number]>;
export const JOB_COLUMNS = selectListAs(GenerationJobEntity, '', JOB_PROPS);

/** A run row as the worker reads it: what its jobs are written, judged or simulated with. */
const RUN_PROPS = ['id', 'kind', 'role', 'strategy', 'model', 'endpoint', 'servedModels', 'config', 'status'] as const;
/** `config`: the run's resolved configuration, as enqueueing wrote it (the entity keeps it as any document). */
export type RunRow = Omit<Pick<GenerationRunEntity, (typeof RUN_PROPS)[number]>, 'config'> & { config: RunConfig };
export const RUN_COLUMNS = selectListAs(GenerationRunEntity, '', RUN_PROPS);

export interface AttemptRecord {
  attempt: number;
  outcome: string;
  retryable: boolean;
  httpStatus: number | null;
  message: string | null;
  latencyMs: number | null;
  worker: string;
}

export async function recordAttempt(manager: EntityManager, job: Pick<JobRow, 'id' | 'runId'>, a: AttemptRecord): Promise<void> {
  await manager.query(
    `INSERT INTO generation_attempts (run_id, job_id, attempt, outcome, retryable, http_status, message, latency_ms, worker)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    // A server's error body may hold characters PostgreSQL cannot store.
    [job.runId, job.id, a.attempt, a.outcome, a.retryable, a.httpStatus, storable(a.message), a.latencyMs, a.worker],
  );
}

export interface DialogueToStore {
  domain: string;
  source: 'TEACHER' | 'STUDENT' | 'SIMULATED';
  /** Default 'generated'; simulated conversations name theirs (e.g. 'simulated'). */
  dataset?: string;
  strategy: string;
  model: string;
  stereotypeId: number | null;
  targetItemId: number | null;
  targetAsin: string | null;
  /** `titleRewrites`: the title normaliser's log (docs/pipeline.md §6.4), stored in the provenance. */
  processed: ProcessedDialogue & { titleRewrites?: readonly TitleRewrite[] };
  provenance: Record<string, unknown>;
}

/**
 * Stores a job's dialogue once, whatever happens around it: the job row is locked, a job that
 * already has a dialogue (another worker, or this job before a crash) is left alone, and the
 * unique generation_job_id backs that up. Returns the stored dialogue id, or null when it existed.
 */
export async function storeDialogue(dataSource: DataSource, job: JobRow, d: DialogueToStore, attempt: AttemptRecord): Promise<number | null> {
  return dataSource.transaction(async (m) => {
    const [locked]: Array<{ dialogueId: number | null; status: string }> = await m.query(
      `SELECT dialogue_id AS "dialogueId", status FROM generation_jobs WHERE id = $1 FOR UPDATE`,
      [job.id],
    );
    if (!locked || locked.dialogueId !== null || locked.status === 'DONE') return null;
    const issues: ValidationIssue[] = [...d.processed.issues];
    let status = d.processed.status;
    if (status === 'ACCEPTED') {
      // Serialises identical texts of one run, so two concurrent duplicates cannot both be accepted.
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${job.runId}:${d.processed.contentHash}`]);
      const [dup] = await m.query(
        `SELECT id FROM dialogues WHERE generation_run_id = $1 AND content_hash = $2 AND status = 'ACCEPTED' LIMIT 1`,
        [job.runId, d.processed.contentHash],
      );
      if (dup) {
        issues.push({ code: 'DUPLICATE_DIALOGUE', severity: 'error', detail: `same text as dialogue ${toGlobalId('Dialogue', dup.id)} of this run` });
        status = 'REJECTED';
      }
    }
    let version = 1;
    if (job.supersedesId !== null) {
      const [old] = await m.query('SELECT version FROM dialogues WHERE id = $1 FOR UPDATE', [job.supersedesId]);
      version = (old?.version ?? 0) + 1;
    }
    const [row] = await m.query(
      `INSERT INTO dialogues (dataset, domain, stereotype_id, user_id, target_item_id, target_raw_id, source, status, strategy, model,
                              provenance, rejection_reasons, warnings, named_item_ids, version, supersedes_id,
                              generation_run_id, generation_job_id, content_hash)
       VALUES ($19, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
       ON CONFLICT (generation_job_id) DO NOTHING RETURNING id`,
      [
        d.domain, d.stereotypeId, job.userId, d.targetItemId, d.targetAsin, d.source, status, d.strategy, d.model,
        JSON.stringify(d.processed.titleRewrites ? { ...d.provenance, titleRewrites: d.processed.titleRewrites } : d.provenance),
        JSON.stringify(issues.filter((i) => i.severity === 'error')),
        JSON.stringify(issues.filter((i) => i.severity === 'warning')),
        d.processed.namedAsins, version, job.supersedesId, job.runId, job.id, d.processed.contentHash, d.dataset ?? 'generated',
      ],
    );
    if (!row) return null;
    const dialogueId: number = row.id;
    await insertTurns(m, dialogueId, d.processed);
    if (job.supersedesId !== null) {
      await m.query(`UPDATE dialogues SET status = 'SUPERSEDED' WHERE id = $1`, [job.supersedesId]);
    }
    await m.query(`UPDATE generation_jobs SET status = 'DONE', dialogue_id = $2, last_error = NULL, updated_at = now() WHERE id = $1`, [job.id, dialogueId]);
    await recordAttempt(m, job, attempt);
    return dialogueId;
  });
}

/** Turns and mentions in two statements (unnest), whatever the dialogue's length. */
async function insertTurns(m: EntityManager, dialogueId: number, p: ProcessedDialogue): Promise<void> {
  const turns: Array<{ id: number; idx: number }> = await m.query(
    `INSERT INTO turns (dialogue_id, idx, role, text, raw_text)
     SELECT $1, t.idx - 1, t.role, t.text, t.raw FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(role, text, raw, idx)
     RETURNING id, idx`,
    [dialogueId, p.turns.map((t) => t.role), p.turns.map((t) => t.text), p.turns.map((t) => t.rawText)],
  );
  if (p.mentions.length === 0) return;
  const turnIds = new Map(turns.map((t) => [t.idx, t.id]));
  const ms = p.mentions;
  await m.query(
    `INSERT INTO turn_mentions (turn_id, dialogue_id, item_id, raw_id, start_offset, end_offset, is_recommendation, is_first_mention)
     SELECT t, $1, i, r, s, e, rec, f FROM unnest($2::int[], $3::int[], $4::text[], $5::int[], $6::int[], $7::bool[], $8::bool[]) AS x(t, i, r, s, e, rec, f)`,
    [
      dialogueId,
      ms.map((x) => turnIds.get(x.turn)),
      ms.map((x) => x.itemId),
      ms.map((x) => x.rawId),
      ms.map((x) => x.start),
      ms.map((x) => x.end),
      ms.map((x) => x.isRecommendation),
      ms.map((x) => x.isFirstMention),
    ],
  );
}

/**
 * Closes a run when no job is waiting or running (the lifecycle's `settle`): COMPLETED when a job
 * stored or skipped, or none failed; FAILED otherwise (the causes are its jobs' `last_error` and
 * attempts). Runs after each job's own commit, so the last job to finish
 * always sees every other job's final state. Not published: the run changes with each job (its
 * counts) whether or not it settles, so the caller publishes. True when it settled now.
 */
export async function settleRun(manager: EntityManager, runId: number): Promise<boolean> {
  return runLifecycle.settle(
    manager,
    runId,
    {
      outcome: `CASE WHEN EXISTS (SELECT 1 FROM generation_jobs j WHERE j.run_id = generation_runs.id AND j.status IN ('DONE', 'SKIPPED'))
                       OR NOT EXISTS (SELECT 1 FROM generation_jobs j WHERE j.run_id = generation_runs.id AND j.status = 'FAILED')
                     THEN 'COMPLETED' ELSE 'FAILED' END`,
      when: `NOT EXISTS (SELECT 1 FROM generation_jobs j WHERE j.run_id = generation_runs.id AND j.status IN ('QUEUED', 'RUNNING'))`,
    },
    { publish: false },
  );
}

/** Tells subscribed API servers that a run changed (they re-read its counts). */
export async function notifyRun(manager: EntityManager, runId: number): Promise<void> {
  await runLifecycle.publish(manager, runId);
}
