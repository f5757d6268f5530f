import { renderChatTemplate } from '../../../../src/ingest/chat-template';
import { type ReleaseCatalogue, type ReleaseTurn, parseReleaseRecord, splitFromFileName } from '../../../../src/ingest/distillrecdial';
import { RecordError } from '../../../../src/ingest/errors';
import { parseJsonLine } from '../../../../src/ingest/lines';

const M = '<|reserved_special_token_10|>';
const SYSTEM = 'You are a friendly movie and TV recommender ...';

// Titles as the catalogue holds them; some raw, to show they are cleaned before matching.
const TITLES: Record<string, string> = {
  B0FAKE0001: 'Paddington',
  B0FAKE0003: 'Paddington 2',
  B0FAKE0004: 'Amélie (2001) [Blu-ray]',
  B0FAKE0005: 'Léon: The Professional',
  B0FAKE0006: "The 'Burbs",
  B0FAKE0007: 'Crash',
  B0FAKE0008: 'Heat',
};
const catalogue: ReleaseCatalogue = { title: (asin) => TITLES[asin] };
const emptyCatalogue: ReleaseCatalogue = { title: () => undefined };

type Turn = ['user' | 'assistant', string];

/** A release line as it appears in the file: one JSON object on one line. */
function releaseLine(turns: Turn[], target: string, named: string[], scenario = 'History + Hint Seeker'): string {
  const text = renderChatTemplate([{ role: 'system', content: SYSTEM }, ...turns.map(([role, content]) => ({ role, content }))]);
  return JSON.stringify({ text, target: [`<id_${target}>`], named_items: named.map((a) => `<id_${a}>`), scenario });
}

function parseLine(line: string, cat = catalogue) {
  return parseReleaseRecord(parseJsonLine(line, 'Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl', 1), cat);
}

/** Mentions as `[covered text, asin, isRecommendation, isFirstMention]` for compact assertions. */
const spans = (turn: ReleaseTurn) => turn.mentions.map((m) => [turn.text.slice(m.start, m.end), m.asin, m.isRecommendation, m.isFirstMention]);

function recordError(record: unknown, cat = catalogue): RecordError {
  try {
    parseReleaseRecord(record, cat);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('splitFromFileName', () => {
  it.each([
    ['Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl', 'train'],
    ['/data/distillrecdial/Movies_and_TV_llama3.1_reserved_special_token_10_valid.jsonl', 'valid'],
    ['Movies_and_TV_llama3.1_reserved_special_token_10_test.jsonl.gz', 'test'],
    ['x_test', 'test'],
    ['/data/my_train_runs/Books_llama3.1_reserved_special_token_10_valid.jsonl', 'valid'], // folder names do not count
  ])('%s → %s', (file, split) => {
    expect(splitFromFileName(file)).toBe(split);
  });

  it.each(['Movies_and_TV_release.jsonl', 'Movies_validation.jsonl', 'Movies_dev.jsonl', 'Movies_trainset.jsonl', 'train.jsonl'])(
    'rejects %s',
    (file) => {
      expect(() => splitFromFileName(file)).toThrow(/cannot tell the split from the file name; it must contain _train, _valid or _test/);
    },
  );

  it('rejects a name with two different splits', () => {
    expect(() => splitFromFileName('a_train_test.jsonl')).toThrow(/more than one split \(train, test\)/);
  });
});

describe('parseReleaseRecord', () => {
  it('parses the example line of docs/formats.md §3.6', () => {
    const line = JSON.stringify({
      text:
        '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\nYou are a friendly movie and TV recommender ...<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi! I loved Paddington and want something similar.<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nYou might enjoy <|reserved_special_token_10|> Paddington 2, or the older <id_B0NOTREAL9>.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nPaddington 2 sounds perfect, thanks!<|eot_id|>',
      target: ['<id_B0FAKE0003>'],
      named_items: ['<id_B0FAKE0001>', '<id_B0FAKE0003>'],
      scenario: 'History + Hint Seeker',
    });
    expect(parseLine(line)).toEqual({
      systemMessage: SYSTEM,
      scenario: 'History + Hint Seeker',
      targetAsin: 'B0FAKE0003',
      namedAsins: ['B0FAKE0001', 'B0FAKE0003'],
      turns: [
        {
          index: 0,
          role: 'USER',
          text: 'Hi! I loved Paddington and want something similar.',
          rawText: null,
          mentions: [{ rawId: 'B0FAKE0001', asin: 'B0FAKE0001', start: 12, end: 22, isRecommendation: false, isFirstMention: true }],
        },
        {
          index: 1,
          role: 'ASSISTANT',
          text: 'You might enjoy Paddington 2, or the older <id_B0NOTREAL9>.',
          rawText: 'You might enjoy <|reserved_special_token_10|> Paddington 2, or the older <id_B0NOTREAL9>.',
          mentions: [
            { rawId: 'B0FAKE0003', asin: 'B0FAKE0003', start: 16, end: 28, isRecommendation: true, isFirstMention: true },
            { rawId: 'B0NOTREAL9', asin: null, start: 43, end: 58, isRecommendation: true, isFirstMention: false },
          ],
        },
        {
          index: 2,
          role: 'USER',
          text: 'Paddington 2 sounds perfect, thanks!',
          rawText: null,
          mentions: [{ rawId: 'B0FAKE0003', asin: 'B0FAKE0003', start: 0, end: 12, isRecommendation: false, isFirstMention: false }],
        },
      ],
      unresolvedItemIds: ['B0NOTREAL9'],
      warnings: [{ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: 'item ids not in the catalogue: B0NOTREAL9' }],
    });
  });

  it('resolves two markers in one turn, with accented titles, and removes markers from the text', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'Something French or moody?'],
          ['assistant', `Try ${M} Amélie — or ${M} Léon: The Professional, both with “great” leads.`],
        ],
        'B0FAKE0005',
        ['B0FAKE0004', 'B0FAKE0005'],
      ),
    );
    const turn = parsed.turns[1];
    expect(turn.text).toBe('Try Amélie — or Léon: The Professional, both with “great” leads.');
    expect(turn.rawText).toBe(`Try ${M} Amélie — or ${M} Léon: The Professional, both with “great” leads.`);
    expect(spans(turn)).toEqual([
      ['Amélie', 'B0FAKE0004', true, true],
      ['Léon: The Professional', 'B0FAKE0005', true, true],
    ]);
    expect(turn.mentions.map((m) => [m.start, m.end])).toEqual([
      [4, 10],
      [16, 38],
    ]);
    expect(parsed.warnings).toEqual([]);
  });

  it('tells a title from a longer title it prefixes (Paddington vs Paddington 2)', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'I adored Paddington 2 but not Paddington.'],
          ['assistant', `Then ${M} Paddington 2 again, or revisit ${M} Paddington.`],
        ],
        'B0FAKE0003',
        ['B0FAKE0001', 'B0FAKE0003'],
      ),
    );
    expect(spans(parsed.turns[0])).toEqual([
      ['Paddington 2', 'B0FAKE0003', false, true],
      ['Paddington', 'B0FAKE0001', false, true],
    ]);
    expect(parsed.turns[1].text).toBe('Then Paddington 2 again, or revisit Paddington.');
    expect(spans(parsed.turns[1])).toEqual([
      ['Paddington 2', 'B0FAKE0003', true, false],
      ['Paddington', 'B0FAKE0001', true, false],
    ]);
  });

  it('prefers a title that ends at a word boundary after a marker', () => {
    const parsed = parseLine(releaseLine([['assistant', `${M} Paddington 20th anniversary edition`]], 'B0FAKE0001', ['B0FAKE0003', 'B0FAKE0001']));
    expect(spans(parsed.turns[0])).toEqual([['Paddington', 'B0FAKE0001', true, true]]);
    // With no title ending at a boundary, the longest one that matches still wins.
    const plural = parseLine(releaseLine([['assistant', `Both ${M} Paddingtons are lovely`]], 'B0FAKE0001', ['B0FAKE0001']));
    expect(plural.turns[0].text).toBe('Both Paddingtons are lovely');
    expect(spans(plural.turns[0])).toEqual([['Paddington', 'B0FAKE0001', true, true]]);
  });

  it('matches after a marker case-insensitively, then with whitespace collapsed', () => {
    const parsed = parseLine(
      releaseLine(
        [['assistant', `${M} AMÉLIE and ${M} léon:   the  professional!`]],
        'B0FAKE0004',
        ['B0FAKE0004', 'B0FAKE0005'],
      ),
    );
    expect(parsed.turns[0].text).toBe('AMÉLIE and léon:   the  professional!');
    expect(spans(parsed.turns[0])).toEqual([
      ['AMÉLIE', 'B0FAKE0004', true, true],
      ['léon:   the  professional', 'B0FAKE0005', true, true],
    ]);
  });

  it('keeps a marker whose title cannot be found, as a mention without an item', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'Any thriller?'],
          ['assistant', `Maybe ${M} The Departed, or ${M} Heat.`],
          ['assistant', `Or simply ${M}`],
        ],
        'B0FAKE0008',
        ['B0FAKE0008'],
      ),
    );
    const [, first, second] = parsed.turns;
    expect(first.text).toBe(`Maybe ${M} The Departed, or Heat.`);
    expect(first.rawText).toBe(`Maybe ${M} The Departed, or ${M} Heat.`);
    expect(first.mentions).toEqual([
      { rawId: '', asin: null, start: 6, end: 6 + M.length, isRecommendation: true, isFirstMention: false },
      { rawId: 'B0FAKE0008', asin: 'B0FAKE0008', start: 6 + M.length + 18, end: 6 + M.length + 22, isRecommendation: true, isFirstMention: true },
    ]);
    // A marker with nothing after it (the trailing space was trimmed away).
    expect(second.text).toBe(`Or simply ${M}`);
    expect(second.rawText).toBeNull();
    expect(spans(second)).toEqual([[M, null, true, false]]);
    expect(parsed.warnings).toEqual([
      {
        code: 'UNRESOLVED_MARKER',
        severity: 'warning',
        detail: '2 recommendation markers are not followed by the title of a named item (turns 1, 2)',
      },
    ]);
  });

  it('keeps marker positions when no titles are known yet (TMDB not imported)', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'I loved Paddington.'],
          ['assistant', `Then ${M} Paddington 2 is for you.`],
        ],
        'B0FAKE0003',
        ['B0FAKE0001', 'B0FAKE0003'],
      ),
      emptyCatalogue,
    );
    expect(parsed.turns[0].mentions).toEqual([]);
    expect(parsed.turns[1].text).toBe(`Then ${M} Paddington 2 is for you.`);
    expect(parsed.turns[1].mentions).toEqual([{ rawId: '', asin: null, start: 5, end: 5 + M.length, isRecommendation: true, isFirstMention: false }]);
    expect(parsed.namedAsins).toEqual(['B0FAKE0001', 'B0FAKE0003']);
    expect(parsed.targetAsin).toBe('B0FAKE0003');
    expect(parsed.warnings.map((w) => w.code)).toEqual(['UNRESOLVED_MARKER']);
  });

  it('links leftover tags: known ids to their item, unknown ids listed once', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'I hated <id_B0NOTREAL9> but liked <id_B0FAKE0007>.'],
          ['assistant', `Not <id_B0NOTREAL9> again! Try ${M} Heat or <id_B0NOTREAL8>.`],
        ],
        'B0FAKE0008',
        ['B0FAKE0007', 'B0FAKE0008'],
      ),
    );
    expect(spans(parsed.turns[0])).toEqual([
      ['<id_B0NOTREAL9>', null, false, false],
      ['<id_B0FAKE0007>', 'B0FAKE0007', false, true],
    ]);
    expect(parsed.turns[0].mentions.map((m) => m.rawId)).toEqual(['B0NOTREAL9', 'B0FAKE0007']);
    expect(spans(parsed.turns[1])).toEqual([
      ['<id_B0NOTREAL9>', null, true, false],
      ['Heat', 'B0FAKE0008', true, true],
      ['<id_B0NOTREAL8>', null, true, false],
    ]);
    expect(parsed.unresolvedItemIds).toEqual(['B0NOTREAL9', 'B0NOTREAL8']);
    expect(parsed.warnings).toEqual([
      { code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: 'item ids not in the catalogue: B0NOTREAL9, B0NOTREAL8' },
    ]);
  });

  it('finds user mentions case-insensitively, with quotes and apostrophes in titles', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', `I rewatched "The 'Burbs" and crash last week; CRASH was better.`],
          ['assistant', `Then ${M} The 'Burbs fans love ${M} Crash.`],
        ],
        'B0FAKE0007',
        ['B0FAKE0006', 'B0FAKE0007'],
      ),
    );
    expect(spans(parsed.turns[0])).toEqual([
      ["The 'Burbs", 'B0FAKE0006', false, true],
      ['crash', 'B0FAKE0007', false, true],
      ['CRASH', 'B0FAKE0007', false, false],
    ]);
    expect(spans(parsed.turns[1])).toEqual([
      ["The 'Burbs", 'B0FAKE0006', true, false],
      ['Crash', 'B0FAKE0007', true, false],
    ]);
  });

  it('does not find titles inside words or inside leftover tags', () => {
    const parsed = parseLine(releaseLine([['user', 'Heatwave and preheat, and <id_Heat> are not Heat!']], 'B0FAKE0008', ['B0FAKE0008']));
    expect(spans(parsed.turns[0])).toEqual([
      ['<id_Heat>', null, false, false],
      ['Heat', 'B0FAKE0008', false, true],
    ]);
  });

  it('marks the first mention per item across roles, by turn then offset', () => {
    const parsed = parseLine(
      releaseLine(
        [
          ['user', 'Paddington 2 or Paddington?'],
          ['assistant', `${M} Paddington first, then ${M} Paddington 2.`],
          ['user', 'Paddington it is.'],
        ],
        'B0FAKE0003',
        ['B0FAKE0003', 'B0FAKE0001'],
      ),
    );
    expect(parsed.turns.map((t) => t.mentions.map((m) => `${m.asin}:${m.isFirstMention}`))).toEqual([
      ['B0FAKE0003:true', 'B0FAKE0001:true'],
      ['B0FAKE0001:false', 'B0FAKE0003:false'],
      ['B0FAKE0001:false'],
    ]);
  });

  it('counts offsets in UTF-16 code units', () => {
    const parsed = parseLine(releaseLine([['assistant', `🐻🐻 ${M} Amélie 🎬`]], 'B0FAKE0004', ['B0FAKE0004']));
    const turn = parsed.turns[0];
    expect(turn.text).toBe('🐻🐻 Amélie 🎬');
    expect(turn.mentions[0]).toMatchObject({ start: 5, end: 11 });
  });

  it('leaves a marker in a user turn as text and warns', () => {
    const parsed = parseLine(releaseLine([['user', `I saw ${M} Heat.`]], 'B0FAKE0008', ['B0FAKE0008']));
    expect(parsed.turns[0].text).toBe(`I saw ${M} Heat.`);
    expect(spans(parsed.turns[0])).toEqual([['Heat', 'B0FAKE0008', false, true]]);
    expect(parsed.warnings.map((w) => w.code)).toEqual(['UNEXPECTED_MARKER']);
  });

  it('keeps named_items in the given order without repeats, and the empty system message as null', () => {
    const text = renderChatTemplate([{ role: 'user', content: 'Hi' }]);
    const parsed = parseReleaseRecord(
      { text, target: ['<id_B0FAKE0003>'], named_items: ['<id_B0FAKE0003>', '<id_B0FAKE0001>', '<id_B0FAKE0003>'], scenario: 'Fully Expressive Seeker' },
      catalogue,
    );
    expect(parsed.namedAsins).toEqual(['B0FAKE0003', 'B0FAKE0001']);
    expect(parsed.systemMessage).toBeNull();
    expect(parsed.scenario).toBe('Fully Expressive Seeker');
  });

  describe('record shape', () => {
    const valid = JSON.parse(releaseLine([['user', 'Hi']], 'B0FAKE0003', ['B0FAKE0003'])) as Record<string, unknown>;

    it.each([
      [{ ...valid, user_id: 'A1' }, 'user_id', 'unexpected key; a release line has exactly text, target, named_items and scenario'],
      [{ text: valid.text, target: valid.target, named_items: valid.named_items }, 'scenario', 'missing'],
      [{ target: valid.target, named_items: valid.named_items, scenario: valid.scenario }, 'text', 'missing'],
      [{ ...valid, text: null }, 'text', 'expected a string'],
      [{ ...valid, text: ['x'] }, 'text', 'expected a string'],
      [{ ...valid, scenario: '' }, 'scenario', 'expected a non-empty string'],
      [{ ...valid, scenario: 3 }, 'scenario', 'expected a non-empty string'],
      [{ ...valid, target: '<id_B0FAKE0003>' }, 'target', 'expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]'],
      [{ ...valid, target: ['B0FAKE0003'] }, 'target', 'expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]'],
      [{ ...valid, target: ['<id_B0FAKE0003>', '<id_B0FAKE0001>'] }, 'target', 'expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]'],
      [{ ...valid, target: [] }, 'target', 'expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]'],
      [{ ...valid, named_items: '<id_B0FAKE0003>' }, 'named_items', 'expected an array of item tags'],
      [{ ...valid, named_items: ['<id_B0FAKE0003>', 'B0FAKE0001'] }, 'named_items', 'element 1 is not an item tag like "<id_B0FAKE0003>": "B0FAKE0001"'],
      [{ ...valid, named_items: ['<id_B0 FAKE>'] }, 'named_items', 'element 0 is not an item tag like "<id_B0FAKE0003>": "<id_B0 FAKE>"'],
    ])('%#: rejects a bad %s', (record, field, problem) => {
      expect(recordError(record)).toMatchObject({ field, problem, code: 'INVALID_RECORD' });
    });

    it('rejects a record that is not an object', () => {
      expect(recordError([valid]).field).toBe('(record)');
      expect(recordError('text').field).toBe('(record)');
    });

    it('rejects a text that is not a chat string', () => {
      const error = recordError({ ...valid, text: 'Hi there' });
      expect(error).toMatchObject({ field: 'text', code: 'INVALID_CHAT_TEMPLATE' });
      expect(error.problem).toBe('not a Llama-3.1 chat string: the text must start with <|begin_of_text|> (at character 0)');
    });

    it('rejects a generation prompt, a second system message and an empty dialogue', () => {
      const prompt = renderChatTemplate([{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Hi' }], { generationPrompt: true });
      expect(recordError({ ...valid, text: prompt }).problem).toMatch(/open assistant header/);
      const twoSystems = renderChatTemplate([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hi' },
        { role: 'system', content: 'again' },
      ]);
      expect(recordError({ ...valid, text: twoSystems }).problem).toBe('message 2 is a second system message');
      expect(recordError({ ...valid, text: renderChatTemplate([{ role: 'system', content: SYSTEM }]) }).problem).toBe('no user or assistant messages');
    });

    it('turns a RecordError into an ImportError at the file and line', () => {
      const error = recordError({ ...valid, target: [] }).at('Movies_and_TV_llama3.1_reserved_special_token_10_test.jsonl', 7);
      expect(error.message).toBe('Movies_and_TV_llama3.1_reserved_special_token_10_test.jsonl:7: target: expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]');
    });
  });
});
