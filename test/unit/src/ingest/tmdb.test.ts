import { RecordError } from '../../../../src/ingest/errors';
import { parseTmdbRecord } from '../../../../src/ingest/tmdb';

// The example record of docs/formats.md §2.4.
const EXAMPLE = {
  asin: 'B0FAKE0003',
  title: 'Paddington 2',
  overview: 'Paddington takes a job to buy a present and is framed for a theft.',
  genres: "[{'id': 35, 'name': 'Comedy'}, {'id': 12, 'name': 'Adventure'}]",
  keywords: { keywords: [{ id: 1001, name: 'bear' }, { id: 1002, name: 'prison' }] },
  casts:
    "{'cast': [{'id': 501, 'name': 'Ben Whishaw', 'known_for_department': 'Acting', 'popularity': 12.5}], 'crew': [{'id': 502, 'name': 'Paul King', 'department': 'Directing', 'job': 'Director'}]}",
  origin_country: ['GB'],
  belongs_to_collection: "{'id': 9, 'name': 'Paddington Collection', 'poster_path': None}",
  'Visual Caption': 'A small bear in a red hat and blue coat stands in front of a city street.',
};

function recordError(record: unknown): RecordError {
  try {
    parseTmdbRecord(record);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('parseTmdbRecord', () => {
  it('parses the example record of docs/formats.md §2.4', () => {
    expect(parseTmdbRecord(EXAMPLE)).toEqual({
      asin: 'B0FAKE0003',
      title: 'Paddington 2',
      cleanedTitle: 'Paddington 2',
      overview: 'Paddington takes a job to buy a present and is framed for a theft.',
      genres: ['Comedy', 'Adventure'],
      keywords: ['bear', 'prison'],
      cast: ['Ben Whishaw'],
      directors: ['Paul King'],
      collection: 'Paddington Collection',
      countries: ['GB'],
      visualCaption: 'A small bear in a red hat and blue coat stands in front of a city street.',
      tmdbId: null,
      kg: [
        { key: 'person:501', type: 'person', name: 'Ben Whishaw', relation: 'has_acting', position: 0 },
        { key: 'genre:35', type: 'genre', name: 'Comedy', relation: 'has_genre', position: 0 },
        { key: 'genre:12', type: 'genre', name: 'Adventure', relation: 'has_genre', position: 1 },
        { key: 'keyword:1001', type: 'keyword', name: 'bear', relation: 'has_keyword', position: 0 },
        { key: 'keyword:1002', type: 'keyword', name: 'prison', relation: 'has_keyword', position: 1 },
        { key: 'person:502', type: 'person', name: 'Paul King', relation: 'has_directing', position: 0 },
      ],
      extra: {},
      flags: [],
    });
  });

  it('gives the same result for native JSON and Python-literal strings', () => {
    const native = {
      ...EXAMPLE,
      genres: [
        { id: 35, name: 'Comedy' },
        { id: 12, name: 'Adventure' },
      ],
      keywords: "{'keywords': [{'id': 1001, 'name': 'bear'}, {'id': 1002, 'name': 'prison'}]}",
      casts: {
        cast: [{ id: 501, name: 'Ben Whishaw', known_for_department: 'Acting', popularity: 12.5 }],
        crew: [{ id: 502, name: 'Paul King', department: 'Directing', job: 'Director' }],
      },
      origin_country: "['GB']",
      belongs_to_collection: { id: 9, name: 'Paddington Collection', poster_path: null },
    };
    expect(parseTmdbRecord(native)).toEqual(parseTmdbRecord(EXAMPLE));
  });

  it('accepts a bare keyword list, a tuple of countries and JSON text in a string', () => {
    const item = parseTmdbRecord({
      asin: 'B0FAKE0001',
      title: 'Paddington',
      keywords: [{ id: 7, name: 'london' }],
      origin_country: "('GB', 'FR')",
      genres: '[{"id": 10751, "name": "Family", "adult": false}]', // json.dumps output: false is not Python
    });
    expect(item.keywords).toEqual(['london']);
    expect(item.countries).toEqual(['GB', 'FR']);
    expect(item.genres).toEqual(['Family']);
    expect(item.flags).toEqual([]);
  });

  it('uses parent_asin when asin is absent, and keeps it in extra otherwise', () => {
    expect(parseTmdbRecord({ parent_asin: 'B0FAKE0009', title: 'X' }).asin).toBe('B0FAKE0009');
    const both = parseTmdbRecord({ asin: 'B0FAKE0001', parent_asin: 'B0FAKE0002', title: 'X' });
    expect(both.asin).toBe('B0FAKE0001');
    expect(both.extra).toEqual({ parent_asin: 'B0FAKE0002' });
    expect(parseTmdbRecord({ asin: '6300000001', title: 'Old VHS' }).asin).toBe('6300000001');
  });

  it('cleans the title for substitution and keeps the TMDB title as given', () => {
    const item = parseTmdbRecord({ asin: 'B0FAKE0004', title: 'Amélie (2001) [Blu-ray]' });
    expect(item.title).toBe('Amélie (2001) [Blu-ray]');
    expect(item.cleanedTitle).toBe('Amélie');
  });

  it.each([
    [null, null],
    ['null', null],
    [undefined, null],
    ['', ''],
    ['A bear.', 'A bear.'],
  ])('reads overview %j as %j', (overview, expected) => {
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', overview }).overview).toBe(expected);
  });

  it('reads a NaN overview (null after JSON parsing, or a JS NaN) as null', () => {
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', overview: Number.NaN }).overview).toBeNull();
  });

  it.each(['null', 'None', 'nan', 'NaN', '', '  None  '])('treats the structured value %j as no value', (raw) => {
    const item = parseTmdbRecord({
      asin: 'B0FAKE0001',
      title: 'X',
      genres: raw,
      keywords: raw,
      casts: raw,
      origin_country: raw,
      belongs_to_collection: raw,
    });
    expect(item).toMatchObject({ genres: [], keywords: [], cast: [], directors: [], countries: [], collection: null, kg: [], flags: [], extra: {} });
  });

  it('keeps an unparseable literal in extra and flags the record', () => {
    const raw = "[{'id': 18, 'name': 'Drama'"; // truncated
    const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', genres: raw, keywords: "{'keywords': [1, 2}" });
    expect(item.genres).toEqual([]);
    expect(item.keywords).toEqual([]);
    expect(item.extra).toEqual({ genres: raw, keywords: "{'keywords': [1, 2}" });
    expect(item.flags.map((f) => [f.code, f.field])).toEqual([
      ['UNPARSEABLE_LITERAL', 'genres'],
      ['UNPARSEABLE_LITERAL', 'keywords'],
    ]);
    expect(item.flags[0].detail).toMatch(/at position 27/);
  });

  it('never evaluates code in a literal', () => {
    const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', genres: "__import__('os').system('echo hi')" });
    expect(item.genres).toEqual([]);
    expect(item.flags[0]).toMatchObject({ code: 'UNPARSEABLE_LITERAL', field: 'genres' });
  });

  it('flags fields of the wrong shape and keeps their raw values', () => {
    const item = parseTmdbRecord({
      asin: 'B0FAKE0001',
      title: 'X',
      genres: { id: 1, name: 'Drama' },
      casts: [{ name: 'Someone' }],
      origin_country: [1, 2],
      belongs_to_collection: "['not', 'a', 'dict']",
      overview: 42,
      'Visual Caption': ['a'],
    });
    expect(item).toMatchObject({ genres: [], cast: [], countries: [], collection: null, overview: null, visualCaption: null });
    expect(item.flags.map((f) => `${f.code}:${f.field}`)).toEqual([
      'INVALID_FIELD:genres',
      'INVALID_FIELD:casts',
      'INVALID_FIELD:overview',
      'INVALID_FIELD:belongs_to_collection',
      'INVALID_FIELD:origin_country',
      'INVALID_FIELD:Visual Caption',
    ]);
    expect(item.extra).toEqual({
      genres: { id: 1, name: 'Drama' },
      casts: [{ name: 'Someone' }],
      origin_country: [1, 2],
      belongs_to_collection: ['not', 'a', 'dict'],
      overview: 42,
      'Visual Caption': ['a'],
    });
  });

  it('skips list entries without a name and flags them', () => {
    const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', genres: [{ id: 1, name: 'Drama' }, { id: 2 }, 'Comedy', { id: 3, name: '  ' }] });
    expect(item.genres).toEqual(['Drama']);
    expect(item.flags).toEqual([{ code: 'INVALID_FIELD', field: 'genres', detail: 'genres[1] has no name' }]);
  });

  it('keeps unknown keys in extra', () => {
    const item = parseTmdbRecord({ ...EXAMPLE, release_date: '2017-11-10', runtime: 104, popularity: null, poster_path: '/x.jpg' });
    expect(item.extra).toEqual({ release_date: '2017-11-10', runtime: 104, popularity: null, poster_path: '/x.jpg' });
  });

  it('reads the TMDB id from tmdb_id or id', () => {
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', id: 346648 })).toMatchObject({ tmdbId: 346648, extra: {} });
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', tmdb_id: '346648' })).toMatchObject({ tmdbId: 346648, extra: {} });
    // tmdb_id wins; id then stays an ordinary extra key.
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', tmdb_id: 5, id: 6 })).toMatchObject({ tmdbId: 5, extra: { id: 6 } });
    const bad = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', id: 'tt123' });
    expect(bad).toMatchObject({ tmdbId: null, extra: { id: 'tt123' }, flags: [{ code: 'INVALID_FIELD', field: 'id' }] });
  });

  describe('actors', () => {
    const cast = (n: number, popularity: (i: number) => unknown, department = 'Acting') =>
      Array.from({ length: n }, (_, i) => ({ id: 100 + i, name: `Actor ${i}`, known_for_department: department, popularity: popularity(i) }));

    it('takes Acting cast by popularity, stable on ties, at most 10', () => {
      const entries = [
        ...cast(6, () => 5),
        { id: 900, name: 'Star', known_for_department: 'Acting', popularity: 50 },
        { id: 901, name: 'Director Cameo', known_for_department: 'Directing', popularity: 99 },
        ...cast(6, () => 1).map((c, i) => ({ ...c, id: 200 + i, name: `Extra ${i}` })),
      ];
      const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', casts: { cast: entries, crew: [] } });
      expect(item.cast).toEqual(['Star', 'Actor 0', 'Actor 1', 'Actor 2', 'Actor 3', 'Actor 4', 'Actor 5', 'Extra 0', 'Extra 1', 'Extra 2']);
      const acting = item.kg.filter((e) => e.relation === 'has_acting');
      expect(acting.map((e) => [e.key, e.position])).toEqual(item.cast.map((_, i) => [expect.any(String), i]));
      expect(acting[0].key).toBe('person:900');
      expect(acting.some((e) => e.key === 'person:901')).toBe(false);
    });

    it('puts unknown popularity last and lists a person with two roles once', () => {
      const item = parseTmdbRecord({
        asin: 'B0FAKE0001',
        title: 'X',
        casts: {
          cast: [
            { id: 1, name: 'No Popularity', known_for_department: 'Acting' },
            { id: 2, name: 'Twin Roles', known_for_department: 'Acting', popularity: 3, character: 'A' },
            { id: 2, name: 'Twin Roles', known_for_department: 'Acting', popularity: 3, character: 'B' },
            { id: 3, name: 'Low', known_for_department: 'Acting', popularity: 0.5 },
          ],
        },
      });
      expect(item.cast).toEqual(['Twin Roles', 'Low', 'No Popularity']);
    });

    it('keeps actors without an id in the names but not in the graph', () => {
      const item = parseTmdbRecord({
        asin: 'B0FAKE0001',
        title: 'X',
        casts: { cast: [{ name: 'Anonymous', known_for_department: 'Acting', popularity: 9 }, { id: '77', name: 'Known', known_for_department: 'Acting', popularity: 1 }] },
      });
      expect(item.cast).toEqual(['Anonymous', 'Known']);
      expect(item.kg).toEqual([{ key: 'person:77', type: 'person', name: 'Known', relation: 'has_acting', position: 0 }]);
    });
  });

  describe('directors', () => {
    it('uses job Director when crew entries carry jobs, in file order, without duplicates', () => {
      const item = parseTmdbRecord({
        asin: 'B0FAKE0001',
        title: 'X',
        casts: {
          cast: [],
          crew: [
            { id: 1, name: 'Assistant', department: 'Directing', job: 'First Assistant Director' },
            { id: 2, name: 'Lana', department: 'Directing', job: 'Director' },
            { id: 3, name: 'Lilly', department: 'Directing', job: 'Director' },
            { id: 2, name: 'Lana', department: 'Writing', job: 'Director' },
            { id: 4, name: 'Composer', department: 'Sound', job: 'Original Music Composer' },
          ],
        },
      });
      expect(item.directors).toEqual(['Lana', 'Lilly']);
    });

    it('falls back to department Directing when no crew entry has a job', () => {
      const item = parseTmdbRecord({
        asin: 'B0FAKE0001',
        title: 'X',
        casts: { crew: [{ id: 1, name: 'Paul King', department: 'Directing' }, { id: 2, name: 'Writer', department: 'Writing' }, { id: 1, name: 'Paul King', department: 'Directing' }] },
      });
      expect(item.directors).toEqual(['Paul King']);
    });
  });

  it('builds crew relations by department, once per (relation, key)', () => {
    const departments = ['Directing', 'Production', 'Art', 'Editing', 'Writing', 'Visual Effects', 'Sound', 'Costume & Make-Up', 'Camera', 'Lighting', 'Crew', 'Creator', 'Actors', undefined];
    const crew = departments.map((department, i) => ({ id: i + 1, name: `P${i + 1}`, department, job: 'x' }));
    crew.push({ id: 2, name: 'P2', department: 'Production', job: 'Executive Producer' }); // same person, same relation
    crew.push({ id: 2, name: 'P2', department: 'Writing', job: 'Screenplay' }); // same person, another relation
    const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', casts: { cast: [], crew } });
    expect(item.kg.map((e) => `${e.relation}|${e.key}|${e.position}`)).toEqual([
      'has_directing|person:1|0',
      'has_production|person:2|0',
      'has_art|person:3|0',
      'has_editing|person:4|0',
      'has_writing|person:5|0',
      'has_visual effects|person:6|0',
      'has_sound|person:7|0',
      'has_costume & make-up|person:8|0',
      'has_camera|person:9|0',
      'has_lighting|person:10|0',
      'has_crew|person:11|0',
      'has_creator|person:12|0',
      'has_writing|person:2|1',
    ]);
  });

  it('skips genres and keywords without an id in the graph only', () => {
    const item = parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', genres: [{ name: 'Drama' }, { id: 35, name: ' Comedy ' }], keywords: [{ id: -1, name: 'odd' }] });
    expect(item.genres).toEqual(['Drama', 'Comedy']);
    expect(item.keywords).toEqual(['odd']);
    expect(item.kg).toEqual([{ key: 'genre:35', type: 'genre', name: 'Comedy', relation: 'has_genre', position: 0 }]);
  });

  it('reads a collection with a missing name as none', () => {
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', belongs_to_collection: { id: 3 } }).collection).toBeNull();
    expect(parseTmdbRecord({ asin: 'B0FAKE0001', title: 'X', belongs_to_collection: 'null' }).collection).toBeNull();
  });

  describe('required fields', () => {
    it.each([
      [{ title: 'X' }, 'asin', 'missing (neither asin nor parent_asin is set)'],
      [{ asin: null, title: 'X' }, 'asin', 'missing (neither asin nor parent_asin is set)'],
      [{ asin: '', title: 'X' }, 'asin', 'expected a non-empty string'],
      [{ asin: 123, title: 'X' }, 'asin', 'expected a non-empty string'],
      [{ parent_asin: ['B0FAKE0001'], title: 'X' }, 'parent_asin', 'expected a non-empty string'],
      [{ asin: 'B0 FAKE', title: 'X' }, 'asin', 'invalid item id "B0 FAKE"'],
      [{ asin: 'B0FAKE<1>', title: 'X' }, 'asin', 'invalid item id "B0FAKE<1>"'],
      [{ asin: 'B0FAKE0001' }, 'title', 'missing'],
      [{ asin: 'B0FAKE0001', title: '   ' }, 'title', 'expected a non-empty string'],
      [{ asin: 'B0FAKE0001', title: 1917 }, 'title', 'expected a non-empty string'],
    ])('%j → %s: %s', (record, field, problem) => {
      expect(recordError(record)).toMatchObject({ field, problem, code: 'INVALID_RECORD' });
    });

    it('rejects a record that is not an object', () => {
      expect(recordError([EXAMPLE])).toMatchObject({ field: '(record)', problem: 'expected a JSON object' });
      expect(recordError(null).field).toBe('(record)');
    });
  });
});
