/**
 * Uncertainty and significance of per-sample metrics (docs/metrics.md §9): the mean with its standard
 * error and a 95 % interval, and the paired comparison of two evaluations over their shared
 * samples (percentile bootstrap of the mean difference, paired sign-flip permutation test).
 * Pure functions; the random draws come from CPython's generator (src/random), so a seed gives
 * the same resamples as `random.seed(seed)` followed by the same calls in Python.
 */
import { PythonRandom } from '../random/python-random';
import { percentile, summarize, summarizeSums, Z95, type MeanSummary } from '../stats/intervals';

export { percentile, summarize, summarizeSums, wilsonInterval, Z95, type MeanSummary } from '../stats/intervals';

/** z for a two-sided 95 % normal interval. */
export const DEFAULT_RESAMPLES = 10_000;
export const DEFAULT_COMPARISON_SEED = 42;




/** Running sums per metric key, so that accumulators keep O(metrics) state for the headline. */
export class MomentSums {
  private readonly sums = new Map<string, { sum: number; squares: number }>();

  add(key: string, value: number): void {
    let s = this.sums.get(key);
    if (!s) this.sums.set(key, (s = { sum: 0, squares: 0 }));
    s.sum += value;
    s.squares += value * value;
  }

  has(key: string): boolean {
    return this.sums.has(key);
  }

  summary(key: string, n: number): MeanSummary {
    const s = this.sums.get(key) ?? { sum: 0, squares: 0 };
    return summarizeSums(n, s.sum, s.squares);
  }
}


export interface PairedComparison {
  /** Shared samples compared. */
  n: number;
  meanA: number | null;
  meanB: number | null;
  /** mean(B − A) over the shared samples. */
  difference: number | null;
  /** Standard error of the paired difference (normal approximation). */
  se: number | null;
  /** Percentile bootstrap 95 % interval of the mean difference. */
  ciLow: number | null;
  ciHigh: number | null;
  /** Two-sided p-value of the paired permutation (sign-flip) test of mean(B − A) = 0. */
  pValue: number | null;
  /** `exact` when all 2^n sign patterns were enumerated (2^n ≤ resamples), else `monte-carlo`. */
  permutation: 'exact' | 'monte-carlo' | null;
  resamples: number;
  seed: number;
}

export interface ComparisonOptions {
  resamples?: number;
  seed?: number;
}

// Differences whose |mean| equals the observed one up to rounding count as "at least as extreme".
const TIE_TOLERANCE = 1e-12;

/**
 * Paired comparison of several metrics at once over the same shared samples: `a[m][i]` and
 * `b[m][i]` are metric m of shared sample i. The bootstrap draws one index vector per resample
 * (n × `randbelow(n)`, Python's `random.choices`-free equivalent `[randbelow(n) for _ in range(n)]`)
 * and reuses it for every metric; the permutation test flips each difference's sign with one
 * `getrandbits(1)` per sample, or enumerates every sign pattern when 2^n ≤ resamples.
 */
export function pairedComparison(a: ReadonlyArray<ArrayLike<number>>, b: ReadonlyArray<ArrayLike<number>>, options: ComparisonOptions = {}): PairedComparison[] {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_COMPARISON_SEED;
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError('resamples must be a positive integer');
  const metrics = a.length;
  const n = metrics ? a[0].length : 0;
  const empty = (): PairedComparison => ({ n, meanA: null, meanB: null, difference: null, se: null, ciLow: null, ciHigh: null, pValue: null, permutation: null, resamples, seed });
  if (n === 0) return a.map(empty);
  const diffs = a.map((col, m) => Float64Array.from({ length: n }, (_, i) => b[m][i] - col[i]));
  const results = diffs.map((d, m) => {
    const sa = summarize(Array.from(a[m]));
    const sb = summarize(Array.from(b[m]));
    const sd = summarize(Array.from(d));
    return { ...empty(), meanA: sa.mean, meanB: sb.mean, difference: sd.mean, se: sd.se };
  });

  // Bootstrap: the same resampled indices for every metric.
  const rng = new PythonRandom(seed);
  const boot = diffs.map(() => new Float64Array(resamples));
  const sums = new Float64Array(metrics);
  for (let r = 0; r < resamples; r++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const j = rng.randbelow(n);
      for (let m = 0; m < metrics; m++) sums[m] += diffs[m][j];
    }
    for (let m = 0; m < metrics; m++) boot[m][r] = sums[m] / n;
  }
  boot.forEach((values, m) => {
    values.sort();
    results[m].ciLow = percentile(values, 0.025);
    results[m].ciHigh = percentile(values, 0.975);
  });

  // Permutation (sign flip): exact when cheap enough, else Monte Carlo with the +1 correction.
  const observed = diffs.map((d) => Math.abs(d.reduce((s, x) => s + x, 0)));
  const extreme = new Float64Array(metrics);
  const exact = n <= 30 && 2 ** n <= resamples;
  const patterns = exact ? 2 ** n : resamples;
  for (let p = 0; p < patterns; p++) {
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const negative = exact ? Math.floor(p / 2 ** i) % 2 === 1 : rng.getrandbits(1) === 1;
      for (let m = 0; m < metrics; m++) sums[m] += negative ? -diffs[m][i] : diffs[m][i];
    }
    for (let m = 0; m < metrics; m++) if (Math.abs(sums[m]) >= observed[m] - TIE_TOLERANCE * Math.max(1, observed[m])) extreme[m]++;
  }
  results.forEach((r, m) => {
    r.pValue = exact ? extreme[m] / patterns : (extreme[m] + 1) / (patterns + 1);
    r.permutation = exact ? 'exact' : 'monte-carlo';
  });
  return results;
}

