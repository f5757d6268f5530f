import { averageRanks, bootstrapInterval, bradleyTerry, kendallTauB, spearman, wilsonInterval } from '../../../../src/evaluation/agreement';

// Expected values computed by hand (and as scipy.stats gives them).
describe('rank correlations', () => {
  const x = [1, 2, 3, 4, 5];
  const y = [5, 6, 7, 8, 7];

  test('average ranks give ties the mean of their ranks', () => {
    expect(averageRanks(y)).toEqual([1, 2, 3.5, 5, 3.5]);
  });

  test('Spearman: Pearson of average ranks, 8 / √95 here', () => {
    // dx = [-2,-1,0,1,2], dy = [-2,-1,0.5,2,0.5]: Σdxdy = 8, Σdx² = 10, Σdy² = 9.5
    expect(spearman(x, y)).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(spearman(x, [...x].reverse())).toBeCloseTo(-1, 12);
  });

  test('Kendall tau-b: 8 concordant, 1 discordant, 1 tie in y → 7 / √90', () => {
    expect(kendallTauB(x, y)).toBeCloseTo(7 / Math.sqrt(90), 12);
    expect(kendallTauB(x, x)).toBe(1);
  });

  test('undefined coefficients are null, not NaN', () => {
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(kendallTauB([1], [2])).toBeNull();
  });
});

describe('bootstrap intervals', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const y = [2, 1, 4, 3, 6, 5, 8, 7, 10, 9];

  test('are seeded: the same seed gives the same interval, another seed another one', () => {
    const a = bootstrapInterval(x, y, spearman, { seed: 7, resamples: 500 });
    expect(bootstrapInterval(x, y, spearman, { seed: 7, resamples: 500 })).toEqual(a);
    expect(bootstrapInterval(x, y, spearman, { seed: 8, resamples: 500 })).not.toEqual(a);
    expect(a!.low).toBeLessThanOrEqual(spearman(x, y)!);
    expect(a!.high).toBeLessThanOrEqual(1);
    expect(a!.low).toBeGreaterThan(0.5);
  });

  test('are null for fewer than two points', () => {
    expect(bootstrapInterval([1], [1], spearman)).toBeNull();
  });
});

test('Wilson interval of 8 of 10 is (0.4902, 0.9433)', () => {
  const w = wilsonInterval(8, 10)!;
  expect(w.low).toBeCloseTo(0.4902, 4);
  expect(w.high).toBeCloseTo(0.9433, 4);
  expect(wilsonInterval(0, 0)).toBeNull();
  expect(wilsonInterval(0, 5)!.low).toBe(0);
});

describe('Bradley–Terry', () => {
  test('two players, 3 wins to 1: strengths 3/4 and 1/4', () => {
    const p = bradleyTerry([
      [0, 3],
      [1, 0],
    ]);
    expect(p[0]).toBeCloseTo(0.75, 6);
    expect(p[1]).toBeCloseTo(0.25, 6);
  });

  test('a balanced round robin gives equal strengths; a dominant player is strongest', () => {
    for (const v of bradleyTerry([[0, 1, 1], [1, 0, 1], [1, 1, 0]])) expect(v).toBeCloseTo(1 / 3, 6);
    const p = bradleyTerry([[0, 4, 4], [1, 0, 2], [1, 2, 0]]);
    expect(p[0]).toBeGreaterThan(p[1]);
    expect(p[1]).toBeCloseTo(p[2], 6);
    expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
  });
});
