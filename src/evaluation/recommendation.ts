/**
 * Recommendation metrics (docs/metrics.md §1): evaluation samples per model family, candidate
 * ranking, Hit/MRR/NDCG@k, micro-mean aggregation, the corrected mode and truncated rankings.
 * Pure functions of their inputs; items are addressed by their position in the item list.
 */
import { MomentSums } from './uncertainty';
import type { TurnRoleValue } from '../dialogues/vocabulary';

export type EvaluationMode = 'crslab-compat' | 'corrected';
export type ModelFamily = 'recommender-turns' | 'all-turns';
export type TieBreak = 'position' | 'pessimistic';
export const EVALUATION_MODES: readonly EvaluationMode[] = ['crslab-compat', 'corrected'];
export const DEFAULT_KS: readonly number[] = [1, 10, 50];

/** Why a prediction or sample was not scored (docs/formats.md §10.4 `skipped`). */
export type SkipReason =
  | 'FIRST_TURN'
  | 'TURN_NOT_SCORABLE'
  | 'GOLD_NOT_IN_CANDIDATES'
  | 'NO_PREDICTION'
  | 'UNKNOWN_DIALOGUE'
  | 'UNKNOWN_TURN';

// ---------------------------------------------------------------------------------------------
// §1.1 Evaluation samples

export interface Utterance {
  /** The stored turn index. */
  index: number;
  role: TurnRoleValue;
  /** Item keys (ASINs, or raw ids of unresolved mentions) in text order. */
  mentions: ReadonlyArray<{ item: string; isRecommendation: boolean }>;
  text?: string;
}

export interface MergedTurn {
  /** 0-based merged turn number. */
  t: number;
  /** Stored index of its first utterance: what predictions call `turnIndex`. */
  index: number;
  role: TurnRoleValue;
  /** The turn's gold items as CRSLab's `items` would list them (duplicates possible after merging). */
  golds: string[];
  /** Every item mentioned in the turn (what later turns see as context). */
  items: string[];
  /** The utterances' texts joined by a space (CRSLab concatenates the token lists). */
  text: string;
}

/**
 * Consecutive utterances of one role merged (as the CRSLab loader does), with the gold items of
 * docs/formats.md §8.7: a Seeker utterance's distinct mentions, a Recommender utterance's distinct
 * recommendations not mentioned in any earlier utterance.
 */
export function mergeTurns(utterances: readonly Utterance[]): MergedTurn[] {
  const merged: MergedTurn[] = [];
  const seen = new Set<string>();
  for (const u of utterances) {
    const mentioned = unique(u.mentions.map((m) => m.item));
    const golds = u.role === 'USER' ? mentioned : unique(u.mentions.filter((m) => m.isRecommendation && !seen.has(m.item)).map((m) => m.item));
    for (const item of mentioned) seen.add(item);
    const last = merged[merged.length - 1];
    if (last && last.role === u.role) {
      last.golds.push(...golds);
      last.items.push(...mentioned);
      last.text += ` ${u.text ?? ''}`;
    } else {
      merged.push({ t: merged.length, index: u.index, role: u.role, golds: [...golds], items: [...mentioned], text: u.text ?? '' });
    }
  }
  return merged;
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Whether a merged turn gives recommendation samples for a family (turn 0 never does). */
export function turnQualifies(turn: MergedTurn, family: ModelFamily): boolean {
  return turn.t >= 1 && (family === 'all-turns' || turn.role === 'ASSISTANT');
}

export interface Sample {
  gold: string;
  /** Items removed from the ranking before the gold is located (corrected mode). */
  mask: ReadonlySet<string>;
}

/**
 * The samples of one turn in one mode. Compat: one per listed gold, duplicates kept, nothing
 * masked. Corrected (§1.5): golds deduplicated, golds already in the context dropped (counted as
 * `repeatedGolds`), and the context items plus the turn's other golds masked.
 */
export function turnSamples(golds: readonly string[], context: readonly string[], mode: EvaluationMode): { samples: Sample[]; repeatedGolds: number } {
  if (mode === 'crslab-compat') return { samples: golds.map((gold) => ({ gold, mask: EMPTY })), repeatedGolds: 0 };
  const contextSet = new Set(context);
  const distinct = unique(golds);
  const kept = distinct.filter((g) => !contextSet.has(g));
  return {
    samples: kept.map((gold) => ({ gold, mask: new Set([...contextSet, ...kept.filter((g) => g !== gold)]) })),
    repeatedGolds: distinct.length - kept.length,
  };
}

const EMPTY: ReadonlySet<string> = new Set();

// ---------------------------------------------------------------------------------------------
// §1.2 Candidates and ranking

/** The candidates (CRSLab's `movie_ids`), in their order: ties are broken by this order. */
export class ItemList {
  readonly position: ReadonlyMap<string, number>;

  constructor(readonly items: readonly string[]) {
    const position = new Map<string, number>();
    items.forEach((item, i) => {
      if (!position.has(item)) position.set(item, i);
    });
    this.position = position;
  }

  get size(): number {
    return this.items.length;
  }
}

/**
 * A model's answer for one turn: either a ranked list of item-list positions, best first,
 * possibly only the top L (with optional aligned scores, for pessimistic ties), or a score for
 * every item-list position.
 */
export type Ranking = { ranked: readonly number[]; scores?: readonly number[] } | { scores: ArrayLike<number>; ranked?: undefined };

/** Builds a ranked list from (position, score) pairs: highest score first, ties by item-list position. */
export function rankByScores(positions: readonly number[], scores: readonly number[]): { ranked: number[]; scores: number[] } {
  const order = positions.map((p, i) => i).sort((a, b) => scores[b] - scores[a] || positions[a] - positions[b]);
  return { ranked: order.map((i) => positions[i]), scores: order.map((i) => scores[i]) };
}

export interface RankOutcome {
  /** 0-based position of the gold among the unmasked entries, null when it is not in the list. */
  rank: number | null;
  /** The rank is known exactly for every k up to this (Infinity for a complete ranking). */
  exactUpTo: number;
}

/**
 * Where the gold lands once masked items are removed. Ties: by item-list position, or
 * (pessimistic) after every unmasked candidate with the same score.
 */
export function locateGold(ranking: Ranking, gold: number, mask: ReadonlySet<number>, itemCount: number, ties: TieBreak = 'position'): RankOutcome {
  if (ranking.ranked === undefined) {
    const scores = ranking.scores;
    const g = scores[gold];
    let rank = 0;
    for (let i = 0; i < itemCount; i++) {
      if (i === gold || mask.has(i)) continue;
      const s = scores[i];
      if (s > g || (s === g && (ties === 'pessimistic' || i < gold))) rank++;
    }
    return { rank, exactUpTo: Infinity };
  }
  const { ranked, scores } = ranking;
  let rank = 0;
  let masked = 0;
  let at = -1;
  for (let i = 0; i < ranked.length; i++) {
    if (ranked[i] === gold) {
      at = i;
      break;
    }
    if (mask.has(ranked[i])) masked++;
    else rank++;
  }
  if (at < 0) {
    const complete = ranked.length >= itemCount;
    return { rank: complete ? rank : null, exactUpTo: complete ? Infinity : ranked.length - masked };
  }
  if (ties === 'pessimistic' && scores) {
    for (let i = at + 1; i < ranked.length && scores[i] === scores[at]; i++) if (!mask.has(ranked[i])) rank++;
  }
  return { rank, exactUpTo: Infinity };
}

// ---------------------------------------------------------------------------------------------
// §1.3 Definitions, §1.4 aggregation

export interface SampleValues {
  /** `hit@k`, `mrr@k`, `ndcg@k` → value. */
  values: Record<string, number>;
  approximate: boolean;
}

/**
 * Hit/MRR/NDCG at each k for one sample. A missing gold is a miss; it makes the sample
 * approximate for the k beyond what the truncated list decides (§1.6). In compat mode a k
 * larger than the item list is not computed (§1.3).
 */
export function sampleMetrics(outcome: RankOutcome, ks: readonly number[], options: { mode: EvaluationMode; itemCount: number }): SampleValues {
  const values: Record<string, number> = {};
  let approximate = false;
  for (const k of ks) {
    if (options.mode === 'crslab-compat' && k > options.itemCount) continue;
    const r = outcome.rank;
    const hit = r !== null && r < k;
    if (!hit && k > outcome.exactUpTo) approximate = true;
    values[`hit@${k}`] = hit ? 1 : 0;
    values[`mrr@${k}`] = hit ? 1 / (r + 1) : 0;
    values[`ndcg@${k}`] = hit ? 1 / Math.log2(r + 2) : 0;
  }
  return { values, approximate };
}

/** Metric keys in CRSLab's order for a k set. */
export function metricKeys(ks: readonly number[]): string[] {
  return ['hit', 'mrr', 'ndcg'].flatMap((m) => ks.map((k) => `${m}@${k}`));
}

/** One scored sample, kept with an evaluation for analysis and paired comparison (docs/metrics.md §9). */
export interface SampleRecord {
  /** `dialogueId:turnIndex:gold`, plus `#n` for the n-th repeat of a gold in one turn (compat): pairs samples across evaluations. */
  key: string;
  dialogueId: number | null;
  turnIndex: number | null;
  gold: string;
  /** false: no prediction for this scorable turn, counted as a miss (all values 0). */
  predicted: boolean;
  values: Record<string, number>;
}

export interface MetricUncertainty {
  se: number | null;
  ciLow: number | null;
  ciHigh: number | null;
}

export interface RecommendationResult {
  mode: EvaluationMode;
  family: ModelFamily;
  ks: number[];
  /** Samples in the headline means: every scorable sample (missing predictions count as misses), or only the predicted ones with skipMissing. */
  samples: number;
  /** Samples that had a prediction. */
  predicted: number;
  /** predicted ÷ scorable samples (1 for baselines); null when nothing was scorable. */
  coverage: number | null;
  /** How a scorable turn without a prediction entered the headline: `miss` (trec_eval -c) or `skipped` (skipMissing). */
  missing: 'miss' | 'skipped';
  skipped: Record<string, number>;
  repeatedGolds: number;
  approximate: boolean;
  /** Micro means; null when there was no sample. Keys absent when not computed (compat, k > item count). */
  metrics: Record<string, number | null>;
  /** Per metric key: standard error and the normal 95 % interval of the mean (docs/metrics.md §9.1). */
  uncertainty: Record<string, MetricUncertainty>;
}

/** Micro mean over samples (§1.4), with the counts every result stores (§8). */
export class RecommendationAccumulator {
  private readonly sums = new MomentSums();
  private samples = 0;
  private predicted = 0;
  private missingSkipped = 0;
  private repeatedGolds = 0;
  private approximate = false;
  private readonly skipped: Record<string, number> = {};
  /** Every sample in order (empty unless `keepSamples`). */
  readonly records: SampleRecord[] = [];

  constructor(
    readonly mode: EvaluationMode,
    readonly family: ModelFamily,
    readonly ks: readonly number[],
    readonly options: { skipMissing?: boolean; keepSamples?: boolean } = {},
  ) {}

  add(sample: SampleValues, record?: Omit<SampleRecord, 'values' | 'predicted'>, predicted = true): void {
    this.samples++;
    if (predicted) this.predicted++;
    this.approximate ||= sample.approximate;
    for (const [key, value] of Object.entries(sample.values)) this.sums.add(key, value);
    if (record && this.options.keepSamples) this.records.push({ ...record, predicted, values: sample.values });
  }

  /** A scorable sample without a prediction: a miss in the headline, or (skipMissing) skipped as NO_PREDICTION. */
  addMissing(sample: SampleValues, record?: Omit<SampleRecord, 'values' | 'predicted'>): void {
    if (this.options.skipMissing) {
      this.missingSkipped++;
      this.skip('NO_PREDICTION');
    } else this.add(sample, record, false);
  }

  skip(reason: SkipReason, count = 1): void {
    if (count > 0) this.skipped[reason] = (this.skipped[reason] ?? 0) + count;
  }

  addRepeatedGolds(count: number): void {
    this.repeatedGolds += count;
  }

  result(): RecommendationResult {
    const metrics: Record<string, number | null> = {};
    const uncertainty: Record<string, MetricUncertainty> = {};
    for (const key of metricKeys(this.ks)) {
      if (this.samples === 0) metrics[key] = null;
      else if (this.sums.has(key)) {
        const s = this.sums.summary(key, this.samples);
        metrics[key] = s.mean;
        uncertainty[key] = { se: s.se, ciLow: s.ciLow, ciHigh: s.ciHigh };
      }
    }
    // Scorable = scored samples plus those skipped for want of a prediction (skipMissing).
    const scorable = this.samples + this.missingSkipped;
    return {
      mode: this.mode,
      family: this.family,
      ks: [...this.ks],
      samples: this.samples,
      predicted: this.predicted,
      coverage: scorable === 0 ? null : this.predicted / scorable,
      missing: this.options.skipMissing ? 'skipped' : 'miss',
      skipped: { ...this.skipped },
      repeatedGolds: this.repeatedGolds,
      approximate: this.approximate,
      metrics,
      uncertainty,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Scoring one turn

export interface TurnScoring {
  items: ItemList;
  mode: EvaluationMode;
  ks: readonly number[];
  ties?: TieBreak;
}

/**
 * Scores every sample of one turn into an accumulator: golds not in the item list are skipped
 * (`GOLD_NOT_IN_CANDIDATES`, never silently). Masked items outside the item list are ignored.
 */
export function scoreTurn(
  acc: RecommendationAccumulator,
  scoring: TurnScoring,
  golds: readonly string[],
  context: readonly string[],
  ranking: Ranking | null,
  id: { dialogueId: number | null; turnIndex: number | null } = { dialogueId: null, turnIndex: null },
): void {
  const { samples, repeatedGolds } = turnSamples(golds, context, scoring.mode);
  acc.addRepeatedGolds(repeatedGolds);
  const ties = scoring.mode === 'corrected' ? (scoring.ties ?? 'position') : 'position';
  const repeats = new Map<string, number>();
  for (const sample of samples) {
    const gold = scoring.items.position.get(sample.gold);
    if (gold === undefined) {
      acc.skip('GOLD_NOT_IN_CANDIDATES');
      continue;
    }
    const repeat = repeats.get(sample.gold) ?? 0;
    repeats.set(sample.gold, repeat + 1);
    const record = { key: `${id.dialogueId}:${id.turnIndex}:${sample.gold}${repeat ? `#${repeat}` : ''}`, dialogueId: id.dialogueId, turnIndex: id.turnIndex, gold: sample.gold };
    if (ranking === null) {
      // No prediction for a scorable sample: a miss at every k (trec_eval -c), exact.
      acc.addMissing(sampleMetrics({ rank: null, exactUpTo: Infinity }, scoring.ks, { mode: scoring.mode, itemCount: scoring.items.size }), record);
      continue;
    }
    const mask = new Set<number>();
    for (const item of sample.mask) {
      const p = scoring.items.position.get(item);
      if (p !== undefined && p !== gold) mask.add(p);
    }
    selfTest(scoring.items.size, gold, mask);
    acc.add(sampleMetrics(locateGold(ranking, gold, mask, scoring.items.size, ties), scoring.ks, { mode: scoring.mode, itemCount: scoring.items.size }), record);
  }
}

export class SelfTestError extends Error {}

// All ones; the anti-oracle sets its gold to 0 for one call, so no array is allocated per sample.
let antiOracleScores = new Float64Array(0);

/**
 * §1.2 self-test, through the same gold lookup and ranking code as the real scores: an oracle
 * that ranks the gold first must put it at 0, an anti-oracle that ranks it last must put it after
 * every other unmasked candidate (so Hit@k = 0 for every smaller k).
 */
export function selfTest(itemCount: number, gold: number, mask: ReadonlySet<number>): void {
  const oracle = locateGold({ ranked: [gold] }, gold, mask, itemCount);
  if (antiOracleScores.length < itemCount) antiOracleScores = new Float64Array(itemCount).fill(1);
  antiOracleScores[gold] = 0;
  const anti = locateGold({ scores: antiOracleScores }, gold, mask, itemCount);
  antiOracleScores[gold] = 1;
  const unmasked = itemCount - mask.size;
  if (oracle.rank !== 0 || anti.rank !== unmasked - 1) {
    throw new SelfTestError(
      `self-test failed: an oracle ranked the gold at ${oracle.rank} (expected 0) and an anti-oracle at ${anti.rank} (expected ${unmasked - 1}); refusing to evaluate`,
    );
  }
}
