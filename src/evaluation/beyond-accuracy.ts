/**
 * Beyond-accuracy metrics of recommendation lists (docs/metrics.md §10): catalogue coverage, Gini of
 * exposure, average recommendation popularity, long-tail share, novelty and intra-list diversity,
 * each at k. Pure: items are item-list positions, popularity is a count per position (the train
 * split's interactions), features a set of genre/keyword labels per position.
 */

/** Share of train interactions the head holds (Abdollahpouri et al.'s 80/20 split). */
export const HEAD_SHARE = 0.8;

export const BEYOND_ACCURACY_METRICS = ['coverage', 'gini', 'arp', 'long_tail', 'novelty', 'ild'] as const;

/**
 * The head: items by train count, most popular first (ties by item-list position), taken until
 * their cumulative count reaches HEAD_SHARE of all train interactions; items never seen in
 * training are never head. Everything else is the long tail.
 */
export function headItems(popularity: ArrayLike<number>, share = HEAD_SHARE): Set<number> {
  let total = 0;
  for (let i = 0; i < popularity.length; i++) total += popularity[i];
  const head = new Set<number>();
  if (total === 0) return head;
  const order = Array.from({ length: popularity.length }, (_, i) => i)
    .filter((i) => popularity[i] > 0)
    .sort((a, b) => popularity[b] - popularity[a] || a - b);
  let cumulative = 0;
  for (const i of order) {
    if (cumulative >= share * total) break;
    head.add(i);
    cumulative += popularity[i];
  }
  return head;
}

/** Gini coefficient of non-negative values: Σ_j (2j − n − 1) x_(j) / (n Σ x), x ascending, j from 1; null when Σ x = 0. */
export function gini(values: ArrayLike<number>): number | null {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let sum = 0;
  let weighted = 0;
  for (let j = 0; j < n; j++) {
    sum += sorted[j];
    weighted += (2 * (j + 1) - n - 1) * sorted[j];
  }
  return sum === 0 ? null : weighted / (n * sum);
}

/** 1 − |A ∩ B| / |A ∪ B|. */
export function jaccardDistance(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : 1 - shared / union;
}

/** Top-k positions of a score vector, highest first, ties by position (docs/metrics.md §1.2). */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): number[] {
  const top: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    if (exclude?.has(i)) continue;
    const s = scores[i];
    if (top.length === k && s <= scores[top[k - 1]]) continue;
    let at = top.length;
    while (at > 0 && scores[top[at - 1]] < s) at--;
    top.splice(at, 0, i);
    if (top.length > k) top.pop();
  }
  return top;
}

export interface BeyondAccuracyContext {
  catalogueSize: number;
  /** Train interactions per item-list position. */
  popularity: ArrayLike<number>;
  /** Genre ∪ keyword labels per position (lower-cased); empty set: no metadata. */
  features?: ReadonlyArray<ReadonlySet<string>>;
  ks: readonly number[];
}

export interface BeyondAccuracyResult {
  /** Lists (one per scored turn) that went in. */
  lists: number;
  /** `coverage@k`, `gini@k`, `arp@k`, `long_tail@k`, `novelty@k`, `ild@k`; null when undefined (no list, no metadata pair). */
  metrics: Record<string, number | null>;
}

/**
 * Streams recommendation lists (one per scored turn, best first) and computes, per k:
 *
 * - coverage@k: distinct items in any top-k ÷ catalogue size;
 * - gini@k: Gini of the exposure counts (how many top-k lists hold each catalogue item, zeros included);
 * - arp@k: mean over lists of the mean train count of their top-k items;
 * - long_tail@k: mean over lists of the share of their top-k items outside the head;
 * - novelty@k: mean over lists of the mean −log₂ p(i), p(i) = (count(i) + 1) / (T + N), T train
 *   interactions, N catalogue size (add-one, so items unseen in training have a finite value);
 * - ild@k: mean over lists of the mean Jaccard distance of the feature sets over pairs of their
 *   top-k items; pairs with an item without metadata are left out, lists without such a pair too.
 */
export class BeyondAccuracyAccumulator {
  private readonly head: Set<number>;
  private readonly total: number;
  private readonly maxK: number;
  private readonly exposure: Map<number, Float64Array>;
  private readonly sums: Map<string, { sum: number; n: number }>;
  private lists = 0;

  constructor(private readonly context: BeyondAccuracyContext) {
    this.head = headItems(context.popularity);
    let total = 0;
    for (let i = 0; i < context.popularity.length; i++) total += context.popularity[i];
    this.total = total;
    this.maxK = Math.max(0, ...context.ks);
    this.exposure = new Map(context.ks.map((k) => [k, new Float64Array(context.catalogueSize)]));
    this.sums = new Map();
  }

  private addMean(key: string, value: number): void {
    const s = this.sums.get(key) ?? { sum: 0, n: 0 };
    s.sum += value;
    s.n++;
    this.sums.set(key, s);
  }

  add(ranked: ArrayLike<number>): void {
    const list = Array.from({ length: Math.min(ranked.length, this.maxK) }, (_, i) => ranked[i]);
    if (list.length === 0) return;
    this.lists++;
    const { popularity, features, catalogueSize } = this.context;
    for (const k of this.context.ks) {
      const top = list.slice(0, k);
      const exposure = this.exposure.get(k)!;
      let pop = 0;
      let tail = 0;
      let novelty = 0;
      for (const i of top) {
        exposure[i]++;
        pop += popularity[i];
        if (!this.head.has(i)) tail++;
        novelty += -Math.log2((popularity[i] + 1) / (this.total + catalogueSize));
      }
      this.addMean(`arp@${k}`, pop / top.length);
      this.addMean(`long_tail@${k}`, tail / top.length);
      this.addMean(`novelty@${k}`, novelty / top.length);
      if (features) {
        let distance = 0;
        let pairs = 0;
        for (let a = 0; a < top.length; a++) {
          const fa = features[top[a]];
          if (!fa || fa.size === 0) continue;
          for (let b = a + 1; b < top.length; b++) {
            const fb = features[top[b]];
            if (!fb || fb.size === 0) continue;
            distance += jaccardDistance(fa, fb);
            pairs++;
          }
        }
        if (pairs > 0) this.addMean(`ild@${k}`, distance / pairs);
      }
    }
  }

  result(): BeyondAccuracyResult {
    const metrics: Record<string, number | null> = {};
    for (const name of BEYOND_ACCURACY_METRICS) {
      for (const k of this.context.ks) {
        const key = `${name}@${k}`;
        if (name === 'coverage') {
          const exposure = this.exposure.get(k)!;
          let covered = 0;
          for (let i = 0; i < exposure.length; i++) if (exposure[i] > 0) covered++;
          metrics[key] = this.lists === 0 || this.context.catalogueSize === 0 ? null : covered / this.context.catalogueSize;
        } else if (name === 'gini') metrics[key] = this.lists === 0 ? null : gini(this.exposure.get(k)!);
        else {
          const s = this.sums.get(key);
          metrics[key] = s && s.n > 0 ? s.sum / s.n : null;
        }
      }
    }
    return { lists: this.lists, metrics };
  }
}
