import type { EntityManager } from 'typeorm';
import {
  cancelRun,
  enqueueGeneration as enqueue,
  GenerationRequestError,
  QueueAccess,
  regenerateDialogues as regenerate,
  retryFailedJobs as retryJobs,
} from '../../../generator';
import { ModelEndpointError } from '../../../generator';
import { buildGoalTemplatePrompt, buildStereotypePrompt, loadStereotypes, PromptInputError, PromptText } from '../../../generator';
import { DEFAULT_SAMPLING, DEFAULT_VALIDATION, GOAL_TEMPLATE_PROMPT_KEY, SamplingConfig, Strategy, ValidationConfig } from '../../../generator';
import { decodeId } from '../../pagination/global-id';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { badInput, conflict, modelEndpointUnavailable, notFound } from '../../errors';
import type { Principal } from '../api-key/api-key.service';
import { dialogueConditions } from '../../dialogues/selection';
import { activePrompt, activePrompts } from '../prompt/prompt.service';
import { GenerationInput, RegenerationInput, SamplingInput, ValidationInput } from './generation.inputs';
import { GenerationRun, GenerationRunRow, GenerationStrategy, JobError, ModelRole, Prompt, RUN_COLUMNS, toGenerationRun } from './generation.type';

/** Turns the generator's errors into the API's stable codes, naming the argument. */
export function toApiError(error: unknown): unknown {
  if (error instanceof GenerationRequestError) {
    if (error.kind === 'BAD_INPUT') return badInput(error.argument, error.message);
    return (error.kind === 'CONFLICT' ? conflict : notFound)(error.argument, error.message);
  }
  if (error instanceof ModelEndpointError) return modelEndpointUnavailable(error.message);
  if (error instanceof PromptInputError) return badInput('userId', error.message);
  return error;
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApiError(error);
  }
}

function sampling(input: SamplingInput | null | undefined): SamplingConfig {
  const s = { ...DEFAULT_SAMPLING };
  if (input?.temperature != null) {
    if (!(input.temperature >= 0 && input.temperature <= 2)) throw badInput('input.sampling.temperature', 'must be between 0 and 2');
    s.temperature = input.temperature;
  }
  if (input?.topP != null) {
    if (!(input.topP > 0 && input.topP <= 1)) throw badInput('input.sampling.topP', 'must be in (0, 1]');
    s.topP = input.topP;
  }
  if (input?.maxTokens != null) {
    if (!(input.maxTokens >= 16)) throw badInput('input.sampling.maxTokens', 'must be at least 16 (a dialogue needs room)');
    s.maxTokens = input.maxTokens;
  }
  if (input?.seed != null) {
    if (input.seed < 0) throw badInput('input.sampling.seed', 'must be a non-negative integer');
    s.seed = input.seed;
  }
  return s;
}

function validation(input: ValidationInput | null | undefined): ValidationConfig {
  const v = { ...DEFAULT_VALIDATION };
  if (input?.unknownItemPolicy != null) v.unknownItemPolicy = input.unknownItemPolicy;
  if (input?.minUtterances != null) v.minUtterances = input.minUtterances;
  if (input?.maxUtterances != null) v.maxUtterances = input.maxUtterances;
  if (input?.mergeSameRole != null) v.mergeSameRole = input.mergeSameRole;
  if (input?.normaliseStudentTitles != null) v.normaliseStudentTitles = input.normaliseStudentTitles;
  if (input?.titleMatching != null) v.titleMatching = input.titleMatching;
  if (v.minUtterances < 1) throw badInput('input.validation.minUtterances', 'must be at least 1');
  if (v.maxUtterances < v.minUtterances) throw badInput('input.validation.maxUtterances', `must be at least minUtterances (${v.minUtterances})`);
  return v;
}

/** The prompts in force now, keyed as a run records them. */
async function promptsInForce(manager: EntityManager): Promise<Record<string, PromptText>> {
  const prompts: Record<string, PromptText> = {};
  for (const p of await activePrompts(manager)) {
    const key = p.kind === 'STEREOTYPE_SYSTEM' ? p.key : GOAL_TEMPLATE_PROMPT_KEY;
    prompts[key] = { version: p.version, sha256: p.sha256, content: p.content };
  }
  return prompts;
}

async function stereotypeId(manager: EntityManager, key: string, argument: string): Promise<number> {
  const [row] = await manager.query('SELECT id FROM stereotypes WHERE key = $1', [key]);
  if (!row) {
    const keys: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
    throw badInput(argument, `unknown stereotype "${key}"; expected one of ${keys.map((k) => `"${k.key}"`).join(', ')}`);
  }
  return row.id;
}

function positiveInt(argument: string, value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1) throw badInput(argument, 'must be a positive integer');
  return value;
}

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

/** adapter_meta.json is a few hundred bytes; this only keeps a pasted file of another kind out. */
const MAX_ADAPTER_BYTES = 16 * 1024;

/** The JUDGE role and the judge-run strategies only run through judgeDialogues and compareDatasets. */
function writerRole(role: ModelRole): ModelRole {
  if (role === ModelRole.JUDGE) throw badInput('input.role', 'the JUDGE role scores dialogues (judgeDialogues, compareDatasets); dialogues are written by TEACHER or STUDENT');
  return role;
}

function writerStrategy(strategy: GenerationStrategy | null | undefined): Strategy {
  if (strategy === GenerationStrategy.JUDGE || strategy === GenerationStrategy.COMPARE) throw badInput('input.strategy', 'JUDGE and COMPARE mark judge runs; use STEREOTYPE or GOAL_TEMPLATE');
  return (strategy ?? GenerationStrategy.STEREOTYPE) as Strategy;
}

export async function enqueueGeneration(manager: EntityManager, access: QueueAccess, input: GenerationInput, principal: Principal | null): Promise<number> {
  writerRole(input.role);
  if (input.teacherFraction != null && !(input.teacherFraction > 0 && input.teacherFraction <= 1)) {
    throw badInput('input.teacherFraction', 'must be in (0, 1], e.g. 0.1 for a 10 % teacher sample');
  }
  if (input.adapter != null) {
    if (input.role !== ModelRole.STUDENT) throw badInput('input.adapter', 'describes the student’s adapter; give it with role STUDENT');
    if (JSON.stringify(input.adapter).length > MAX_ADAPTER_BYTES) throw badInput('input.adapter', `must be at most ${MAX_ADAPTER_BYTES} bytes of JSON (descriptive metadata, not weights)`);
  }
  const stereotypeIds = input.stereotypes ? await Promise.all(input.stereotypes.map((k, i) => stereotypeId(manager, k, `input.stereotypes[${i}]`))) : null;
  const asStereotypeId = input.asStereotype != null ? await stereotypeId(manager, input.asStereotype, 'input.asStereotype') : null;
  const request = {
    role: input.role,
    strategy: writerStrategy(input.strategy),
    domain: input.domain ?? null,
    stereotypeIds,
    asStereotypeId,
    userIds: input.userIds ? input.userIds.map((id, i) => decodeId(`input.userIds[${i}]`, id, 'User')) : null,
    targetItemIds: input.targetItemIds ? input.targetItemIds.map((id, i) => decodeId(`input.targetItemIds[${i}]`, id, 'Item')) : null,
    limit: positiveInt('input.limit', input.limit),
    teacherFraction: input.teacherFraction ?? null,
    teacherSeed: input.teacherSeed ?? 42,
    sampleName: input.sampleName ?? null,
    excludeSample: input.excludeSample ?? null,
    adapter: input.adapter ?? null,
    sampling: sampling(input.sampling),
    validation: validation(input.validation),
    promptOptions: { legacyFeatureKeys: input.legacyFeatureKeys ?? false, includeTargetReview: input.includeTargetReview ?? true },
    priority: input.priority ?? 0,
    createdBy: principal?.name ?? null,
  };
  return guard(async () => enqueue(access, request, await promptsInForce(manager)));
}

/** Upper bound on one regeneration run selected by filter, so that a too-wide filter is a clear error, not a surprise. */
const MAX_REGENERATION = 100_000;

export async function regenerateDialogues(manager: EntityManager, access: QueueAccess, input: RegenerationInput, principal: Principal | null): Promise<number> {
  writerRole(input.role);
  if (!input.reason.trim()) throw badInput('input.reason', 'say why the dialogues are regenerated (it is recorded with the run)');
  if (!input.dialogueIds && !input.filter) throw badInput('input', 'give dialogueIds or a filter');
  let ids: number[] = input.dialogueIds ? input.dialogueIds.map((id, i) => decodeId(`input.dialogueIds[${i}]`, id, 'Dialogue')) : [];
  if (input.filter) {
    const params: unknown[] = [];
    const where = await dialogueConditions(manager, input.filter, params, 'input.filter');
    params.push(MAX_REGENERATION + 1);
    const rows: Array<{ id: number }> = await manager.query(
      `SELECT d.id FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id LIMIT $${params.length}`,
      params,
    );
    if (rows.length > MAX_REGENERATION) throw badInput('input.filter', `matches more than ${MAX_REGENERATION} dialogues; narrow it`);
    ids = [...new Set([...ids, ...rows.map((r) => r.id)])];
  }
  const request = {
    role: input.role,
    dialogueIds: ids,
    reason: input.reason.trim(),
    sampling: sampling(input.sampling),
    validation: validation(input.validation),
    promptOptions: { legacyFeatureKeys: input.legacyFeatureKeys ?? false, includeTargetReview: input.includeTargetReview ?? true },
    priority: input.priority ?? 0,
    createdBy: principal?.name ?? null,
  };
  return guard(async () => regenerate(access, request, await promptsInForce(manager)));
}

export function retryFailedJobs(access: QueueAccess, input: { runId: number | null; jobIds: number[] | null }): Promise<{ requeued: number; runIds: number[] }> {
  if (input.jobIds) {
    const bad = input.jobIds.findIndex((id) => !(Number.isInteger(id) && id > 0));
    if (bad >= 0) throw badInput(`input.jobIds[${bad}]`, 'must be a job id (a positive integer, as in GenerationRun.errors.jobId)');
  }
  return guard(() => retryJobs(access, input));
}

export function cancelGenerationRun(access: QueueAccess, runId: number): Promise<void> {
  return guard(() => cancelRun(access, runId));
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
  return guard(async () => {
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
