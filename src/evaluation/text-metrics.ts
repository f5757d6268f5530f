/**
 * Generation metrics of docs/metrics.md §3.2–§3.4 (BLEU@k, cumulative BLEU, F1, Dist@k) in both modes.
 * Pure functions of strings and token arrays; no I/O.
 */

import type { MetricUncertainty } from './recommendation';
import { MomentSums } from './uncertainty';

export type MetricMode = 'crslab-compat' | 'corrected';
export type Tokenize = (text: string) => string[];

export const GENERATION_KS = [1, 2, 3, 4] as const;

/** Compat BLEU tokens: Python's `s.split(' ')`, so two consecutive spaces yield an empty token. */
export function splitOnSpace(text: string): string[] {
  return text.split(' ');
}

/** Python's `s.split()`: runs of whitespace, no empty tokens. */
export function splitOnWhitespace(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

/** k-grams of a sequence as arrays (tokens) — empty when the sequence is shorter than k. */
export function ngrams<T>(sequence: readonly T[], k: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i + k <= sequence.length; i++) out.push(sequence.slice(i, i + k));
  return out;
}

// Tokens never contain NUL, so joining on it gives a collision-free key for a token k-gram.
const KEY_SEPARATOR = '\u0000';

export function ngramKeys(tokens: readonly string[], k: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + k <= tokens.length; i++) out.push(tokens.slice(i, i + k).join(KEY_SEPARATOR));
  return out;
}

function countKeys(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
}

/** nltk's modified precision p_k as numerator / denominator (denominator = max(1, #hyp k-grams)). */
export function modifiedPrecision(
  hypothesis: readonly string[],
  references: readonly (readonly string[])[],
  k: number,
): { numerator: number; denominator: number } {
  const hypKeys = ngramKeys(hypothesis, k);
  const counts = countKeys(hypKeys);
  const maxReferenceCounts = new Map<string, number>();
  for (const reference of references) {
    const referenceCounts = countKeys(ngramKeys(reference, k));
    for (const key of counts.keys()) {
      const count = referenceCounts.get(key) ?? 0;
      if (count > (maxReferenceCounts.get(key) ?? 0)) maxReferenceCounts.set(key, count);
    }
  }
  let numerator = 0;
  for (const [key, count] of counts) numerator += Math.min(count, maxReferenceCounts.get(key) ?? 0);
  return { numerator, denominator: Math.max(1, hypKeys.length) };
}

/** nltk's brevity penalty with the closest reference length (ties: the shorter). */
export function brevityPenalty(hypothesisLength: number, referenceLengths: readonly number[]): number {
  let closest = referenceLengths[0];
  for (const length of referenceLengths) {
    const distance = Math.abs(length - hypothesisLength);
    const best = Math.abs(closest - hypothesisLength);
    if (distance < best || (distance === best && length < closest)) closest = length;
  }
  if (hypothesisLength > closest) return 1;
  if (hypothesisLength === 0) return 0;
  return Math.exp(1 - closest / hypothesisLength);
}

function requireReferences(references: readonly unknown[]): void {
  if (references.length === 0) throw new RangeError('BLEU and F1 need at least one reference');
}

/**
 * Individual BLEU@k as nltk's `sentence_bleu` with one-hot weights and no smoothing, except that
 * nltk's 2.2e-308 for a zero precision is returned as 0.
 */
export function bleuAtK(hypothesis: readonly string[], references: readonly (readonly string[])[], k: number): number {
  requireReferences(references);
  // nltk returns 0 outright when no unigram matches, whatever k is.
  if (modifiedPrecision(hypothesis, references, 1).numerator === 0) return 0;
  const { numerator, denominator } = modifiedPrecision(hypothesis, references, k);
  if (numerator === 0) return 0;
  const bp = brevityPenalty(hypothesis.length, references.map((r) => r.length));
  return (bp * numerator) / denominator;
}

/** Cumulative BLEU: BP × geometric mean of p_1 … p_k; 0 when any p_n is 0 (corrected mode). */
export function cumulativeBleu(hypothesis: readonly string[], references: readonly (readonly string[])[], k: number): number {
  requireReferences(references);
  let logSum = 0;
  for (let n = 1; n <= k; n++) {
    const { numerator, denominator } = modifiedPrecision(hypothesis, references, n);
    if (numerator === 0) return 0;
    logSum += Math.log(numerator / denominator) / k;
  }
  return brevityPenalty(hypothesis.length, references.map((r) => r.length)) * Math.exp(logSum);
}

/** Token-multiset F1, maximum over references; no normalisation of the tokens. */
export function f1Score(hypothesis: readonly string[], references: readonly (readonly string[])[]): number {
  requireReferences(references);
  const hypCounts = countKeys(hypothesis);
  let best = 0;
  for (const reference of references) {
    const refCounts = countKeys(reference);
    let overlap = 0;
    for (const [token, count] of hypCounts) overlap += Math.min(count, refCounts.get(token) ?? 0);
    if (overlap === 0) continue;
    const precision = overlap / hypothesis.length;
    const recall = overlap / reference.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** Compat Dist@k: distinct character k-grams (code points, spaces included) per non-empty hypothesis. */
export class CharacterDistinct {
  private readonly sets = new Map<number, Set<string>>();
  private hypotheses = 0;

  constructor(private readonly ks: readonly number[] = GENERATION_KS) {
    for (const k of ks) this.sets.set(k, new Set());
  }

  add(hypothesis: string): void {
    if (hypothesis === '') return;
    this.hypotheses++;
    const chars = Array.from(hypothesis);
    for (const k of this.ks) {
      const set = this.sets.get(k)!;
      for (let i = 0; i + k <= chars.length; i++) set.add(chars.slice(i, i + k).join(''));
    }
  }

  /** `dist@k` for each k (0 when no hypothesis was added). */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.ks) out[`dist@${k}`] = this.hypotheses === 0 ? 0 : this.sets.get(k)!.size / this.hypotheses;
    return out;
  }
}

/** Corrected Dist@k: distinct token k-grams ÷ total token k-grams, plus distinct ÷ hypotheses. */
export class TokenDistinct {
  private readonly sets = new Map<number, Set<string>>();
  private readonly totals = new Map<number, number>();
  private hypotheses = 0;

  constructor(private readonly ks: readonly number[] = GENERATION_KS) {
    for (const k of ks) {
      this.sets.set(k, new Set());
      this.totals.set(k, 0);
    }
  }

  add(tokens: readonly string[]): void {
    this.hypotheses++;
    for (const k of this.ks) {
      const keys = ngramKeys(tokens, k);
      const set = this.sets.get(k)!;
      for (const key of keys) set.add(key);
      this.totals.set(k, this.totals.get(k)! + keys.length);
    }
  }

  get count(): number {
    return this.hypotheses;
  }

  /** `dist@k` (ratio) and `dist_count@k` for each k; 0 where the denominator is 0. */
  result(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const k of this.ks) {
      const distinct = this.sets.get(k)!.size;
      const total = this.totals.get(k)!;
      out[`dist@${k}`] = total === 0 ? 0 : distinct / total;
      out[`dist_count@${k}`] = this.hypotheses === 0 ? 0 : distinct / this.hypotheses;
    }
    return out;
  }
}

export interface CorrectedTokenization {
  /** Defaults to whitespace runs; e.g. the word tokenizer of docs/formats.md §8.8. */
  tokenize?: Tokenize;
  lowercase?: boolean;
}

export function correctedTokens(text: string, options: CorrectedTokenization = {}): string[] {
  const tokenize = options.tokenize ?? splitOnWhitespace;
  return tokenize(options.lowercase ? text.toLowerCase() : text);
}

export interface GenerationMetricsResult {
  mode: MetricMode;
  /** Scored samples (hypotheses that were not skipped). */
  samples: number;
  skipped: { EMPTY_HYPOTHESIS: number };
  /** CRSLab keys: `bleu@k`, `f1`, `dist@k`; corrected adds `bleu_cum@k` and `dist_count@k`. */
  metrics: Record<string, number>;
  /** Per-sample metrics (BLEU, F1): SE and normal 95 % interval. Dist is a corpus statistic and has none (docs/metrics.md §9.1). */
  uncertainty: Record<string, MetricUncertainty>;
}

/** A scored generation sample (docs/metrics.md §9.2): its id and per-sample BLEU/F1 values. */
export interface GenerationSampleRecord {
  key: string;
  dialogueId: number | null;
  turnIndex: number | null;
  values: Record<string, number>;
}

class MeanSums {
  readonly keys: string[] = [];
  readonly moments = new MomentSums();
  current: Record<string, number> = {};
  add(key: string, value: number): void {
    if (!this.moments.has(key)) this.keys.push(key);
    this.moments.add(key, value);
    this.current[key] = value;
  }
  means(samples: number): Record<string, number> {
    const out: Record<string, number> = {};
    for (const key of this.keys) out[key] = samples === 0 ? 0 : this.moments.summary(key, samples).mean!;
    return out;
  }
  uncertainty(samples: number): Record<string, MetricUncertainty> {
    const out: Record<string, MetricUncertainty> = {};
    for (const key of this.keys) {
      const s = this.moments.summary(key, samples);
      out[key] = { se: s.se, ciLow: s.ciLow, ciHigh: s.ciHigh };
    }
    return out;
  }
  /** The values added since the last call (one sample's). */
  take(): Record<string, number> {
    const values = this.current;
    this.current = {};
    return values;
  }
}

/**
 * Streams (hypothesis, references) pairs and computes both modes in one pass.
 * Empty hypotheses are skipped (§3.1): in compat the empty string, in corrected a hypothesis
 * with no tokens; they get no metric and do not count towards Dist's denominators.
 */
export class GenerationMetricsAccumulator {
  private readonly ks: readonly number[];
  private readonly tokenization: CorrectedTokenization;
  private readonly compat = { samples: 0, skipped: 0, sums: new MeanSums(), dist: undefined as unknown as CharacterDistinct, records: [] as GenerationSampleRecord[] };
  private readonly corrected = { samples: 0, skipped: 0, sums: new MeanSums(), dist: undefined as unknown as TokenDistinct, records: [] as GenerationSampleRecord[] };
  private readonly keepSamples: boolean;

  constructor(options: CorrectedTokenization & { ks?: readonly number[]; keepSamples?: boolean } = {}) {
    this.keepSamples = options.keepSamples ?? false;
    this.ks = options.ks ?? GENERATION_KS;
    this.tokenization = { tokenize: options.tokenize, lowercase: options.lowercase };
    this.compat.dist = new CharacterDistinct(this.ks);
    this.corrected.dist = new TokenDistinct(this.ks);
  }

  add(hypothesis: string, references: readonly string[], id?: { dialogueId: number | null; turnIndex: number | null }): void {
    requireReferences(references);
    const keep = (state: typeof this.compat | typeof this.corrected, before: number) => {
      const values = state.sums.take();
      if (this.keepSamples && id && state.samples > before) state.records.push({ key: `${id.dialogueId}:${id.turnIndex}`, ...id, values });
    };
    const [c, r] = [this.compat.samples, this.corrected.samples];
    this.addCompat(hypothesis, references);
    keep(this.compat, c);
    this.addCorrected(hypothesis, references);
    keep(this.corrected, r);
  }

  records(mode: MetricMode): GenerationSampleRecord[] {
    return (mode === 'crslab-compat' ? this.compat : this.corrected).records;
  }

  private addCompat(hypothesis: string, references: readonly string[]): void {
    if (hypothesis === '') {
      this.compat.skipped++;
      return;
    }
    this.compat.samples++;
    const hyp = splitOnSpace(hypothesis);
    const refs = references.map(splitOnSpace);
    for (const k of this.ks) this.compat.sums.add(`bleu@${k}`, bleuAtK(hyp, refs, k));
    this.compat.sums.add('f1', f1Score(splitOnWhitespace(hypothesis), references.map(splitOnWhitespace)));
    this.compat.dist.add(hypothesis);
  }

  private addCorrected(hypothesis: string, references: readonly string[]): void {
    const hyp = correctedTokens(hypothesis, this.tokenization);
    if (hyp.length === 0) {
      this.corrected.skipped++;
      return;
    }
    this.corrected.samples++;
    const refs = references.map((r) => correctedTokens(r, this.tokenization));
    for (const k of this.ks) {
      this.corrected.sums.add(`bleu@${k}`, bleuAtK(hyp, refs, k));
      this.corrected.sums.add(`bleu_cum@${k}`, cumulativeBleu(hyp, refs, k));
    }
    this.corrected.sums.add('f1', f1Score(hyp, refs));
    this.corrected.dist.add(hyp);
  }

  result(mode: MetricMode): GenerationMetricsResult {
    const state = mode === 'crslab-compat' ? this.compat : this.corrected;
    return {
      mode,
      samples: state.samples,
      skipped: { EMPTY_HYPOTHESIS: state.skipped },
      metrics: { ...state.sums.means(state.samples), ...state.dist.result() },
      uncertainty: state.sums.uncertainty(state.samples),
    };
  }
}
