import { GenerationMetricsAccumulator } from '../../../../src/evaluation/text-metrics';
import { ItemList, RecommendationAccumulator, scoreTurn } from '../../../../src/evaluation/recommendation';
import { pairedComparison, percentile, summarize, summarizeSums, Z95 } from '../../../../src/evaluation/uncertainty';
import { compareSides, sideOf } from '../../../../src/modules/evaluation/evaluation-samples.service';

describe('mean, standard error and 95 % interval (docs/metrics.md §9.1)', () => {
  test('worked example: Hit values 1, 0, 1, 1 → mean 0.75, SE 0.25, interval 0.75 ± 0.49', () => {
    // Deviations 0.25, −0.75, 0.25, 0.25: squares sum to 0.75; s² = 0.75 / 3 = 0.25; SE = √(0.25 / 4) = 0.25.
    const s = summarize([1, 0, 1, 1]);
    expect(s.mean).toBeCloseTo(0.75, 12);
    expect(s.se).toBeCloseTo(0.25, 12);
    expect(s.ciLow).toBeCloseTo(0.75 - 1.959964 * 0.25, 6);
    expect(s.ciHigh).toBeCloseTo(0.75 + 1.959964 * 0.25, 6);
    // From running sums (what the accumulators keep) the same.
    const t = summarizeSums(4, 3, 3);
    expect(t.se).toBeCloseTo(0.25, 12);
  });

  test('below two samples there is no SE; with none, no mean', () => {
    expect(summarize([0.5])).toEqual({ n: 1, mean: 0.5, se: null, ciLow: null, ciHigh: null });
    expect(summarize([])).toEqual({ n: 0, mean: null, se: null, ciLow: null, ciHigh: null });
    expect(summarize([1, 1, 1]).se).toBe(0);
  });

  test('percentile interpolates as numpy does', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([0, 10], 0.025)).toBeCloseTo(0.25, 12);
  });

  test('the recommendation accumulator reports SE and interval of docs/metrics.md §1.7 worked example A', () => {
    const items = new ItemList(Array.from({ length: 100 }, (_, i) => `I${String(i).padStart(3, '0')}`));
    const acc = new RecommendationAccumulator('crslab-compat', 'recommender-turns', [1, 10, 50], { keepSamples: true });
    // Golds at r = 0, 2 and 14 (worked example A).
    for (const [r, gold] of [[0, 'I050'], [2, 'I051'], [14, 'I052']] as const) {
      const others = items.items.filter((i) => i !== gold);
      const ranked = [...others.slice(0, r), gold, ...others.slice(r)].map((i) => items.position.get(i)!);
      scoreTurn(acc, { items, mode: 'crslab-compat', ks: [1, 10, 50] }, [gold], [], { ranked }, { dialogueId: 1, turnIndex: r });
    }
    const result = acc.result();
    expect(result.metrics['mrr@50']).toBeCloseTo((1 + 1 / 3 + 1 / 15) / 3, 6);
    // Hit@10 values 1, 1, 0: mean 2/3, s² = 1/3, SE = √(1/9) = 1/3.
    expect(result.uncertainty['hit@10'].se).toBeCloseTo(1 / 3, 6);
    expect(result.uncertainty['hit@10'].ciLow).toBeCloseTo(2 / 3 - Z95 / 3, 6);
    // Hit@50 is 1 everywhere: SE 0, interval collapses to the mean.
    expect(result.uncertainty['hit@50']).toEqual({ se: 0, ciLow: 1, ciHigh: 1 });
    expect(result.coverage).toBe(1);
    expect(acc.records.map((r) => r.key)).toEqual(['1:0:I050', '1:2:I051', '1:14:I052']);
  });
});

describe('missing predictions (docs/metrics.md §9.4)', () => {
  const items = new ItemList(['A', 'B', 'C', 'D']);
  const scoring = { items, mode: 'corrected' as const, ks: [1, 3] };
  test('a scorable turn without a prediction is a miss in the headline, and coverage says so', () => {
    const acc = new RecommendationAccumulator('corrected', 'recommender-turns', [1, 3], { keepSamples: true });
    scoreTurn(acc, scoring, ['A'], [], { ranked: [0] }, { dialogueId: 1, turnIndex: 1 });
    scoreTurn(acc, scoring, ['B'], [], null, { dialogueId: 1, turnIndex: 3 });
    const r = acc.result();
    expect(r).toMatchObject({ samples: 2, predicted: 1, coverage: 0.5, missing: 'miss' });
    expect(r.metrics['hit@1']).toBe(0.5);
    expect(acc.records[1]).toMatchObject({ key: '1:3:B', predicted: false, values: { 'hit@1': 0, 'mrr@3': 0, 'ndcg@3': 0 } });
  });

  test('skipMissing keeps the old means, labelled, and counts NO_PREDICTION', () => {
    const acc = new RecommendationAccumulator('corrected', 'recommender-turns', [1, 3], { skipMissing: true });
    scoreTurn(acc, scoring, ['A'], [], { ranked: [0] });
    scoreTurn(acc, scoring, ['B'], [], null);
    const r = acc.result();
    expect(r).toMatchObject({ samples: 1, predicted: 1, coverage: 0.5, missing: 'skipped', skipped: { NO_PREDICTION: 1 } });
    expect(r.metrics['hit@1']).toBe(1);
  });
});

describe('paired comparison (docs/metrics.md §9.3)', () => {
  const A = [1, 0, 1, 0, 1, 0, 0, 1];
  const B = [1, 1, 1, 0, 1, 1, 0, 1];

  test('hand computation: difference 0.25, SE 0.163663, exact permutation p = 0.5', () => {
    const [r] = pairedComparison([A], [B], { resamples: 10_000, seed: 42 });
    expect(r.n).toBe(8);
    expect(r.meanA).toBeCloseTo(0.5, 12);
    expect(r.meanB).toBeCloseTo(0.75, 12);
    expect(r.difference).toBeCloseTo(0.25, 12);
    // Differences: two 1s, six 0s; s² = (2·0.75² + 6·0.25²)/7 = 1.5/7; SE = √(1.5/7/8).
    expect(r.se).toBeCloseTo(Math.sqrt(1.5 / 7 / 8), 12);
    expect(r.se).toBeCloseTo(0.163663, 6);
    // 2^8 = 256 ≤ 10,000 sign patterns, enumerated: only the two non-zero differences matter;
    // of their 4 sign combinations, |sum| ≥ 2 in 2 → p = 0.5.
    expect(r.permutation).toBe('exact');
    expect(r.pValue).toBeCloseTo(0.5, 12);
  });

  test('the bootstrap interval equals CPython: random.seed(42); [random._inst._randbelow(n) for …]; numpy.percentile', () => {
    const [r] = pairedComparison([A], [B], { resamples: 10_000, seed: 42 });
    expect(r.ciLow).toBeCloseTo(0, 12);
    expect(r.ciHigh).toBeCloseTo(0.625, 12);
  });

  test('Monte Carlo permutation (2^n > resamples) and bootstrap match the Python reference', () => {
    const a = [1, 0.5, 0, 1 / 3, 1, 0, 0, 0.25, 1, 0, 0.5, 0];
    const b = [1, 1, 0, 0.5, 1, 1 / 3, 0, 1, 1, 0, 1, 0.2];
    const [r] = pairedComparison([a], [b], { resamples: 1000, seed: 7 });
    expect(r.permutation).toBe('monte-carlo');
    expect(r.ciLow).toBeCloseTo(0.08305555555555556, 10);
    expect(r.ciHigh).toBeCloseTo(0.3639236111111111, 10);
    expect(r.pValue).toBeCloseTo(0.022977022977022976, 10);
  });

  test('samples only one side has are reported with their keys, not compared', () => {
    const rows = (values: Record<string, number>, model = 'predictions') => Object.entries(values).map(([key, v]) => ({ model, mode: 'corrected', key, values: { 'hit@1': v } }));
    const result = compareSides(sideOf(rows({ s1: 1, s2: 0, s3: 1 }), {}, 'a'), sideOf(rows({ s2: 1, s3: 1, s4: 0 }), {}, 'b'), { resamples: 100, seed: 1 });
    expect(result.modes).toHaveLength(1);
    expect(result.modes[0]).toMatchObject({ shared: 2, onlyInA: { count: 1, keys: ['s1'] }, onlyInB: { count: 1, keys: ['s4'] } });
    expect(result.modes[0].metrics[0]).toMatchObject({ metric: 'hit@1', n: 2, meanA: 0.5, meanB: 1, difference: 0.5 });
  });

  test('a side with several models must name one', () => {
    const rows = [
      { model: 'popularity', mode: 'corrected', key: 'x', values: { 'hit@1': 1 } },
      { model: 'bm25', mode: 'corrected', key: 'x', values: { 'hit@1': 0 } },
    ];
    expect(() => sideOf(rows, {}, 'a')).toThrow('holds several models (popularity, bm25); name one');
    expect(sideOf(rows, { model: 'bm25' }, 'a').model).toBe('bm25');
    expect(() => sideOf(rows, { model: 'nope' }, 'a')).toThrow('has no samples of model "nope"');
  });
});

describe('generation results (docs/metrics.md §9.1)', () => {
  test('F1 and BLEU get SE and interval from the per-sample values; Dist has none; samples are kept', () => {
    const acc = new GenerationMetricsAccumulator({ keepSamples: true });
    // docs/metrics.md §3.7 rows 1 and 3: F1 0.615385 and 0.4.
    acc.add('you will love this movie', ['i am sure you will love this film'], { dialogueId: 1, turnIndex: 1 });
    acc.add('the the the', ['the cat'], { dialogueId: 1, turnIndex: 3 });
    const r = acc.result('crslab-compat');
    const f1 = [8 / 13, 0.4];
    expect(r.metrics.f1).toBeCloseTo((f1[0] + f1[1]) / 2, 9);
    // Two samples: SE = |a − b| / 2.
    expect(r.uncertainty.f1.se).toBeCloseTo(Math.abs(f1[0] - f1[1]) / 2, 9);
    expect(r.uncertainty['bleu@1'].se).toBeCloseTo(Math.abs(0.439049 - 1 / 3) / 2, 6);
    expect(r.uncertainty['dist@1']).toBeUndefined();
    expect(acc.records('crslab-compat').map((s) => [s.key, s.values.f1])).toEqual([
      ['1:1', expect.closeTo(f1[0], 9)],
      ['1:3', expect.closeTo(0.4, 9)],
    ]);
  });
});
