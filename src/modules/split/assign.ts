/**
 * The split of docs/pipeline.md §9 as a pure function: stratified by stereotype, grouped by unit
 * (user), one CPython-compatible generator seeded once, so that a seed means the same here as
 * in the original scripts.
 */
import { PythonRandom } from '../../random/python-random';
import { SPLIT_NAMES } from '../../dialogues/vocabulary';

export interface SplitRatios {
  train: number;
  valid: number;
  test: number;
}

export const DEFAULT_SPLIT_RATIOS: Readonly<SplitRatios> = Object.freeze({ train: 0.8, valid: 0.1, test: 0.1 });
export const DEFAULT_SPLIT_SEED = 42;

export interface SplitWarning {
  code: 'SMALL_STRATUM';
  stratum: string;
  units: number;
}

/** Each list in its release line order (§9 step 5). */
export interface SplitResult<T> {
  train: T[];
  valid: T[];
  test: T[];
  warnings: SplitWarning[];
}

/** Why ratios are unusable, or null when they are fine. */
export function ratiosProblem(r: SplitRatios): string | null {
  for (const k of SPLIT_NAMES) {
    if (!Number.isFinite(r[k]) || r[k] < 0 || r[k] > 1) return `${k} must be between 0 and 1, got ${r[k]}`;
  }
  const sum = r.train + r.valid + r.test;
  // A tolerance, so that 0.7 + 0.2 + 0.1 (0.9999999999999999 in binary) is accepted.
  if (Math.abs(sum - 1) > 1e-9) return `train + valid + test must be 1, got ${+sum.toFixed(12)}`;
  return null;
}

/** §9 step 4 with ratio r: max(1, floor(r·n)); a ratio of 0 asks for none. */
function share(r: number, n: number): number {
  return r > 0 ? Math.max(1, Math.floor(r * n)) : 0;
}

/**
 * `units` in unit order (user id); `stratumOf` gives each unit's stereotype. Strata are taken in
 * order of first appearance; each is shuffled and cut into train, valid, test; a stratum of fewer
 * than 3 units goes entirely to train without drawing from the generator. Then train, test and
 * valid are shuffled, in that order.
 */
export function assignSplits<T>(units: readonly T[], stratumOf: (unit: T) => string, seed = DEFAULT_SPLIT_SEED, ratios: SplitRatios = DEFAULT_SPLIT_RATIOS): SplitResult<T> {
  const problem = ratiosProblem(ratios);
  if (problem) throw new RangeError(problem);
  const strata = new Map<string, T[]>();
  for (const u of units) {
    const key = stratumOf(u);
    let list = strata.get(key);
    if (!list) strata.set(key, (list = []));
    list.push(u);
  }
  const rng = new PythonRandom(seed);
  const result: SplitResult<T> = { train: [], valid: [], test: [], warnings: [] };
  for (const [stratum, members] of strata) {
    const n = members.length;
    if (n < 3) {
      result.train.push(...members);
      result.warnings.push({ code: 'SMALL_STRATUM', stratum, units: n });
      continue;
    }
    const nTest = share(ratios.test, n);
    const nValid = share(ratios.valid, n);
    const nTrain = Math.max(0, n - nTest - nValid);
    const shuffled = [...members];
    rng.shuffle(shuffled);
    result.train.push(...shuffled.slice(0, nTrain));
    result.valid.push(...shuffled.slice(nTrain, nTrain + nValid));
    result.test.push(...shuffled.slice(nTrain + nValid));
  }
  rng.shuffle(result.train);
  rng.shuffle(result.test);
  rng.shuffle(result.valid);
  return result;
}
