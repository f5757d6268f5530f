/**
 * Distinct-n three ways (docs/metrics.md §5.1): length-normalised as CRSArena-Dial (Joko et al.,
 * SIGIR '24) computes it, so that corpora of different sizes compare; recdial's corrected token
 * ratio; and CRSLab's character count (§3.4). Pure functions of the utterance texts.
 */
import type { EntityManager } from 'typeorm';
import { streamDialogues } from '../dialogues/stream';
import type { DialogueSelection } from '../dialogues/selection';
import { PythonRandom } from '../random/python-random';
import { CharacterDistinct, ngramKeys, splitOnWhitespace, TokenDistinct } from './text-metrics';

export const NORMALISED_TOKENS = 7012;
export const NORMALISED_RUNS = 100;
export const NORMALISED_SEED = 42;
const NS = [1, 2, 3, 4];

export interface NormalisedDistinctOptions {
  tokens?: number;
  runs?: number;
  seed?: number;
  ns?: readonly number[];
}

export interface NormalisedDistinct {
  /** `dist@n`: mean over the runs of unique ÷ total n-grams in the first `tokens` tokens. */
  metrics: Record<string, number | null>;
  /** Tokens each run used: `tokens`, or fewer when the whole corpus is shorter. */
  tokensUsed: number;
  /** false when the corpus has fewer tokens than `tokens`: then the value is not length-normalised and not comparable. */
  comparable: boolean;
  tokens: number;
  runs: number;
  seed: number;
}

/**
 * CRSArena-Dial's length-normalised Distinct-n. Each utterance is lower-cased and split on
 * whitespace (Python's `str.split()`); then, with one generator seeded once, every run shuffles
 * the list of utterances in place (exactly `random.seed(seed)` followed by `runs` calls of
 * `random.shuffle(utterances)`, each run starting from the previous run's order), takes
 * utterances in that order until `tokens` tokens are reached (the last one cut), and counts
 * unique ÷ total n-grams, n-grams taken within an utterance (never across two). The result is
 * the mean over the runs. Empty utterances are dropped first.
 */
export function normalisedDistinct(texts: readonly string[], options: NormalisedDistinctOptions = {}): NormalisedDistinct {
  const tokens = options.tokens ?? NORMALISED_TOKENS;
  const runs = options.runs ?? NORMALISED_RUNS;
  const seed = options.seed ?? NORMALISED_SEED;
  const ns = options.ns ?? NS;
  const utterances = texts.map((t) => splitOnWhitespace(t.toLowerCase())).filter((u) => u.length > 0);
  const total = utterances.reduce((n, u) => n + u.length, 0);
  const tokensUsed = Math.min(tokens, total);
  const sums = new Map(ns.map((n) => [n, 0]));
  const counted = new Map(ns.map((n) => [n, 0]));
  const rng = new PythonRandom(seed);
  for (let run = 0; run < runs; run++) {
    rng.shuffle(utterances);
    const sets = new Map(ns.map((n) => [n, new Set<string>()]));
    const totals = new Map(ns.map((n) => [n, 0]));
    let left = tokens;
    for (const u of utterances) {
      if (left <= 0) break;
      const part = u.length > left ? u.slice(0, left) : u;
      left -= part.length;
      for (const n of ns) {
        const keys = ngramKeys(part, n);
        totals.set(n, totals.get(n)! + keys.length);
        const set = sets.get(n)!;
        for (const k of keys) set.add(k);
      }
    }
    for (const n of ns) {
      if (totals.get(n)! === 0) continue;
      sums.set(n, sums.get(n)! + sets.get(n)!.size / totals.get(n)!);
      counted.set(n, counted.get(n)! + 1);
    }
  }
  const metrics: Record<string, number | null> = {};
  for (const n of ns) metrics[`dist@${n}`] = counted.get(n)! ? sums.get(n)! / counted.get(n)! : null;
  return { metrics, tokensUsed, comparable: total >= tokens, tokens, runs, seed };
}

export interface DistinctComparison {
  utterances: number;
  tokens: number;
  /** CRSArena-Dial's length-normalised Distinct-n (comparable across corpora). */
  normalised: NormalisedDistinct;
  /** recdial corrected: distinct ÷ total token n-grams over every utterance (grows smaller with corpus size). */
  corrected: Record<string, number>;
  /** CRSLab-compat: distinct character n-grams ÷ utterances (§3.4; not a ratio). */
  crslabCompat: Record<string, number>;
}

/** The three Distinct-n variants over the same utterances, side by side. */
export function distinctComparison(texts: readonly string[], options: NormalisedDistinctOptions = {}): DistinctComparison {
  const corrected = new TokenDistinct(NS);
  const compat = new CharacterDistinct(NS);
  let tokens = 0;
  let utterances = 0;
  for (const text of texts) {
    const t = splitOnWhitespace(text);
    if (t.length === 0) continue;
    utterances++;
    tokens += t.length;
    corrected.add(t);
    compat.add(text);
  }
  const ratio = corrected.result();
  return {
    utterances,
    tokens,
    normalised: normalisedDistinct(texts, options),
    corrected: Object.fromEntries(NS.map((n) => [`dist@${n}`, ratio[`dist@${n}`]])),
    crslabCompat: compat.result(),
  };
}

/**
 * Every non-empty utterance (both roles, as stored) of the selected dialogues, per dataset (or
 * all together), and the three Distinct-n variants of each group. Holds the group's texts in
 * memory: the shuffles need all of them.
 */
export async function distinctByDataset(
  manager: EntityManager,
  filter: DialogueSelection | null,
  onProgress?: (done: number) => void,
  byDataset = true,
): Promise<Array<{ dataset: string; dialogues: number; distinct: DistinctComparison }>> {
  const groups = new Map<string, { dialogues: number; texts: string[] }>();
  let done = 0;
  for await (const d of streamDialogues(manager, { filter })) {
    const key = byDataset ? d.dataset : 'all';
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { dialogues: 0, texts: [] }));
    g.dialogues++;
    for (const t of d.turns) if (t.text.trim() !== '') g.texts.push(t.text);
    onProgress?.(++done);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([dataset, g]) => ({ dataset, dialogues: g.dialogues, distinct: distinctComparison(g.texts) }));
}
