import {
  ItemList,
  locateGold,
  mergeTurns,
  rankByScores,
  RecommendationAccumulator,
  sampleMetrics,
  scoreTurn,
  turnQualifies,
  turnSamples,
  Utterance,
  type EvaluationMode,
  type ModelFamily,
} from '../../../../src/evaluation/recommendation';

const round4 = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 10000);

describe('worked example A (docs/metrics.md §1.7): ranks 0, 2, 14 in a catalogue of 100', () => {
  const items = new ItemList(Array.from({ length: 100 }, (_, i) => `I${String(i).padStart(3, '0')}`));
  const acc = new RecommendationAccumulator('crslab-compat', 'recommender-turns', [1, 10, 50]);
  for (const r of [0, 2, 14]) {
    // The gold is item 99, placed at rank r of a full ranking.
    const ranked = Array.from({ length: 99 }, (_, i) => i);
    ranked.splice(r, 0, 99);
    acc.add(sampleMetrics(locateGold({ ranked }, 99, new Set(), 100), [1, 10, 50], { mode: 'crslab-compat', itemCount: 100 }));
  }
  const result = acc.result();

  test('means as in the table', () => {
    const m = Object.fromEntries(Object.entries(result.metrics).map(([k, v]) => [k, round4(v)]));
    expect(m).toEqual({
      'hit@1': 0.3333,
      'hit@10': 0.6667,
      'hit@50': 1,
      'mrr@1': 0.3333,
      'mrr@10': 0.4444,
      'mrr@50': 0.4667,
      'ndcg@1': 0.3333,
      'ndcg@10': 0.5,
      'ndcg@50': 0.5833,
    });
    expect(result.samples).toBe(3);
    expect(result.approximate).toBe(false);
  });

  test('the identities of §1.3 hold', () => {
    const m = result.metrics as Record<string, number>;
    expect(m['hit@1']).toBeCloseTo(m['mrr@1'], 12);
    expect(m['hit@1']).toBeCloseTo(m['ndcg@1'], 12);
    for (const k of [1, 10, 50]) {
      expect(m[`mrr@${k}`]).toBeLessThanOrEqual(m[`ndcg@${k}`] + 1e-12);
      expect(m[`ndcg@${k}`]).toBeLessThanOrEqual(m[`hit@${k}`] + 1e-12);
    }
  });
});

describe('worked example B (docs/metrics.md §1.8): compat vs corrected', () => {
  const items = new ItemList(['A', 'B', 'C', 'D', 'E', 'F']);
  const rec = (item: string) => ({ item, isRecommendation: true });
  const said = (item: string) => ({ item, isRecommendation: false });
  const utterances: Utterance[] = [
    { index: 0, role: 'USER', mentions: [said('A')] },
    { index: 1, role: 'ASSISTANT', mentions: [rec('C'), rec('D')] },
    { index: 2, role: 'USER', mentions: [said('C')] },
    { index: 3, role: 'ASSISTANT', mentions: [rec('E')] },
  ];
  const scoresAt: Record<number, number[]> = {
    1: [0.9, 0.1, 0.5, 0.7, 0.3, 0.2],
    2: [0.4, 0.3, 0.9, 0.2, 0.6, 0.1],
    3: [0.2, 0.6, 0.8, 0.1, 0.5, 0.05],
  };

  function evaluate(mode: EvaluationMode, family: ModelFamily) {
    const acc = new RecommendationAccumulator(mode, family, [1, 3]);
    const turns = mergeTurns(utterances);
    const context: string[] = [];
    for (const turn of turns) {
      if (turnQualifies(turn, family) && turn.golds.length) scoreTurn(acc, { items, mode, ks: [1, 3] }, turn.golds, context, { scores: scoresAt[turn.t] });
      context.push(...turn.items);
    }
    const r = acc.result();
    return { samples: r.samples, hit1: round4(r.metrics['hit@1']), hit3: round4(r.metrics['hit@3']), mrr3: round4(r.metrics['mrr@3']), ndcg3: round4(r.metrics['ndcg@3']), repeated: r.repeatedGolds };
  }

  test('rankings from the scores', () => {
    const positions = [0, 1, 2, 3, 4, 5];
    expect(rankByScores(positions, scoresAt[1]).ranked.map((p) => items.items[p]).join('')).toBe('ADCEFB');
    expect(rankByScores(positions, scoresAt[2]).ranked.map((p) => items.items[p]).join('')).toBe('CEABDF');
    expect(rankByScores(positions, scoresAt[3]).ranked.map((p) => items.items[p]).join('')).toBe('CBEADF');
  });

  test('compat, recommender-turns: 3 samples, 0 / 1 / .3889 / .5436', () => {
    expect(evaluate('crslab-compat', 'recommender-turns')).toEqual({ samples: 3, hit1: 0, hit3: 1, mrr3: 0.3889, ndcg3: 0.5436, repeated: 0 });
  });

  test('compat, all-turns: 4 samples, .25 / 1 / .5417 / .6577', () => {
    expect(evaluate('crslab-compat', 'all-turns')).toEqual({ samples: 4, hit1: 0.25, hit3: 1, mrr3: 0.5417, ndcg3: 0.6577, repeated: 0 });
  });

  test('corrected, either family: 3 samples, .6667 / 1 / .8333 / .8770', () => {
    const expected = { samples: 3, hit1: 0.6667, hit3: 1, mrr3: 0.8333, ndcg3: 0.877 };
    expect(evaluate('corrected', 'recommender-turns')).toEqual({ ...expected, repeated: 0 });
    // The Seeker's C at t2 was mentioned at t1: dropped as a repeated gold.
    expect(evaluate('corrected', 'all-turns')).toEqual({ ...expected, repeated: 1 });
  });

  test('the same ranks from a ranked list as from scores', () => {
    const ranked = rankByScores([0, 1, 2, 3, 4, 5], scoresAt[3]);
    // t3, gold E, corrected: A, C, D masked → B, E, F → r = 1.
    expect(locateGold(ranked, 4, new Set([0, 2, 3]), 6).rank).toBe(1);
    expect(locateGold({ scores: scoresAt[3] }, 4, new Set([0, 2, 3]), 6).rank).toBe(1);
  });
});

describe('samples of a turn', () => {
  test('merging keeps an item twice in compat (two samples) and once in corrected', () => {
    const turns = mergeTurns([
      { index: 0, role: 'USER', mentions: [{ item: 'A', isRecommendation: false }] },
      { index: 1, role: 'ASSISTANT', mentions: [{ item: 'B', isRecommendation: true }] },
      { index: 2, role: 'USER', mentions: [{ item: 'C', isRecommendation: false }] },
      { index: 3, role: 'USER', mentions: [{ item: 'C', isRecommendation: false }, { item: 'C', isRecommendation: false }] },
    ]);
    expect(turns.map((t) => [t.t, t.index, t.golds])).toEqual([
      [0, 0, ['A']],
      [1, 1, ['B']],
      // Deduplicated within an utterance, not across the merged ones.
      [2, 2, ['C', 'C']],
    ]);
    expect(turnSamples(turns[2].golds, ['A', 'B'], 'crslab-compat').samples.map((s) => s.gold)).toEqual(['C', 'C']);
    expect(turnSamples(turns[2].golds, ['A', 'B'], 'corrected').samples.map((s) => s.gold)).toEqual(['C']);
  });

  test('a recommendation of an item mentioned earlier is not a gold; a non-recommendation mention is context only', () => {
    const turns = mergeTurns([
      { index: 0, role: 'USER', mentions: [{ item: 'A', isRecommendation: false }] },
      { index: 1, role: 'ASSISTANT', mentions: [{ item: 'A', isRecommendation: true }, { item: 'B', isRecommendation: true }, { item: 'X', isRecommendation: false }] },
    ]);
    expect(turns[1].golds).toEqual(['B']);
    expect(turns[1].items).toEqual(['A', 'B', 'X']);
  });

  test('a gold outside the item list is skipped and counted', () => {
    const acc = new RecommendationAccumulator('crslab-compat', 'recommender-turns', [1]);
    scoreTurn(acc, { items: new ItemList(['A', 'B']), mode: 'crslab-compat', ks: [1] }, ['Z', 'B'], [], { ranked: [1, 0] });
    const r = acc.result();
    expect(r.samples).toBe(1);
    expect(r.skipped).toEqual({ GOLD_NOT_IN_CANDIDATES: 1 });
    expect(r.metrics['hit@1']).toBe(1);
  });
});

describe('ties', () => {
  // Scores: A .5, B .9, C .5, D .5 — gold C ties with A and D.
  const scores = [0.5, 0.9, 0.5, 0.5];
  test('by item-list position: after A (earlier), before D', () => {
    expect(locateGold({ scores }, 2, new Set(), 4).rank).toBe(2);
    expect(locateGold(rankByScores([0, 1, 2, 3], scores), 2, new Set(), 4).rank).toBe(2);
  });
  test('pessimistic: after every candidate with the same score', () => {
    expect(locateGold({ scores }, 2, new Set(), 4, 'pessimistic').rank).toBe(3);
    expect(locateGold(rankByScores([0, 1, 2, 3], scores), 2, new Set(), 4, 'pessimistic').rank).toBe(3);
  });
  test('pessimistic ties apply in corrected mode only', () => {
    const items = new ItemList(['A', 'B', 'C', 'D']);
    const compat = new RecommendationAccumulator('crslab-compat', 'recommender-turns', [3]);
    scoreTurn(compat, { items, mode: 'crslab-compat', ks: [3], ties: 'pessimistic' }, ['C'], [], { scores });
    expect(compat.result().metrics['mrr@3']).toBeCloseTo(1 / 3, 12);
    const corrected = new RecommendationAccumulator('corrected', 'recommender-turns', [3]);
    scoreTurn(corrected, { items, mode: 'corrected', ks: [3], ties: 'pessimistic' }, ['C'], [], { scores });
    expect(corrected.result().metrics['mrr@3']).toBe(0);
  });
});

describe('truncated rankings (§1.6)', () => {
  const items = new ItemList(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J']);
  test('a gold in a top-3 list is exact at every k', () => {
    const outcome = locateGold({ ranked: [4, 2, 7] }, 7, new Set(), 10);
    expect(outcome).toEqual({ rank: 2, exactUpTo: Infinity });
    expect(sampleMetrics(outcome, [1, 3, 5], { mode: 'crslab-compat', itemCount: 10 })).toEqual({
      values: { 'hit@1': 0, 'mrr@1': 0, 'ndcg@1': 0, 'hit@3': 1, 'mrr@3': 1 / 3, 'ndcg@3': 0.5, 'hit@5': 1, 'mrr@5': 1 / 3, 'ndcg@5': 0.5 },
      approximate: false,
    });
  });
  test('a gold absent from a top-3 list is a miss, approximate beyond k = L − m', () => {
    // Corrected: one of the three listed items is masked (context), so only k ≤ 2 is exact.
    const outcome = locateGold({ ranked: [0, 1, 2] }, 9, new Set([1]), 10);
    expect(outcome).toEqual({ rank: null, exactUpTo: 2 });
    expect(sampleMetrics(outcome, [1, 2], { mode: 'corrected', itemCount: 10 }).approximate).toBe(false);
    expect(sampleMetrics(outcome, [1, 3], { mode: 'corrected', itemCount: 10 }).approximate).toBe(true);
    const acc = new RecommendationAccumulator('corrected', 'recommender-turns', [1, 3]);
    scoreTurn(acc, { items, mode: 'corrected', ks: [1, 3] }, ['J'], ['B'], { ranked: [0, 1, 2] });
    expect(acc.result()).toMatchObject({ samples: 1, approximate: true, metrics: { 'hit@3': 0 } });
  });
  test('compat does not compute a k larger than the item list', () => {
    const acc = new RecommendationAccumulator('crslab-compat', 'recommender-turns', [1, 10, 50]);
    scoreTurn(acc, { items, mode: 'crslab-compat', ks: [1, 10, 50] }, ['A'], [], { ranked: [0] });
    expect(Object.keys(acc.result().metrics)).toEqual(['hit@1', 'hit@10', 'mrr@1', 'mrr@10', 'ndcg@1', 'ndcg@10']);
  });
});
