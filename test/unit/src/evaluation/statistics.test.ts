import { CountHistogram } from '../../../../src/evaluation/distribution';
import { HashedStringSet } from '../../../../src/evaluation/hashed-set';

describe('CountHistogram', () => {
  test('min, max, mean, median and p90 as numpy (linear interpolation), fixed bins', () => {
    const h = new CountHistogram('tokensPerUtterance', [0, 5, 10]);
    for (const v of [2, 5, 3, 1, 1, 12]) h.add(v);
    // sorted 1 1 2 3 5 12: median (2 + 3) / 2; p90 at rank 4.5 → 5 + 0.5 × 7
    expect(h.summary()).toEqual({
      field: 'tokensPerUtterance', count: 6, min: 1, max: 12, mean: 4, median: 2.5, p90: 8.5,
      bins: [{ from: 0, to: 5, count: 4 }, { from: 5, to: 10, count: 1 }, { from: 10, to: null, count: 1 }],
    });
  });
  test('empty', () => {
    expect(new CountHistogram('x', [1, 2]).summary()).toMatchObject({ count: 0, median: 0, bins: [{ from: 1, to: 2, count: 0 }, { from: 2, to: null, count: 0 }] });
  });
});

describe('HashedStringSet', () => {
  test('counts distinct strings exactly across growth (200,000 strings, many repeated)', () => {
    const set = new HashedStringSet(16);
    const exact = new Set<string>();
    for (let i = 0; i < 300_000; i++) {
      const s = `w${(i * 7919) % 200_000}\u0000x${i % 3 === 0 ? 'a' : ''}`;
      set.add(s);
      exact.add(s);
    }
    expect(set.size).toBe(exact.size);
    set.add('');
    set.add('');
    expect(set.size).toBe(exact.size + 1);
  });
});
