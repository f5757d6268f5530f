import { distinctComparison, normalisedDistinct } from '../../../../src/evaluation/distinct';

/*
 * Hand-computed fixture (docs/metrics.md §5.1). Utterances "A b a", "" (dropped), "b c", "a b c d";
 * 4 tokens per run, 3 runs, seed 42. CPython: random.seed(42); u = [[a,b,a],[b,c],[a,b,c,d]];
 * three random.shuffle(u) calls give the orders
 *   run 1: [b c], [a b a], [a b c d] → first 4 tokens: "b c" + "a b"  → unigrams b c a b: 3/4; bigrams bc, ab: 2/2
 *   run 2: [a b c d], [a b a], [b c] → "a b c d"                       → 4/4; bigrams ab bc cd: 3/3
 *   run 3: [a b a], [b c], [a b c d] → "a b a" + "b"                   → a b a b: 2/4; bigrams ab ba: 2/2 ("b" alone has none)
 * dist@1 = (0.75 + 1 + 0.5) / 3 = 0.75; dist@2 = 1.
 */
const texts = ['A b a', '', 'b c', 'a b c d'];

test('length-normalised Distinct-n matches the hand computation (CPython shuffle order)', () => {
  const r = normalisedDistinct(texts, { tokens: 4, runs: 3, seed: 42, ns: [1, 2] });
  expect(r.metrics['dist@1']).toBeCloseTo(0.75, 12);
  expect(r.metrics['dist@2']).toBeCloseTo(1, 12);
  expect(r).toMatchObject({ tokensUsed: 4, comparable: true, tokens: 4, runs: 3, seed: 42 });
  // One run only: run 1's values.
  expect(normalisedDistinct(texts, { tokens: 4, runs: 1, seed: 42, ns: [1] }).metrics['dist@1']).toBeCloseTo(0.75, 12);
});

test('a corpus shorter than the token budget is flagged as not comparable', () => {
  const r = normalisedDistinct(texts, { ns: [1] });
  expect(r).toMatchObject({ tokensUsed: 9, comparable: false, tokens: 7012, runs: 100, seed: 42 });
  // Every run then sees all 9 tokens (lower-cased: a b a b c a b c d): 4 distinct.
  expect(r.metrics['dist@1']).toBeCloseTo(4 / 9, 12);
});

test('corrected and CRSLab-compat Dist next to it (docs/metrics.md §3.4 example)', () => {
  const c = distinctComparison(['a b a', 'a c'], { tokens: 5, runs: 1 });
  expect(c.utterances).toBe(2);
  expect(c.tokens).toBe(5);
  expect(c.corrected['dist@1']).toBeCloseTo(0.6, 12);
  expect(c.corrected['dist@2']).toBeCloseTo(1, 12);
  expect(c.crslabCompat['dist@1']).toBeCloseTo(2, 12);
  expect(c.crslabCompat['dist@2']).toBeCloseTo(2.5, 12);
  // All five tokens in every run: the corrected ratio again.
  expect(c.normalised.metrics['dist@1']).toBeCloseTo(0.6, 12);
});
