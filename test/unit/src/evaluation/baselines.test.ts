import { Bm25Baseline, bm25Tokens, CooccurrenceBaseline, itemDocumentText, PopularityBaseline } from '../../../../src/evaluation/baselines';
import { ItemList, locateGold, RecommendationAccumulator, scoreTurn } from '../../../../src/evaluation/recommendation';

describe('BM25 (k1 = 1.2, b = 0.75) on a three-item catalogue', () => {
  // Documents: 0 "space war" (2 tokens), 1 "Space, space love" (3), 2 "love story" (2); avgdl = 7/3.
  const bm25 = new Bm25Baseline(['space war', 'Space, space love', 'love story']);

  test('idf = ln(1 + (N − n + 0.5) / (n + 0.5))', () => {
    expect(bm25.idf('space')).toBeCloseTo(Math.log(1.6), 12); // n = 2 of N = 3
    expect(bm25.idf('war')).toBeCloseTo(Math.log(1 + 2.5 / 1.5), 12); // n = 1
    expect(bm25.idf('absent')).toBeCloseTo(Math.log(1 + 3.5 / 0.5), 12);
  });

  test('scores for the query "space love love" (distinct terms; hand-computed)', () => {
    const scores = bm25.scores({ text: 'Space love, LOVE' });
    // doc 0: space tf 1, |D| 2: ln 1.6 × 2.2 / (1 + 1.2 × (0.25 + 0.75 × 2 / (7/3))) = 0.499176
    // doc 1: space tf 2, |D| 3: ln 1.6 × 4.4 / (2 + 1.457143) = 0.598186; love tf 1: ln 1.6 × 2.2 / 2.457143 = 0.420817
    // doc 2: love tf 1, |D| 2: as doc 0
    expect(Array.from(scores).map((s) => Number(s.toFixed(6)))).toEqual([0.499176, 1.019004, 0.499176]);
  });

  test('a query with no catalogue word scores every item 0', () => {
    expect(Array.from(bm25.scores({ text: 'nothing here' }))).toEqual([0, 0, 0]);
  });

  test('tokens and item text', () => {
    expect(bm25Tokens('Amélie, l’Inconnue: 2-Part')).toEqual(['amélie', 'l', 'inconnue', '2', 'part']);
    expect(itemDocumentText({ title: 'Inception', genres: ['Sci-Fi'], keywords: ['dream'], cast: ['Elliot Page'], directors: ['Christopher Nolan'], overview: 'A thief.' })).toBe(
      'Inception Sci-Fi dream Elliot Page Christopher Nolan A thief.',
    );
  });
});

describe('item co-occurrence from users’ histories', () => {
  // Items 0..3. Histories: u1 {0, 1, 2}, u2 {0, 1}, u3 {1, 3, 3}.
  const co = new CooccurrenceBaseline(4);
  co.addHistory([0, 1, 2]);
  co.addHistory([0, 1]);
  co.addHistory([1, 3, 3]);

  test('counts users sharing both items, symmetric, repeats ignored', () => {
    expect(co.cooccurrence(0, 1)).toBe(2);
    expect(co.cooccurrence(1, 0)).toBe(2);
    expect(co.cooccurrence(1, 3)).toBe(1);
    expect(co.cooccurrence(0, 3)).toBe(0);
    expect(co.cooccurrence(3, 3)).toBe(0);
  });

  test('a candidate scores the sum over distinct context items', () => {
    // Context {0, 2}: item 1 → co(0,1) + co(2,1) = 2 + 1; item 2 → co(0,2) = 1; item 0 → co(2,0) = 1; item 3 → 0.
    expect(Array.from(co.scores({ items: [0, 2, 0], text: '' }))).toEqual([1, 3, 1, 0]);
  });
});

describe('popularity', () => {
  test('gold counts rank the items; ties by item-list position', () => {
    const pop = new PopularityBaseline(4);
    for (const p of [2, 2, 3, 1, 3]) pop.addGold(p);
    // Counts: 0 → 0, 1 → 1, 2 → 2, 3 → 2. Ranking: 2, 3, 1, 0.
    expect(locateGold({ scores: pop.scores() }, 3, new Set(), 4).rank).toBe(1);
    expect(locateGold({ scores: pop.scores() }, 0, new Set(), 4).rank).toBe(3);
    const acc = new RecommendationAccumulator('corrected', 'recommender-turns', [1]);
    // Corrected: context item 2 masked → 3 first.
    scoreTurn(acc, { items: new ItemList(['A', 'B', 'C', 'D']), mode: 'corrected', ks: [1] }, ['D'], ['C'], { scores: pop.scores() });
    expect(acc.result().metrics['hit@1']).toBe(1);
  });
});
