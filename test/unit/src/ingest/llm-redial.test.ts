import fs from 'node:fs';
import path from 'node:path';
import type { StagedTurn } from '../../../../src/ingest/dialogue-staging';
import { RecordError } from '../../../../src/ingest/errors';
import { readJsonValues } from '../../../../src/ingest/json-values';
import {
  type ConversationText,
  ConversationTextParser,
  type LlmRedialUser,
  LlmRedialConversations,
  itemMapTitle,
  llmRedialDialogue,
  parseFinalDataRecord,
  userMapIndex,
  userProfile,
} from '../../../../src/ingest/llm-redial';

const MOVIE = path.join(__dirname, '..', '..', '..', 'fixtures', 'llm-redial', 'Movie');
const TITLES: Record<string, string> = JSON.parse(fs.readFileSync(path.join(MOVIE, 'item_map.json'), 'utf8'));
const titleOf = (id: string) => TITLES[id];
const hasItem = (id: string) => id in TITLES;

async function fixtureUsers(): Promise<Array<{ user: LlmRedialUser; line: number }>> {
  const out: Array<{ user: LlmRedialUser; line: number }> = [];
  for await (const v of readJsonValues(path.join(MOVIE, 'final_data.jsonl'))) out.push({ user: parseFinalDataRecord(v.value), line: v.line });
  return out;
}

/** Cuts a Conversation.txt text with the parser, as the importer does line by line. */
function parseText(text: string): ConversationText[] {
  const parser = new ConversationTextParser();
  const out: ConversationText[] = [];
  text.split('\n').forEach((line, i) => {
    const done = parser.push({ line: i + 1, text: line });
    if (done) out.push(done);
  });
  const last = parser.end();
  if (last) out.push(last);
  return out;
}

async function fixtureConversations(): Promise<LlmRedialConversations> {
  const conversations = new LlmRedialConversations();
  for (const { user, line } of await fixtureUsers()) conversations.add(user, line, hasItem);
  return conversations;
}

function thrown(fn: () => unknown): RecordError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error as RecordError;
  }
  throw new Error('expected a RecordError');
}

/** Mentions as `[covered text, asin, isRecommendation, isFirstMention]`. */
const spans = (turn: StagedTurn) => turn.mentions.map((m) => [turn.text.slice(m.start, m.end), m.asin, m.isRecommendation, m.isFirstMention]);

const U = 'AFAKEUSER0000000000000000001';

describe('parseFinalDataRecord', () => {
  it('reads one-line and pretty-printed records', async () => {
    const users = await fixtureUsers();
    expect(users.map((u) => u.line)).toEqual([1, 2, 45]);
    expect(users[1].user).toEqual({
      userId: 'AFAKEUSER0000000000000000002',
      history: ['B0FAKE0106', 'B0FAKE0107', 'B0FAKE0109', '6300000001'],
      mightLike: ['B0FAKE0107', 'B0MISSING1'],
      conversations: [
        { k: 1, conversationId: 201, likes: ['B0FAKE0106'], dislikes: ['B0FAKE0109'], recItem: 'B0FAKE0107' },
        { k: 2, conversationId: 202, likes: ['6300000001', 'B0MISSING2'], dislikes: [], recItem: 'B0MISSING1' },
      ],
    });
  });

  const conversation = (c: Record<string, unknown>) => ({
    [U]: { history_interaction: [], user_might_like: [], Conversation: [{ conversation_1: { conversation_id: 1, user_likes: [], user_dislikes: [], rec_item: ['B0X'], ...c } }] },
  });
  const C = `${U}.Conversation[0].conversation_1`;
  it.each<[string, unknown, string, string]>([
    ['a non-object', [1], '(record)', 'expected an object with exactly one key, the user id'],
    ['two keys', { a: {}, b: {} }, '(record)', 'expected an object with exactly one key, the user id'],
    ['a non-object body', { [U]: [] }, U, 'expected an object with history_interaction, user_might_like and Conversation'],
    ['a missing history', { [U]: { user_might_like: [], Conversation: [] } }, `${U}.history_interaction`, 'expected an array of item id strings'],
    ['a non-string history id', { [U]: { history_interaction: [1], user_might_like: [], Conversation: [] } }, `${U}.history_interaction`, 'expected an array of item id strings'],
    ['a bad user_might_like', { [U]: { history_interaction: [], user_might_like: [''], Conversation: [] } }, `${U}.user_might_like`, 'expected an array of item id strings'],
    ['a non-array Conversation', { [U]: { history_interaction: [], user_might_like: [], Conversation: {} } }, `${U}.Conversation`, 'expected an array of {"conversation_k": {…}} objects'],
    ['a badly named conversation', { [U]: { history_interaction: [], user_might_like: [], Conversation: [{ dialogue_1: {} }] } }, `${U}.Conversation[0]`, 'expected an object with one key "conversation_1"'],
    ['a non-object conversation', { [U]: { history_interaction: [], user_might_like: [], Conversation: [{ conversation_1: 5 }] } }, C, 'expected an object with conversation_id, user_likes, user_dislikes, rec_item'],
    ['a string conversation_id', conversation({ conversation_id: '1' }), `${C}.conversation_id`, 'expected a non-negative integer'],
    ['a negative conversation_id', conversation({ conversation_id: -1 }), `${C}.conversation_id`, 'expected a non-negative integer'],
    ['an empty rec_item', conversation({ rec_item: [] }), `${C}.rec_item`, 'expected an array of one item id, got 0'],
    ['two rec_items', conversation({ rec_item: ['B0X', 'B0Y'] }), `${C}.rec_item`, 'expected an array of one item id, got 2'],
    ['a non-array rec_item', conversation({ rec_item: 'B0X' }), `${C}.rec_item`, 'expected an array of item id strings'],
    ['bad user_likes', conversation({ user_likes: null }), `${C}.user_likes`, 'expected an array of item id strings'],
    ['bad user_dislikes', conversation({ user_dislikes: [null] }), `${C}.user_dislikes`, 'expected an array of item id strings'],
  ])('rejects %s', (_, value, field, problem) => {
    expect(thrown(() => parseFinalDataRecord(value))).toMatchObject({ field, problem });
  });

  it('takes k from the conversation key', () => {
    const value = { [U]: { history_interaction: [], user_might_like: [], Conversation: [{ conversation_7: { conversation_id: 3, user_likes: [], user_dislikes: [], rec_item: ['B0X'] } }] } };
    expect(parseFinalDataRecord(value).conversations[0]).toMatchObject({ k: 7, conversationId: 3 });
  });
});

describe('item_map.json, user_ids.json and profiles', () => {
  it('checks map entries', () => {
    expect(itemMapTitle('B0X', 'Heat')).toBe('Heat');
    expect(thrown(() => itemMapTitle('B0X', null))).toMatchObject({ field: 'B0X', problem: 'expected a title string' });
    expect(userMapIndex(U, 3)).toBe(3);
    expect(thrown(() => userMapIndex(U, '3'))).toMatchObject({ field: U, problem: 'expected an integer index' });
  });

  it('unions likes and dislikes over the dialogues, first seen first', () => {
    const user: LlmRedialUser = {
      userId: U,
      history: ['B1', 'B2', 'B3'],
      mightLike: ['B9', 'B8'],
      conversations: [
        { k: 1, conversationId: 1, likes: ['B2', 'B1'], dislikes: ['B3'], recItem: 'B9' },
        { k: 2, conversationId: 2, likes: ['B1', 'B4'], dislikes: ['B3', 'B5'], recItem: 'B8' },
      ],
    };
    expect(userProfile(user)).toEqual({ history: ['B1', 'B2', 'B3'], liked: ['B2', 'B1', 'B4'], disliked: ['B3', 'B5'], mightLike: ['B9', 'B8'] });
  });
});

describe('ConversationTextParser', () => {
  it('cuts the fixture by id headers, joins continuation lines, keeps a digit line after text as text', () => {
    const texts = parseText(fs.readFileSync(path.join(MOVIE, 'Conversation.txt'), 'utf8'));
    expect(texts.map((t) => [t.line, t.header, t.turns.length])).toEqual([
      [1, { id: 101 }, 3],
      [10, { id: 102 }, 3],
      [20, { id: 201 }, 3],
      [28, { id: 202 }, 3],
    ]);
    expect(texts[0].turns[1]).toEqual({ role: 'ASSISTANT', text: 'Glad you enjoyed Paddington! Have you seen "Paddington 2"? Reviewers call it even warmer than the first.' });
    expect(texts[1].turns[1].text).toBe("Then you'll love Spirited Away, another whimsical film. It is my number 1 pick.");
    expect(texts[3].turns[1].text).toBe('You might like a hidden gem I have in mind. Its title escapes me too.');
  });

  it('numbers Conversation_<n>: headers by position; trims lines and turn texts', () => {
    const texts = parseText('Conversation_7:\nUser:   hi  \n  Agent:hello\r\nConversation_3:\n\nUser: bye\n');
    expect(texts).toEqual([
      { line: 1, header: { position: 0, label: 'Conversation_7:' }, turns: [{ role: 'USER', text: 'hi' }, { role: 'ASSISTANT', text: 'hello' }] },
      { line: 4, header: { position: 1, label: 'Conversation_3:' }, turns: [{ role: 'USER', text: 'bye' }] },
    ]);
  });

  it('joins a continuation to an empty turn without a leading space, also after a blank line', () => {
    expect(parseText('1\nAgent:\nwell\n\nthen\n')[0].turns).toEqual([{ role: 'ASSISTANT', text: 'well then' }]);
  });

  it('yields a header without turns (the match reports it)', () => {
    expect(parseText('5\n\n6\n\nUser: x')).toEqual([
      { line: 1, header: { id: 5 }, turns: [] },
      { line: 3, header: { id: 6 }, turns: [{ role: 'USER', text: 'x' }] },
    ]);
  });

  it('rejects text before the first header, drops the lines up to the next header and goes on', () => {
    const parser = new ConversationTextParser();
    expect(thrown(() => parser.push({ line: 1, text: 'User: hi' }))).toMatchObject({
      field: '(header)',
      problem: 'expected a conversation header (an id such as 42, or Conversation_1:) before any text',
    });
    expect(parser.push({ line: 2, text: 'Agent: hello' })).toBeNull();
    expect(parser.push({ line: 3, text: '' })).toBeNull();
    expect(parser.push({ line: 4, text: '9' })).toBeNull();
    expect(parser.push({ line: 5, text: 'User: ok' })).toBeNull();
    expect(parser.end()).toEqual({ line: 4, header: { id: 9 }, turns: [{ role: 'USER', text: 'ok' }] });
  });

  it('rejects text before the first turn and drops that dialogue only', () => {
    const parser = new ConversationTextParser();
    expect(parser.push({ line: 1, text: '1' })).toBeNull();
    expect(thrown(() => parser.push({ line: 2, text: 'hello there' }))).toMatchObject({
      field: '(turn)',
      problem: 'text before the first "User:" or "Agent:" line of the conversation that starts on line 1',
    });
    expect(parser.push({ line: 3, text: 'User: dropped' })).toBeNull();
    expect(parser.push({ line: 4, text: '' })).toBeNull();
    expect(parser.push({ line: 5, text: '2' })).toBeNull();
    expect(parser.push({ line: 6, text: 'User: kept' })).toBeNull();
    expect(parser.push({ line: 7, text: 'Conversation_1:' })).toEqual({ line: 5, header: { id: 2 }, turns: [{ role: 'USER', text: 'kept' }] });
  });

  it('drops the dialogue of a line that cannot be read', () => {
    const parser = new ConversationTextParser();
    parser.push({ line: 1, text: '1' });
    parser.push({ line: 2, text: 'User: fine' });
    const unreadable = {
      line: 3,
      get text(): string {
        throw new RecordError('(line)', 'invalid UTF-8');
      },
    };
    expect(() => parser.push(unreadable)).toThrow('invalid UTF-8');
    expect(parser.end()).toBeNull();
  });
});

describe('LlmRedialConversations', () => {
  it('matches texts by id and warns about the tolerated quirks', async () => {
    const conversations = await fixtureConversations();
    expect(conversations.size).toBe(5);
    expect(conversations.withoutText).toBe(5);
    const meta = conversations.match({ line: 1, header: { id: 201 }, turns: [{ role: 'USER', text: 'x' }] });
    expect(meta).toMatchObject({ userId: 'AFAKEUSER0000000000000000002', conversationId: 201, k: 1, line: 2, recItem: 'B0FAKE0107' });
    expect(meta.warnings).toEqual([{ code: 'REC_ITEM_IN_HISTORY', severity: 'warning', detail: 'rec_item B0FAKE0107 is also in history_interaction' }]);
    const missing = conversations.match({ line: 9, header: { id: 202 }, turns: [{ role: 'USER', text: 'x' }] });
    expect(missing.warnings).toEqual([{ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: 'item ids not in item_map.json: B0MISSING2, B0MISSING1' }]);
    expect(conversations.match({ line: 12, header: { id: 101 }, turns: [{ role: 'USER', text: 'x' }] }).warnings).toEqual([]);
    expect(conversations.withoutText).toBe(2);
  });

  it('names both places where a rec_item repeats a history item', () => {
    const conversations = new LlmRedialConversations();
    conversations.add({ userId: U, history: ['B1'], mightLike: ['B1'], conversations: [{ k: 1, conversationId: 1, likes: ['B1'], dislikes: [], recItem: 'B1' }] }, 1, () => true);
    expect(conversations.match({ line: 1, header: { id: 1 }, turns: [{ role: 'USER', text: 'x' }] }).warnings[0].detail).toBe('rec_item B1 is also in history_interaction and user_likes');
  });

  it('matches Conversation_<n>: headers by position', async () => {
    const conversations = await fixtureConversations();
    expect(conversations.match({ line: 1, header: { position: 2, label: 'Conversation_3:' }, turns: [{ role: 'USER', text: 'x' }] }).conversationId).toBe(201);
    expect(thrown(() => conversations.match({ line: 40, header: { position: 5, label: 'Conversation_6:' }, turns: [{ role: 'USER', text: 'x' }] }))).toMatchObject({
      field: '(header)',
      problem: 'Conversation_6: is dialogue 6 but final_data.jsonl holds only 5 conversations',
    });
    expect(thrown(() => conversations.match({ line: 50, header: { id: 101 }, turns: [] }))).toMatchObject({
      field: '(header)',
      problem: 'a conversation id header in a file whose headers are Conversation_<n>:',
    });
  });

  it.each<[string, ConversationText, string, string]>([
    ['an unknown id', { line: 1, header: { id: 999 }, turns: [{ role: 'USER', text: 'x' }] }, '(header)', 'conversation 999 is not in final_data.jsonl'],
    ['a dialogue without turns', { line: 1, header: { id: 101 }, turns: [] }, 'turns', 'conversation 101 has no "User:" or "Agent:" turn'],
  ])('rejects %s', async (_, text, field, problem) => {
    const conversations = await fixtureConversations();
    expect(thrown(() => conversations.match(text))).toMatchObject({ field, problem });
  });

  it('rejects a second text for a conversation and a positional header among id headers', async () => {
    const conversations = await fixtureConversations();
    const text: ConversationText = { line: 1, header: { id: 101 }, turns: [{ role: 'USER', text: 'x' }] };
    conversations.match(text);
    expect(thrown(() => conversations.match({ ...text, line: 30 }))).toMatchObject({ field: '(header)', problem: 'a second text for conversation 101' });
    expect(thrown(() => conversations.match({ line: 40, header: { position: 0, label: 'Conversation_1:' }, turns: text.turns }))).toMatchObject({
      field: '(header)',
      problem: 'a Conversation_<n>: header in a file whose headers are conversation ids',
    });
  });

  it('rejects a duplicate user or conversation id and keeps nothing of that record', () => {
    const conversations = new LlmRedialConversations();
    const conv = (conversationId: number, k = 1) => ({ k, conversationId, likes: [], dislikes: [], recItem: 'B1' });
    conversations.add({ userId: U, history: [], mightLike: [], conversations: [conv(1)] }, 1, () => true);
    expect(thrown(() => conversations.add({ userId: U, history: [], mightLike: [], conversations: [conv(2)] }, 2, () => true))).toMatchObject({
      field: '(record)',
      problem: `duplicate user "${U}"; the first record wins`,
    });
    expect(thrown(() => conversations.add({ userId: 'B', history: [], mightLike: [], conversations: [conv(3), conv(1, 2)] }, 3, () => true))).toMatchObject({
      field: 'B.Conversation[1].conversation_2.conversation_id',
      problem: 'duplicate conversation_id 1',
    });
    expect(thrown(() => conversations.add({ userId: 'C', history: [], mightLike: [], conversations: [conv(4), conv(4, 2)] }, 4, () => true))).toMatchObject({
      problem: 'duplicate conversation_id 4',
    });
    expect(conversations.size).toBe(1);
    conversations.add({ userId: 'B', history: [], mightLike: [], conversations: [conv(3)] }, 5, () => true);
    expect(conversations.size).toBe(2);
  });
});

describe('llmRedialDialogue', () => {
  async function dialogues() {
    const conversations = await fixtureConversations();
    const texts = parseText(fs.readFileSync(path.join(MOVIE, 'Conversation.txt'), 'utf8'));
    return texts.map((t) => llmRedialDialogue('Movie', t, conversations.match(t), titleOf, 7));
  }

  it('recovers quoted and unquoted titles, cleaned or in full; the rec_item in an Agent turn is the recommendation', async () => {
    const [d101, d102, d201, d202] = await dialogues();
    expect(d101).toMatchObject({
      key: 'llm-redial:Movie:101',
      dataset: 'llm-redial',
      domain: 'Movie',
      split: null,
      stereotypeKey: null,
      strategy: 'GOAL_TEMPLATE',
      userSourceId: U,
      targetAsin: 'B0FAKE0104',
      namedAsins: ['B0FAKE0101', 'B0FAKE0102', 'B0FAKE0104'],
      warnings: [],
    });
    expect(d101.turns.map((t) => [t.role, t.rawText])).toEqual([
      ['USER', null],
      ['ASSISTANT', null],
      ['USER', null],
    ]);
    expect(d101.turns.map(spans)).toEqual([
      [
        ['Paddington', 'B0FAKE0101', false, true],
        ["The Haunting Hour: Don't Think About It", 'B0FAKE0102', false, true],
      ],
      [
        ['Paddington', 'B0FAKE0101', false, false],
        // The longer title wins over its prefix.
        ['Paddington 2', 'B0FAKE0104', true, true],
      ],
      [],
    ]);
    expect(d102.turns.map(spans)).toEqual([
      // The full title, brackets included, wins over the cleaned one.
      [['Amélie (2001) [Blu-ray]', 'B0FAKE0103', false, true]],
      [['Spirited Away', 'B0FAKE0108', true, true]],
      [['Spirited away', 'B0FAKE0108', false, false]],
    ]);
    expect(d201.turns.map(spans)).toEqual([
      [
        ['Crouching Tiger, Hidden Dragon (臥虎藏龍)', 'B0FAKE0106', false, true],
        ["The 'Burbs", 'B0FAKE0109', false, true],
      ],
      [['Heat', 'B0FAKE0107', true, true]],
      // The recommended item named by the user is a mention, not a recommendation.
      [['Heat', 'B0FAKE0107', false, false]],
    ]);
    expect(d201.warnings.map((w) => w.code)).toEqual(['REC_ITEM_IN_HISTORY']);
    expect(d202.turns.map(spans)).toEqual([[['Casablanca', '6300000001', false, true]], [], []]);
    // The emoji before the title is two UTF-16 code units.
    expect(d202.turns[0].mentions[0]).toMatchObject({ start: 3, end: 13 });
    expect(d202).toMatchObject({ targetAsin: 'B0MISSING1', namedAsins: ['6300000001', 'B0MISSING2', 'B0MISSING1'] });
    expect(d202.warnings.map((w) => w.code)).toEqual(['UNKNOWN_ITEM_ID']);
    expect(d201.provenance).toEqual({
      format: 'llm-redial',
      file: 'Conversation.txt',
      line: 20,
      conversationId: 201,
      conversation: 1,
      finalDataLine: 2,
      userIndex: 7,
      userLikes: ['B0FAKE0106'],
      userDislikes: ['B0FAKE0109'],
      recItem: 'B0FAKE0107',
    });
  });

  it('credits a shared title to the rec_item in Agent turns and to the liked item in User turns', () => {
    const conversations = new LlmRedialConversations();
    conversations.add({ userId: U, history: [], mightLike: [], conversations: [{ k: 1, conversationId: 1, likes: ['DVD'], dislikes: [], recItem: 'BLU' }] }, 1, () => true);
    const text: ConversationText = {
      line: 1,
      header: { position: 0, label: 'Conversation_1:' },
      turns: [
        { role: 'USER', text: 'I loved Heat.' },
        { role: 'ASSISTANT', text: 'Then get Heat on Blu-ray!' },
      ],
    };
    const titles: Record<string, string> = { DVD: 'Heat [DVD]', BLU: 'Heat [Blu-ray]' };
    const d = llmRedialDialogue('Movies', text, conversations.match(text), (id) => titles[id], null);
    expect(d.turns.map(spans)).toEqual([[['Heat', 'DVD', false, true]], [['Heat', 'BLU', true, true]]]);
    expect(d.provenance).toMatchObject({ header: 'Conversation_1:', userIndex: null });
  });
});
