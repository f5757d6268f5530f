import { BeyondAccuracyAccumulator, gini, headItems, jaccardDistance, topK } from '../../../../src/evaluation/beyond-accuracy';

/*
 * Hand-computed fixture (docs/metrics.md §10.2). Catalogue of 5 items, train counts 6, 2, 1, 1, 0
 * (T = 10). Head: 0 (6), then 1 (cumulative 8 = 80 % of 10): {0, 1}. Features: 0 {drama, war},
 * 1 {drama}, 2 {comedy}, 3 none, 4 {comedy, family}. Lists: [0, 2, 4], [0, 1, 3], [2, 3].
 */
const popularity = [6, 2, 1, 1, 0];
const features = [new Set(['drama', 'war']), new Set(['drama']), new Set(['comedy']), new Set<string>(), new Set(['comedy', 'family'])];
const lists = [[0, 2, 4], [0, 1, 3], [2, 3]];
const novelty = (c: number) => -Math.log2((c + 1) / (10 + 5));

test('head = the most popular items holding 80 % of train interactions', () => {
  expect([...headItems(popularity)]).toEqual([0, 1]);
  // Ties by item-list position; never-seen items are never head.
  expect([...headItems([1, 1, 1, 1, 1])]).toEqual([0, 1, 2, 3]);
  expect([...headItems([0, 0])]).toEqual([]);
});

test('Gini, Jaccard distance and top-k', () => {
  expect(gini([2, 1, 2, 1, 0])).toBeCloseTo(1 / 3, 12);
  expect(gini([1, 1, 1])).toBe(0);
  expect(gini([0, 0, 5])).toBeCloseTo(2 / 3, 12);
  expect(gini([0, 0])).toBeNull();
  expect(jaccardDistance(new Set(['a', 'b']), new Set(['b']))).toBe(0.5);
  expect(topK([0.1, 0.9, 0.5, 0.9, 0.2], 3)).toEqual([1, 3, 2]);
  expect(topK([0.1, 0.9, 0.5, 0.9, 0.2], 3, new Set([1]))).toEqual([3, 2, 4]);
});

test('coverage, Gini, ARP, long-tail share, novelty and ILD at k = 2 and 3 match the hand computation', () => {
  const acc = new BeyondAccuracyAccumulator({ catalogueSize: 5, popularity, features, ks: [2, 3] });
  for (const l of lists) acc.add(l);
  acc.add([]); // an empty list is not a list
  const { lists: n, metrics } = acc.result();
  expect(n).toBe(3);
  // k = 2: tops [0,2], [0,1], [2,3].
  expect(metrics['coverage@2']).toBeCloseTo(4 / 5, 9); // {0,1,2,3}
  expect(metrics['gini@2']).toBeCloseTo(1 / 3, 9); // exposure 2,1,2,1,0 → sorted 0,1,1,2,2: (−2 + 4 + 8) / (5 · 6)
  expect(metrics['arp@2']).toBeCloseTo((3.5 + 4 + 1) / 3, 9);
  expect(metrics['long_tail@2']).toBeCloseTo((0.5 + 0 + 1) / 3, 9);
  expect(metrics['novelty@2']).toBeCloseTo(((novelty(6) + novelty(1)) / 2 + (novelty(6) + novelty(2)) / 2 + novelty(1)) / 3, 9);
  expect(metrics['novelty@2']).toBeCloseTo(2.206945204802458, 9);
  expect(metrics['ild@2']).toBeCloseTo((1 + 0.5) / 2, 9); // [2,3] has no pair with metadata on both sides
  // k = 3: tops [0,2,4], [0,1,3], [2,3].
  expect(metrics['coverage@3']).toBe(1);
  expect(metrics['gini@3']).toBeCloseTo(6 / 40, 9); // exposure 2,1,2,2,1 → sorted 1,1,2,2,2: (−4 − 2 + 0 + 4 + 8) / (5 · 8)
  expect(metrics['arp@3']).toBeCloseTo((7 / 3 + 3 + 1) / 3, 9);
  expect(metrics['long_tail@3']).toBeCloseTo((2 / 3 + 1 / 3 + 1) / 3, 9);
  expect(metrics['novelty@3']).toBeCloseTo(2.551371446182256, 9);
  expect(metrics['ild@3']).toBeCloseTo(((1 + 1 + 0.5) / 3 + 0.5) / 2, 9);
});

test('no lists: every metric is null', () => {
  const { lists: n, metrics } = new BeyondAccuracyAccumulator({ catalogueSize: 5, popularity, ks: [1] }).result();
  expect(n).toBe(0);
  expect(Object.values(metrics).every((v) => v === null)).toBe(true);
});
