import type { StagedTurn } from '../../../../src/ingest/dialogue-staging';
import { InputFileError, RecordError } from '../../../../src/ingest/errors';
import {
  DialogueTitles,
  markFirstMentions,
  mintedItem,
  mintedItemKey,
  normaliseTitle,
  peerInputFiles,
  splitFromPeerFileName,
} from '../../../../src/ingest/minted-items';
import { parsePearlRecord, pearlRecordDigest, titlesWrittenWithYear } from '../../../../src/ingest/pearl';
import { tempDir } from '../../ingest/tmp-files';

/** Mentions as `[covered text, item key, isRecommendation, isFirstMention]` for compact assertions. */
const spans = (turn: StagedTurn) => turn.mentions.map((m) => [turn.text.slice(m.start, m.end), m.asin, m.isRecommendation, m.isFirstMention]);

function recordError(record: unknown): RecordError {
  try {
    parsePearlRecord(record);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

const minimal = (over: Record<string, unknown> = {}) => ({
  dialogue: ['Seeker: Hi', 'Recommender: Try Heat (1995).'],
  user_persona: 'p',
  gt_movie_title: 'Heat (1995)',
  seen_movie_titles: [],
  ...over,
});

describe('minted items', () => {
  it('normalises titles: NFC, whitespace collapsed and trimmed, lower-cased, year kept', () => {
    expect(normaliseTitle('  Ame\u0301lie \t (2001) ')).toBe('amélie (2001)');
    expect(mintedItemKey('pearl', 'Paddington 2 (2017)')).toBe('pearl:paddington 2 (2017)');
    expect(mintedItemKey('inspired', 'PADDINGTON  2\n(2017)')).toBe('inspired:paddington 2 (2017)');
    expect(mintedItemKey('pearl', 'Dune (1984)')).not.toBe(mintedItemKey('pearl', 'Dune (2021)'));
  });

  it('an item keeps the title as written and its cleaned title', () => {
    expect(mintedItem('pearl', 'Movies_and_TV', 'pearl:amélie (2001) [blu-ray]', 'Amélie (2001) [Blu-ray]')).toEqual({
      asin: 'pearl:amélie (2001) [blu-ray]',
      domain: 'Movies_and_TV',
      title: 'Amélie (2001) [Blu-ray]',
      cleanedTitle: 'Amélie',
      metadata: { dataset: 'pearl' },
    });
  });

  it('a dialogue mints each title once, remembering its first writing; candidates are written and cleaned titles', () => {
    const titles = new DialogueTitles('pearl');
    expect(titles.add(' Paddington 2 (2017) ')).toBe('pearl:paddington 2 (2017)');
    expect(titles.add('paddington 2  (2017)')).toBe('pearl:paddington 2 (2017)');
    expect(titles.add('   ')).toBeNull();
    expect(titles.add('Heat')).toBe('pearl:heat');
    expect(titles.title('pearl:paddington 2 (2017)')).toBe('Paddington 2 (2017)');
    expect(titles.entries()).toEqual([
      { key: 'pearl:paddington 2 (2017)', title: 'Paddington 2 (2017)' },
      { key: 'pearl:heat', title: 'Heat' },
    ]);
    expect(titles.candidates()).toEqual([
      { key: 'pearl:paddington 2 (2017)', title: 'Paddington 2 (2017)' },
      { key: 'pearl:paddington 2 (2017)', title: 'Paddington 2' },
      { key: 'pearl:heat', title: 'Heat' },
    ]);
    expect(titles.candidates(['pearl:heat'])).toEqual([{ key: 'pearl:heat', title: 'Heat' }]);
    expect(() => titles.title('pearl:nope')).toThrow('no title for pearl:nope');
  });

  it('flags the first mention of each item by turn, then offset', () => {
    const mention = (asin: string | null, start: number) => ({ asin, rawId: '', start, end: start + 1, isRecommendation: false, isFirstMention: false });
    const turns: StagedTurn[] = [
      { index: 0, role: 'USER', text: 'abc', rawText: null, mentions: [mention(null, 0), mention('a', 1), mention('a', 2)] },
      { index: 1, role: 'ASSISTANT', text: 'abc', rawText: null, mentions: [mention('b', 0), mention('a', 1)] },
    ];
    markFirstMentions(turns);
    expect(turns.map((t) => t.mentions.map((m) => m.isFirstMention))).toEqual([[false, true, false], [true, false]]);
  });

  it.each([
    ['train.json', 'train'],
    ['/data/pearl/valid.json.gz', 'valid'],
    ['dev.tsv', 'valid'],
    ['inspired_Test.tsv', 'test'],
    ['/data/train/test.json', 'test'], // folder names do not count
  ])('split of %s is %s', (file, split) => {
    expect(splitFromPeerFileName(file)).toBe(split);
  });

  it.each(['pearl.json', 'trainset.json', 'latest.tsv', 'development.tsv'])('%s names no split', (file) => {
    expect(() => splitFromPeerFileName(file)).toThrow(
      new InputFileError(file, 'cannot tell the split from the file name; it must contain the word train, valid, dev or test (e.g. train.json, dev.tsv)'),
    );
  });

  it('a file name with two splits is refused', () => {
    expect(() => splitFromPeerFileName('train_test.json')).toThrow('train_test.json: the file name names more than one split (train, test)');
  });

  it('input files must exist, be files and name their split', () => {
    const tmp = tempDir();
    try {
      const train = tmp.file('train.json', '[]');
      expect(peerInputFiles([train])).toEqual([{ file: train, split: 'train' }]);
      expect(() => peerInputFiles([])).toThrow('(no files): name at least one file');
      expect(() => peerInputFiles([train, '/nonexistent/test.json'])).toThrow('/nonexistent/test.json: no such file');
      const dir = train.replace(/train\.json$/, '');
      expect(() => peerInputFiles([dir])).toThrow(`${dir}: not a file; name the split files themselves`);
      expect(() => peerInputFiles([tmp.file('data.json', '[]')])).toThrow(/data\.json: cannot tell the split/);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('titlesWrittenWithYear', () => {
  const known = (...titles: string[]) => {
    const t = new DialogueTitles('pearl');
    titles.forEach((title) => t.add(title));
    return t;
  };

  it.each([
    ['quoted with the year inside', 'You might like "Paddington 2 (2017)".', ['Paddington 2 (2017)']],
    ['curly quotes, year outside', 'Have you seen “Heat” (1995)?', ['Heat (1995)']],
    ['bare', 'If you liked Inception (2010), Interstellar (2014) is for you.', ['Inception (2010)', 'Interstellar (2014)']],
    ['small words, colon, apostrophe', "The Lord of the Rings: The Fellowship of the Ring (2001) and Schindler's List (1993)", [
      'The Lord of the Rings: The Fellowship of the Ring (2001)',
      "Schindler's List (1993)",
    ]],
    ['a lead-in word is not part of the title', 'Try The Iron Giant (1999).', ['The Iron Giant (1999)']],
    ['a sentence ends before the title', 'Sure! Shazam! (2019) is fun.', ['Shazam! (2019)']],
    ['no year, no title', 'Paddington is lovely.', []],
    ['a year outside the range', 'Metropolis (1727) is not a film.', []],
    ['a comma ends a title', 'Lock, Stock and Two Smoking Barrels (1998)', ['Stock and Two Smoking Barrels (1998)']],
  ])('%s', (_case, text, expected) => {
    expect(titlesWrittenWithYear(text, known())).toEqual(expected);
  });

  it('a bare title that ends with a known title, or is the end of one, is that title', () => {
    const titles = known('Paddington 2 (2017)', 'See No Evil (2006)');
    expect(titlesWrittenWithYear('Dear Paddington 2 (2017) and See No Evil (2006) and Us (2019)', titles)).toEqual(['Us (2019)']);
  });

  it('nothing inside a quoted title is taken apart', () => {
    expect(titlesWrittenWithYear('I suggest "Try Something (2001)" tonight', known())).toEqual(['Try Something (2001)']);
  });
});

describe('parsePearlRecord', () => {
  it('parses the example of docs/formats.md §6', () => {
    const parsed = parsePearlRecord({
      dialogue: ['Seeker: Hi, I want a heartwarming comedy.', 'Recommender: You might like "Paddington 2 (2017)".', ''],
      user_persona: 'Enjoys gentle family films.',
      gt_movie_title: 'Paddington 2 (2017)',
      seen_movie_titles: ['Paddington (2014)'],
    });
    expect(parsed).toEqual({
      dataId: null,
      userId: null,
      turns: [
        { index: 0, role: 'USER', text: 'Hi, I want a heartwarming comedy.', rawText: 'Seeker: Hi, I want a heartwarming comedy.', mentions: [] },
        {
          index: 1,
          role: 'ASSISTANT',
          text: 'You might like "Paddington 2 (2017)".',
          rawText: 'Recommender: You might like "Paddington 2 (2017)".',
          mentions: [{ asin: 'pearl:paddington 2 (2017)', rawId: 'Paddington 2 (2017)', start: 16, end: 35, isRecommendation: true, isFirstMention: true }],
        },
      ],
      titles: [
        { key: 'pearl:paddington 2 (2017)', title: 'Paddington 2 (2017)' },
        { key: 'pearl:paddington (2014)', title: 'Paddington (2014)' },
      ],
      targetKey: 'pearl:paddington 2 (2017)',
      warnings: [],
      provenance: { persona: 'Enjoys gentle family films.', gtMovieTitle: 'Paddington 2 (2017)', seenMovieTitles: ['Paddington (2014)'], extra: {} },
    });
  });

  it('finds full and cleaned titles, longest first; the gold title in a Recommender turn is a recommendation', () => {
    const parsed = parsePearlRecord({
      data_id: 'train-0001',
      user_id: 'A1B2C3',
      dialogue: [
        'Seeker: Hi! I loved Paddington (2014) and Amélie — amélie, not paddington — something warm? 🐻',
        '',
        'Recommender: Since you enjoyed Paddington, you might like Paddington 2 (2017).',
        'Seeker: Paddington 2 sounds perfect. Paddington 20 does not exist.',
        'Recommender: Try The Iron Giant (1999) too, or watch Paddington 2 again.',
        'Seeker: ',
      ],
      user_persona: 'Gentle films.',
      gt_movie_title: 'Paddington 2 (2017)',
      seen_movie_titles: ['Paddington (2014)', 'Amélie (2001)', ''],
      gt_genre: 'Comedy',
      turn_2: 'x',
    });
    expect(parsed.turns.map(spans)).toEqual([
      [
        ['Paddington (2014)', 'pearl:paddington (2014)', false, true],
        ['Amélie', 'pearl:amélie (2001)', false, true],
        // one-word titles match only in their own case (PEER_TITLE_MATCHING): not `amélie`, `paddington`
      ],
      [
        ['Paddington', 'pearl:paddington (2014)', false, false],
        ['Paddington 2 (2017)', 'pearl:paddington 2 (2017)', true, true],
      ],
      [
        ['Paddington 2', 'pearl:paddington 2 (2017)', false, false],
        // not `Paddington 2` inside `Paddington 20`, but the whole word `Paddington` before it
        ['Paddington', 'pearl:paddington (2014)', false, false],
      ],
      [
        ['The Iron Giant (1999)', 'pearl:the iron giant (1999)', false, true],
        ['Paddington 2', 'pearl:paddington 2 (2017)', true, false],
      ],
    ]);
    expect(parsed.turns.map((t) => t.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
    expect(parsed.turns[0].mentions[0].rawId).toBe('Paddington (2014)');
    expect(parsed.titles.map((t) => t.key)).toEqual([
      'pearl:paddington 2 (2017)',
      'pearl:paddington (2014)',
      'pearl:amélie (2001)',
      'pearl:the iron giant (1999)',
    ]);
    expect(parsed).toMatchObject({ dataId: 'train-0001', userId: 'A1B2C3', targetKey: 'pearl:paddington 2 (2017)', warnings: [] });
    expect(parsed.provenance.extra).toEqual({ data_id: 'train-0001', user_id: 'A1B2C3', gt_genre: 'Comedy', turn_2: 'x' });
  });

  it('UTF-16 offsets past emoji', () => {
    const parsed = parsePearlRecord(minimal({ dialogue: ['Seeker: 🐉🐉 Heat!'] }));
    expect(parsed.turns[0].mentions[0]).toMatchObject({ start: 5, end: 9 });
    expect(spans(parsed.turns[0])).toEqual([['Heat', 'pearl:heat (1995)', false, true]]);
  });

  it('titles in Seeker turns are not minted from the year pattern', () => {
    const parsed = parsePearlRecord(minimal({ dialogue: ['Seeker: I saw Up (2009).', 'Recommender: Nice.'], gt_movie_title: '' }));
    expect(parsed.titles).toEqual([]);
    expect(parsed.turns[0].mentions).toEqual([]);
  });

  it('no gold: no target, and no recommendation', () => {
    const parsed = parsePearlRecord(minimal({ gt_movie_title: '', seen_movie_titles: ['Heat (1995)'] }));
    expect(parsed.targetKey).toBeNull();
    expect(spans(parsed.turns[1])).toEqual([['Heat (1995)', 'pearl:heat (1995)', false, true]]);
  });

  it('a gold movie no Recommender names is a warning', () => {
    const parsed = parsePearlRecord(minimal({ gt_movie_title: 'Spirited Away (2001)', dialogue: ['Seeker: Spirited Away?', 'Recommender: 千と千尋の神隠し (2001)!'] }));
    expect(parsed.targetKey).toBe('pearl:spirited away (2001)');
    expect(parsed.warnings).toEqual([
      { code: 'TARGET_NOT_RECOMMENDED', severity: 'warning', detail: 'the gold movie "Spirited Away (2001)" is not named in any Recommender turn' },
    ]);
  });

  it('ids: numbers become strings, null means none', () => {
    expect(parsePearlRecord(minimal({ data_id: 7, user_id: null }))).toMatchObject({ dataId: '7', userId: null });
  });

  it('prefixes: leading space and no space after the colon are accepted', () => {
    const parsed = parsePearlRecord(minimal({ dialogue: ['  Seeker:Hi', 'Recommender:\tHello'] }));
    expect(parsed.turns.map((t) => [t.role, t.text])).toEqual([['USER', 'Hi'], ['ASSISTANT', 'Hello']]);
  });

  it.each<[string, unknown, string]>([
    ['an array', [], '(record): expected a JSON object with the keys dialogue, user_persona, gt_movie_title, seen_movie_titles'],
    ['null', null, '(record): expected a JSON object with the keys dialogue, user_persona, gt_movie_title, seen_movie_titles'],
    ['no dialogue', { user_persona: '', gt_movie_title: '', seen_movie_titles: [] }, 'dialogue: missing'],
    ['no persona', { dialogue: [], gt_movie_title: '', seen_movie_titles: [] }, 'user_persona: missing'],
    ['no gold', { dialogue: [], user_persona: '', seen_movie_titles: [] }, 'gt_movie_title: missing'],
    ['no seen', { dialogue: [], user_persona: '', gt_movie_title: '' }, 'seen_movie_titles: missing'],
    ['dialogue not an array', minimal({ dialogue: 'Seeker: hi' }), 'dialogue: expected an array of strings'],
    ['persona not a string', minimal({ user_persona: ['a'] }), 'user_persona: expected a string'],
    ['gold null', minimal({ gt_movie_title: null }), 'gt_movie_title: expected a string ("" when the dialogue has no gold movie)'],
    ['seen not an array', minimal({ seen_movie_titles: 'Heat (1995)' }), 'seen_movie_titles: expected an array of strings'],
    ['seen element', minimal({ seen_movie_titles: ['Heat (1995)', 3] }), 'seen_movie_titles[1]: expected a string'],
    ['utterance not a string', minimal({ dialogue: ['Seeker: a', '', { text: 'b' }] }), 'dialogue[2]: expected a string'],
    ['no prefix', minimal({ dialogue: ['Seeker: a', 'User: hello there'] }), 'dialogue[1]: expected the prefix "Seeker: " or "Recommender: ", got "User: hello there"'],
    ['a lower-case prefix', minimal({ dialogue: ['seeker: a'] }), 'dialogue[0]: expected the prefix "Seeker: " or "Recommender: ", got "seeker: a"'],
    [
      'a long string without prefix',
      minimal({ dialogue: ['x'.repeat(100)] }),
      `dialogue[0]: expected the prefix "Seeker: " or "Recommender: ", got "${'x'.repeat(56)}…`,
    ],
    ['only empty strings', minimal({ dialogue: ['', ' ', 'Seeker: '] }), 'dialogue: no utterances: every string is empty'],
    ['data_id an object', minimal({ data_id: { id: 1 } }), 'data_id: expected a non-empty string or a number, got {"id":1}'],
    ['data_id empty', minimal({ data_id: ' ' }), 'data_id: expected a non-empty string or a number, got " "'],
    ['user_id a boolean', minimal({ user_id: true }), 'user_id: expected a non-empty string or a number, got true'],
  ])('error: %s', (_case, record, message) => {
    const error = recordError(record);
    expect(error.message).toBe(message);
    expect(error.at('train.json', 12).message).toBe(`train.json:12: ${message}`);
  });
});

describe('pearlRecordDigest', () => {
  it('ignores key order at every level, not content', () => {
    const a = { dialogue: ['Seeker: a'], extra: { x: 1, y: [{ b: 2, a: 1 }] } };
    const b = { extra: { y: [{ a: 1, b: 2 }], x: 1 }, dialogue: ['Seeker: a'] };
    expect(pearlRecordDigest(a)).toBe(pearlRecordDigest(b));
    expect(pearlRecordDigest(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(pearlRecordDigest({ ...a, dialogue: ['Seeker: b'] })).not.toBe(pearlRecordDigest(a));
  });
});
