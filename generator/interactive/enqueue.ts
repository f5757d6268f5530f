/**
 * evaluateInteractively's write: an INTERACTIVE evaluation row and an INTERACTIVE generation run
 * of the SIMULATOR role with one job per selected user, through the same queue, caps, retries
 * and supervisor as generation (a job kind, not a parallel system).
 */
import type { EntityManager } from 'typeorm';
import { toGlobalId } from '../../src/pagination/global-id';
import { badInput } from '../../src/errors';
import { checkEndpoint, createRun, recdialVersion, type QueueAccess, type Unit } from '../enqueue';
import { publicEndpoint } from '../models/clients';
import { DEFAULT_VALIDATION, type RunConfig, type SamplingConfig } from '../run-config';
import { syncInteractiveEvaluation } from './evaluation-sync';
import { SEEKER_PROMPT_VERSION } from './seeker';
import type { SystemSpec } from './system-client';
import OpenAI from 'openai';

export interface InteractiveRequest {
  system: SystemSpec;
  systemTimeoutMs: number;
  domain: string | null;
  stereotypeId: number | null;
  userIds: number[] | null;
  limit: number | null;
  maxRounds: number;
  k: number;
  dataset: string;
  sampling: SamplingConfig;
  priority: number;
  createdBy: string | null;
  /** Every option as the caller gave it with defaults filled in: stored as the evaluation's options. */
  options: Record<string, unknown>;
}

async function selectUsers(m: EntityManager, req: InteractiveRequest): Promise<Unit[]> {
  const params: unknown[] = [];
  const where: string[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (req.domain !== null) where.push(`u.domain = ${p(req.domain)}`);
  if (req.stereotypeId !== null) where.push(`p.stereotype_id = ${p(req.stereotypeId)}`);
  if (req.userIds) where.push(`p.user_id = ANY(${p(req.userIds)})`);
  const rows: Array<{ userId: number; stereotypeId: number; targetItemId: number }> = await m.query(
    `SELECT p.user_id AS "userId", p.stereotype_id AS "stereotypeId", p.target_item_id AS "targetItemId"
       FROM user_profiles p JOIN users u ON u.id = p.user_id
      WHERE p.strategy = 'STEREOTYPE' AND p.target_item_id IS NOT NULL ${where.map((w) => `AND ${w}`).join(' ')}
      ORDER BY u.source_id COLLATE "C", p.user_id
      ${req.limit !== null ? `LIMIT ${p(req.limit)}` : ''}`,
    params,
  );
  return rows.map((r) => ({ key: `user:${r.userId}`, userId: r.userId, stereotypeId: r.stereotypeId, targetItemId: r.targetItemId, instance: null, supersedesId: null }));
}

/** An OpenAI-compatible system must serve the model: checked now, so that a typo fails the call, not every conversation. */
async function checkSystem(spec: SystemSpec, timeoutMs: number): Promise<void> {
  if (spec.kind !== 'openai') return;
  const client = new OpenAI({ baseURL: spec.baseUrl, apiKey: 'EMPTY', timeout: Math.min(timeoutMs, 30_000), maxRetries: 0 });
  const ids: string[] = [];
  try {
    for await (const model of client.models.list()) ids.push(model.id);
  } catch (error) {
    const why = error instanceof OpenAI.APIError && error.status ? `HTTP ${error.status}` : (error as Error).message;
    throw badInput('input.system.baseUrl', `the system under test at ${publicEndpoint(spec.baseUrl)} did not list its models (${why})`);
  }
  if (!ids.includes(spec.model)) {
    throw badInput('input.system.model', `the system under test at ${publicEndpoint(spec.baseUrl)} does not serve "${spec.model}" (it lists ${ids.map((s) => `"${s}"`).join(', ') || 'nothing'})`);
  }
}

export async function enqueueInteractive(access: QueueAccess, req: InteractiveRequest): Promise<{ evaluationId: number; runId: number }> {
  if (!access.config.generation.endpoints.SIMULATOR) {
    throw badInput('input.simulator', 'no SIMULATOR model endpoint is configured: set SIMULATOR_BASE_URL and SIMULATOR_MODEL on the server (and run a worker with them)');
  }
  const endpoint = await checkEndpoint(access.config, 'SIMULATOR');
  await checkSystem(req.system, req.systemTimeoutMs);
  const m = access.dataSource.manager;
  const units = await selectUsers(m, req);
  if (req.userIds) {
    const found = new Set(units.map((u) => u.userId));
    const missing = req.userIds.filter((id) => !found.has(id));
    if (missing.length > 0 && req.limit === null) {
      throw badInput('input.userIds', `${missing.length} of the given users have no prepared profile with a target (database ids ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}); run \`recdial prepare\` first`);
    }
  }
  if (units.length === 0) throw badInput('input.users', 'no prepared user matches the selection; run `recdial prepare` first or widen the selection');

  const [row] = await m.query(`INSERT INTO evaluations (kind, options, created_by) VALUES ('INTERACTIVE', $1, $2) RETURNING id`, [JSON.stringify(req.options), req.createdBy]);
  const evaluationId: number = row.id;
  const config: RunConfig = {
    recdialVersion: recdialVersion(access.config),
    strategy: 'STEREOTYPE',
    requestMode: 'chat',
    selection: { domain: req.domain, stereotypeId: req.stereotypeId, userIds: req.userIds, limit: req.limit },
    sampling: req.sampling,
    validation: DEFAULT_VALIDATION,
    promptOptions: { legacyFeatureKeys: false, includeTargetReview: false },
    prompts: {},
    interactive: { evaluationId, system: req.system, systemTimeoutMs: req.systemTimeoutMs, maxRounds: req.maxRounds, k: req.k, dataset: req.dataset, seekerPromptVersion: SEEKER_PROMPT_VERSION },
  };
  let runId: number;
  try {
    runId = await createRun(access, { kind: 'INTERACTIVE', role: 'SIMULATOR', strategy: 'STEREOTYPE', config, priority: req.priority, reason: null, createdBy: req.createdBy }, units, endpoint);
  } catch (error) {
    await m.query('DELETE FROM evaluations WHERE id = $1', [evaluationId]).catch(() => undefined);
    throw error;
  }
  await m.query(`UPDATE evaluations SET options = options || jsonb_build_object('runId', $2::text) WHERE id = $1`, [evaluationId, toGlobalId('GenerationRun', runId)]);
  await syncInteractiveEvaluation(m, runId);
  return { evaluationId, runId };
}

