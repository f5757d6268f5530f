import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BASELINES, type BaselineName } from '../../evaluation/baselines';
import { readGenerationPredictions } from '../../evaluation/generation-eval';
import { RankedResolver, readPredictions, stringLines } from '../../evaluation/predictions';
import { ItemList } from '../../evaluation/recommendation';
import { ImportError } from '../../ingest/errors';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import type { Principal } from '../api-key/api-key.service';
import { badInput, DomainError } from '../../errors';
import { dialogueConditions } from '../../dialogues/selection';
import type { DialogueFilter } from '../dialogue/dialogue.type';
import type { EvaluationJobs } from './evaluation.jobs';
import { EvaluationEntity } from '../../db/schema/evaluation.entity';
import type { GenEvaluationInput, InteractiveEvaluationInput, RecEvaluationInput } from './evaluation.inputs';
import { storeSamples } from './evaluation-samples.service';
import type { QueueAccess } from '../../../generator';
import { enqueueInteractive } from '../../../generator';
import { describeSystem, type SystemSpec } from '../../../generator';
import { decodeId } from '../../pagination/global-id';
import { evaluateGenerationRun, evaluateRecommendationRun, type GenEvaluationOptions, type RecEvaluationOptions } from './evaluation.runner';
import { Evaluation, EvaluationGroup, EvaluationMode, ModelFamily, RankedBy, RecBaseline, TieBreak, toEvaluation } from './evaluation.type';

export const DEFAULT_EVALUATION_KS = [1, 10, 50];
const MAX_K = 10_000;

/** A predictions line the parser refused, as a BAD_USER_INPUT naming the argument, line and field. */
function predictionsError(argument: string, error: ImportError): DomainError {
  return badInput(argument, `line ${error.line}: ${error.field}: ${error.problem}`, { line: error.line, field: error.field });
}

function checkSize(argument: string, text: string, maxBytes: number): { sha256: string; bytes: number } {
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw badInput(argument, `is ${bytes} bytes, more than the ${maxBytes} the API accepts (RECDIAL_MAX_PREDICTIONS_BYTES); evaluate large files with \`recdial eval rec --predictions FILE\``);
  }
  if (text.trim() === '') throw badInput(argument, 'is empty: give one JSON object per line');
  return { sha256: createHash('sha256').update(text).digest('hex'), bytes };
}

/** Checks the filter now (unknown stereotype, bad ids), so that a wrong one never becomes a failed evaluation. */
async function checkFilter(manager: EntityManager, filter: DialogueFilter | null | undefined): Promise<void> {
  await dialogueConditions(manager, filter, [], 'input.filter');
}

function modesOf(modes: EvaluationMode[] | null | undefined): EvaluationMode[] {
  if (modes === null || modes === undefined) return [EvaluationMode.CRSLAB_COMPAT, EvaluationMode.CORRECTED];
  if (modes.length === 0) throw badInput('input.modes', 'must name at least one mode (CRSLAB_COMPAT, CORRECTED)');
  return [...new Set(modes)];
}

function groupByOf(groupBy: EvaluationGroup[] | null | undefined): Array<'split' | 'stereotype'> {
  return [...new Set(groupBy ?? [EvaluationGroup.SPLIT])];
}

export function ksOf(ks: number[] | null | undefined, argument = 'input.ks'): number[] {
  if (ks === null || ks === undefined) return [...DEFAULT_EVALUATION_KS];
  if (ks.length === 0) throw badInput(argument, 'must list at least one k');
  for (const k of ks) if (!Number.isInteger(k) || k < 1 || k > MAX_K) throw badInput(argument, `every k must be an integer from 1 to ${MAX_K}, got ${k}`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

/** Validated options of a recommendation evaluation (the predictions are checked line by line now). */
export async function recommendationOptions(
  manager: EntityManager,
  input: RecEvaluationInput,
  maxPredictionBytes: number,
): Promise<{ options: RecEvaluationOptions; stored: Record<string, unknown> }> {
  const hasPredictions = input.predictions !== null && input.predictions !== undefined;
  const hasBaseline = input.baseline !== null && input.baseline !== undefined;
  if (hasPredictions === hasBaseline) throw badInput('input', 'give either predictions or a baseline (not both)');
  const rankedBy = (input.rankedBy ?? RankedBy.ASIN) as RankedBy;
  const ties = (input.ties ?? TieBreak.POSITION) as TieBreak;
  const modes = modesOf(input.modes);
  if (ties === TieBreak.PESSIMISTIC && !modes.includes(EvaluationMode.CORRECTED)) throw badInput('input.ties', 'PESSIMISTIC applies to the CORRECTED mode only; add it to modes');
  if (hasBaseline && input.rankedBy && input.rankedBy !== RankedBy.ASIN) throw badInput('input.rankedBy', 'applies to predictions, not to a baseline');
  await checkFilter(manager, input.filter);
  const options: RecEvaluationOptions = {
    rankedBy,
    family: (input.family ?? ModelFamily.RECOMMENDER_TURNS) as ModelFamily,
    modes,
    ks: ksOf(input.ks),
    ties,
    filter: input.filter ?? null,
    groupBy: groupByOf(input.groupBy),
    skipMissing: input.skipMissing ?? false,
    beyondAccuracy: input.beyondAccuracy ?? true,
    titleGrid: input.titleGrid ?? false,
  };
  if (options.titleGrid && rankedBy !== RankedBy.TITLE) throw badInput('input.titleGrid', 'applies to title predictions (rankedBy: TITLE)');
  if (hasBaseline && input.skipMissing) throw badInput('input.skipMissing', 'applies to predictions: a baseline ranks every turn');
  const stored: Record<string, unknown> = { ...options, filter: input.filter ?? null };
  if (hasPredictions) {
    const file = checkSize('input.predictions', input.predictions!, maxPredictionBytes);
    // A structural pass now (JSON, fields, duplicates); items are resolved when it runs.
    try {
      const parsed = await readPredictions(stringLines(input.predictions!), 'predictions', new RankedResolver(new ItemList([]), rankedBy), rankedBy);
      stored.predictions = { ...file, lines: parsed.lines };
    } catch (error) {
      if (error instanceof ImportError) throw predictionsError('input.predictions', error);
      throw error;
    }
    options.predictions = { text: input.predictions!, name: 'predictions' };
  } else {
    options.baselines = input.baseline === RecBaseline.ALL ? [...BASELINES] : [input.baseline as BaselineName];
    stored.baselines = options.baselines;
  }
  return { options, stored };
}

export async function generationOptions(
  manager: EntityManager,
  input: GenEvaluationInput,
  maxPredictionBytes: number,
): Promise<{ options: GenEvaluationOptions; stored: Record<string, unknown> }> {
  const file = checkSize('input.predictions', input.predictions, maxPredictionBytes);
  let lines: number;
  try {
    lines = (await readGenerationPredictions(stringLines(input.predictions), 'predictions')).lines;
  } catch (error) {
    if (error instanceof ImportError) throw predictionsError('input.predictions', error);
    throw error;
  }
  await checkFilter(manager, input.filter);
  const options: GenEvaluationOptions = {
    predictions: { text: input.predictions, name: 'predictions' },
    family: (input.family ?? ModelFamily.RECOMMENDER_TURNS) as ModelFamily,
    modes: modesOf(input.modes),
    filter: input.filter ?? null,
    groupBy: groupByOf(input.groupBy),
  };
  const { predictions: _text, ...rest } = options;
  return { options, stored: { ...rest, predictions: { ...file, lines } } };
}

async function insert(manager: EntityManager, kind: EvaluationEntity['kind'], options: Record<string, unknown>, principal: Principal | null): Promise<number> {
  const [row] = await manager.query(`INSERT INTO evaluations (kind, options, created_by) VALUES ($1, $2, $3) RETURNING id`, [kind, JSON.stringify(options), principal?.name ?? null]);
  return row.id;
}

/** Validates, stores a QUEUED row and computes it in the background of this process. */
export async function startRecommendationEvaluation(
  manager: EntityManager,
  access: EvaluationJobs,
  input: RecEvaluationInput,
  context: { principal: Principal | null; maxPredictionBytes: number },
): Promise<number> {
  const { options, stored } = await recommendationOptions(manager, input, context.maxPredictionBytes);
  const id = await insert(manager, 'RECOMMENDATION', stored, context.principal);
  access.start(id, async (hooks) => {
    const { rows, samples, ...report } = await evaluateRecommendationRun(manager, { ...options, keepSamples: true }, hooks);
    await storeSamples(manager, id, samples ?? []);
    return { rows, report: { ...report, storedSamples: samples?.length ?? 0 } as unknown as Record<string, unknown> };
  });
  return id;
}

export async function startGenerationEvaluation(
  manager: EntityManager,
  access: EvaluationJobs,
  input: GenEvaluationInput,
  context: { principal: Principal | null; maxPredictionBytes: number },
): Promise<number> {
  const { options, stored } = await generationOptions(manager, input, context.maxPredictionBytes);
  const id = await insert(manager, 'GENERATION', stored, context.principal);
  access.start(id, async (hooks) => {
    const { rows, samples, ...report } = await evaluateGenerationRun(manager, { ...options, keepSamples: true }, hooks);
    await storeSamples(manager, id, samples ?? []);
    return { rows, report: { ...report, storedSamples: samples?.length ?? 0 } };
  });
  return id;
}

export function getEvaluation(manager: EntityManager, id: number): Promise<EvaluationEntity | null> {
  return manager.findOneBy(EvaluationEntity, { id });
}

const NEWEST_FIRST: KeysetOrder = { name: 'id', direction: 'DESC', columns: [{ expr: 'e.id', cast: 'int' }] };

/** Stored evaluations, newest first (for the viewer's list and scripts that look back). */
export function listEvaluations(manager: EntityManager, args: PageArgs, cap: number): Promise<ConnectionValue<Evaluation>> {
  return paginate<Record<string, unknown>, Evaluation>(manager, {
    columns:
      'e.id, e.kind, e.options, e.status, e.results, e.report, e.progress, e.error, e.created_by AS "createdBy", e.created_at AS "createdAt", e.started_at AS "startedAt", e.heartbeat_at AS "heartbeatAt", e.finished_at AS "finishedAt"',
    from: 'evaluations e',
    where: [],
    params: [],
    order: NEWEST_FIRST,
    args,
    cap,
    map: (row) => toEvaluation(row as unknown as EvaluationEntity),
  });
}

/** evaluateInteractively: validates, then writes the evaluation and its INTERACTIVE run (conversations run on workers with a SIMULATOR endpoint). */
export async function startInteractiveEvaluation(manager: EntityManager, queue: QueueAccess, input: InteractiveEvaluationInput, principal: Principal | null): Promise<number> {
  const s = input.system;
  const hasModel = s.baseUrl != null || s.model != null;
  if (hasModel === (s.httpEndpoint != null)) throw badInput('input.system', 'give either baseUrl and model (an OpenAI-compatible chat model) or httpEndpoint (a plain HTTP CRS)');
  const url = (argument: string, value: string) => {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw badInput(argument, `must be an http(s) URL, got "${value}"`);
    }
    if (!/^https?:$/.test(parsed.protocol)) throw badInput(argument, `must be an http(s) URL, got "${value}"`);
    return value.replace(/\/+$/, '');
  };
  let system: SystemSpec;
  if (hasModel) {
    if (s.baseUrl == null) throw badInput('input.system.baseUrl', 'is needed with model (e.g. http://crs:8000/v1)');
    if (s.model == null || !s.model.trim()) throw badInput('input.system.model', 'is needed with baseUrl: name the chat model to talk to');
    system = { kind: 'openai', baseUrl: url('input.system.baseUrl', s.baseUrl), model: s.model };
  } else {
    system = { kind: 'http', url: url('input.system.httpEndpoint', s.httpEndpoint!) };
  }
  const timeoutMs = s.timeoutMs ?? 60_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw badInput('input.system.timeoutMs', 'must be a positive integer (milliseconds)');
  const users = input.users ?? null;
  if (users?.hasDialogues != null) throw badInput('input.users.hasDialogues', 'does not apply here: conversations are simulated for prepared users');
  if (users?.prepared === false) throw badInput('input.users.prepared', 'must not be false: only prepared users (with a history and a target) can be simulated');
  let stereotypeId: number | null = null;
  if (users?.stereotype != null) {
    const [row] = await manager.query('SELECT id FROM stereotypes WHERE key = $1', [users.stereotype]);
    if (!row) {
      const keys: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
      throw badInput('input.users.stereotype', `unknown stereotype "${users.stereotype}"; expected one of ${keys.map((k) => `"${k.key}"`).join(', ')}`);
    }
    stereotypeId = row.id;
  }
  const userIds = input.userIds ? input.userIds.map((id, i) => decodeId(`input.userIds[${i}]`, id, 'User')) : null;
  const int = (argument: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) throw badInput(argument, `must be an integer from ${min} to ${max}`);
    return value;
  };
  const limit = input.limit == null ? null : int('input.limit', input.limit, 1, 1_000_000);
  const maxRounds = int('input.maxRounds', input.maxRounds ?? 5, 1, 50);
  const k = int('input.k', input.k ?? 10, 1, MAX_K);
  const seed = int('input.seed', input.seed ?? 42, 0, 2 ** 31 - 1);
  const sim = input.simulator ?? {};
  const temperature = sim.temperature ?? 0.7;
  if (!(temperature >= 0 && temperature <= 2)) throw badInput('input.simulator.temperature', 'must be between 0 and 2');
  const topP = sim.topP ?? 0.9;
  if (!(topP > 0 && topP <= 1)) throw badInput('input.simulator.topP', 'must be in (0, 1]');
  const maxTokens = int('input.simulator.maxTokens', sim.maxTokens ?? 256, 16, 32_768);
  const dataset = (input.dataset ?? 'simulated').trim();
  if (!dataset || dataset.length > 100) throw badInput('input.dataset', 'must be a name of 1 to 100 characters');
  const priority = input.priority ?? 0;
  const options = {
    system: describeSystem(system),
    systemTimeoutMs: timeoutMs,
    users: { domain: users?.domain ?? null, stereotype: users?.stereotype ?? null },
    userIds: input.userIds ?? null,
    limit,
    maxRounds,
    k,
    seed,
    simulator: { temperature, topP, maxTokens },
    dataset,
  };
  const { evaluationId } = await enqueueInteractive(queue, {
    system,
    systemTimeoutMs: timeoutMs,
    domain: users?.domain ?? null,
    stereotypeId,
    userIds,
    limit,
    maxRounds,
    k,
    dataset,
    sampling: { temperature, topP, maxTokens, seed },
    priority,
    createdBy: principal?.name ?? null,
    options,
  });
  return evaluationId;
}
