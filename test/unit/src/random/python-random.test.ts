import { keyedSeed, PythonRandom } from '../../../../src/random/python-random';

// Vectors from docs/pipeline.md §12.1 and §3.4 (CPython 3 `random.seed(42)`).
describe('PythonRandom reproduces CPython random', () => {
  test('random() with seed 42', () => {
    const rng = new PythonRandom(42);
    expect([rng.random(), rng.random(), rng.random()]).toEqual([0.6394267984578837, 0.025010755222666936, 0.27502931836911926]);
  });

  test('getrandbits(32) with seed 42', () => {
    const rng = new PythonRandom(42);
    expect([rng.getrandbits(32), rng.getrandbits(32), rng.getrandbits(32)]).toEqual([2746317213, 478163327, 107420369]);
  });

  test('shuffle of 0..9 with seed 42', () => {
    expect(new PythonRandom(42).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual([7, 3, 2, 8, 5, 6, 9, 4, 0, 1]);
  });

  test('stereotype assignment indices with seed 42 (floor(random() × 5))', () => {
    const rng = new PythonRandom(42);
    expect(Array.from({ length: 10 }, () => rng.choiceIndex(5))).toEqual([3, 0, 1, 1, 3, 3, 4, 0, 2, 0]);
  });

  test('seeds wider than 32 bits use every word, as CPython does', () => {
    // CPython 3: random.seed(2**32 + 5); random.random()
    expect(new PythonRandom(2n ** 32n + 5n).random()).toBe(0.15727238718789782);
    expect(() => new PythonRandom(-1)).toThrow('non-negative');
  });

  test('other seeds and randbelow (CPython: random.Random(123456789).randrange(1000) × 5)', () => {
    const rng = new PythonRandom(7);
    expect(Array.from({ length: 10 }, () => rng.choiceIndex(5))).toEqual([1, 0, 3, 0, 2, 1, 0, 2, 0, 2]);
    const r = new PythonRandom(123456789);
    expect(Array.from({ length: 5 }, () => r.randbelow(1000))).toEqual([656, 452, 555, 726, 924]);
  });

  test('keyed sub-stream seeds are the first four SHA-256 bytes, big-endian (§12.3)', () => {
    // Python: int.from_bytes(hashlib.sha256(b'42:template:AFAKE:2').digest()[:4], 'big')
    expect(keyedSeed(42, 'template', 'AFAKE:2')).toBe(1006611406);
  });
});
