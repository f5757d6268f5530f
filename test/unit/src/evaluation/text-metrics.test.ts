import {
  bleuAtK,
  CharacterDistinct,
  cumulativeBleu,
  f1Score,
  GenerationMetricsAccumulator,
  splitOnSpace,
  splitOnWhitespace,
  TokenDistinct,
} from '../../../../src/evaluation/text-metrics';

// docs/metrics.md §3.7, compat tokenization: BLEU splits on single spaces, F1 on whitespace runs.
const table: Array<[string, string, number[], number | undefined]> = [
  ['you will love this movie', 'i am sure you will love this film', [0.439049, 0.411609, 0.365874, 0.274406], 0.615385],
  ['i think you will love this movie', 'i am sure you will love it', [0.571429, 0.333333, 0.2, 0], 0.571429],
  ['the the the', 'the cat', [0.333333, 0, 0, 0], 0.4],
  ['great pick', 'you should watch it', [0, 0, 0, 0], 0],
];

describe('BLEU@k and F1 reproduce the §3.7 table (nltk sentence_bleu, no smoothing)', () => {
  test.each(table)('%s | %s', (hyp, ref, bleus, f1) => {
    for (let k = 1; k <= 4; k++) {
      expect(bleuAtK(splitOnSpace(hyp), [splitOnSpace(ref)], k)).toBeCloseTo(bleus[k - 1], 6);
    }
    expect(f1Score(splitOnWhitespace(hyp), [splitOnWhitespace(ref)])).toBeCloseTo(f1!, 6);
  });

  test('two consecutive spaces make an empty BLEU token: p1 = 2/3, BP = exp(1 − 8/3)', () => {
    const hyp = splitOnSpace('you  will');
    expect(hyp).toEqual(['you', '', 'will']);
    expect(bleuAtK(hyp, [splitOnSpace('i am sure you will love this film')], 1)).toBeCloseTo(0.125917, 6);
    // F1 splits on whitespace runs, so the empty token does not exist there.
    expect(splitOnWhitespace('you  will')).toEqual(['you', 'will']);
  });

  test('zero precision is exactly 0, not nltk’s 2.2e-308', () => {
    expect(bleuAtK(['i', 'think', 'you'], [['i', 'am', 'sure']], 2)).toBe(0);
  });

  test('brevity penalty uses the closest reference length (ties: the shorter); F1 the best reference', () => {
    const hyp = splitOnSpace('a b c d');
    // lengths 2 and 6 are both 2 away from 4: the shorter (2) wins, c > r, BP = 1.
    expect(bleuAtK(hyp, [['a', 'b'], ['a', 'b', 'c', 'd', 'e', 'f']], 1)).toBeCloseTo(1, 12);
    // only the 6-token reference: BP = exp(1 − 6/4).
    expect(bleuAtK(hyp, [['a', 'b', 'c', 'd', 'e', 'f']], 1)).toBeCloseTo(Math.exp(-0.5), 12);
    expect(f1Score(hyp, [['x'], ['a', 'b']])).toBeCloseTo((2 * 0.5 * 1) / 1.5, 12);
  });
});

describe('cumulative BLEU (corrected mode)', () => {
  const hyp = splitOnWhitespace('you will love this movie');
  const ref = [splitOnWhitespace('i am sure you will love this film')];
  test('row 1: bleu_cum@2 = 0.425108, bleu_cum@4 = 0.367012', () => {
    expect(cumulativeBleu(hyp, ref, 1)).toBeCloseTo(0.439049, 6);
    expect(cumulativeBleu(hyp, ref, 2)).toBeCloseTo(0.425108, 6);
    expect(cumulativeBleu(hyp, ref, 4)).toBeCloseTo(0.367012, 6);
  });
  test('0 when any p_n is 0', () => {
    expect(cumulativeBleu(splitOnWhitespace('i think you will love this movie'), [splitOnWhitespace('i am sure you will love it')], 4)).toBe(0);
  });
});

describe('Dist@k (§3.7 table: hypotheses "a b a" and "a c")', () => {
  test('compat counts distinct character k-grams per hypothesis', () => {
    const dist = new CharacterDistinct([1, 2]);
    dist.add('a b a');
    dist.add('a c');
    dist.add(''); // empty hypotheses do not count
    expect(dist.result()).toEqual({ 'dist@1': 2.0, 'dist@2': 2.5 });
  });
  test('corrected: token ratio and count', () => {
    const dist = new TokenDistinct([1, 2]);
    dist.add(['a', 'b', 'a']);
    dist.add(['a', 'c']);
    expect(dist.result()).toEqual({ 'dist@1': 0.6, 'dist_count@1': 1.5, 'dist@2': 1.0, 'dist_count@2': 1.5 });
  });
});

describe('GenerationMetricsAccumulator', () => {
  test('means over samples in both modes, empty hypotheses skipped', () => {
    const acc = new GenerationMetricsAccumulator();
    for (const [hyp, ref] of table) acc.add(hyp, [ref]);
    acc.add('', ['anything']);
    const compat = acc.result('crslab-compat');
    expect(compat.samples).toBe(4);
    expect(compat.skipped).toEqual({ EMPTY_HYPOTHESIS: 1 });
    expect(compat.metrics['bleu@1']).toBeCloseTo((0.439049 + 0.571429 + 0.333333 + 0) / 4, 6);
    expect(compat.metrics['bleu@4']).toBeCloseTo(0.274406 / 4, 6);
    expect(compat.metrics.f1).toBeCloseTo((0.615385 + 0.571429 + 0.4) / 4, 6);
    expect(compat.metrics['bleu_cum@2']).toBeUndefined();
    // distinct characters of the four hypotheses ÷ 4
    const chars = new Set(table.map((r) => r[0]).join(''));
    expect(compat.metrics['dist@1']).toBeCloseTo(chars.size / 4, 12);

    const corrected = acc.result('corrected');
    expect(corrected.samples).toBe(4);
    expect(corrected.metrics['bleu_cum@4']).toBeCloseTo(0.367012 / 4, 6);
    // tokens: 5 + 7 + 3 + 2 = 17; distinct: you will love this movie i think the great pick = 10
    expect(corrected.metrics['dist@1']).toBeCloseTo(10 / 17, 12);
    expect(corrected.metrics['dist_count@1']).toBeCloseTo(10 / 4, 12);
  });

  test('corrected mode lower-cases and tokenizes when asked; compat does not', () => {
    const acc = new GenerationMetricsAccumulator({ lowercase: true, tokenize: (s) => s.match(/\w+|[^\w\s]/gu) ?? [] });
    acc.add('Great  movie!', ['great movie !']);
    expect(acc.result('corrected').metrics['bleu@1']).toBe(1);
    const compat = acc.result('crslab-compat').metrics;
    // compat: ["Great", "", "movie!"] against ["great", "movie", "!"]: no unigram match
    expect(compat['bleu@1']).toBe(0);
    expect(compat.f1).toBe(0);
  });
});
