import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type PgBoss from 'pg-boss';
import type { DataSource, EntityManager } from 'typeorm';
import type { Config } from '../src/config/config';
import { MODEL_ROLES, type ModelRole } from '../src/config/generation';
import { badInput, conflict, notFound } from '../src/errors';
import { permits } from '../src/jobs/lifecycle';
import { decodeId, toGlobalId } from '../src/pagination/global-id';
import { PythonRandom } from '../src/random/python-random';
import { createModelClient, listServedModels, ModelEndpointError, publicEndpoint } from './models/clients';
import type { PromptText } from './prompts/load';
import { promptsInForce } from './prompts/versions';
import { queueName, transactionDb } from './queue/boss';
import { GOAL_TEMPLATE_PROMPT_KEY, RunConfig, SamplingConfig, Strategy, ValidationConfig } from './run-config';
import {
  checkGenerationInput,
  checkRegenerationInput,
  DEFAULT_TEACHER_SEED,
  type EnqueueGenerationInput,
  positiveInt,
  promptOptionsOf,
  type RegenerateDialoguesInput,
  samplingOf,
  validationOf,
  writingStrategy,
} from './request';
import { notifyRun, runLifecycle } from './worker/store';

export function recdialVersion(config: Readonly<Config>): string {
  return JSON.parse(readFileSync(path.join(config.rootDir, 'package.json'), 'utf8')).version;
}

/** What a generation and a regeneration request share, resolved (generator/request.ts): defaults filled in, checked. */
interface WritingRequest {
  role: ModelRole;
  sampling: SamplingConfig;
  validation: ValidationConfig;
  promptOptions: RunConfig['promptOptions'];
  priority: number;
  createdBy: string | null;
}

function writingRequest(input: EnqueueGenerationInput | RegenerateDialoguesInput, createdBy: string | null): WritingRequest {
  return {
    role: input.role,
    sampling: samplingOf(input.sampling),
    validation: validationOf(input.validation),
    promptOptions: promptOptionsOf(input),
    priority: input.priority ?? 0,
    createdBy,
  };
}

/**
 * A generation request resolved from EnqueueGenerationInput (generator/request.ts): database ids,
 * defaults filled in, every check that needs no selection passed.
 */
interface GenerationRequest extends WritingRequest {
  strategy: Strategy;
  domain: string | null;
  /** Users whose seeded stereotype is one of these; null: every stereotype. */
  stereotypeIds: number[] | null;
  /** Render every selected user as this stereotype instead of their own. */
  asStereotypeId: number | null;
  userIds: number[] | null;
  targetItemIds: number[] | null;
  limit: number | null;
  teacherFraction: number | null;
  teacherSeed: number;
  /** Name under which the teacher sample is stored; null: `teacher-<run id>`. Only with teacherFraction. */
  sampleName: string | null;
  /** Leave out the users of this stored sample (the student run over the rest). */
  excludeSample: string | null;
  /** Descriptive metadata of the student's adapter (docs/pipeline.md §7.1), stored with the run. */
  adapter?: Record<string, unknown> | null;
}

interface RegenerationRequest extends WritingRequest {
  dialogueIds: number[];
  reason: string;
}

/** One dialogue to write. */
export interface Unit {
  key: string;
  userId: number;
  stereotypeId: number | null;
  targetItemId: number | null;
  instance: number | null;
  supersedesId: number | null;
}

export interface QueueAccess {
  dataSource: DataSource;
  config: Readonly<Config>;
  boss: () => Promise<PgBoss>;
  /**
   * The ids of the dialogues a selection matches, ascending, at most `limit` (regenerateDialogues
   * with a filter). The selection is the corpus floor's, above the generator
   * (src/dialogues/selection.ts `selectDialogueIds`), so the composition root hands it in; errors
   * name `argument` (`input.filter.stereotype`).
   */
  findDialogues?(manager: EntityManager, filter: object, argument: string, limit: number): Promise<number[]>;
}

/** Fails at once, before anything is written, when the role has no endpoint or the endpoint does not serve the model. */
export async function checkEndpoint(config: Readonly<Config>, role: ModelRole) {
  const endpoint = config.generation.endpoints[role];
  if (!endpoint) {
    throw badInput('input.role', `no ${role} model endpoint is configured: set ${role}_BASE_URL and ${role}_MODEL on the server`);
  }
  const served = await listServedModels(createModelClient(endpoint), endpoint);
  if (!served.includes(endpoint.model)) {
    throw new ModelEndpointError(
      `the ${role.toLowerCase()} endpoint ${publicEndpoint(endpoint.baseUrl)} does not serve "${endpoint.model}" (it lists ${served.map((s) => `"${s}"`).join(', ') || 'nothing'})` +
        (role === 'STUDENT' ? '; serve the LoRA adapter by that name (vllm serve BASE --enable-lora --lora-modules NAME=PATH)' : ''),
    );
  }
  return { endpoint, served };
}

/** docs/pipeline.md §6.1: per stereotype in canonical order, shuffle its users (sorted by user id) with one seeded generator, keep the first round(f·n), at least 1. */
export function teacherSample<T extends { stereotypeId: number | null }>(units: T[], fraction: number, seed: number, stereotypeOrder: number[]): T[] {
  const rng = new PythonRandom(seed);
  const picked: T[] = [];
  for (const s of stereotypeOrder) {
    const members = units.filter((u) => u.stereotypeId === s);
    if (members.length === 0) continue;
    const size = Math.max(1, Math.floor(fraction * members.length + 0.5));
    rng.shuffle(members);
    picked.push(...members.slice(0, size));
  }
  return picked;
}

/** The teacher sample a run draws, written with the run. */
interface DrawnSample {
  name: string | null;
  fraction: number;
  seed: number;
  stereotypeOrder: number[];
  /** Each user with the stereotype stratum they were drawn from. */
  members: Array<{ userId: number; stereotypeId: number }>;
}

async function sampleId(m: EntityManager, name: string): Promise<number | null> {
  const [row]: Array<{ id: number }> = await m.query('SELECT id FROM user_samples WHERE name = $1', [name]);
  return row?.id ?? null;
}

async function selectUnits(m: EntityManager, req: GenerationRequest): Promise<{ units: Unit[]; sample: DrawnSample | null }> {
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (req.domain !== null) where.push(`u.domain = ${p(req.domain)}`);
  if (req.excludeSample !== null) {
    const id = await sampleId(m, req.excludeSample);
    if (id === null) {
      const known: Array<{ name: string }> = await m.query('SELECT name FROM user_samples ORDER BY created_at DESC, id DESC LIMIT 5');
      throw badInput(
        'input.excludeSample',
        `no user sample named "${req.excludeSample}"` + (known.length ? ` (recent ones: ${known.map((k) => `"${k.name}"`).join(', ')})` : ' (none is stored yet)'),
      );
    }
    where.push(`NOT EXISTS (SELECT 1 FROM user_sample_members sm WHERE sm.sample_id = ${p(id)} AND sm.user_id = p.user_id)`);
  }
  if (req.userIds) where.push(`p.user_id = ANY(${p(req.userIds)})`);
  if (req.targetItemIds) where.push(`p.target_item_id = ANY(${p(req.targetItemIds)})`);
  if (req.strategy === 'STEREOTYPE') {
    if (req.stereotypeIds) where.push(`p.stereotype_id = ANY(${p(req.stereotypeIds)})`);
    const rows: Array<{ userId: number; stereotypeId: number; targetItemId: number }> = await m.query(
      `SELECT p.user_id AS "userId", p.stereotype_id AS "stereotypeId", p.target_item_id AS "targetItemId"
         FROM user_profiles p JOIN users u ON u.id = p.user_id
        WHERE p.strategy = 'STEREOTYPE' AND p.target_item_id IS NOT NULL AND p.stereotype_id IS NOT NULL ${where.map((w) => `AND ${w}`).join(' ')}
        ORDER BY u.source_id COLLATE "C", p.user_id`,
      params,
    );
    let units: Unit[] = rows.map((r) => ({ ...r, key: `user:${r.userId}`, instance: null, supersedesId: null }));
    let stereotypeOrder: number[] | null = null;
    if (req.teacherFraction !== null) {
      const order: Array<{ id: number }> = await m.query('SELECT id FROM stereotypes ORDER BY id');
      stereotypeOrder = order.map((o) => o.id);
      const sampled = new Set(teacherSample(units, req.teacherFraction, req.teacherSeed, stereotypeOrder));
      units = units.filter((u) => sampled.has(u)); // back to user-id order
    }
    if (req.limit !== null) units = units.slice(0, req.limit);
    // The sample is what the run got (after `limit`), recorded with the stratum each user was drawn from.
    const sample: DrawnSample | null =
      stereotypeOrder === null
        ? null
        : {
            name: req.sampleName,
            fraction: req.teacherFraction!,
            seed: req.teacherSeed,
            stereotypeOrder,
            members: units.map((u) => ({ userId: u.userId, stereotypeId: u.stereotypeId! })),
          };
    if (req.asStereotypeId !== null) units = units.map((u) => ({ ...u, stereotypeId: req.asStereotypeId }));
    return { units, sample };
  }
  const rows: Array<{ userId: number; mightLike: number[] }> = await m.query(
    `SELECT p.user_id AS "userId", p.might_like_item_ids AS "mightLike"
       FROM user_profiles p JOIN users u ON u.id = p.user_id
      WHERE p.strategy = 'GOAL_TEMPLATE' AND cardinality(p.might_like_item_ids) > 0 ${where.map((w) => `AND ${w}`).join(' ')}
      ORDER BY u.source_id COLLATE "C", p.user_id`,
    params,
  );
  // §11.4: one dialogue per might-like item, k = 1 … m.
  const units = rows.flatMap((r) =>
    r.mightLike.map((itemId, i) => ({ key: `user:${r.userId}:k:${i + 1}`, userId: r.userId, stereotypeId: null, targetItemId: itemId, instance: i + 1, supersedesId: null })),
  );
  return { units: req.limit !== null ? units.slice(0, req.limit) : units, sample: null };
}

/** Stores the drawn sample under its name, inside the run's transaction; a taken name is a CONFLICT and rolls the run back. */
async function storeSample(m: EntityManager, runId: number, sample: DrawnSample): Promise<void> {
  const name = sample.name ?? `teacher-${runId}`;
  const [row]: Array<{ id: number }> = await m.query(
    `INSERT INTO user_samples (name, kind, fraction, seed, stereotype_order, generation_run_id)
     VALUES ($1, 'TEACHER', $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING RETURNING id`,
    [name, sample.fraction, sample.seed, sample.stereotypeOrder, runId],
  );
  if (!row) throw conflict('input.sampleName', `a user sample named "${name}" already exists; choose another name`);
  await m.query(
    `INSERT INTO user_sample_members (sample_id, user_id, stereotype_id) SELECT $1, x.u, x.s FROM unnest($2::int[], $3::smallint[]) AS x(u, s)`,
    [row.id, sample.members.map((x) => x.userId), sample.members.map((x) => x.stereotypeId)],
  );
}

function hashConfig(config: RunConfig): string {
  const { prompts, ...rest } = config;
  const promptVersions = Object.fromEntries(Object.entries(prompts).map(([k, v]) => [k, v.sha256]));
  return createHash('sha256').update(JSON.stringify({ ...rest, promptVersions })).digest('hex');
}

/** Writes the run, its jobs and the queue entries in one transaction: all of them or none. */
export async function createRun(
  access: QueueAccess,
  run: { kind: 'GENERATE' | 'REGENERATE' | 'INTERACTIVE'; role: ModelRole; strategy: Strategy; config: RunConfig; priority: number; reason: string | null; createdBy: string | null },
  units: Unit[],
  { endpoint, served }: Awaited<ReturnType<typeof checkEndpoint>>,
  sample: DrawnSample | null = null,
): Promise<number> {
  const boss = await access.boss();
  const runId = await access.dataSource.transaction(async (m) => {
    const [row] = await m.query(
      `INSERT INTO generation_runs (kind, role, strategy, model, endpoint, served_models, config, config_hash, requested, priority, reason, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
      [run.kind, run.role, run.strategy, endpoint.model, publicEndpoint(endpoint.baseUrl), served, JSON.stringify(run.config), hashConfig(run.config), units.length, run.priority, run.reason, run.createdBy],
    );
    const id: number = row.id;
    if (sample) await storeSample(m, id, sample);
    const jobs: Array<{ id: number; queueJobId: string }> = await m.query(
      `INSERT INTO generation_jobs (run_id, key, user_id, stereotype_id, target_item_id, instance, supersedes_id, queue_job_id)
       SELECT $1, x.key, x.u, x.s, x.t, x.k, x.sup, gen_random_uuid()
         FROM unnest($2::text[], $3::int[], $4::smallint[], $5::int[], $6::int[], $7::int[]) AS x(key, u, s, t, k, sup)
       RETURNING id, queue_job_id AS "queueJobId"`,
      [
        id,
        units.map((u) => u.key),
        units.map((u) => u.userId),
        units.map((u) => u.stereotypeId),
        units.map((u) => u.targetItemId),
        units.map((u) => u.instance),
        units.map((u) => u.supersedesId),
      ],
    );
    await boss.insert(
      queueName(run.role),
      jobs.map((j) => ({ name: queueName(run.role), id: j.queueJobId, data: { jobId: j.id, runId: id }, priority: run.priority })),
      { db: transactionDb(m.queryRunner!) },
    );
    return id;
  });
  await notifyRun(access.dataSource.manager, runId);
  return runId;
}

function runConfig(
  version: string,
  strategy: Strategy,
  req: Pick<GenerationRequest, 'sampling' | 'validation' | 'promptOptions' | 'adapter'>,
  selection: Record<string, unknown>,
  prompts: Record<string, PromptText>,
): RunConfig {
  return {
    recdialVersion: version,
    strategy,
    requestMode: 'chat',
    selection,
    sampling: req.sampling,
    validation: req.validation,
    promptOptions: req.promptOptions,
    prompts,
    ...(req.adapter ? { adapter: req.adapter } : {}),
  };
}

async function stereotypeId(manager: EntityManager, key: string, argument: string): Promise<number> {
  const [row] = await manager.query('SELECT id FROM stereotypes WHERE key = $1', [key]);
  if (!row) {
    const keys: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
    throw badInput(argument, `unknown stereotype "${key}"; expected one of ${keys.map((k) => `"${k.key}"`).join(', ')}`);
  }
  return row.id;
}

/**
 * A run of new dialogues, one queued job each, over the prepared users the input selects, with
 * the prompts in force now: the one implementation behind the `enqueueGeneration` mutation and
 * any other caller. Returns the run's database id. Every refusal is a domain error
 * (src/errors.ts) naming the argument path (`input.stereotypes[0]`).
 */
export async function enqueueGeneration(access: QueueAccess, input: EnqueueGenerationInput, createdBy: string | null): Promise<number> {
  checkGenerationInput(input);
  const manager = access.dataSource.manager;
  const stereotypeIds = input.stereotypes ? await Promise.all(input.stereotypes.map((k, i) => stereotypeId(manager, k, `input.stereotypes[${i}]`))) : null;
  const asStereotypeId = input.asStereotype != null ? await stereotypeId(manager, input.asStereotype, 'input.asStereotype') : null;
  const request: GenerationRequest = {
    strategy: writingStrategy(input.strategy),
    domain: input.domain ?? null,
    stereotypeIds,
    asStereotypeId,
    userIds: input.userIds ? input.userIds.map((id, i) => decodeId(`input.userIds[${i}]`, id, 'User')) : null,
    targetItemIds: input.targetItemIds ? input.targetItemIds.map((id, i) => decodeId(`input.targetItemIds[${i}]`, id, 'Item')) : null,
    limit: positiveInt('input.limit', input.limit),
    teacherFraction: input.teacherFraction ?? null,
    teacherSeed: input.teacherSeed ?? DEFAULT_TEACHER_SEED,
    sampleName: input.sampleName ?? null,
    excludeSample: input.excludeSample ?? null,
    adapter: input.adapter ?? null,
    // Last: a request wrong in both its selection and its options is refused for the selection.
    ...writingRequest(input, createdBy),
  };
  return enqueueRequest(access, request, await promptsInForce(manager));
}

/** Upper bound on one regeneration run selected by filter, so that a too-wide filter is a clear error, not a surprise. */
const MAX_REGENERATION = 100_000;

/**
 * New versions of dialogues given by id and/or selected by a filter; each result supersedes its
 * original, which stays queryable: the one implementation behind the `regenerateDialogues`
 * mutation and any other caller. Returns the run's database id; refusals as enqueueGeneration.
 */
export async function regenerateDialogues(access: QueueAccess, input: RegenerateDialoguesInput, createdBy: string | null): Promise<number> {
  const reason = checkRegenerationInput(input);
  const manager = access.dataSource.manager;
  let ids: number[] = input.dialogueIds ? input.dialogueIds.map((id, i) => decodeId(`input.dialogueIds[${i}]`, id, 'Dialogue')) : [];
  if (input.filter) {
    if (!access.findDialogues) throw new Error('regenerateDialogues by filter needs QueueAccess.findDialogues');
    const found = await access.findDialogues(manager, input.filter, 'input.filter', MAX_REGENERATION + 1);
    if (found.length > MAX_REGENERATION) throw badInput('input.filter', `matches more than ${MAX_REGENERATION} dialogues; narrow it`);
    ids = [...new Set([...ids, ...found])];
  }
  const request: RegenerationRequest = { dialogueIds: ids, reason, ...writingRequest(input, createdBy) };
  return regenerateRequest(access, request, await promptsInForce(manager));
}

async function enqueueRequest(access: QueueAccess, req: GenerationRequest, prompts: Record<string, PromptText>): Promise<number> {
  if (req.strategy === 'GOAL_TEMPLATE' && (req.stereotypeIds || req.asStereotypeId !== null || req.teacherFraction !== null)) {
    throw badInput('input.strategy', 'stereotypes, asStereotype and teacherFraction apply to the STEREOTYPE strategy only');
  }
  if (req.sampleName !== null) {
    if (req.teacherFraction === null) throw badInput('input.sampleName', 'names the teacher sample, so it needs teacherFraction');
    if (!req.sampleName.trim()) throw badInput('input.sampleName', 'must not be empty');
    // Checked again when the sample is written (in the run's transaction); this only fails early.
    if ((await sampleId(access.dataSource.manager, req.sampleName)) !== null) {
      throw conflict('input.sampleName', `a user sample named "${req.sampleName}" already exists; choose another name`);
    }
  }
  const endpoint = await checkEndpoint(access.config, req.role);
  const { units, sample } = await selectUnits(access.dataSource.manager, req);
  if (req.userIds) {
    const found = new Set(units.map((u) => u.userId));
    const missing = req.userIds.filter((id) => !found.has(id));
    if (missing.length > 0 && req.stereotypeIds === null && req.targetItemIds === null && req.limit === null && req.teacherFraction === null && req.excludeSample === null) {
      throw badInput(
        'input.userIds',
        `${missing.length} of the given users have no ${req.strategy === 'STEREOTYPE' ? 'prepared profile with a target' : 'goal-template profile with might-like items'} (database ids ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); run \`recdial prepare\` first`,
      );
    }
  }
  if (units.length === 0) {
    throw badInput('input', `no prepared user matches the selection (strategy ${req.strategy}); run \`recdial prepare${req.strategy === 'GOAL_TEMPLATE' ? ' --strategy goal-template' : ''}\` first or widen the selection`);
  }
  const selection = {
    domain: req.domain, stereotypeIds: req.stereotypeIds, asStereotypeId: req.asStereotypeId, userIds: req.userIds, targetItemIds: req.targetItemIds,
    limit: req.limit, teacherFraction: req.teacherFraction, teacherSeed: req.teacherFraction !== null ? req.teacherSeed : null,
    excludeSample: req.excludeSample,
  };
  const used = req.strategy === 'GOAL_TEMPLATE' ? { [GOAL_TEMPLATE_PROMPT_KEY]: prompts[GOAL_TEMPLATE_PROMPT_KEY] } : prompts;
  return createRun(
    access,
    { kind: 'GENERATE', role: req.role, strategy: req.strategy, config: runConfig(recdialVersion(access.config), req.strategy, req, selection, used), priority: req.priority, reason: null, createdBy: req.createdBy },
    units,
    endpoint,
    sample,
  );
}

async function regenerateRequest(access: QueueAccess, req: RegenerationRequest, prompts: Record<string, PromptText>): Promise<number> {
  const endpoint = await checkEndpoint(access.config, req.role);
  if (req.dialogueIds.length === 0) throw badInput('input', 'no dialogue matches: nothing to regenerate');
  const rows: Array<{ id: number; status: string; userId: number | null; stereotypeId: number | null; targetItemId: number | null; strategy: string; k: number | null; prepared: boolean; pending: boolean }> =
    await access.dataSource.query(
      `SELECT d.id, d.status, d.user_id AS "userId", d.stereotype_id AS "stereotypeId", d.target_item_id AS "targetItemId", d.strategy,
              (d.provenance #>> '{template,k}')::int AS k,
              EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = d.user_id AND p.strategy = d.strategy) AS prepared,
              EXISTS (SELECT 1 FROM generation_jobs j WHERE j.supersedes_id = d.id AND j.status IN ('QUEUED', 'RUNNING')) AS pending
         FROM dialogues d WHERE d.id = ANY($1) ORDER BY d.id`,
      [req.dialogueIds],
    );
  const found = new Set(rows.map((r) => r.id));
  // The ids the API shows and the caller sent, never the database's numbers.
  const list = (ids: number[]) => ids.slice(0, 5).map((id) => `"${toGlobalId('Dialogue', id)}"`).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
  const missing = req.dialogueIds.filter((id) => !found.has(id));
  if (missing.length) throw notFound('input.dialogueIds', `no such dialogue: ${list(missing)}`);
  const superseded = rows.filter((r) => r.status === 'SUPERSEDED').map((r) => r.id);
  if (superseded.length) throw conflict('input.dialogueIds', `already superseded (regenerate their newest version instead): ${list(superseded)}`);
  const pending = rows.filter((r) => r.pending).map((r) => r.id);
  if (pending.length) throw conflict('input.dialogueIds', `a regeneration is already queued or running for: ${list(pending)}`);
  const unprepared = rows.filter((r) => r.userId === null || !r.prepared).map((r) => r.id);
  if (unprepared.length) throw badInput('input.dialogueIds', `no prepared user, so no prompt to regenerate from, for: ${list(unprepared)}`);
  const strategies = new Set(rows.map((r) => r.strategy));
  if (strategies.size > 1) throw badInput('input.dialogueIds', `the dialogues mix strategies (${[...strategies].join(', ')}); regenerate each strategy in its own run`);
  const strategy = rows[0].strategy as Strategy;
  const units: Unit[] = rows.map((r) => ({
    key: `supersede:${r.id}`,
    userId: r.userId!,
    stereotypeId: r.stereotypeId,
    targetItemId: r.targetItemId,
    instance: strategy === 'GOAL_TEMPLATE' ? r.k ?? 1 : null,
    supersedesId: r.id,
  }));
  const used = strategy === 'GOAL_TEMPLATE' ? { [GOAL_TEMPLATE_PROMPT_KEY]: prompts[GOAL_TEMPLATE_PROMPT_KEY] } : prompts;
  return createRun(
    access,
    { kind: 'REGENERATE', role: req.role, strategy, config: runConfig(recdialVersion(access.config), strategy, req, { dialogueIds: req.dialogueIds }, used), priority: req.priority, reason: req.reason, createdBy: req.createdBy },
    units,
    endpoint,
  );
}

/** Stops what has not started: queued jobs are cancelled, running ones finish and are stored. */
export async function cancelRun(access: QueueAccess, runId: number): Promise<void> {
  const boss = await access.boss();
  await access.dataSource.transaction(async (m) => {
    const [run] = await m.query('SELECT status, role FROM generation_runs WHERE id = $1 FOR UPDATE', [runId]);
    if (!run) throw notFound('id', `no such generation run "${toGlobalId('GenerationRun', runId)}"`);
    if (!permits('cancel', run.status)) {
      throw conflict('id', `the run is already ${run.status.toLowerCase()}`);
    }
    await runLifecycle.cancel(m, runId, { publish: false }); // published once committed
    const [cancelled]: Array<Array<{ queueJobId: string }>> = await m.query(
      `UPDATE generation_jobs SET status = 'CANCELLED', updated_at = now() WHERE run_id = $1 AND status = 'QUEUED' RETURNING queue_job_id AS "queueJobId"`,
      [runId],
    );
    const ids = cancelled.map((c) => c.queueJobId);
    for (let i = 0; i < ids.length; i += 1000) {
      await boss.cancel(queueName(run.role), ids.slice(i, i + 1000), { db: transactionDb(m.queryRunner!) });
    }
  });
  await notifyRun(access.dataSource.manager, runId);
}

/** How many failed jobs one retryFailedJobs call may requeue. */
const MAX_RETRY_JOBS = 100_000;

/**
 * Requeues FAILED jobs (of one run, or given by id) as fresh queue jobs with a full attempt budget:
 * each gets new attempts (numbered on from its last), its run goes back to RUNNING and settles again.
 * Row, queue entries and run change in one transaction. Returns the runs touched and the count.
 */
export async function retryFailedJobs(access: QueueAccess, req: { runId: number | null; jobIds: number[] | null }): Promise<{ requeued: number; runIds: number[] }> {
  if (req.jobIds) {
    const bad = req.jobIds.findIndex((id) => !(Number.isInteger(id) && id > 0));
    if (bad >= 0) throw badInput(`input.jobIds[${bad}]`, 'must be a job id (a positive integer, as in GenerationRun.errors.jobId)');
  }
  if ((req.runId === null) === (req.jobIds === null)) throw badInput('input', 'give either runId or jobIds');
  if (req.jobIds !== null && req.jobIds.length === 0) throw badInput('input.jobIds', 'give at least one job id');
  if (req.jobIds !== null && req.jobIds.length > MAX_RETRY_JOBS) throw badInput('input.jobIds', `at most ${MAX_RETRY_JOBS} jobs at once`);
  const boss = await access.boss();
  const result = await access.dataSource.transaction(async (m) => {
    let jobs: Array<{ id: number; runId: number; status: string; role: ModelRole; runStatus: string; priority: number }>;
    if (req.runId !== null) {
      const [run] = await m.query('SELECT id, status FROM generation_runs WHERE id = $1 FOR UPDATE', [req.runId]);
      if (!run) throw notFound('input.runId', 'no such generation run');
      if (run.status === 'CANCELLED') throw conflict('input.runId', 'the run is cancelled; enqueue a new one');
      jobs = await m.query(
        `SELECT j.id, j.run_id AS "runId", j.status, r.role, r.status AS "runStatus", r.priority
           FROM generation_jobs j JOIN generation_runs r ON r.id = j.run_id
          WHERE j.run_id = $1 AND j.status = 'FAILED' ORDER BY j.id FOR UPDATE OF j`,
        [req.runId],
      );
      if (jobs.length === 0) throw conflict('input.runId', 'the run has no FAILED jobs');
    } else {
      const ids = [...new Set(req.jobIds!)];
      jobs = await m.query(
        `SELECT j.id, j.run_id AS "runId", j.status, r.role, r.status AS "runStatus", r.priority
           FROM generation_jobs j JOIN generation_runs r ON r.id = j.run_id
          WHERE j.id = ANY($1) ORDER BY j.id FOR UPDATE OF j`,
        [ids],
      );
      const list = (xs: number[]) => xs.slice(0, 5).join(', ') + (xs.length > 5 ? ', …' : '');
      const found = new Set(jobs.map((j) => j.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length) throw notFound('input.jobIds', `no generation job with id ${list(missing)}`);
      const notFailed = jobs.filter((j) => j.status !== 'FAILED');
      if (notFailed.length) {
        throw conflict('input.jobIds', `only FAILED jobs can be retried; ${list(notFailed.map((j) => j.id))} ${notFailed.length === 1 ? 'is' : 'are'} ${[...new Set(notFailed.map((j) => j.status))].join('/')}`);
      }
      const cancelled = jobs.filter((j) => j.runStatus === 'CANCELLED');
      if (cancelled.length) throw conflict('input.jobIds', `jobs ${list(cancelled.map((j) => j.id))} belong to a cancelled run`);
    }
    const requeued: Array<{ id: number; runId: number; queueJobId: string }> = (
      await m.query(
        `UPDATE generation_jobs SET status = 'QUEUED', queue_job_id = gen_random_uuid(), updated_at = now()
          WHERE id = ANY($1) AND status = 'FAILED' RETURNING id, run_id AS "runId", queue_job_id AS "queueJobId"`,
        [jobs.map((j) => j.id)],
      )
    )[0];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const db = transactionDb(m.queryRunner!);
    for (const role of MODEL_ROLES) {
      const mine = requeued.filter((r) => byId.get(r.id)!.role === role);
      for (let i = 0; i < mine.length; i += 1000) {
        await boss.insert(
          queueName(role),
          mine.slice(i, i + 1000).map((r) => ({ name: queueName(role), id: r.queueJobId, data: { jobId: r.id, runId: r.runId }, priority: byId.get(r.id)!.priority })),
          { db },
        );
      }
    }
    const runIds = [...new Set(requeued.map((r) => r.runId))];
    await runLifecycle.reopen(m, runIds, { publish: false }); // published once committed
    return { requeued: requeued.length, runIds };
  });
  for (const id of result.runIds) await notifyRun(access.dataSource.manager, id);
  return result;
}
