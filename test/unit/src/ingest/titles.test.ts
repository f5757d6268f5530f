import { cleanTitle, findTitleMentions, isWordBounded, titleCandidates } from '../../../../src/ingest/titles';

describe('cleanTitle (docs/pipeline.md §2.7)', () => {
  it.each([
    ['Amélie (2001) [Blu-ray]', 'Amélie'], // the spec's example
    ['Paddington 2 [Blu-ray]', 'Paddington 2'],
    ['Paddington 2', 'Paddington 2'],
    ['  Léon:   The Professional  ', 'Léon: The Professional'],
    ['The Thing (1982) (Collector’s Edition)', 'The Thing'],
    ['Alien (Director’s Cut [Remastered])', 'Alien'], // nested: innermost first
    ['Heat [DVD (Widescreen)] (1995)', 'Heat'],
    ['Foo(bar)Baz', 'FooBaz'],
    ['Before (a) middle [b] after', 'Before middle after'],
    ['Tabs\tand\nnewlines', 'Tabs and newlines'],
    ['(500) Days of Summer', 'Days of Summer'],
    ['Unbalanced (part', 'Unbalanced (part'],
    ['Unbalanced part)', 'Unbalanced part)'],
    ['Crossed [a(b]c)', 'Crossed [a(b]c)'],
  ])('%j → %j', (title, cleaned) => {
    expect(cleanTitle(title)).toBe(cleaned);
  });

  it('falls back to the trimmed original when nothing would be left', () => {
    expect(cleanTitle('  [REC]  ')).toBe('[REC]');
    expect(cleanTitle('(500)')).toBe('(500)');
    expect(cleanTitle('   ')).toBe('');
  });

  it('is idempotent', () => {
    for (const t of ['Amélie (2001) [Blu-ray]', '[REC]', ' a  (b) c ', 'Alien (x [y])']) {
      expect(cleanTitle(cleanTitle(t))).toBe(cleanTitle(t));
    }
  });
});

describe('isWordBounded', () => {
  it('looks at the characters on both sides', () => {
    expect(isWordBounded('Paddington 2!', 0, 10)).toBe(true);
    expect(isWordBounded('Paddingtons', 0, 10)).toBe(false);
    expect(isWordBounded('xPaddington', 1, 11)).toBe(false);
    expect(isWordBounded('"Paddington"', 1, 11)).toBe(true);
    expect(isWordBounded('éLéon', 1, 5)).toBe(false); // letters beyond ASCII count
    expect(isWordBounded('Leon\u0301', 0, 4)).toBe(false); // a combining accent continues the word
    expect(isWordBounded('𝐀Leon', 2, 6)).toBe(false); // an astral letter before the match
    expect(isWordBounded('🐻Leon🐻', 2, 6)).toBe(true); // emoji are not letters
  });
});

describe('findTitleMentions', () => {
  const paddington = [
    { key: 'B0FAKE0001', title: 'Paddington' },
    { key: 'B0FAKE0003', title: 'Paddington 2' },
  ];

  it('prefers the longest title and never overlaps', () => {
    expect(findTitleMentions('I loved Paddington 2 more than Paddington.', paddington)).toEqual([
      { key: 'B0FAKE0003', start: 8, end: 20 },
      { key: 'B0FAKE0001', start: 31, end: 41 },
    ]);
  });

  it('matches whole words only', () => {
    expect(findTitleMentions('Paddingtons and Paddington20', paddington)).toEqual([]);
    // "Paddington 2" ends inside "20"; the shorter title still stands on its own.
    expect(findTitleMentions('Paddington 20', paddington)).toEqual([{ key: 'B0FAKE0001', start: 0, end: 10 }]);
    expect(findTitleMentions('Heat, Heatwave, preheat, (Heat)', [{ key: 'H', title: 'Heat' }])).toEqual([
      { key: 'H', start: 0, end: 4 },
      { key: 'H', start: 26, end: 30 },
    ]);
  });

  it('matches case-insensitively when there is no exact match', () => {
    expect(findTitleMentions('have you seen PADDINGTON 2?', paddington)).toEqual([{ key: 'B0FAKE0003', start: 14, end: 26 }]);
  });

  it('lets length win over exactness, so a short exact title cannot split a longer one', () => {
    const titles = [
      { key: 'short', title: 'paddington' },
      { key: 'long', title: 'Paddington 2' },
    ];
    expect(findTitleMentions('paddington 2', titles)).toEqual([{ key: 'long', start: 0, end: 12 }]);
  });

  it('gives an exact spelling to its own item when titles differ only in case', () => {
    const titles = [
      { key: 'upper', title: 'CRASH' },
      { key: 'mixed', title: 'Crash' },
    ];
    expect(findTitleMentions('Crash or CRASH? crash!', titles)).toEqual([
      { key: 'mixed', start: 0, end: 5 },
      { key: 'upper', start: 9, end: 14 },
      { key: 'upper', start: 16, end: 21 }, // no exact match: the first listed title wins
    ]);
  });

  it('uses UTF-16 offsets with accented and astral characters', () => {
    const titles = [
      { key: 'amelie', title: 'Amélie' },
      { key: 'leon', title: 'Léon' },
    ];
    const text = '🐻 Loved Amélie and léon!';
    expect(findTitleMentions(text, titles)).toEqual([
      { key: 'amelie', start: 9, end: 15 },
      { key: 'leon', start: 20, end: 24 },
    ]);
    expect(text.slice(9, 15)).toBe('Amélie');
    expect(text.slice(20, 24)).toBe('léon');
  });

  it('treats regular-expression characters in titles literally', () => {
    const titles = [
      { key: 'q', title: 'What If...?' },
      { key: 'm', title: 'M*A*S*H' },
      { key: 's', title: 'Spider-Man (Homecoming)' },
    ];
    expect(findTitleMentions('Saw M*A*S*H, What If...? and Spider-Man (Homecoming).', titles)).toEqual([
      { key: 'm', start: 4, end: 11 },
      { key: 'q', start: 13, end: 24 },
      { key: 's', start: 29, end: 52 },
    ]);
  });

  it('finds repeated mentions and handles quotes around titles', () => {
    expect(findTitleMentions('"Paddington" then Paddington again', paddington)).toEqual([
      { key: 'B0FAKE0001', start: 1, end: 11 },
      { key: 'B0FAKE0001', start: 18, end: 28 },
    ]);
  });

  it('finds a later occurrence when an earlier overlapping one fails the boundary', () => {
    expect(findTitleMentions('aaa aa', [{ key: 'x', title: 'aa' }])).toEqual([{ key: 'x', start: 4, end: 6 }]);
  });

  it('ignores empty titles and returns nothing for no titles', () => {
    expect(findTitleMentions('anything', [{ key: 'e', title: '' }])).toEqual([]);
    expect(findTitleMentions('anything', [])).toEqual([]);
  });

  describe("with { caseInsensitive: 'multi-word' }", () => {
    const multiWord = { caseInsensitive: 'multi-word' } as const;
    const titles = [
      { key: 'it', title: 'It' },
      { key: 'matrix', title: 'The Matrix' },
    ];

    it('matches a one-word title only in its own case, a longer title in any case', () => {
      expect(findTitleMentions('it was fun', titles, multiWord)).toEqual([]);
      expect(findTitleMentions('the matrix', titles, multiWord)).toEqual([{ key: 'matrix', start: 0, end: 10 }]);
      expect(findTitleMentions('It was fun, and so was THE MATRIX', titles, multiWord)).toEqual([
        { key: 'it', start: 0, end: 2 },
        { key: 'matrix', start: 23, end: 33 },
      ]);
      // The default still matches every title in any case.
      expect(findTitleMentions('it was fun', titles)).toEqual([{ key: 'it', start: 0, end: 2 }]);
    });

    it('counts words by whitespace, so a hyphenated title is one word', () => {
      const heroes = [
        { key: 'spider', title: 'Spider-Man' },
        { key: 'up', title: 'Up (2009)' },
      ];
      expect(findTitleMentions('spider-man, then up (2009), then up', heroes, multiWord)).toEqual([{ key: 'up', start: 17, end: 26 }]);
    });
  });
});

describe('titleCandidates', () => {
  it('lists the full and the cleaned title of each key in order, skipping keys without a title', () => {
    const titles: Record<string, string> = { p2: 'Paddington 2 (2017)', heat: 'Heat' };
    expect(titleCandidates(['heat', 'none', 'p2'], (key) => titles[key])).toEqual([
      { key: 'heat', title: 'Heat' },
      { key: 'p2', title: 'Paddington 2 (2017)' },
      { key: 'p2', title: 'Paddington 2' },
    ]);
  });
});
