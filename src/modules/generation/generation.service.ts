import type { EntityManager } from 'typeorm';
import {
  cancelRun,
  enqueueGeneration as enqueue,
  type QueueAccess,
  regenerateDialogues as regenerate,
  retryFailedJobs as retryJobs,
} from '../../../generator';
import { activePrompt, buildGoalTemplatePrompt, buildStereotypePrompt, loadStereotypes, PromptInputError } from '../../../generator';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { badInput } from '../../errors';
import type { Principal } from '../api-key/api-key.service';
import { GenerationInput, RegenerationInput } from './generation.inputs';
import { GenerationRun, GenerationRunRow, GenerationStrategy, JobError, Prompt, RUN_COLUMNS, RunCounts, toGenerationRun } from './generation.type';

export async function getRun(manager: EntityManager, id: number): Promise<GenerationRun | null> {
  const rows: GenerationRunRow[] = await manager.query(`SELECT ${RUN_COLUMNS} FROM generation_runs r WHERE r.id = $1`, [id]);
  return rows[0] ? toGenerationRun(rows[0]) : null;
}

const RUNS_NEWEST_FIRST: KeysetOrder = { name: 'id', direction: 'DESC', columns: [{ expr: 'r.id', cast: 'int' }] };

export function listRuns(manager: EntityManager, args: PageArgs, cap: number): Promise<ConnectionValue<GenerationRun>> {
  return paginate<GenerationRunRow & Record<string, unknown>, GenerationRun>(manager, {
    columns: RUN_COLUMNS,
    from: 'generation_runs r',
    where: [],
    params: [],
    order: RUNS_NEWEST_FIRST,
    args,
    cap,
    map: toGenerationRun,
  });
}

/**
 * Enqueueing, regenerating, retrying and cancelling are the generator's (generator/enqueue.ts,
 * with the input checks of generator/request.ts), one implementation for every caller. Its plain
 * inputs have the fields of these input classes, so a mutation's input goes in as it is, and the
 * domain errors it throws already name the argument path the API shows. A regeneration's filter
 * is resolved by QueueAccess.findDialogues (generation.queue.ts hands in the corpus selection).
 */
export function enqueueGeneration(access: QueueAccess, input: GenerationInput, principal: Principal | null): Promise<number> {
  return enqueue(access, input, principal?.name ?? null);
}

export function regenerateDialogues(access: QueueAccess, input: RegenerationInput, principal: Principal | null): Promise<number> {
  return regenerate(access, input, principal?.name ?? null);
}

export function retryFailedJobs(access: QueueAccess, input: { runId: number | null; jobIds: number[] | null }): Promise<{ requeued: number; runIds: number[] }> {
  return retryJobs(access, input);
}

export function cancelGenerationRun(access: QueueAccess, runId: number): Promise<void> {
  return cancelRun(access, runId);
}

/** Accepted among the run's stored dialogues (docs/pipeline.md §8.3); null while none is stored. */
export function acceptanceRate(c: RunCounts): number | null {
  const stored = c.accepted + c.rejected + c.superseded;
  return stored === 0 ? null : c.accepted / stored;
}

export async function runErrors(manager: EntityManager, runId: number, first: number): Promise<JobError[]> {
  const rows: Array<{ jobId: number; userId: number | null; attempt: number; code: string; httpStatus: number | null; message: string | null; retried: boolean; at: Date }> =
    await manager.query(
      `(SELECT a.job_id AS "jobId", j.user_id AS "userId", a.attempt, a.outcome AS code, a.http_status AS "httpStatus", a.message,
               (a.retryable AND j.attempts > a.attempt OR j.status IN ('QUEUED', 'RUNNING')) AS retried, a.created_at AS at, a.id AS ord
          FROM generation_attempts a JOIN generation_jobs j ON j.id = a.job_id
         WHERE a.run_id = $1 AND a.outcome <> 'OK')
       UNION ALL
       (SELECT j.id, j.user_id, j.attempts, j.last_error->>'code', NULL, j.last_error->>'message', false, j.updated_at, 0
          FROM generation_jobs j WHERE j.run_id = $1 AND j.status = 'SKIPPED')
       ORDER BY at DESC, ord DESC LIMIT $2`,
      [runId, first],
    );
  return rows.map((r) => Object.assign(new JobError(), r));
}

export async function rejectionsByCode(manager: EntityManager, runId: number): Promise<Array<{ code: string; stereotype: string | null; count: number }>> {
  const rows: Array<{ code: string; stereotype: string | null; count: string }> = await manager.query(
    `SELECT r->>'code' AS code, s.key AS stereotype, count(*) AS count
       FROM dialogues d CROSS JOIN jsonb_array_elements(d.rejection_reasons) r LEFT JOIN stereotypes s ON s.id = d.stereotype_id
      WHERE d.generation_run_id = $1
      GROUP BY 1, 2, s.id ORDER BY 1, s.id`,
    [runId],
  );
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** promptPreview: the messages a model would receive for this user now (active prompts, default options). */
export async function previewPrompt(
  manager: EntityManager,
  input: { userId: number; stereotype: string | null; strategy: GenerationStrategy; instance: number | null; legacyFeatureKeys: boolean; includeTargetReview: boolean; seed: number },
): Promise<Prompt> {
  if (input.strategy === GenerationStrategy.JUDGE || input.strategy === GenerationStrategy.COMPARE) throw badInput('strategy', 'JUDGE and COMPARE mark judge runs; use STEREOTYPE or GOAL_TEMPLATE');
  return promptErrorsAsBadInput(async () => {
    if (input.strategy === GenerationStrategy.GOAL_TEMPLATE) {
      const p = await activePrompt(manager, 'GOAL_TEMPLATE_INSTRUCTIONS', 'default');
      const built = await buildGoalTemplatePrompt(manager, { userId: input.userId, k: input.instance ?? 1, seed: input.seed, instructions: p });
      return toPrompt(built, GenerationStrategy.GOAL_TEMPLATE);
    }
    const stereotypes = await loadStereotypes(manager);
    let stereotype;
    if (input.stereotype != null) {
      stereotype = stereotypes.find((s) => s.key === input.stereotype);
      if (!stereotype) throw badInput('stereotype', `unknown stereotype "${input.stereotype}"; expected one of ${stereotypes.map((s) => `"${s.key}"`).join(', ')}`);
    } else {
      const [row] = await manager.query(`SELECT stereotype_id AS id FROM user_profiles WHERE user_id = $1 AND strategy = 'STEREOTYPE'`, [input.userId]);
      stereotype = stereotypes.find((s) => s.id === row?.id);
      if (!stereotype) throw badInput('userId', 'the user has no prepared profile with a stereotype: run `recdial prepare` first, or pass `stereotype`');
    }
    const system = await activePrompt(manager, 'STEREOTYPE_SYSTEM', stereotype.key);
    const built = await buildStereotypePrompt(manager, {
      userId: input.userId,
      stereotype,
      systemPrompt: system,
      options: { legacyFeatureKeys: input.legacyFeatureKeys, includeTargetReview: input.includeTargetReview },
    });
    return toPrompt(built, GenerationStrategy.STEREOTYPE);
  });
}

/** Nothing to build a prompt from (no prepared profile, no might-like item number k): the user is at fault. */
async function promptErrorsAsBadInput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw error instanceof PromptInputError ? badInput('userId', error.message) : error;
  }
}

function toPrompt(built: Awaited<ReturnType<typeof buildStereotypePrompt>>, strategy: GenerationStrategy): Prompt {
  return Object.assign(new Prompt(), {
    stereotypeId: built.stereotypeId,
    targetItemId: built.targetItemId,
    promptAsins: built.promptAsins,
    strategy,
    messages: built.messages,
    rendered: built.rendered,
    sha256: built.sha256,
    promptVersion: built.promptVersion,
    templateId: built.instance?.template.id ?? null,
    instance: built.instance?.k ?? null,
  });
}
