import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputFileError } from '../../../../src/ingest/errors';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { importLlmRedial } from '../../../../src/ingest/llm-redial.load';
import { startTestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'llm-redial');
const MOVIE = path.join(FIXTURES, 'Movie');
const MOVIES = path.join(FIXTURES, 'Movies');
const DOMAIN = { domain: 'Movies_and_TV' };
const quiet = { quiet: true };
const U1 = 'AFAKEUSER0000000000000000001';
const U2 = 'AFAKEUSER0000000000000000002';
const U3 = 'AFAKEUSER0000000000000000003';

async function counts(db: TestDatabase) {
  const [row] = await db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM dialogues) AS dialogues, (SELECT count(*)::int FROM turns) AS turns,
    (SELECT count(*)::int FROM turn_mentions) AS mentions, (SELECT count(*)::int FROM items) AS items,
    (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM user_profiles) AS profiles,
    (SELECT count(*)::int FROM import_runs) AS runs`);
  return row;
}

/** Profiles with their item ids read back as item keys, in stored order. */
async function profiles(db: TestDatabase) {
  const asins = (column: string) => `ARRAY(SELECT i.asin FROM unnest(p.${column}) WITH ORDINALITY x(id, n) JOIN items i ON i.id = x.id ORDER BY x.n)`;
  return db.dataSource.query(`
    SELECT u.source_id, u.domain, p.strategy, p.preparation_id, ${asins('history_item_ids')} AS history, ${asins('liked_item_ids')} AS liked,
           ${asins('disliked_item_ids')} AS disliked, ${asins('might_like_item_ids')} AS might_like
      FROM user_profiles p JOIN users u ON u.id = p.user_id ORDER BY u.source_id`);
}

/** Every mention with its turn, for comparing imports. */
async function mentions(db: TestDatabase) {
  return db.dataSource.query(`
    SELECT d.import_key, t.idx, t.role, t.text, m.raw_id, i.asin, i.title, i.cleaned_title, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN dialogues d ON d.id = m.dialogue_id LEFT JOIN items i ON i.id = m.item_id
     ORDER BY d.import_key, t.idx, m.start_offset`);
}

/** A copy of the Movie fixture in a temporary folder, with some files replaced. */
function variant(files: Record<string, string>): string {
  const dir = path.join(tmp, `Movie${fs.readdirSync(tmp).length}`);
  fs.cpSync(MOVIE, dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

let db: TestDatabase;
let tmp: string;
beforeEach(async () => {
  db = await createTestDatabase();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-llm-redial-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

test('the Movie fixture: items, users, profiles, dialogues with recovered mentions', async () => {
  const summary = await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  expect(summary).toMatchObject({
    domain: 'Movies_and_TV',
    items: 10,
    itemsCreated: 10,
    users: 3,
    usersCreated: 3,
    profiles: 3,
    conversations: 5,
    conversationsWithoutText: 1,
    read: 4,
    inserted: 4,
    alreadyPresent: 0,
    skipped: 0,
    turns: 12,
    mentions: 12,
  });
  expect(summary.files.map((f) => [path.basename(f.path), f.lines])).toEqual([
    ['item_map.json', 12],
    ['user_ids.json', 1],
    ['final_data.jsonl', 45],
    ['Conversation.txt', 35],
  ]);
  const [run] = await db.dataSource.query('SELECT kind, counts FROM import_runs');
  expect(run).toMatchObject({ kind: 'llm-redial', counts: { read: 4, profiles: 3 } });

  const items = await db.dataSource.query(`SELECT asin, domain, title, cleaned_title FROM items WHERE asin IN ('B0FAKE0103', '6300000001') ORDER BY asin`);
  expect(items).toEqual([
    { asin: '6300000001', domain: 'Movies_and_TV', title: 'Casablanca (VHS)', cleaned_title: 'Casablanca' },
    { asin: 'B0FAKE0103', domain: 'Movies_and_TV', title: 'Amélie (2001) [Blu-ray]', cleaned_title: 'Amélie' },
  ]);

  const dialogues = await db.dataSource.query(`
    SELECT d.import_key, d.dataset, d.domain, d.split, d.strategy, d.stereotype_id, u.source_id AS user, i.asin AS target, d.target_raw_id,
           d.named_item_ids, d.warnings, d.provenance
      FROM dialogues d JOIN users u ON u.id = d.user_id LEFT JOIN items i ON i.id = d.target_item_id ORDER BY d.id`);
  expect(dialogues.map((d: any) => [d.import_key, d.user, d.target, d.target_raw_id, d.warnings.map((w: any) => w.code)])).toEqual([
    ['llm-redial:Movies_and_TV:101', U1, 'B0FAKE0104', 'B0FAKE0104', []],
    ['llm-redial:Movies_and_TV:102', U1, 'B0FAKE0108', 'B0FAKE0108', []],
    ['llm-redial:Movies_and_TV:201', U2, 'B0FAKE0107', 'B0FAKE0107', ['REC_ITEM_IN_HISTORY']],
    // The rec_item is not in item_map.json: the target stays as its raw id.
    ['llm-redial:Movies_and_TV:202', U2, null, 'B0MISSING1', ['UNKNOWN_ITEM_ID']],
  ]);
  for (const d of dialogues) expect(d).toMatchObject({ dataset: 'llm-redial', domain: 'Movies_and_TV', split: null, strategy: 'GOAL_TEMPLATE', stereotype_id: null });
  expect(dialogues[3].named_item_ids).toEqual(['6300000001', 'B0MISSING2', 'B0MISSING1']);
  expect(dialogues[3].warnings[0].detail).toBe('item ids not in item_map.json: B0MISSING2, B0MISSING1');
  expect(dialogues[2].provenance).toEqual({
    format: 'llm-redial',
    file: 'Conversation.txt',
    line: 20,
    conversationId: 201,
    conversation: 1,
    finalDataLine: 2,
    userIndex: 1,
    userLikes: ['B0FAKE0106'],
    userDislikes: ['B0FAKE0109'],
    recItem: 'B0FAKE0107',
  });
  const turns = await db.dataSource.query(`SELECT t.idx, t.role, t.text, t.raw_text FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.import_key LIKE '%:102' ORDER BY t.idx`);
  expect(turns).toEqual([
    { idx: 0, role: 'USER', text: 'Amélie (2001) [Blu-ray] is one of my favourites — so whimsical. 🎬', raw_text: null },
    { idx: 1, role: 'ASSISTANT', text: "Then you'll love Spirited Away, another whimsical film. It is my number 1 pick.", raw_text: null },
    { idx: 2, role: 'USER', text: "Spirited away, you say? I'll try it.", raw_text: null },
  ]);
});

test('mentions land on the right turns with the right offsets; the rec_item in an Agent turn is the recommendation', async () => {
  await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  const rows = await mentions(db);
  for (const r of rows) {
    // UTF-16 offsets into the stored text: the slice is the full or the cleaned title, as written (any case).
    expect([r.title.toLowerCase(), r.cleaned_title.toLowerCase()]).toContain(r.text.slice(r.start_offset, r.end_offset).toLowerCase());
    expect(r.raw_id).toBe(r.asin);
  }
  expect(rows.map((r: any) => [r.import_key.split(':')[2], r.idx, r.text.slice(r.start_offset, r.end_offset), r.is_recommendation, r.is_first_mention])).toEqual([
    ['101', 0, 'Paddington', false, true],
    ['101', 0, "The Haunting Hour: Don't Think About It", false, true],
    ['101', 1, 'Paddington', false, false],
    ['101', 1, 'Paddington 2', true, true],
    ['102', 0, 'Amélie (2001) [Blu-ray]', false, true],
    ['102', 1, 'Spirited Away', true, true],
    ['102', 2, 'Spirited away', false, false],
    ['201', 0, 'Crouching Tiger, Hidden Dragon (臥虎藏龍)', false, true],
    ['201', 0, "The 'Burbs", false, true],
    ['201', 1, 'Heat', true, true],
    ['201', 2, 'Heat', false, false],
    ['202', 0, 'Casablanca', false, true],
  ]);
  const heat = rows.find((r: any) => r.is_recommendation && r.asin === 'B0FAKE0107');
  expect([heat.role, heat.start_offset, heat.end_offset]).toEqual(['ASSISTANT', 11, 15]);
});

test('profiles: history, unions of likes and dislikes, might-likes; unknown ids left out', async () => {
  await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  expect(await profiles(db)).toEqual([
    {
      source_id: U1,
      domain: 'Movies_and_TV',
      strategy: 'GOAL_TEMPLATE',
      preparation_id: null,
      history: ['B0FAKE0101', 'B0FAKE0102', 'B0FAKE0103', 'B0FAKE0105'],
      liked: ['B0FAKE0101', 'B0FAKE0103'],
      disliked: ['B0FAKE0102'],
      might_like: ['B0FAKE0104', 'B0FAKE0108'],
    },
    {
      source_id: U2,
      domain: 'Movies_and_TV',
      strategy: 'GOAL_TEMPLATE',
      preparation_id: null,
      history: ['B0FAKE0106', 'B0FAKE0107', 'B0FAKE0109', '6300000001'],
      liked: ['B0FAKE0106', '6300000001'],
      disliked: ['B0FAKE0109'],
      might_like: ['B0FAKE0107'],
    },
    // User 3's only conversation has no text: the user and the profile are still written.
    { source_id: U3, domain: 'Movies_and_TV', strategy: 'GOAL_TEMPLATE', preparation_id: null, history: ['B0FAKE0101'], liked: ['B0FAKE0101'], disliked: [], might_like: ['B0FAKE0105'] },
  ]);
});

test('importing the folder again changes nothing', async () => {
  await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  const first = await counts(db);
  const before = { profiles: await profiles(db), mentions: await mentions(db), dialogues: await db.dataSource.query('SELECT * FROM dialogues ORDER BY id') };
  const again = await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  expect(again).toMatchObject({ read: 4, inserted: 0, alreadyPresent: 4, itemsCreated: 0, usersCreated: 0, profiles: 3, turns: 0, mentions: 0 });
  expect(await counts(db)).toEqual({ ...first, runs: first.runs + 1 });
  expect({ profiles: await profiles(db), mentions: await mentions(db), dialogues: await db.dataSource.query('SELECT * FROM dialogues ORDER BY id') }).toEqual(before);
});

test('Movies/: Conversation_<n>: headers matched by position give the same dialogues; the domain defaults to the folder name', async () => {
  const summary = await importLlmRedial(db.dataSource, MOVIES, {}, quiet);
  expect(summary).toMatchObject({ domain: 'Movies', read: 4, inserted: 4, conversationsWithoutText: 1 });
  expect(summary.files.map((f) => path.basename(f.path))).toContain('user_map.json');
  const positional = (await mentions(db)).map((r: any) => ({ ...r, import_key: r.import_key.replace(':Movies:', ':') }));
  const [d] = await db.dataSource.query(`SELECT provenance FROM dialogues WHERE import_key = 'llm-redial:Movies:201'`);
  expect(d.provenance).toMatchObject({ header: 'Conversation_3:', conversationId: 201, userIndex: 1 });
  const [users] = await db.dataSource.query(`SELECT array_agg(DISTINCT domain) AS domains FROM users`);
  expect(users.domains).toEqual(['Movies']);

  const other = await createTestDatabase();
  try {
    await importLlmRedial(other.dataSource, MOVIE, { domain: 'Movies' }, quiet);
    const byId = (await mentions(other)).map((r: any) => ({ ...r, import_key: r.import_key.replace(':Movies:', ':') }));
    expect(positional).toEqual(byId);
  } finally {
    await other.drop();
  }
});

test('a bad record aborts with file:line: field: problem and leaves nothing behind', async () => {
  const finalData = fs.readFileSync(path.join(MOVIE, 'final_data.jsonl'), 'utf8');
  const twoRecs = variant({ 'final_data.jsonl': finalData.replace('"B0FAKE0107"\n                    ]', '"B0FAKE0107", "B0FAKE0101"\n                    ]') });
  const error = await importLlmRedial(db.dataSource, twoRecs, DOMAIN, quiet).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toBe(`${path.join(twoRecs, 'final_data.jsonl')}:2: ${U2}.Conversation[0].conversation_1.rec_item: expected an array of one item id, got 2\nnothing was imported`);
  expect(await counts(db)).toEqual({ dialogues: 0, turns: 0, mentions: 0, items: 0, users: 0, profiles: 0, runs: 0 });

  // Bad JSON inside a pretty-printed record names the line of the problem.
  const badJson = variant({ 'final_data.jsonl': finalData.replace('"conversation_id": 202,', '"conversation_id": 202,,') });
  await expect(importLlmRedial(db.dataSource, badJson, DOMAIN, quiet)).rejects.toThrow(
    `${path.join(badJson, 'final_data.jsonl')}:31: (json): invalid JSON at column 44 (in the value that starts on line 2): expected a string key, got character ','`,
  );

  const conversations = fs.readFileSync(path.join(MOVIE, 'Conversation.txt'), 'utf8');
  const badText = variant({ 'Conversation.txt': conversations.replace('201\n\nUser:', '201\n\nhello\nUser:') });
  await expect(importLlmRedial(db.dataSource, badText, DOMAIN, quiet)).rejects.toThrow(
    `${path.join(badText, 'Conversation.txt')}:22: (turn): text before the first "User:" or "Agent:" line of the conversation that starts on line 20\nnothing was imported`,
  );
  const unknown = variant({ 'Conversation.txt': conversations.replace('202\n', '999\n') });
  await expect(importLlmRedial(db.dataSource, unknown, DOMAIN, quiet)).rejects.toThrow(
    `${path.join(unknown, 'Conversation.txt')}:28: (header): conversation 999 is not in final_data.jsonl`,
  );
  const badTitle = variant({ 'item_map.json': '{"B0FAKE0101": null}' });
  await expect(importLlmRedial(db.dataSource, badTitle, DOMAIN, quiet)).rejects.toThrow(`${path.join(badTitle, 'item_map.json')}:1: B0FAKE0101: expected a title string`);
  expect(await counts(db)).toEqual({ dialogues: 0, turns: 0, mentions: 0, items: 0, users: 0, profiles: 0, runs: 0 });
});

test('--max-errors skips the bad dialogue and keeps the rest; a folder without its files is refused before reading', async () => {
  const conversations = fs.readFileSync(path.join(MOVIE, 'Conversation.txt'), 'utf8');
  const dir = variant({ 'Conversation.txt': conversations.replace('201\n\nUser:', '201\n\nhello\nUser:') });
  const summary = await importLlmRedial(db.dataSource, dir, DOMAIN, { ...quiet, maxErrors: 1 });
  expect(summary).toMatchObject({ read: 3, inserted: 3, skipped: 1, conversationsWithoutText: 2, profiles: 3 });

  fs.rmSync(path.join(dir, 'item_map.json'));
  await expect(importLlmRedial(db.dataSource, dir, DOMAIN, quiet)).rejects.toThrow(InputFileError);
  await expect(importLlmRedial(db.dataSource, dir, DOMAIN, quiet)).rejects.toThrow(`${dir}: no item_map.json; an LLM-REDIAL domain folder holds`);
  await expect(importLlmRedial(db.dataSource, path.join(tmp, 'nowhere'), DOMAIN, quiet)).rejects.toThrow('no such directory');
});

test('GraphQL: the dialogues by dataset and domain, the user with the goal profile the dataset ships', async () => {
  await importLlmRedial(db.dataSource, MOVIE, DOMAIN, quiet);
  const api = await startTestApi(db.dataSource);
  try {
    const res = await api.query(`{
      dialogues(first: 10, filter: { dataset: "llm-redial", domain: "Movies_and_TV" }) {
        totalCount nodes { dataset domain split targetAsin targetItem { title } warnings { code } turns { role text mentions { start end isRecommendation item { asin } } } }
      }
      user(sourceId: "${U2}", domain: "Movies_and_TV") {
        sourceId domain goalProfile { source likes { asin } dislikes { asin } mightLikes { asin } }
        dialogues { nodes { targetAsin } }
      }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.dialogues.totalCount).toBe(4);
    const [first] = res.data.dialogues.nodes;
    expect(first).toMatchObject({ dataset: 'llm-redial', domain: 'Movies_and_TV', split: null, targetAsin: 'B0FAKE0104', targetItem: { title: 'Paddington 2' } });
    const agent = first.turns[1];
    expect(agent.mentions.filter((m: any) => m.isRecommendation).map((m: any) => [agent.text.slice(m.start, m.end), m.item.asin])).toEqual([['Paddington 2', 'B0FAKE0104']]);
    expect(res.data.user).toEqual({
      sourceId: U2,
      domain: 'Movies_and_TV',
      goalProfile: { source: 'llm-redial', likes: [{ asin: 'B0FAKE0106' }, { asin: '6300000001' }], dislikes: [{ asin: 'B0FAKE0109' }], mightLikes: [{ asin: 'B0FAKE0107' }] },
      dialogues: { nodes: [{ targetAsin: 'B0FAKE0107' }, { targetAsin: 'B0MISSING1' }] },
    });
  } finally {
    await api.close();
  }
});
