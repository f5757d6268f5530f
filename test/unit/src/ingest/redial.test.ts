import path from 'node:path';
import type { StagedTurn } from '../../../../src/ingest/dialogue-staging';
import { InputFileError, RecordError } from '../../../../src/ingest/errors';
import { parseJsonLine, readLines } from '../../../../src/ingest/lines';
import { splitFromPeerFileName } from '../../../../src/ingest/minted-items';
import { type ParsedRedialRecord, parseRedialRecord, type RedialRecordOptions } from '../../../../src/ingest/redial';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'redial');
const OPTIONS: RedialRecordOptions = { split: 'train', domain: 'Movies_and_TV', allRecommenderMentions: false, file: 'train_data.jsonl', line: 1 };

async function fixture(name: string, options: Partial<RedialRecordOptions> = {}): Promise<ParsedRedialRecord[]> {
  const out: ParsedRedialRecord[] = [];
  for await (const line of readLines(path.join(FIXTURES, name))) {
    out.push(parseRedialRecord(parseJsonLine(line.text, name, line.line), { ...OPTIONS, file: name, line: line.line, ...options }));
  }
  return out;
}

/** Mentions as `[covered text, asin, rawId, isRecommendation, isFirstMention]`. */
const spans = (turn: StagedTurn) => turn.mentions.map((m) => [turn.text.slice(m.start, m.end), m.asin, m.rawId, m.isRecommendation, m.isFirstMention]);

/** A minimal valid record, to break one key at a time. */
function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    conversationId: '1',
    initiatorWorkerId: 1,
    respondentWorkerId: 2,
    movieMentions: { '5': 'Heat (1995)' },
    initiatorQuestions: { '5': { suggested: 1, seen: 0, liked: 1 } },
    respondentQuestions: [],
    messages: [
      { messageId: 1, text: 'hi', senderWorkerId: 1, timeOffset: 0 },
      { messageId: 2, text: 'try @5', senderWorkerId: 2, timeOffset: 3 },
    ],
    ...overrides,
  };
}

function recordError(value: unknown): RecordError {
  try {
    parseRedialRecord(value, OPTIONS);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

describe('ReDial file names', () => {
  // The split rule is the one of the other peer datasets (minted-items.ts).
  it.each([
    ['train_data.jsonl', 'train'],
    ['/data/redial/test_data.jsonl.gz', 'test'],
    ['valid_data.jsonl', 'valid'],
    ['redial-dev.jsonl', 'valid'],
  ])('%s → %s', (file, split) => {
    expect(splitFromPeerFileName(file)).toBe(split);
  });

  it('rejects a name without a split', () => {
    expect(() => splitFromPeerFileName('/data/trainer_data.jsonl')).toThrow(InputFileError);
    expect(() => splitFromPeerFileName('/data/redial_data.jsonl')).toThrow('/data/redial_data.jsonl: cannot tell the split from the file name');
  });
});

describe('parseRedialRecord', () => {
  it('mints items, renders @ids as cleaned titles and flags what the respondent says was suggested', async () => {
    const [first] = await fixture('train_data.jsonl');
    expect(first.conversationId).toBe('90001');
    expect(first.items).toEqual([
      { asin: 'redial:100001', domain: 'Movies_and_TV', title: 'Paddington (2014)', cleanedTitle: 'Paddington', metadata: { dataset: 'redial' } },
      { asin: 'redial:100002', domain: 'Movies_and_TV', title: 'Paddington 2 (2017)', cleanedTitle: 'Paddington 2', metadata: { dataset: 'redial' } },
      { asin: 'redial:100003', domain: 'Movies_and_TV', title: 'Amélie (2001)', cleanedTitle: 'Amélie', metadata: { dataset: 'redial' } },
    ]);
    const d = first.dialogue;
    expect(d).toMatchObject({
      key: 'redial:train:90001',
      dataset: 'redial',
      domain: 'Movies_and_TV',
      split: 'train',
      stereotypeKey: null,
      strategy: 'CROWDSOURCED',
      userSourceId: 'redial:11',
      targetAsin: 'redial:100002',
      namedAsins: ['redial:100001', 'redial:100002', 'redial:100003'],
      warnings: [],
    });
    expect(d.turns.map((t) => [t.role, t.text, t.rawText])).toEqual([
      ['USER', 'Hi 🐻 I loved Paddington, any ideas?', 'Hi 🐻 I loved @100001, any ideas?'],
      ['ASSISTANT', 'Then try Paddington 2 !', 'Then try @100002 !'],
      ['ASSISTANT', 'Or Amélie if you like French films.', 'Or @100003 if you like French films.'],
      ['USER', 'I saw Amélie, not for me. Paddington 2 sounds great!', 'I saw @100003, not for me. @100002 sounds great!'],
      ['ASSISTANT', 'Enjoy!', null],
    ]);
    expect(d.turns.map(spans)).toEqual([
      [['Paddington', 'redial:100001', 'redial:100001', false, true]],
      [['Paddington 2', 'redial:100002', 'redial:100002', true, true]],
      // The initiator says suggested, the respondent does not: the respondent wins.
      [['Amélie', 'redial:100003', 'redial:100003', false, true]],
      [
        ['Amélie', 'redial:100003', 'redial:100003', false, false],
        ['Paddington 2', 'redial:100002', 'redial:100002', false, false],
      ],
      [],
    ]);
    expect(d.provenance).toEqual({
      format: 'redial',
      file: 'train_data.jsonl',
      line: 1,
      conversationId: '90001',
      initiatorWorkerId: 11,
      respondentWorkerId: 12,
      initiatorQuestions: {
        '100001': { suggested: 0, seen: 1, liked: 1 },
        '100002': { suggested: 1, seen: 0, liked: 1 },
        '100003': { suggested: 1, seen: 1, liked: 0 },
      },
      respondentQuestions: {
        '100001': { suggested: 0, seen: 1, liked: 1 },
        '100002': { suggested: 1, seen: 0, liked: 1 },
        '100003': { suggested: 0, seen: 1, liked: 0 },
      },
      messages: [204171, 204172, 204173, 204174, 204175].map((messageId, i) => ({ messageId, timeOffset: [0, 15, 31, 58, 70][i] })),
    });
  });

  it('reads the list form of movieMentions, falls back to the initiator when respondentQuestions is [], keeps unknown @ids', async () => {
    const [, second, third] = await fixture('train_data.jsonl');
    expect(second.conversationId).toBe('90002');
    expect(second.items.map((i) => [i.asin, i.title, i.cleanedTitle])).toEqual([
      ['redial:100004', 'Léon: The Professional (1994)', 'Léon: The Professional'],
      ['redial:100005', 'Spirited Away (2001) [千と千尋の神隠し]', 'Spirited Away'],
    ]);
    const d = second.dialogue;
    expect(d.turns.map((t) => t.text)).toEqual([
      'hello! looking for something like @999999',
      'Have you seen Léon: The Professional ? Or Spirited Away (千と千尋の神隠し)?',
      'Spirited Away is a favourite, thanks!',
    ]);
    expect(d.turns[0].rawText).toBeNull();
    expect(d.turns.map(spans)).toEqual([
      [['@999999', null, 'redial:999999', false, false]],
      [
        ['Léon: The Professional', 'redial:100004', 'redial:100004', true, true],
        ['Spirited Away', 'redial:100005', 'redial:100005', true, true],
      ],
      [['Spirited Away', 'redial:100005', 'redial:100005', false, false]],
    ]);
    // 100004 is recommended but "liked: 2" (did not say); 100005 is recommended and liked.
    expect(d.targetAsin).toBe('redial:100005');
    expect(d.warnings).toEqual([{ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: 'movie ids not in movieMentions: 999999' }]);
    expect(d.provenance).toMatchObject({ conversationId: '90002', respondentQuestions: {}, line: 2 });

    expect(third.items).toEqual([]);
    expect(third.dialogue).toMatchObject({ key: 'redial:train:90003', targetAsin: null, namedAsins: [], userSourceId: 'redial:11' });
    expect(third.dialogue.provenance).toMatchObject({ initiatorQuestions: {}, respondentQuestions: {} });
  });

  it('reads gzip; the target is the last recommended movie the seeker liked', async () => {
    const [only] = await fixture('test_data.jsonl.gz', { split: 'test' });
    expect(only.dialogue.key).toBe('redial:test:91001');
    expect(only.items[1].cleanedTitle).toBe('Crouching Tiger, Hidden Dragon');
    expect(only.dialogue.turns.map(spans)).toEqual([
      [],
      [['Crouching Tiger, Hidden Dragon', 'redial:100006', 'redial:100006', true, true]],
      [['Crouching Tiger, Hidden Dragon', 'redial:100006', 'redial:100006', false, false]],
      [['Paddington', 'redial:100001', 'redial:100001', true, true]],
      [],
    ]);
    expect(only.dialogue.targetAsin).toBe('redial:100001');
  });

  it('--all-recommender-mentions flags every Recommender mention, also unanswered and unknown ones', () => {
    const value = record({
      initiatorQuestions: [],
      messages: [
        { messageId: 1, text: '@5 and @6', senderWorkerId: 1 },
        { messageId: 2, text: 'try @5 or @6', senderWorkerId: 2 },
      ],
    });
    const flags = (all: boolean) => parseRedialRecord(value, { ...OPTIONS, allRecommenderMentions: all }).dialogue.turns.map((t) => t.mentions.map((m) => m.isRecommendation));
    expect(flags(false)).toEqual([[false, false], [false, false]]);
    expect(flags(true)).toEqual([[false, false], [true, true]]);
    // Without answers the seeker's liking is unknown: no target.
    expect(parseRedialRecord(value, { ...OPTIONS, allRecommenderMentions: true }).dialogue.targetAsin).toBeNull();
  });

  it('treats a sender who is not the initiator as the Recommender and keeps missing message metadata as null', () => {
    const value = record({ messages: [{ text: 'try @5', senderWorkerId: 99 }] });
    const d = parseRedialRecord(value, OPTIONS).dialogue;
    expect(d.turns[0].role).toBe('ASSISTANT');
    expect(d.provenance.messages).toEqual([{ messageId: null, timeOffset: null }]);
  });

  it.each<[string, unknown, string, string]>([
    ['not an object', [], '(record)', 'expected a JSON object (one conversation)'],
    ['conversationId missing', record({ conversationId: undefined }), 'conversationId', 'expected a non-empty string or a non-negative integer'],
    ['conversationId blank', record({ conversationId: ' ' }), 'conversationId', 'expected a non-empty string or a non-negative integer'],
    ['initiatorWorkerId', record({ initiatorWorkerId: '11' }), 'initiatorWorkerId', 'expected an integer worker id'],
    ['respondentWorkerId', record({ respondentWorkerId: 1.5 }), 'respondentWorkerId', 'expected an integer worker id'],
    ['movieMentions type', record({ movieMentions: 'Heat' }), 'movieMentions', 'expected an object {movieId: title} or a list of {movieId, movieName}'],
    ['movieMentions title', record({ movieMentions: { '5': null } }), 'movieMentions.5', 'expected a non-empty title string'],
    ['movieMentions list entry', record({ movieMentions: ['Heat'] }), 'movieMentions[0]', 'expected an object {movieId, movieName}'],
    ['movieMentions list id', record({ movieMentions: [{ movieId: -1, movieName: 'Heat' }] }), 'movieMentions[0].movieId', 'expected a non-empty string or a non-negative integer'],
    ['movieMentions list name', record({ movieMentions: [{ movieId: 5, movieName: '' }] }), 'movieMentions[0].movieName', 'expected a non-empty title string'],
    ['questions type', record({ initiatorQuestions: 'none' }), 'initiatorQuestions', 'expected an object {movieId: {suggested, seen, liked}} or []'],
    ['questions non-empty list', record({ respondentQuestions: [1] }), 'respondentQuestions', 'expected an object {movieId: {suggested, seen, liked}} or []'],
    ['answer type', record({ initiatorQuestions: { '5': 1 } }), 'initiatorQuestions.5', 'expected an object {suggested, seen, liked}'],
    ['suggested out of range', record({ initiatorQuestions: { '5': { suggested: 2, seen: 0, liked: 0 } } }), 'initiatorQuestions.5.suggested', 'expected 0 or 1, got 2'],
    ['seen missing', record({ respondentQuestions: { '5': { suggested: 1, liked: 0 } } }), 'respondentQuestions.5.seen', 'expected 0, 1 or 2, got undefined'],
    ['liked not a number', record({ initiatorQuestions: { '5': { suggested: 1, seen: 0, liked: '1' } } }), 'initiatorQuestions.5.liked', 'expected 0, 1 or 2, got "1"'],
    ['messages missing', record({ messages: undefined }), 'messages', 'expected a non-empty array of messages'],
    ['messages empty', record({ messages: [] }), 'messages', 'expected a non-empty array of messages'],
    ['message type', record({ messages: ['hi'] }), 'messages[0]', 'expected an object with messageId, text, senderWorkerId, timeOffset'],
    ['message text', record({ messages: [{ text: 5, senderWorkerId: 1 }] }), 'messages[0].text', 'expected a string'],
    ['message sender', record({ messages: [{ text: 'hi', senderWorkerId: null }] }), 'messages[0].senderWorkerId', 'expected an integer worker id'],
  ])('rejects %s', (_, value, field, problem) => {
    expect(recordError(value)).toMatchObject({ field, problem });
  });
});
