import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.type';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';
import { RunStatus } from '../generation/generation.type';
import type { EvaluationEntity } from '../../db/schema/evaluation.entity';

export enum EvaluationKind {
  RECOMMENDATION = 'RECOMMENDATION',
  GENERATION = 'GENERATION',
  INTERACTIVE = 'INTERACTIVE',
}
/** GraphQL names in capitals; the values are the spec's mode names (docs/metrics.md, docs/formats.md §10.4). */
export enum EvaluationMode {
  CRSLAB_COMPAT = 'crslab-compat',
  CORRECTED = 'corrected',
}
export enum ModelFamily {
  RECOMMENDER_TURNS = 'recommender-turns',
  ALL_TURNS = 'all-turns',
}
export enum RankedBy {
  ASIN = 'asin',
  TITLE = 'title',
}
export enum RecBaseline {
  POPULARITY = 'popularity',
  COOCCURRENCE = 'cooccurrence',
  BM25 = 'bm25',
  ALL = 'all',
}
export enum EvaluationGroup {
  SPLIT = 'split',
  STEREOTYPE = 'stereotype',
}
export enum TieBreak {
  POSITION = 'position',
  PESSIMISTIC = 'pessimistic',
}

registerEnumType(EvaluationKind, { name: 'EvaluationKind' });
registerEnumType(EvaluationMode, { name: 'EvaluationMode', description: 'CRSLAB_COMPAT reproduces CRSLab (quirks included); CORRECTED fixes them (docs/metrics.md).' });
registerEnumType(ModelFamily, {
  name: 'ModelFamily',
  description: 'Which turns give samples (docs/metrics.md §1.1): RECOMMENDER_TURNS (ReDial, KBRD, KGSF, INSPIRED) or ALL_TURNS (BERT, SASRec, GRU4Rec, Popularity, GPT-2).',
});
registerEnumType(RankedBy, { name: 'RankedBy', description: 'What `ranked` holds in predictions: item ASINs, or titles resolved by fuzzy matching (docs/metrics.md §2).' });
registerEnumType(RecBaseline, {
  name: 'RecBaseline',
  description: 'POPULARITY (gold-label counts of the train split), COOCCURRENCE (users’ interaction histories), BM25 (context text → item metadata), or ALL three side by side.',
});
registerEnumType(EvaluationGroup, { name: 'EvaluationGroup' });
registerEnumType(TieBreak, { name: 'TieBreak', description: 'Equal scores: by item-list POSITION, or PESSIMISTIC (gold after its ties; corrected mode only).' });

@ObjectType({ simpleResolvers: true })
export class MetricValue {
  @Field({ description: 'A CRSLab metric key: hit@10, mrr@10, ndcg@10, bleu@2, dist@1, f1, bleu_cum@4, …' })
  key: string;

  @Field(() => Float, { nullable: true, description: 'The micro mean over samples; null when there was no sample.' })
  value: number | null;

  @Field(() => Float, { nullable: true, description: 'Standard error of the mean (sample SD / √n); null below two samples and for corpus-level metrics (dist@k).' })
  se: number | null;

  @Field(() => Float, { nullable: true, description: 'Lower end of the 95 % interval: value − 1.96 · se (normal approximation, docs/metrics.md §9.1).' })
  ciLow: number | null;

  @Field(() => Float, { nullable: true, description: 'Upper end of the 95 % interval: value + 1.96 · se.' })
  ciHigh: number | null;
}

@ObjectType({ simpleResolvers: true })
export class SkipCount {
  @Field({ description: 'FIRST_TURN, TURN_NOT_SCORABLE, GOLD_NOT_IN_CANDIDATES, NO_PREDICTION, UNKNOWN_DIALOGUE, UNKNOWN_TURN, EMPTY_HYPOTHESIS' })
  reason: string;

  @Field(() => Int)
  count: number;
}

@ObjectType({ simpleResolvers: true, description: 'One model on one split × stereotype in one mode (docs/formats.md §10.4).' })
export class EvaluationResult {
  @Field({ description: '"predictions", or the baseline: popularity, cooccurrence, bm25.' })
  model: string;

  @Field(() => String, { nullable: true, description: 'null when not grouped by split.' })
  split: string | null;

  @Field(() => String, { nullable: true, description: 'null when not grouped by stereotype.' })
  stereotype: string | null;

  @Field(() => EvaluationMode)
  mode: EvaluationMode;

  @Field(() => ModelFamily)
  family: ModelFamily;

  @Field(() => Int, { description: 'Samples in the means: every scorable one (missing predictions as misses), or only predicted ones when missing is "skipped".' })
  samples: number;

  @Field(() => Int, { description: 'Samples that had a prediction.' })
  predicted: number;

  @Field(() => Float, { nullable: true, description: 'predicted ÷ scorable samples (1 for baselines).' })
  coverage: number | null;

  @Field({ description: '"miss": scorable turns without a prediction count as misses (default); "skipped": they were left out (skipMissing).' })
  missing: string;

  @Field(() => [SkipCount])
  skipped: SkipCount[];

  @Field(() => Int, { description: 'Corrected mode: golds dropped because the context had mentioned them already.' })
  repeatedGolds: number;

  @Field({ description: 'Some value rests on a truncated ranking beyond what it decides (docs/metrics.md §1.6).' })
  approximate: boolean;

  @Field(() => [MetricValue])
  metrics: MetricValue[];

  @Field(() => GraphQLJSONObject, { description: 'The row as docs/formats.md §10.4 writes it: metric keys, mode, samples, skipped.' })
  values: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'Beyond-accuracy metrics of one model’s lists on one split × stereotype (docs/metrics.md §10).' })
export class BeyondAccuracy {
  @Field()
  model: string;

  @Field(() => String, { nullable: true })
  split: string | null;

  @Field(() => String, { nullable: true })
  stereotype: string | null;

  @Field(() => Int, { description: 'Ranked lists (one per scored turn) that went in.' })
  lists: number;

  @Field(() => [MetricValue], { description: 'coverage@k, gini@k, arp@k, long_tail@k, novelty@k, ild@k (no SE: list-set statistics).' })
  metrics: MetricValue[];
}

@ObjectType({ simpleResolvers: true, description: 'One metric over conversations: mean, standard error and 95 % interval (Wilson for rates, normal for means).' })
export class MetricEstimate {
  @Field({ description: 'success, success@1 … success@maxRounds, recall@k, rounds, rounds_to_success (successes only), leak_rate (leaked / seeker utterances, per conversation), leaked_conversations.' })
  key: string;

  @Field(() => Float, { nullable: true, description: 'null when no conversation counts (e.g. rounds_to_success without a success).' })
  mean: number | null;

  @Field(() => Float, { nullable: true })
  standardError: number | null;

  @Field(() => Float, { nullable: true, description: 'Lower end of the 95 % interval.' })
  low: number | null;

  @Field(() => Float, { nullable: true, description: 'Upper end of the 95 % interval.' })
  high: number | null;

  @Field(() => Int, { description: 'Conversations it is computed over.' })
  n: number;
}

@ObjectType({ simpleResolvers: true, description: 'Interactive evaluation results over all conversations (stereotype null) or one stereotype’s.' })
export class InteractiveResult {
  @Field(() => String, { nullable: true })
  stereotype: string | null;

  @Field(() => Int, { description: 'Stored conversations.' })
  conversations: number;

  @Field(() => [MetricEstimate])
  metrics: MetricEstimate[];
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'A stored evaluation: options, progress, and result rows that grow per split × stereotype.' })
export class Evaluation extends Node {
  dbId: number;

  @Field(() => ID)
  declare id: string;

  @Field(() => EvaluationKind)
  kind: EvaluationKind;

  @Field(() => RunStatus)
  status: RunStatus;

  @Field(() => GraphQLJSONObject, { description: 'Every option with its default; uploaded predictions by SHA-256, size and line count.' })
  options: Record<string, unknown>;

  @Field(() => [EvaluationResult], { description: 'Rows so far; final once COMPLETED. Empty for INTERACTIVE evaluations (see `interactive`).' })
  results: EvaluationResult[];

  @Field(() => [InteractiveResult], { nullable: true, description: 'INTERACTIVE evaluations: overall, then per stereotype; grows as conversations are stored. null for other kinds.' })
  interactive: InteractiveResult[] | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Item count, dialogues read, predictions digest and unmatched entries, self-test outcome.' })
  report: Record<string, unknown> | null;

  @Field(() => [BeyondAccuracy], { description: 'Recommendation evaluations: beyond-accuracy metrics per model × group, once COMPLETED; empty otherwise.' })
  beyondAccuracy: BeyondAccuracy[];

  @Field(() => Float, { description: '0–1: dialogues read of those selected.' })
  progress: number;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field(() => String, { nullable: true, description: 'The API key that asked for it.' })
  createdBy: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;
}

/** A stored result row (JSON) as the API shows it. */
export function toEvaluationResult(row: Record<string, any>): EvaluationResult {
  const metrics = (row.metrics ?? {}) as Record<string, number | null>;
  const uncertainty = (row.uncertainty ?? {}) as Record<string, { se: number | null; ciLow: number | null; ciHigh: number | null }>;
  const skipped = (row.skipped ?? {}) as Record<string, number>;
  const { metrics: _m, ks: _ks, uncertainty: _u, ...rest } = row;
  return {
    model: row.model,
    split: row.split ?? null,
    stereotype: row.stereotype ?? null,
    mode: row.mode,
    family: row.family,
    samples: row.samples,
    // Rows stored before coverage existed: every sample had a prediction, missing ones were skipped.
    predicted: row.predicted ?? row.samples,
    coverage: row.coverage ?? null,
    missing: row.missing ?? 'skipped',
    skipped: Object.entries(skipped).map(([reason, count]) => ({ reason, count })),
    repeatedGolds: row.repeatedGolds ?? 0,
    approximate: row.approximate ?? false,
    metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, se: uncertainty[key]?.se ?? null, ciLow: uncertainty[key]?.ciLow ?? null, ciHigh: uncertainty[key]?.ciHigh ?? null })),
    values: { ...metrics, ...rest, ks: row.ks },
  };
}

/** A stored interactive row (generator/interactive/metrics.ts) as the API shows it. */
export function toInteractiveResult(row: Record<string, any>): InteractiveResult {
  const metrics = (row.metrics ?? {}) as Record<string, { mean: number | null; standardError: number | null; low: number | null; high: number | null; n: number }>;
  return {
    stereotype: row.stereotype ?? null,
    conversations: row.conversations ?? 0,
    metrics: Object.entries(metrics).map(([key, e]) => ({ key, mean: e.mean, standardError: e.standardError, low: e.low, high: e.high, n: e.n })),
  };
}

export function toEvaluation(e: EvaluationEntity): Evaluation {
  return Object.assign(new Evaluation(), {
    dbId: e.id,
    id: toGlobalId('Evaluation', e.id),
    kind: e.kind as EvaluationKind,
    status: e.status as RunStatus,
    options: e.options,
    results: e.kind === 'INTERACTIVE' ? [] : (e.results ?? []).map(toEvaluationResult),
    interactive: e.kind === 'INTERACTIVE' ? (e.results ?? []).map(toInteractiveResult) : null,
    report: e.report,
    beyondAccuracy: ((e.report?.beyondAccuracy ?? []) as Array<Record<string, any>>).map((r) => ({
      model: r.model,
      split: r.split ?? null,
      stereotype: r.stereotype ?? null,
      lists: r.lists,
      metrics: Object.entries((r.metrics ?? {}) as Record<string, number | null>).map(([key, value]) => ({ key, value, se: null, ciLow: null, ciHigh: null })),
    })),
    progress: e.progress,
    error: e.error,
    createdBy: e.createdBy,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
  });
}

@ObjectType()
export class EvaluationConnection extends Connection(Evaluation, 'Evaluation') {}

@ObjectType({ simpleResolvers: true, description: 'One scored sample of a stored evaluation (docs/metrics.md §9.2).' })
export class EvaluationSample {
  @Field(() => Int, { description: 'Position in the evaluation (row order, then scoring order).' })
  seq: number;

  @Field()
  model: string;

  @Field(() => EvaluationMode)
  mode: EvaluationMode;

  @Field(() => String, { nullable: true })
  split: string | null;

  @Field(() => String, { nullable: true })
  stereotype: string | null;

  @Field({ description: 'dialogueId:turnIndex:gold (recommendation, `#n` for a repeated gold) or dialogueId:turnIndex (generation): what comparisons pair on.' })
  key: string;

  @Field(() => Int, { nullable: true, description: 'The numeric dialogue id.' })
  dialogueId: number | null;

  @Field(() => Int, { nullable: true })
  turnIndex: number | null;

  @Field(() => String, { nullable: true, description: 'The gold item (recommendation).' })
  gold: string | null;

  @Field({ description: 'false: no prediction for this scorable turn; counted as a miss.' })
  predicted: boolean;

  @Field(() => GraphQLJSONObject, { description: 'Metric key → this sample’s value.' })
  values: Record<string, number>;
}

@ObjectType()
export class EvaluationSampleConnection extends Connection(EvaluationSample, 'EvaluationSample') {}

@ObjectType({ simpleResolvers: true })
export class SampleKeys {
  @Field(() => Int)
  count: number;

  @Field(() => [String], { description: 'Every such sample key.' })
  keys: string[];
}

@ObjectType({ simpleResolvers: true, description: 'B − A for one metric over the shared samples.' })
export class MetricComparison {
  @Field()
  metric: string;

  @Field(() => Int)
  n: number;

  @Field(() => Float, { nullable: true })
  meanA: number | null;

  @Field(() => Float, { nullable: true })
  meanB: number | null;

  @Field(() => Float, { nullable: true, description: 'mean(B − A).' })
  difference: number | null;

  @Field(() => Float, { nullable: true, description: 'Standard error of the paired difference.' })
  se: number | null;

  @Field(() => Float, { nullable: true, description: 'Percentile bootstrap 95 % interval of the difference (lower end).' })
  ciLow: number | null;

  @Field(() => Float, { nullable: true })
  ciHigh: number | null;

  @Field(() => Float, { nullable: true, description: 'Two-sided p-value of the paired permutation (sign-flip) test.' })
  pValue: number | null;

  @Field(() => String, { nullable: true, description: '"exact" (every sign pattern) or "monte-carlo".' })
  permutation: string | null;
}

@ObjectType({ simpleResolvers: true })
export class ModeComparison {
  @Field(() => EvaluationMode)
  mode: EvaluationMode;

  @Field(() => Int, { description: 'Samples both evaluations scored: the ones compared.' })
  shared: number;

  @Field(() => SampleKeys, { description: 'Samples only A has (reported, not compared).' })
  onlyInA: SampleKeys;

  @Field(() => SampleKeys)
  onlyInB: SampleKeys;

  @Field(() => [MetricComparison])
  metrics: MetricComparison[];
}

@ObjectType({ simpleResolvers: true, description: 'Paired comparison of two stored evaluations (docs/metrics.md §9.3).' })
export class EvaluationComparison {
  @Field()
  modelA: string;

  @Field()
  modelB: string;

  @Field(() => Int)
  resamples: number;

  @Field(() => Int)
  seed: number;

  @Field({ description: 'How the interval of the difference is computed.' })
  intervalMethod: string;

  @Field({ description: 'How the p-value is computed.' })
  testMethod: string;

  @Field(() => [ModeComparison])
  modes: ModeComparison[];
}
