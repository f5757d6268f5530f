import { PythonRandom } from '../random/python-random';
import { percentile } from './uncertainty';

/**
 * Agreement and preference statistics for LLM judges (issue 15): rank correlations between judge
 * and human scores, a seeded bootstrap, Wilson intervals for win rates and Bradley–Terry strengths.
 * Pure functions of their inputs (unit-tested against hand computations).
 */

/** Ranks 1…n, ties getting the mean of the ranks they span (as scipy.stats.rankdata 'average'). */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k][1]] = r;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  if (n < 2) return null;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  if (sxx === 0 || syy === 0) return null;
  return sxy / Math.sqrt(sxx * syy);
}

/** Spearman's rho: Pearson's r of the average ranks (tie-corrected); null when undefined (n < 2 or a constant side). */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError('spearman: x and y differ in length');
  return pearson(averageRanks(x), averageRanks(y));
}

/** Kendall's tau-b (ties in either variable corrected, as scipy.stats.kendalltau's default); O(n²), fine for rated samples. */
export function kendallTauB(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new RangeError('kendallTauB: x and y differ in length');
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  if (denominator === 0) return null;
  return (concordant - discordant) / denominator;
}

export interface Interval {
  low: number;
  high: number;
}

/**
 * Percentile bootstrap of a paired statistic: `resamples` draws of n pairs with replacement from a
 * PythonRandom seeded with `seed`; draws where the statistic is undefined are left out. Null when
 * fewer than half the draws give a value.
 */
export function bootstrapInterval(
  x: readonly number[],
  y: readonly number[],
  statistic: (x: number[], y: number[]) => number | null,
  options: { resamples?: number; seed?: number; level?: number } = {},
): Interval | null {
  const n = x.length;
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  if (n < 2) return null;
  const rng = new PythonRandom(options.seed ?? 42);
  const values: number[] = [];
  const bx = new Array<number>(n);
  const by = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const k = rng.randbelow(n);
      bx[i] = x[k];
      by[i] = y[k];
    }
    const v = statistic(bx, by);
    if (v !== null && Number.isFinite(v)) values.push(v);
  }
  if (values.length < resamples / 2) return null;
  values.sort((a, b) => a - b);
  return { low: percentile(values, (1 - level) / 2), high: percentile(values, 1 - (1 - level) / 2) };
}

/** One Wilson interval for the whole project (win rates here, interactive success rates too). */
export { wilsonInterval } from './uncertainty';

/**
 * Bradley–Terry strengths from pairwise outcomes, fitted with Hunter's (2004) MM iteration;
 * a tie counts as half a win for each side. `wins[i][j]`: times i beat j. Strengths are scaled to
 * sum to 1 (P(i beats j) = p_i / (p_i + p_j)). An entry that never won gets 0 (the MLE lies at the
 * boundary); entries never compared keep the uniform start.
 */
export function bradleyTerry(wins: number[][], options: { iterations?: number; tolerance?: number } = {}): number[] {
  const k = wins.length;
  let p = new Array<number>(k).fill(1 / k);
  const games = (i: number, j: number) => wins[i][j] + wins[j][i];
  for (let it = 0; it < (options.iterations ?? 10_000); it++) {
    const next = p.map((pi, i) => {
      const w = wins[i].reduce((s, v, j) => (j === i ? s : s + v), 0);
      let denom = 0;
      for (let j = 0; j < k; j++) if (j !== i && games(i, j) > 0) denom += games(i, j) / (pi + p[j]);
      return denom === 0 ? pi : w / denom;
    });
    const sum = next.reduce((s, v) => s + v, 0) || 1;
    const normalised = next.map((v) => v / sum);
    const delta = Math.max(...normalised.map((v, i) => Math.abs(v - p[i])));
    p = normalised;
    if (delta < (options.tolerance ?? 1e-10)) break;
  }
  return p;
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, v) => s + v, 0) / xs.length;
}
