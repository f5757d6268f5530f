import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { EntityManager } from 'typeorm';
import { BASELINES, type BaselineName } from '../../evaluation/baselines';
import { readGenerationPredictions } from '../../evaluation/generation-eval';
import { RankedResolver, readPredictions, stringLines } from '../../evaluation/predictions';
import { ItemList } from '../../evaluation/recommendation';
import { ImportError } from '../../ingest/errors';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import type { Principal } from '../api-key/api-key.service';
import { badInput, ErrorCode } from '../../server/errors';
import { dialogueConditions } from '../dialogue/dialogue.service';
import type { DialogueFilter } from '../dialogue/dialogue.type';
import type { EvaluationAccess } from './evaluation.access';
import { EvaluationEntity } from './evaluation.entity';
import type { GenEvaluationInput, RecEvaluationInput } from './evaluation.inputs';
import { storeSamples } from './evaluation-samples.service';
import { evaluateGenerationRun, evaluateRecommendationRun, type GenEvaluationOptions, type RecEvaluationOptions } from './evaluation.runner';
import { Evaluation, EvaluationGroup, EvaluationMode, ModelFamily, RankedBy, RecBaseline, TieBreak, toEvaluation } from './evaluation.type';

export const DEFAULT_EVALUATION_KS = [1, 10, 50];
const MAX_K = 10_000;

/** A predictions line the parser refused, as a BAD_USER_INPUT naming the argument, line and field. */
function predictionsError(argument: string, error: ImportError): GraphQLError {
  return new GraphQLError(`${argument}: line ${error.line}: ${error.field}: ${error.problem}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argument, line: error.line, field: error.field },
  });
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
  access: EvaluationAccess,
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
  access: EvaluationAccess,
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
