/** Summary of an integer-valued field (turns per dialogue, tokens per utterance …) with fixed bins. */
export interface Distribution {
  field: string;
  /** Number of observations. */
  count: number;
  min: number;
  max: number;
  mean: number;
  /** Quantiles by linear interpolation between order statistics (numpy's default). */
  median: number;
  p90: number;
  /** Half-open bins [from, to); the last is open-ended (`to` null). */
  bins: Array<{ from: number; to: number | null; count: number }>;
}

/**
 * Exact distribution of non-negative integer observations, kept as value → count so that memory
 * grows with the number of distinct values, not with the number of observations.
 */
export class CountHistogram {
  private readonly counts = new Map<number, number>();
  private n = 0;
  private sum = 0;

  constructor(
    readonly field: string,
    /** Ascending bin edges; values below the first edge fall into the first bin. */
    private readonly edges: readonly number[],
  ) {}

  add(value: number): void {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
    this.n++;
    this.sum += value;
  }

  summary(): Distribution {
    const values = [...this.counts.keys()].sort((a, b) => a - b);
    const bins = this.edges.map((from, i) => ({ from, to: i + 1 < this.edges.length ? this.edges[i + 1] : null, count: 0 }));
    for (const value of values) {
      let i = bins.length - 1;
      while (i > 0 && value < bins[i].from) i--;
      bins[i].count += this.counts.get(value)!;
    }
    if (this.n === 0) return { field: this.field, count: 0, min: 0, max: 0, mean: 0, median: 0, p90: 0, bins };
    // The value at 0-based rank r of the sorted observations.
    const at = (rank: number): number => {
      let seen = 0;
      for (const value of values) {
        seen += this.counts.get(value)!;
        if (rank < seen) return value;
      }
      return values[values.length - 1];
    };
    const quantile = (p: number): number => {
      const h = (this.n - 1) * p;
      const lower = Math.floor(h);
      const a = at(lower);
      return lower === h ? a : a + (h - lower) * (at(lower + 1) - a);
    };
    return {
      field: this.field,
      count: this.n,
      min: values[0],
      max: values[values.length - 1],
      mean: this.sum / this.n,
      median: quantile(0.5),
      p90: quantile(0.9),
      bins,
    };
  }
}
