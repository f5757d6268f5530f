import {
  cleanFuzzyTitle,
  findFuzzyTitle,
  levenshtein,
  rankByTitles,
  splitAnswer,
  TitleIndex,
} from '../../../../generator/goal-template/fuzzy-title';

// docs/metrics.md §2 worked example.
const ITEMS = ['Inception', 'The Dark Knight', 'The Dark Knight Rises', 'Paddington', 'Paddington 2'].map((title) => ({ key: title, title }));
const ANSWER = 'Here are some ideas:\n1. Incepton (2010)\n2. The Dark Night\n3. Paddington 3\n4. Dunkirk';

describe('fuzzy title matching (docs/metrics.md §2)', () => {
  test('Levenshtein distances of the worked example', () => {
    const distances = (entry: string) => ITEMS.map((i) => levenshtein(entry.toLowerCase(), i.title.toLowerCase()));
    expect(distances('Incepton')).toEqual([1, 14, 19, 7, 9]);
    expect(distances('The Dark Night')).toEqual([13, 1, 7, 12, 13]);
    expect(distances('Paddington 3')).toEqual([10, 13, 17, 2, 1]);
    expect(distances('Dunkirk')).toEqual([8, 12, 17, 8, 10]);
    expect(levenshtein('kitten', 'sitting', 1)).toBe(2); // bounded: stops above max
    expect(levenshtein('amélie', 'amelie')).toBe(1);
  });

  test('split and clean: preamble before "1.", parenthesised parts and enumerators removed', () => {
    expect(splitAnswer(ANSWER)).toEqual({ preamble: 'Here are some ideas:', entries: ['Incepton', 'The Dark Night', 'Paddington 3', 'Dunkirk'] });
    expect(splitAnswer('Inception, Paddington 2 (2017)\nUp')).toEqual({ preamble: '', entries: ['Inception', 'Paddington 2', 'Up'] });
    expect(['3) - Up', '4、Heat', '  The  Thing (1982) (Remastered) ', '10.Alien'].map(cleanFuzzyTitle)).toEqual(['Up', 'Heat', 'The Thing', 'Alien']);
  });

  test('ranking of the worked example: Inception, The Dark Knight, Paddington 2 (Dunkirk filtered; tie went to Inception)', () => {
    const r = rankByTitles(ANSWER, ITEMS);
    expect(r.ranking).toEqual(['Inception', 'The Dark Knight', 'Paddington 2']);
    expect(r.preamble).toBe('Here are some ideas:');
    expect(r.entries[3]).toEqual({ entry: 'Dunkirk', nearest: { key: 'Inception', index: 0, distance: 8 }, kept: false });
    expect(rankByTitles(ANSWER, ITEMS, { filter: false }).ranking).toEqual(['Inception', 'The Dark Knight', 'Paddington 2']); // Dunkirk → Inception again, deduplicated
    expect(rankByTitles(ANSWER, ITEMS, { filter: false, keepDuplicates: true }).ranking).toEqual(['Inception', 'The Dark Knight', 'Paddington 2', 'Inception']);
    expect(rankByTitles(ANSWER, ITEMS, { exclude: new Set(['The Dark Knight']) }).ranking).toEqual(['Inception', 'Paddington 2']);
  });

  test('items sharing a cleaned title map to the earliest; counted as ambiguous', () => {
    const index = new TitleIndex([
      { key: 'a', title: 'Heat (1995)' },
      { key: 'b', title: 'Heat' },
      { key: 'c', title: 'Up' },
    ]);
    expect(index.ambiguousTitles).toBe(1);
    expect(index.nearest('heat')).toEqual({ key: 'a', index: 0, distance: 0 });
  });

  describe('findFuzzyTitle (GOLD_NOT_RECOMMENDED)', () => {
    test('exact (any case, word-bounded), or within 2 edits over whole words', () => {
      expect(findFuzzyTitle('You should watch "paddington 2" tonight.', 'Paddington 2')).toEqual({ start: 18, end: 30, distance: 0 });
      expect(findFuzzyTitle('Try The Dark Night, it is great.', 'The Dark Knight (2008)')).toEqual({ start: 4, end: 18, distance: 1 });
      expect(findFuzzyTitle('Try Shaun the Sheep Movies!', 'Shaun the Sheep Movie')!.distance).toBe(1);
      expect(findFuzzyTitle('Try The Dork Nigh today', 'The Dark Knight')).toBeNull(); // 3 edits
      expect(findFuzzyTitle('I liked Paddington 23 a lot', 'Paddington 2')!.distance).toBe(1);
    });

    test("short titles must match exactly; another item's mention is not reused", () => {
      expect(findFuzzyTitle('Would you like us to help?', 'Up')).toBeNull();
      expect(findFuzzyTitle('Would you like Up?', 'Up')).toMatchObject({ distance: 0 });
      const text = 'You liked Paddington, so try another.';
      expect(findFuzzyTitle(text, 'Paddington 2')).toMatchObject({ distance: 2 });
      expect(findFuzzyTitle(text, 'Paddington 2', { exclude: [{ start: 10, end: 20 }] })).toBeNull();
    });
  });
});
