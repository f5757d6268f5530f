import { ambiguousTitleIssue, normaliseTitles, tokenSimilarity, type TitleCandidate } from '../../../../generator/output/normalise-titles';

const PADDINGTON: TitleCandidate = { asin: 'B0FAKE0001', title: 'Paddington', cleanedTitle: 'Paddington' };
const PADDINGTON_2: TitleCandidate = { asin: 'B0FAKE0003', title: 'Paddington 2', cleanedTitle: 'Paddington 2' };
const item = (asin: string, title: string, cleanedTitle = title): TitleCandidate => ({ asin, title, cleanedTitle });

/** Every rewrite's `before` is exactly the input at its offsets, and applying the log reproduces the output. */
function expectConsistentLog(input: string, candidates: TitleCandidate[]) {
  const r = normaliseTitles(input, candidates);
  let rebuilt = input;
  for (const w of [...r.rewrites].reverse()) {
    expect(input.slice(w.start, w.end)).toBe(w.before);
    rebuilt = rebuilt.slice(0, w.start) + w.after + rebuilt.slice(w.end);
  }
  expect(rebuilt).toBe(r.text);
  return r;
}

describe('normaliseTitles (docs/pipeline.md §6.4)', () => {
  it('the spec example: quoted title with year, and an upper-case tag repaired', () => {
    const input = '[AI]: Try "Paddington 2" (2017), a sequel to <ID_B0FAKE0001>.';
    const r = normaliseTitles(input, [PADDINGTON, PADDINGTON_2]);
    expect(r.text).toBe('[AI]: Try <id_B0FAKE0003>, a sequel to <id_B0FAKE0001>.');
    expect(r.rewrites).toEqual([
      { start: 10, end: 31, before: '"Paddington 2" (2017)', after: '<id_B0FAKE0003>', itemId: 'B0FAKE0003', method: 'quoted' },
      { start: 45, end: 60, before: '<ID_B0FAKE0001>', after: '<id_B0FAKE0001>', itemId: 'B0FAKE0001', method: 'tag-repair' },
    ]);
    expect(r.ambiguous).toEqual([]);
  });

  it('is idempotent: running it on its own output changes nothing', () => {
    const inputs = [
      '[AI]: Try "Paddington 2" (2017), a sequel to <ID_B0FAKE0001>.',
      '[USR]: I loved paddington and *Paddington 2* [id_B0FAKE0003], also "Up" and Up.',
      '[AI]: Dracula or Dracula (<id_B0DRAC0002>)? And **Amélie** (2001), id_B0AMEL0001.',
    ];
    const candidates = [PADDINGTON, PADDINGTON_2, item('B0UP000001', 'Up'), item('B0DRAC0001', 'Dracula'), item('B0DRAC0002', 'Dracula'), item('B0AMEL0001', 'Amélie')];
    for (const input of inputs) {
      const once = normaliseTitles(input, candidates);
      expect(once.rewrites.length).toBeGreaterThan(0);
      const twice = normaliseTitles(once.text, candidates);
      expect(twice.text).toBe(once.text);
      expect(twice.rewrites).toEqual([]);
    }
  });

  it('matches case-insensitively but never part of a word', () => {
    const candidates = [item('B0UP000001', 'Up'), item('B0CARS0001', 'Cars'), PADDINGTON];
    const r = normaliseTitles('An Upgrade for Carson: "UP" beats Cars, and PADDINGTON beats Paddingtons.', candidates);
    expect(r.text).toBe('An Upgrade for Carson: <id_B0UP000001> beats <id_B0CARS0001>, and <id_B0FAKE0001> beats Paddingtons.');
    expect(r.rewrites.map((w) => [w.before, w.method])).toEqual([
      ['"UP"', 'quoted'],
      ['Cars', 'exact'],
      ['PADDINGTON', 'exact'],
    ]);
  });

  it('treats Unicode letters and digits as part of a word (no match in Paddington2 or Paddingtonÿ)', () => {
    const r = normaliseTitles('Paddington2, Paddingtonÿ, 2Paddington and ÉPaddington are not titles.', [PADDINGTON]);
    expect(r.rewrites).toEqual([]);
  });

  it('matches titles shorter than 4 characters only when quoted or emphasised', () => {
    const up = item('B0UP000001', 'Up');
    expect(normaliseTitles('Cheer up, look up at the sky. Up is great.', [up]).rewrites).toEqual([]);
    const r = normaliseTitles(`Watch "Up", 'Up', “Up”, ‘Up’, *Up*, **Up** or _Up_.`, [up]);
    expect(r.text).toBe('Watch <id_B0UP000001>, <id_B0UP000001>, <id_B0UP000001>, <id_B0UP000001>, <id_B0UP000001>, <id_B0UP000001> or <id_B0UP000001>.');
    expect(r.rewrites.map((w) => w.before)).toEqual(['"Up"', "'Up'", '“Up”', '‘Up’', '*Up*', '**Up**', '_Up_']);
    expect(r.rewrites.every((w) => w.method === 'quoted')).toBe(true);
    // Four characters is not short.
    expect(normaliseTitles('Coco is lovely.', [item('B0COCO0001', 'Coco')]).text).toBe('<id_B0COCO0001> is lovely.');
  });

  it('does not extend over quotes that do not enclose the title exactly', () => {
    const r = normaliseTitles('She said "Paddington is sweet" to me.', [PADDINGTON]);
    expect(r.text).toBe('She said "<id_B0FAKE0001> is sweet" to me.');
    expect(r.rewrites).toEqual([{ start: 10, end: 20, before: 'Paddington', after: '<id_B0FAKE0001>', itemId: 'B0FAKE0001', method: 'exact' }]);
  });

  it('ignores titles inside existing tags and tag forms', () => {
    // The title "B0FAKE0001" is absurd but shows that text inside a tag is never a title.
    const odd = item('B0FAKE0009', 'B0FAKE0001 Stories');
    const r = normaliseTitles('Loved <id_B0FAKE0001> and <id_ B0FAKE0001>.', [PADDINGTON, item('B0FAKE0008', 'B0FAKE0001'), odd]);
    expect(r.text).toBe('Loved <id_B0FAKE0001> and <id_B0FAKE0001>.');
    expect(r.rewrites.map((w) => [w.before, w.method])).toEqual([['<id_ B0FAKE0001>', 'tag-repair']]);
  });

  it('extends the span over a following year and a following tag of the same item', () => {
    const candidates = [PADDINGTON, PADDINGTON_2];
    const cases: Array<[string, string, string]> = [
      ['Try Paddington 2 (2017).', 'Try <id_B0FAKE0003>.', 'Paddington 2 (2017)'],
      ['Try Paddington 2 (<id_B0FAKE0003>).', 'Try <id_B0FAKE0003>.', 'Paddington 2 (<id_B0FAKE0003>)'],
      ['Try Paddington 2 <id_B0FAKE0003>.', 'Try <id_B0FAKE0003>.', 'Paddington 2 <id_B0FAKE0003>'],
      ['Try Paddington 2 [ <id_B0FAKE0003> ].', 'Try <id_B0FAKE0003>.', 'Paddington 2 [ <id_B0FAKE0003> ]'],
      ['Try "Paddington 2" (2017) (<id_B0FAKE0003>).', 'Try <id_B0FAKE0003>.', '"Paddington 2" (2017) (<id_B0FAKE0003>)'],
      ['Try "Paddington 2 (2017)".', 'Try <id_B0FAKE0003>.', '"Paddington 2 (2017)"'],
      ['Try Paddington 2 (id_B0FAKE0003).', 'Try <id_B0FAKE0003>.', 'Paddington 2 (id_B0FAKE0003)'],
    ];
    for (const [input, output, before] of cases) {
      const r = normaliseTitles(input, candidates);
      expect(r.text).toBe(output);
      expect(r.rewrites).toHaveLength(1);
      expect(r.rewrites[0]).toMatchObject({ start: 4, before, itemId: 'B0FAKE0003' });
    }
  });

  it('does not swallow a following tag of another item, nor a year not in parentheses', () => {
    const r = normaliseTitles('Paddington (<id_B0FAKE0003>) and Paddington 2 2017.', [PADDINGTON, PADDINGTON_2]);
    expect(r.text).toBe('<id_B0FAKE0001> (<id_B0FAKE0003>) and <id_B0FAKE0003> 2017.');
  });

  it('keeps the longer span starting earlier and drops the inner match (Paddington inside Paddington 2)', () => {
    const r = normaliseTitles('Paddington 2 beats Paddington.', [PADDINGTON, PADDINGTON_2]);
    expect(r.text).toBe('<id_B0FAKE0003> beats <id_B0FAKE0001>.');
    expect(r.rewrites.map((w) => [w.start, w.end, w.itemId])).toEqual([
      [0, 12, 'B0FAKE0003'],
      [19, 29, 'B0FAKE0001'],
    ]);
  });

  it('leaves identical titles of two items as text with AMBIGUOUS_TITLE, unless a tag says which', () => {
    const candidates = [item('B0DRAC0001', 'Dracula'), item('B0DRAC0002', 'Dracula', 'Dracula')];
    const input = 'Dracula is scary; Dracula (<id_B0DRAC0002>) too.';
    const r = normaliseTitles(input, candidates);
    expect(r.text).toBe('Dracula is scary; <id_B0DRAC0002> too.');
    expect(r.ambiguous).toEqual([{ start: 0, end: 7, text: 'Dracula', itemIds: ['B0DRAC0001', 'B0DRAC0002'] }]);
    expect(ambiguousTitleIssue(r.ambiguous)).toEqual({
      code: 'AMBIGUOUS_TITLE',
      severity: 'warning',
      detail: 'titles of several prompt items, left as text: "Dracula" at 0–7 (B0DRAC0001, B0DRAC0002)',
    });
    expect(ambiguousTitleIssue([])).toBeNull();
  });

  it('a following year does not tell apart items whose titles match equally', () => {
    const candidates = [item('B0DRAC0001', 'Dracula'), item('B0DRAC1931', 'Dracula (1931)', 'Dracula')];
    const r = normaliseTitles('Dracula, or rather Dracula (1931)?', candidates);
    // "Dracula (1931)" is the second item's exact title, but also either item's "Dracula" followed by a year.
    expect(r.text).toBe('Dracula, or rather Dracula (1931)?');
    expect(r.ambiguous.map((a) => a.text)).toEqual(['Dracula', 'Dracula (1931)']);
  });

  it.each([
    ['<ID_B0FAKE0001>'],
    ['<Id_B0FAKE0001>'],
    ['< id_B0FAKE0001 >'],
    ['<id: B0FAKE0001>'],
    ['<id:B0FAKE0001>'],
    ['<id B0FAKE0001>'],
    ['<id_ B0FAKE0001>'],
    ['[id_B0FAKE0001]'],
    ['(id_B0FAKE0001)'],
    ['id_B0FAKE0001'],
    ['ID_B0FAKE0001'],
    ['<B0FAKE0001>'],
  ])('tag repair: %s → <id_B0FAKE0001>', (form) => {
    const input = `[USR]: I liked ${form}, a lot.`;
    const r = normaliseTitles(input, [PADDINGTON]);
    expect(r.text).toBe('[USR]: I liked <id_B0FAKE0001>, a lot.');
    expect(r.rewrites).toEqual([{ start: 15, end: 15 + form.length, before: form, after: '<id_B0FAKE0001>', itemId: 'B0FAKE0001', method: 'tag-repair' }]);
  });

  it('repairs only candidates’ asins and leaves well-formed tags alone', () => {
    const input = 'Maybe <ID_B0NOTREAL9>, [id_B0NOTREAL9], <B0NOTREAL9>, <id_B0FAKE0001>, xid_B0FAKE0001 or id_B0FAKE0001x.';
    const r = normaliseTitles(input, [PADDINGTON]);
    expect(r.text).toBe(input);
    expect(r.rewrites).toEqual([]);
  });

  it('logs offsets into the input, in input order, with several rewrites', () => {
    const candidates = [PADDINGTON, PADDINGTON_2, item('B0AMEL0001', 'Amélie', 'Amélie')];
    const input = '[USR]: Amélie! Then paddington, "Paddington 2" and [id_B0AMEL0001].\n[AI]: Sure, <B0FAKE0003>.';
    const r = expectConsistentLog(input, candidates);
    expect(r.rewrites.map((w) => [w.start, w.end, w.before, w.method])).toEqual([
      [7, 13, 'Amélie', 'exact'],
      [20, 30, 'paddington', 'exact'],
      [32, 46, '"Paddington 2"', 'quoted'],
      [51, 66, '[id_B0AMEL0001]', 'tag-repair'],
      [80, 92, '<B0FAKE0003>', 'tag-repair'],
    ]);
    expect(r.text).toBe('[USR]: <id_B0AMEL0001>! Then <id_B0FAKE0001>, <id_B0FAKE0003> and <id_B0AMEL0001>.\n[AI]: Sure, <id_B0FAKE0003>.');
  });

  it('handles non-ASCII titles and offsets beyond the Basic Multilingual Plane', () => {
    const amelie = item('B0AMEL0001', 'Le Fabuleux Destin d’Amélie Poulain', 'Le Fabuleux Destin d’Amélie Poulain');
    const amelieShort = item('B0AMEL0002', 'Amélie (2001) [Blu-ray]', 'Amélie');
    const input = '🎬🎬 AMÉLIE is lovely; le fabuleux destin d’amélie poulain too; Amélies no.';
    const r = expectConsistentLog(input, [amelie, amelieShort]);
    expect(r.text).toBe('🎬🎬 <id_B0AMEL0002> is lovely; <id_B0AMEL0001> too; Amélies no.');
    // The emoji are surrogate pairs: two UTF-16 units each.
    expect(r.rewrites.map((w) => [w.start, w.end, w.method])).toEqual([
      [5, 11, 'cleaned'],
      [23, 58, 'exact'],
    ]);
  });

  it('escapes regex metacharacters in titles', () => {
    const candidates = [
      item('B0SE7EN001', 'Se7en'),
      item('B0500DAYS1', '(500) Days of Summer', 'Days of Summer'),
      item('B0MISSION1', 'Mission: Impossible – Rogue Nation'),
      item('B0QMARK001', 'What? (Really)', 'What?'),
    ];
    const input = 'Se7en, (500) Days of Summer, Days of Summer, Mission: Impossible – Rogue Nation, Mission Impossible Rogue Nation, Sev3n and "What?".';
    const r = expectConsistentLog(input, candidates);
    expect(r.text).toBe(
      '<id_B0SE7EN001>, <id_B0500DAYS1>, <id_B0500DAYS1>, <id_B0MISSION1>, Mission Impossible Rogue Nation, Sev3n and <id_B0QMARK001>.',
    );
    expect(r.rewrites.map((w) => [w.before, w.method])).toEqual([
      ['Se7en', 'exact'],
      ['(500) Days of Summer', 'exact'],
      ['Days of Summer', 'cleaned'],
      ['Mission: Impossible – Rogue Nation', 'exact'],
      ['"What?"', 'quoted'],
    ]);
  });

  it('does nothing without candidates or without matches', () => {
    expect(normaliseTitles('Hello <id_B0FAKE0001>.', [])).toEqual({ text: 'Hello <id_B0FAKE0001>.', rewrites: [], ambiguous: [] });
    expect(normaliseTitles('', [PADDINGTON]).text).toBe('');
  });
});

describe('fuzzy mode (off by default)', () => {
  const mission = item('B0MISSION1', 'Mission: Impossible – Rogue Nation');
  const fellowship = item('B0LOTR0001', 'The Lord of the Rings: The Fellowship of the Ring');

  it('matches titles of 3+ words whose tokens are 90 % similar, punctuation and case aside', () => {
    const input = 'Try mission impossible rogue nation or The Lord of the Rings Fellowship of the Ring, not Rogue Nation.';
    expect(normaliseTitles(input, [mission, fellowship]).rewrites).toEqual([]);
    const r = normaliseTitles(input, [mission, fellowship], { fuzzy: true });
    expect(r.text).toBe('Try <id_B0MISSION1> or <id_B0LOTR0001>, not Rogue Nation.');
    expect(r.rewrites.map((w) => [w.before, w.method])).toEqual([
      ['mission impossible rogue nation', 'fuzzy'],
      ['The Lord of the Rings Fellowship of the Ring', 'fuzzy'],
    ]);
    expect(normaliseTitles(r.text, [mission, fellowship], { fuzzy: true }).rewrites).toEqual([]);
  });

  it('leaves shorter titles and less similar runs alone; exact matches keep their method', () => {
    const r = normaliseTitles('Paddington Two and Mission Impossible Nation, or Mission: Impossible – Rogue Nation.', [PADDINGTON_2, mission], { fuzzy: true });
    expect(r.text).toBe('Paddington Two and Mission Impossible Nation, or <id_B0MISSION1>.');
    expect(r.rewrites.map((w) => w.method)).toEqual(['exact']);
  });

  it('tokenSimilarity is 2·LCS/(|a|+|b|)', () => {
    expect(tokenSimilarity(['a', 'b', 'c'], ['a', 'b', 'c'])).toBe(1);
    expect(tokenSimilarity(['a', 'b', 'c', 'd'], ['a', 'c', 'd'])).toBeCloseTo(6 / 7);
    expect(tokenSimilarity([], [])).toBe(1);
  });
});
