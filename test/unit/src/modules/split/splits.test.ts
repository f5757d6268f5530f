import { assignSplits, ratiosProblem } from '../../../../../src/modules/split/assign';

const units = Array.from({ length: 20 }, (_, i) => `d${String(i).padStart(2, '0')}`);
// docs/pipeline.md §9 test vector: even units in stratum A, odd ones in B; A appears first.
const stratum = (u: string) => (Number(u.slice(1)) % 2 === 0 ? 'A' : 'B');

test('the §9 test vector: 20 units in two strata, seed 42', () => {
  const r = assignSplits(units, stratum, 42);
  expect(r.valid).toEqual(['d13', 'd00']);
  expect(r.test).toEqual(['d19', 'd02']);
  expect(r.train).toEqual(['d12', 'd04', 'd03', 'd11', 'd06', 'd14', 'd17', 'd10', 'd08', 'd16', 'd01', 'd07', 'd15', 'd05', 'd09', 'd18']);
  expect(r.warnings).toEqual([]);
});

test('the same seed gives the same assignment; another seed another one; the input is not reordered', () => {
  const input = [...units];
  expect(assignSplits(input, stratum, 42)).toEqual(assignSplits(input, stratum, 42));
  expect(assignSplits(input, stratum, 7)).not.toEqual(assignSplits(input, stratum, 42));
  expect(input).toEqual(units);
});

test('sizes per stratum: n_test = n_valid = max(1, floor(r·n)); every unit lands in exactly one split', () => {
  // 25 units in A (floor(2.5) = 2 each), 5 in B (max(1, floor(0.5)) = 1 each).
  const many = Array.from({ length: 30 }, (_, i) => i);
  const r = assignSplits(many, (i) => (i < 25 ? 'A' : 'B'), 42);
  const count = (list: number[], s: 'A' | 'B') => list.filter((i) => (i < 25 ? 'A' : 'B') === s).length;
  expect([count(r.train, 'A'), count(r.valid, 'A'), count(r.test, 'A')]).toEqual([21, 2, 2]);
  expect([count(r.train, 'B'), count(r.valid, 'B'), count(r.test, 'B')]).toEqual([3, 1, 1]);
  expect([...r.train, ...r.valid, ...r.test].sort((a, b) => a - b)).toEqual(many);
});

test('a stratum of fewer than 3 units goes to train with SMALL_STRATUM and draws nothing from the generator', () => {
  const withSmall = [...units, 'x1', 'x2'];
  const r = assignSplits(withSmall, (u) => (u.startsWith('x') ? 'C' : stratum(u)), 42);
  expect(r.warnings).toEqual([{ code: 'SMALL_STRATUM', stratum: 'C', units: 2 }]);
  // Same draws for A and B as without C (a longer train list then shuffles differently).
  expect([...r.valid].sort()).toEqual(['d00', 'd13']);
  expect([...r.test].sort()).toEqual(['d02', 'd19']);
  expect(r.train).toHaveLength(18);
  expect(r.train).toEqual(expect.arrayContaining(['x1', 'x2']));
});

test('other ratios generalise step 4 with floor(r·n); a zero ratio asks for none', () => {
  const r = assignSplits(units, () => 'A', 42, { train: 0.6, valid: 0.2, test: 0.2 });
  expect([r.train.length, r.valid.length, r.test.length]).toEqual([12, 4, 4]);
  const none = assignSplits(units, () => 'A', 42, { train: 0.9, valid: 0, test: 0.1 });
  expect([none.train.length, none.valid.length, none.test.length]).toEqual([18, 0, 2]);
});

test('ratios must each lie in [0, 1] and sum to 1', () => {
  expect(ratiosProblem({ train: 0.7, valid: 0.2, test: 0.1 })).toBeNull();
  expect(ratiosProblem({ train: 0.8, valid: 0.1, test: 0.2 })).toMatch(/must be 1, got 1\.1/);
  expect(ratiosProblem({ train: 1.2, valid: -0.1, test: -0.1 })).toMatch(/train must be between 0 and 1/);
  expect(() => assignSplits(units, stratum, 42, { train: 0.5, valid: 0.1, test: 0.1 })).toThrow(RangeError);
});
