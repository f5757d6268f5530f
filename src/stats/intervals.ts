/**
 * Interval arithmetic every evaluation shares (recommendation and generation results, judges,
 * interactive evaluation): one normal-approximation summary, one percentile, one Wilson interval.
 * Pure, and below every feature floor, so that generator/ and src/evaluation/ use the same code.
 */

/** z of a two-sided 95 % normal interval. */
export const Z95 = 1.959963984540054;

export interface MeanSummary {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1) / √n; null below two samples. */
  se: number | null;
  /** mean ± 1.96 · SE (normal approximation); null below two samples. */
  ciLow: number | null;
  ciHigh: number | null;
}

/** Mean, standard error and normal 95 % interval from the count, sum and sum of squares. */
export function summarizeSums(n: number, sum: number, sumSquares: number): MeanSummary {
  if (n === 0) return { n, mean: null, se: null, ciLow: null, ciHigh: null };
  const mean = sum / n;
  if (n < 2) return { n, mean, se: null, ciLow: null, ciHigh: null };
  // Sum of squared deviations; clamped at 0 against rounding when every value is equal.
  const ss = Math.max(0, sumSquares - n * mean * mean);
  const se = Math.sqrt(ss / (n - 1) / n);
  return { n, mean, se, ciLow: mean - Z95 * se, ciHigh: mean + Z95 * se };
}

export function summarize(values: readonly number[]): MeanSummary {
  let sum = 0;
  for (const v of values) sum += v;
  if (values.length < 2) return summarizeSums(values.length, sum, 0);
  // Two-pass for the deviations: exact for the hand-checked fixtures, stable for long columns.
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  const se = Math.sqrt(ss / (values.length - 1) / values.length);
  return { n: values.length, mean, se, ciLow: mean - Z95 * se, ciHigh: mean + Z95 * se };
}

/** numpy.percentile's default (linear interpolation between closest ranks) on a sorted array. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The Wilson score interval of a binomial proportion k/n (z = 1.96 for 95 %); null for n = 0. */
export function wilsonInterval(k: number, n: number, z = Z95): { low: number; high: number } | null {
  if (n === 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}
