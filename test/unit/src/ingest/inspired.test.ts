import type { StagedTurn } from '../../../../src/ingest/dialogue-staging';
import { RecordError } from '../../../../src/ingest/errors';
import {
  buildInspiredDialogue,
  INSPIRED_COLUMNS,
  InspiredColumn,
  InspiredRow,
  parseInspiredHeader,
  parseInspiredRow,
} from '../../../../src/ingest/inspired';

const HEADER = INSPIRED_COLUMNS.join('\t');
const columns = parseInspiredHeader(HEADER);

/** A row's cells in file order; unspecified columns are empty, as in the released files. */
function fields(values: Partial<Record<InspiredColumn, string | number>>): string[] {
  return INSPIRED_COLUMNS.map((c) => String(values[c] ?? ''));
}

const MOVIE_DICT = "{'Paddington (2014)': 0, 'Paddington 2 (2017)': 1}";

/** A row of dialogue `d1`; utt_id counts up per call of `dialogue`. */
function dialogue(
  rows: Array<[speaker: 'SEEKER' | 'RECOMMENDER', turnId: number, text: string, movies?: string, more?: Partial<Record<InspiredColumn, string>>]>,
  shared: Partial<Record<InspiredColumn, string>> = {},
): InspiredRow[] {
  return rows.map(([speaker, turnId, text, movies = '', more = {}], i) =>
    parseInspiredRow(
      fields({ dialog_id: 'd1.pkl', utt_id: i + 1, speaker, turn_id: turnId, text, movies, movie_dict: MOVIE_DICT, coarse_label: 'accept_new', ...shared, ...more }),
      columns,
    ),
  );
}

/** Mentions as `[covered text, item key, isRecommendation, isFirstMention]`. */
const spans = (turn: StagedTurn) => turn.mentions.map((m) => [turn.text.slice(m.start, m.end), m.asin, m.isRecommendation, m.isFirstMention]);

function recordError(fn: () => unknown): RecordError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('parseInspiredHeader', () => {
  it('finds each column, in any order', () => {
    expect(columns.dialog_id).toBe(0);
    expect(columns.movie_id).toBe(18);
    const reversed = parseInspiredHeader([...INSPIRED_COLUMNS].reverse().join('\t'));
    expect(reversed.dialog_id).toBe(18);
    expect(reversed.movie_id).toBe(0);
  });

  const all = `(an INSPIRED file has exactly the 19 columns ${INSPIRED_COLUMNS.join(', ')})`;
  it.each([
    ['a missing column', INSPIRED_COLUMNS.filter((c) => c !== 'movie_id' && c !== 'genres').join('\t'), `(header): missing columns: genres, movie_id ${all}`],
    ['an unexpected column', `${HEADER}\tcase`, `(header): unexpected columns: "case" ${all}`],
    [
      'first_label for expert_label',
      HEADER.replace('expert_label', 'first_label'),
      `(header): missing columns: expert_label; unexpected columns: "first_label" ${all}`,
    ],
    ['a repeated column', `${HEADER}\ttext`, `(header): repeated columns: text ${all}`],
    ['a data row', fields({ dialog_id: 'd1.pkl', utt_id: 1 }).join('\t'), `(header): the first line must be the header naming the 19 columns (${INSPIRED_COLUMNS.join(', ')})`],
    ['commas instead of tabs', INSPIRED_COLUMNS.join(','), `(header): the first line must be the header naming the 19 columns (${INSPIRED_COLUMNS.join(', ')})`],
  ])('error: %s', (_case, line, message) => {
    expect(recordError(() => parseInspiredHeader(line)).message).toBe(message);
  });
});

describe('parseInspiredRow', () => {
  it('parses a row of the example of docs/formats.md §7', () => {
    const line =
      "fake-001.pkl\t2\tRECOMMENDER\t1\tTry Paddington 2\tTry [MOVIE_TITLE_0]\tPaddington 2 (2017)\t\t\t{'Paddington 2 (2017)': 0}\t{'comedy': 0}\t{}\t{}\t\tencouragement\t\taccept_rating_good\taccept_new\tabcDEF12345";
    expect(parseInspiredRow(line.split('\t'), columns)).toEqual({
      dialogId: 'fake-001.pkl',
      speaker: 'RECOMMENDER',
      text: 'Try Paddington 2',
      rawText: 'Try Paddington 2',
      dicts: { movie_dict: "{'Paddington 2 (2017)': 0}", genre_dict: "{'comedy': 0}", actor_dict: '{}', director_dict: '{}', others_dict: null },
      labels: {
        uttId: 2,
        turnId: 1,
        expertLabel: 'encouragement',
        secondLabel: null,
        fineLabel: 'accept_rating_good',
        coarseLabel: 'accept_new',
        movieId: 'abcDEF12345',
        movies: ['Paddington 2 (2017)'],
        genres: [],
        peopleNames: [],
      },
    });
  });

  it('replaces QUOTATION_MARK, splits ;-lists with odd spacing, reads nan as no value', () => {
    const row = parseInspiredRow(
      fields({
        dialog_id: 'd1.pkl', utt_id: 3, speaker: 'SEEKER', turn_id: 2, text: 'I love QUOTATION_MARKcozyQUOTATION_MARK films, "really"',
        movies: 'Braveheart (1995);  Saving Private Ryan (1998); ;', genres: 'war;drama', people_names: 'nan', genre_dict: 'nan',
        fine_label: 'nan', coarse_label: 'nan', movie_id: 'nan', expert_label: ' ',
      }),
      columns,
    );
    expect(row.text).toBe('I love "cozy" films, "really"');
    expect(row.rawText).toBe('I love QUOTATION_MARKcozyQUOTATION_MARK films, "really"');
    expect(row.labels).toMatchObject({
      movies: ['Braveheart (1995)', 'Saving Private Ryan (1998)'],
      genres: ['war', 'drama'],
      peopleNames: [],
      fineLabel: null,
      coarseLabel: null,
      movieId: null,
      expertLabel: null,
    });
    expect(row.dicts.genre_dict).toBeNull();
  });

  const good = { dialog_id: 'd1.pkl', utt_id: 1, speaker: 'SEEKER', turn_id: 1, text: 'hi' };
  it.each<[string, string[], string]>([
    ['too few columns', fields(good).slice(0, 18), '(row): expected 19 tab-separated columns, found 18'],
    ['a tab in the text', [...fields(good).slice(0, 5), 'extra', ...fields(good).slice(5)], '(row): expected 19 tab-separated columns, found 20'],
    ['no dialog_id', fields({ ...good, dialog_id: ' ' }), 'dialog_id: empty'],
    ['utt_id not a number', fields({ ...good, utt_id: 'one' }), 'utt_id: expected a positive integer, got "one"'],
    ['utt_id 0', fields({ ...good, utt_id: '0' }), 'utt_id: expected a positive integer, got "0"'],
    ['speaker in lower case', fields({ ...good, speaker: 'seeker' }), 'speaker: expected SEEKER or RECOMMENDER, got "seeker"'],
    ['turn_id empty', fields({ ...good, turn_id: '' }), 'turn_id: expected a positive integer, got ""'],
  ])('error: %s', (_case, cells, message) => {
    const error = recordError(() => parseInspiredRow(cells, columns));
    expect(error.message).toBe(message);
    expect(error.at('train.tsv', 7).message).toBe(`train.tsv:7: ${message}`);
  });
});

describe('buildInspiredDialogue', () => {
  const rows = dialogue(
    [
      ['RECOMMENDER', 1, 'Hi there! What kind of movies do you like?', '', { expert_label: 'opinion_inquiry' }],
      ['SEEKER', 1, 'I love QUOTATION_MARKcozyQUOTATION_MARK comedies like Paddington.', 'Paddington (2014)'],
      ['SEEKER', 1, 'Something for a rainy Sunday.'],
      ['RECOMMENDER', 2, 'Then you should watch Paddington 2!', 'Paddington 2 (2017)'],
      ['RECOMMENDER', 2, 'It is even funnier than Paddington.', 'Paddington (2014);  Paddington 2 (2017)'],
      ['SEEKER', 2, 'Ha, "paddington 2" it is 🐻', 'Paddington 2 (2017)'],
    ],
    { genre_dict: "{'comedy': 0}", actor_dict: "{'Hugh Grant': 0}", others_dict: 'nan', fine_label: 'accept_rating_good', movie_id: '52x5HJ9H8DM' },
  );

  it('one turn per row; titles listed in the row are found in its text; a Recommender row recommends them', () => {
    const parsed = buildInspiredDialogue(rows);
    expect(parsed.turns.map((t) => [t.index, t.role, t.text])).toEqual([
      [0, 'ASSISTANT', 'Hi there! What kind of movies do you like?'],
      [1, 'USER', 'I love "cozy" comedies like Paddington.'],
      [2, 'USER', 'Something for a rainy Sunday.'],
      [3, 'ASSISTANT', 'Then you should watch Paddington 2!'],
      [4, 'ASSISTANT', 'It is even funnier than Paddington.'],
      [5, 'USER', 'Ha, "paddington 2" it is 🐻'],
    ]);
    expect(parsed.turns[1].rawText).toBe('I love QUOTATION_MARKcozyQUOTATION_MARK comedies like Paddington.');
    expect(parsed.turns[5].rawText).toBeNull();
    expect(parsed.turns.map(spans)).toEqual([
      [],
      [['Paddington', 'inspired:paddington (2014)', false, true]],
      [],
      [['Paddington 2', 'inspired:paddington 2 (2017)', true, true]],
      [['Paddington', 'inspired:paddington (2014)', true, false]],
      [['paddington 2', 'inspired:paddington 2 (2017)', false, false]],
    ]);
    expect(parsed.turns[3].mentions[0].rawId).toBe('Paddington 2 (2017)');
    expect(parsed.titles).toEqual([
      { key: 'inspired:paddington (2014)', title: 'Paddington (2014)' },
      { key: 'inspired:paddington 2 (2017)', title: 'Paddington 2 (2017)' },
    ]);
    // Paddington (2014) was recommended last, but the seeker named it first: the new movie is Paddington 2.
    expect(parsed.targetKey).toBe('inspired:paddington 2 (2017)');
    expect(parsed.warnings).toEqual([
      {
        code: 'TITLE_NOT_IN_TEXT',
        severity: 'warning',
        detail: 'movies listed in a row but not found in its text (still named by the dialogue): "Paddington 2 (2017)" (utt_id 5)',
      },
    ]);
    expect(parsed.provenance).toMatchObject({ dialogId: 'd1.pkl', outcome: 'accept_new', genres: ['comedy'], actors: ['Hugh Grant'], directors: [], others: [], extra: {} });
    const labels = parsed.provenance.turnLabels as unknown[][];
    expect(labels).toHaveLength(6);
    expect(labels[0]).toEqual([
      {
        uttId: 1, turnId: 1, expertLabel: 'opinion_inquiry', secondLabel: null, fineLabel: 'accept_rating_good', coarseLabel: 'accept_new',
        movieId: '52x5HJ9H8DM', movies: [], genres: [], peopleNames: [],
      },
    ]);
  });

  it('mergeTurns joins the rows of one speaker and turn_id with a space and moves the mentions', () => {
    const parsed = buildInspiredDialogue(rows, { mergeTurns: true });
    expect(parsed.turns.map((t) => [t.index, t.role, t.text])).toEqual([
      [0, 'ASSISTANT', 'Hi there! What kind of movies do you like?'],
      [1, 'USER', 'I love "cozy" comedies like Paddington. Something for a rainy Sunday.'],
      [2, 'ASSISTANT', 'Then you should watch Paddington 2! It is even funnier than Paddington.'],
      [3, 'USER', 'Ha, "paddington 2" it is 🐻'],
    ]);
    expect(parsed.turns[1].rawText).toBe('I love QUOTATION_MARKcozyQUOTATION_MARK comedies like Paddington. Something for a rainy Sunday.');
    expect(parsed.turns[2].rawText).toBeNull();
    expect(parsed.turns.map(spans)).toEqual([
      [],
      [['Paddington', 'inspired:paddington (2014)', false, true]],
      [
        ['Paddington 2', 'inspired:paddington 2 (2017)', true, true],
        ['Paddington', 'inspired:paddington (2014)', true, false],
      ],
      [['paddington 2', 'inspired:paddington 2 (2017)', false, false]],
    ]);
    expect((parsed.provenance.turnLabels as Array<Array<{ uttId: number }>>).map((l) => l.map((r) => r.uttId))).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('rows of the same turn_id but another speaker stay apart', () => {
    const parsed = buildInspiredDialogue(dialogue([['SEEKER', 1, 'a'], ['RECOMMENDER', 1, 'b'], ['RECOMMENDER', 1, 'c']]), { mergeTurns: true });
    expect(parsed.turns.map((t) => t.text)).toEqual(['a', 'b c']);
  });

  it.each([
    ['reject_new', 'reject_new'],
    ['nan', 'nan'],
  ])('no target when coarse_label is %s', (_case, coarse) => {
    const parsed = buildInspiredDialogue(dialogue([['RECOMMENDER', 1, 'Watch Paddington 2', 'Paddington 2 (2017)']], { coarse_label: coarse }));
    expect(parsed.targetKey).toBeNull();
    expect(parsed.turns[0].mentions[0].isRecommendation).toBe(true);
  });

  it('no target when the recommender introduced no movie', () => {
    const parsed = buildInspiredDialogue(dialogue([['SEEKER', 1, 'Paddington!', 'Paddington (2014)'], ['RECOMMENDER', 1, 'Paddington, yes', 'Paddington (2014)']]));
    expect(parsed.targetKey).toBeNull();
  });

  it('empty rows are left out with a warning; a dialogue of empty rows is an error', () => {
    const parsed = buildInspiredDialogue(dialogue([['SEEKER', 1, 'hi'], ['SEEKER', 1, ' '], ['RECOMMENDER', 1, '', 'Paddington (2014)']]));
    expect(parsed.turns.map((t) => t.text)).toEqual(['hi']);
    expect(parsed.titles.map((t) => t.key)).toContain('inspired:paddington (2014)');
    expect(parsed.warnings).toEqual([{ code: 'EMPTY_UTTERANCE', severity: 'warning', detail: 'rows with an empty text, not imported: utt_id 2, 3' }]);
    expect(recordError(() => buildInspiredDialogue(dialogue([['SEEKER', 1, '']]))).message).toBe('text: every row of the dialogue has an empty text');
  });

  it('dict columns: titles in index order (numbers too), unreadable ones kept raw with a warning', () => {
    const parsed = buildInspiredDialogue(
      dialogue([['SEEKER', 1, 'hi']], {
        movie_dict: "{'Heat (1995)': 1, '300 (2006)': 2, '300': 0, 'QUOTATION_MARKWeird AlQUOTATION_MARK (2022)': 3}",
        genre_dict: "{'comedy': 0",
        actor_dict: "['Hugh Grant']",
        director_dict: '{}',
      }),
    );
    expect(parsed.titles.map((t) => t.title)).toEqual(['300', 'Heat (1995)', '300 (2006)', '"Weird Al" (2022)']);
    expect(parsed.warnings).toEqual([
      {
        code: 'UNPARSEABLE_LITERAL',
        severity: 'warning',
        detail: "genre_dict: not a Python literal: expected ',' or '}', got end of input at position 12; the raw value is kept in provenance.extra",
      },
      { code: 'INVALID_FIELD', severity: 'warning', detail: 'actor_dict: expected a dict {name: index}, got a list; the raw value is kept in provenance.extra' },
    ]);
    expect(parsed.provenance).toMatchObject({ genres: [], actors: [], extra: { genre_dict: ["{'comedy': 0"], actor_dict: ["['Hugh Grant']"] } });
  });

  it('dicts that differ between rows are read once each and merged', () => {
    const parsed = buildInspiredDialogue(
      dialogue([
        ['SEEKER', 1, 'a', '', { genre_dict: "{'comedy': 0}" }],
        ['SEEKER', 1, 'b', '', { genre_dict: "{'comedy': 0, 'drama': 1}" }],
        ['SEEKER', 1, 'c', '', { genre_dict: "{'comedy': 0}" }],
      ]),
    );
    expect(parsed.provenance.genres).toEqual(['comedy', 'drama']);
  });
});
