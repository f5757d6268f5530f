import { meanPairwiseCosine, pythonSampleIndices, tfidfEmbedder } from '../../../../src/evaluation/diversity';
import { lineChartSvg } from '../../../../src/evaluation/svg-chart';
import { keyedRandom, keyedSeed, PythonRandom } from '../../../../src/random/python-random';

describe('mean pairwise cosine (docs/metrics.md §5)', () => {
  test('worked example: (1,0), (0,1), (0.6,0.8) → 0.4667', () => {
    expect(meanPairwiseCosine([[1, 0], [0, 1], [0.6, 0.8]])).toBeCloseTo((0 + 0.6 + 0.8) / 3, 12);
    expect(meanPairwiseCosine([[1, 0], [0, 1], [0.6, 0.8]])).toBeCloseTo(0.4667, 4);
  });

  test('the squared-norm formula equals the pairwise mean on random, unnormalised vectors', () => {
    const rng = new PythonRandom(7);
    for (const [n, d] of [[2, 3], [5, 8], [40, 16]]) {
      const vectors = Array.from({ length: n }, () => Array.from({ length: d }, () => rng.random() * 2 - 1));
      const cos = (a: number[], b: number[]) => {
        const dot = a.reduce((s, x, i) => s + x * b[i], 0);
        return dot / (Math.hypot(...a) * Math.hypot(...b));
      };
      let sum = 0;
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sum += cos(vectors[i], vectors[j]);
      expect(meanPairwiseCosine(vectors)).toBeCloseTo(sum / ((n * (n - 1)) / 2), 10);
      // sparse vectors give the same value as their dense form
      const sparse = vectors.map((v) => ({ indices: v.map((_, i) => i * 3), values: v }));
      expect(meanPairwiseCosine(sparse)).toBeCloseTo(sum / ((n * (n - 1)) / 2), 10);
    }
  });

  test('a zero vector counts as cosine 0 with everything', () => {
    // pairs: (a,b)=1, (a,0)=0, (b,0)=0 → 1/3
    expect(meanPairwiseCosine([[1, 1], [2, 2], [0, 0]])).toBeCloseTo(1 / 3, 12);
  });
});

describe('keyed sampling reproduces CPython random.sample', () => {
  test('purpose "diversity", key "3", seed 42 (values from CPython 3)', () => {
    expect(keyedSeed(42, 'diversity', '3')).toBe(1888152079);
    // random.Random(1888152079).sample(range(10), 4) and .sample(range(1000), 10)
    expect(pythonSampleIndices(keyedRandom(42, 'diversity', '3'), 10, 4)).toEqual([1, 0, 2, 4]);
    expect(pythonSampleIndices(keyedRandom(42, 'diversity', '3'), 1000, 10)).toEqual([736, 879, 80, 42, 615, 552, 185, 549, 563, 354]);
    // random.Random(7).sample(range(30), 6): the pool branch
    expect(pythonSampleIndices(new PythonRandom(7), 30, 6)).toEqual([10, 4, 12, 20, 1, 2]);
  });
});

describe('TF-IDF embedder (sklearn TfidfVectorizer(sublinear_tf=True) semantics)', () => {
  test('weights by hand: two documents', async () => {
    // docs: "the cat the" and "the dog"; N = 2; idf(the) = ln(3/3) + 1 = 1; idf(cat) = idf(dog) = ln(3/2) + 1
    const [a, b] = (await tfidfEmbedder().embed(['The cat the', 'the dog'])) as Array<{ indices: number[]; values: number[] }>;
    const idf = Math.log(1.5) + 1;
    const tfThe = 1 + Math.log(2);
    const normA = Math.hypot(tfThe, idf);
    expect(a.values).toEqual([tfThe / normA, idf / normA].map((x) => expect.closeTo(x, 12)));
    // the shared term "the" is index 0 in both
    expect(b.indices).toEqual([0, 2]);
    expect(meanPairwiseCosine([a, b])).toBeCloseTo((tfThe / normA) * (1 / Math.hypot(1, idf)), 12);
  });
});

describe('SVG line chart', () => {
  test('has axes, ticks for every turn and one point per value; text is escaped', () => {
    const svg = lineChartSvg({ title: 'S_t <by turn>', xLabel: 'turn', yLabel: 'similarity', points: [1, 2, 3].map((x) => ({ x, y: x / 10 })), yMax: 1 });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('S_t &lt;by turn&gt;');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    for (const tick of ['>1</text>', '>2</text>', '>3</text>', '>0.2</text>', '>1</text>']) expect(svg).toContain(tick);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });
});
