import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../../../../src/cli/common';
import { registerExportCommands } from '../../../../src/cli/export';
import { loadConfig } from '../../../../src/config/config';
import { planExport, writeExport } from '../../../../src/export/formats';
import { exportedTurnText } from '../../../../src/export/llm-redial';
import type { ExportReport } from '../../../../src/export/types';
import { importLlmRedial } from '../../../../src/ingest/llm-redial.load';
import { startTestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { unzip } from '../../../support/zip';
import { runCli } from '../../../support/cli';

const FIXTURE = path.join(__dirname, '..', '..', '..', 'fixtures', 'llm-redial', 'Movie');
const DOMAIN = 'Movies_and_TV';
const FILES = ['final_data.jsonl', 'Conversation.txt', 'annotations.jsonl', 'item_map.json', 'user_ids.json'];
const U1 = 'AFAKEUSER0000000000000000001';
const U2 = 'AFAKEUSER0000000000000000002';
const U3 = 'AFAKEUSER0000000000000000003';
const quiet = { quiet: true };

let db: TestDatabase;
let tmp: string;
/** The writer's export of the imported fixture. */
let out: string;
let report: ExportReport;

async function exportLlmRedial(database: TestDatabase, dir: string, request: Record<string, unknown> = {}): Promise<ExportReport> {
  fs.mkdirSync(dir, { recursive: true });
  const planned = await planExport(database.dataSource.manager, { format: 'LLM_REDIAL', ...request });
  return writeExport(planned, { dataSource: database.dataSource, outDir: dir });
}

const read = (dir: string, name: string) => fs.readFileSync(path.join(dir, DOMAIN, name), 'utf8');

/** Conversation.txt cut by the §4.4 layout: dialogues end with a blank line and are separated by one more. */
function conversationTexts(content: string): Map<number, string[]> {
  expect(content.endsWith('\n\n')).toBe(true);
  expect(content.endsWith('\n\n\n')).toBe(false);
  const texts = new Map<number, string[]>();
  for (const block of content.slice(0, -2).split('\n\n\n')) {
    const [header, ...turns] = block.split('\n\n');
    expect(header).toMatch(/^\d+$/);
    for (const turn of turns) expect(turn).toMatch(/^(User|Agent): [^\n]+$/);
    texts.set(Number(header), turns.map((t) => t.replace(/^(User|Agent): /, '')));
  }
  return texts;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importLlmRedial(db.dataSource, FIXTURE, { domain: DOMAIN }, quiet);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-llm-redial-export-'));
  out = path.join(tmp, 'writer');
  report = await exportLlmRedial(db, out);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('re-importing the export with the real importer', () => {
  let again: TestDatabase;
  beforeAll(async () => {
    again = await createTestDatabase();
  });
  afterAll(async () => {
    await again?.drop();
  });

  /** Dialogues keyed by (user, k), with what an import derives from the files; conversation ids and line numbers aside. */
  async function dialogues(database: TestDatabase) {
    const rows = await database.dataSource.query(`
      SELECT d.id, u.source_id AS user, (d.provenance->>'conversation')::int AS k, d.dataset, d.domain, d.strategy, i.asin AS target, d.target_raw_id,
             d.named_item_ids, d.warnings, d.provenance - 'line' - 'conversationId' AS provenance
        FROM dialogues d JOIN users u ON u.id = d.user_id LEFT JOIN items i ON i.id = d.target_item_id ORDER BY u.source_id, k`);
    const turns = await database.dataSource.query(`SELECT dialogue_id, idx, role, text, raw_text FROM turns ORDER BY dialogue_id, idx`);
    const mentions = await database.dataSource.query(`
      SELECT m.dialogue_id, t.idx, m.raw_id, i.asin, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
        FROM turn_mentions m JOIN turns t ON t.id = m.turn_id LEFT JOIN items i ON i.id = m.item_id ORDER BY m.dialogue_id, t.idx, m.start_offset`);
    return rows.map(({ id, ...d }: any) => ({
      ...d,
      turns: turns.filter((t: any) => t.dialogue_id === id).map(({ dialogue_id, ...t }: any) => t),
      mentions: mentions.filter((m: any) => m.dialogue_id === id).map(({ dialogue_id, ...m }: any) => m),
    }));
  }

  async function profiles(database: TestDatabase) {
    const asins = (column: string) => `ARRAY(SELECT i.asin FROM unnest(p.${column}) WITH ORDINALITY x(id, n) JOIN items i ON i.id = x.id ORDER BY x.n)`;
    return database.dataSource.query(`
      SELECT u.source_id, u.domain, p.strategy, ${asins('history_item_ids')} AS history, ${asins('liked_item_ids')} AS liked,
             ${asins('disliked_item_ids')} AS disliked, ${asins('might_like_item_ids')} AS might_like
        FROM user_profiles p JOIN users u ON u.id = p.user_id ORDER BY u.source_id`);
  }

  const items = (database: TestDatabase) => database.dataSource.query('SELECT asin, domain, title, cleaned_title FROM items ORDER BY asin');

  test('dialogues, turns, mentions, targets and the users’ likes, dislikes and might-likes come back the same', async () => {
    const summary = await importLlmRedial(again.dataSource, path.join(out, DOMAIN), {}, quiet);
    // Every exported conversation has its text; the domain is the folder's name.
    expect(summary).toMatchObject({ domain: DOMAIN, users: 2, conversations: 4, conversationsWithoutText: 0, read: 4, inserted: 4, skipped: 0, turns: 12, mentions: 12 });

    const before = await dialogues(db);
    const after = await dialogues(again);
    expect(before.map((d: any) => [d.user, d.k, d.target ?? d.target_raw_id])).toEqual([
      [U1, 1, 'B0FAKE0104'],
      [U1, 2, 'B0FAKE0108'],
      [U2, 1, 'B0FAKE0107'],
      [U2, 2, 'B0MISSING1'],
    ]);
    expect(after).toEqual(before);
    // Only the conversation ids are new: 1 … 4 in (user, k) order.
    const keys = await again.dataSource.query(`SELECT import_key FROM dialogues d JOIN users u ON u.id = d.user_id ORDER BY u.source_id, (d.provenance->>'conversation')::int`);
    expect(keys.map((r: any) => r.import_key)).toEqual([1, 2, 3, 4].map((id) => `llm-redial:${DOMAIN}:${id}`));

    // U3's only conversation has no text in the fixture, so U3 has no dialogue to export.
    const profilesBefore = await profiles(db);
    expect(profilesBefore.map((p: any) => p.source_id)).toEqual([U1, U2, U3]);
    expect(await profiles(again)).toEqual(profilesBefore.slice(0, 2));
    expect(await items(again)).toEqual(await items(db));
  });
});

test('Conversation.txt follows §4.4, conversation ids run in (user id, k) order, JSON has Python’s separators', () => {
  expect(read(out, 'Conversation.txt')).toBe(
    [
      '1\n\nUser: Hi! I really liked "Paddington" but "The Haunting Hour: Don\'t Think About It" was not for me.\n\n' +
        'Agent: Glad you enjoyed Paddington! Have you seen "Paddington 2"? Reviewers call it even warmer than the first.\n\n' +
        'User: Not yet, that sounds great. Thanks!\n\n',
      '2\n\nUser: Amélie (2001) [Blu-ray] is one of my favourites — so whimsical. 🎬\n\n' +
        "Agent: Then you'll love Spirited Away, another whimsical film. It is my number 1 pick.\n\n" +
        "User: Spirited away, you say? I'll try it.\n\n",
      '3\n\nUser: I loved Crouching Tiger, Hidden Dragon (臥虎藏龍), but “The \'Burbs” was too silly.\n\n' +
        'Agent: How about "Heat"? Pacino and De Niro at their best.\n\n' +
        'User: I have seen Heat already, actually.\n\n',
      '4\n\nUser: 🎞 Casablanca is a classic. I also enjoyed an old noir whose name I forget.\n\n' +
        'Agent: You might like a hidden gem I have in mind. Its title escapes me too.\n\n' +
        'User: Okay!\n\n',
    ].join('\n'),
  );
  expect([...conversationTexts(read(out, 'Conversation.txt')).keys()]).toEqual([1, 2, 3, 4]);

  const lines = read(out, 'final_data.jsonl').split('\n');
  expect(lines.pop()).toBe('');
  // The fixture's one-line record, with the new conversation ids.
  const original = fs.readFileSync(path.join(FIXTURE, 'final_data.jsonl'), 'utf8').split('\n')[0];
  expect(lines[0]).toBe(original.replace('"conversation_id": 101', '"conversation_id": 1').replace('"conversation_id": 102', '"conversation_id": 2'));
  const records = lines.map((l) => JSON.parse(l));
  expect(records.map((r) => Object.keys(r)[0])).toEqual([U1, U2]);
  expect(records[1][U2]).toEqual({
    history_interaction: ['B0FAKE0106', 'B0FAKE0107', 'B0FAKE0109', '6300000001'],
    // The profile as imported: B0MISSING1 names no item, so the import left it out.
    user_might_like: ['B0FAKE0107'],
    Conversation: [
      { conversation_1: { conversation_id: 3, user_likes: ['B0FAKE0106'], user_dislikes: ['B0FAKE0109'], rec_item: ['B0FAKE0107'] } },
      { conversation_2: { conversation_id: 4, user_likes: ['6300000001', 'B0MISSING2'], user_dislikes: [], rec_item: ['B0MISSING1'] } },
    ],
  });

  expect(read(out, 'user_ids.json')).toBe(`{"${U1}": 0, "${U2}": 1}`);
  // Every referenced item that is in the catalogue, sorted, with its full title.
  const itemMap = read(out, 'item_map.json');
  expect(itemMap.startsWith('{"6300000001": "Casablanca (VHS)", "B0FAKE0101": "Paddington (2014)", ')).toBe(true);
  expect(Object.entries(JSON.parse(itemMap))).toEqual(Object.entries(JSON.parse(fs.readFileSync(path.join(FIXTURE, 'item_map.json'), 'utf8'))).sort((a, b) => (a[0] < b[0] ? -1 : 1)));

  expect(report.files.map((f) => f.name)).toEqual(FILES.map((f) => `${DOMAIN}/${f}`));
  expect(report.counts).toEqual({ users: 2, dialogues: 4, items: 10, skippedWithoutUser: 0, skippedWithoutTarget: 0, turnsWithNewlines: 0, recItemNotMightLike: 1 });
  expect(report.details).toMatchObject({ historyFrom: { profile: 2, interactions: 0 }, likesFrom: { recorded: 4, mentions: 0 } });
  expect(report.warnings).toEqual([
    `${DOMAIN}: 2 item id(s) are not in the catalogue and have no entry in item_map.json: B0MISSING1, B0MISSING2`,
    '1 conversation(s) have a rec_item other than user_might_like[k-1]',
  ]);
});

/** Every annotation's offsets slice the item's full or cleaned title out of the exported turn. */
async function expectAnnotationsSliceTitles(dir: string): Promise<number> {
  const texts = conversationTexts(read(dir, 'Conversation.txt'));
  const titles = new Map<string, string[]>(
    (await db.dataSource.query('SELECT asin, title, cleaned_title FROM items')).map((r: any) => [r.asin, [r.title.toLowerCase(), r.cleaned_title.toLowerCase()]]),
  );
  let n = 0;
  for (const line of read(dir, 'annotations.jsonl').trim().split('\n')) {
    const annotation = JSON.parse(line);
    const turns = texts.get(annotation.conversation_id)!;
    expect(annotation.turns.map((t: any) => t.index)).toEqual(turns.map((_, i) => i));
    for (const turn of annotation.turns) {
      expect(turn.role).toBe(turn.index % 2 === 0 ? 'user' : 'assistant');
      for (const m of turn.mentions) {
        expect(titles.get(m.item_id)).toContain(turns[turn.index].slice(m.start, m.end).toLowerCase());
        n++;
      }
    }
  }
  return n;
}

test('annotations.jsonl: a line per dialogue whose offsets slice the titles out of the exported turn text', async () => {
  expect(await expectAnnotationsSliceTitles(out)).toBe(12);
  const [first] = read(out, 'annotations.jsonl').split('\n');
  expect(first).toBe(
    '{"conversation_id": 1, "turns": [{"index": 0, "role": "user", "mentions": [{"item_id": "B0FAKE0101", "start": 20, "end": 30, "is_recommendation": false}, ' +
      '{"item_id": "B0FAKE0102", "start": 37, "end": 76, "is_recommendation": false}]}, ' +
      '{"index": 1, "role": "assistant", "mentions": [{"item_id": "B0FAKE0101", "start": 17, "end": 27, "is_recommendation": false}, ' +
      '{"item_id": "B0FAKE0104", "start": 44, "end": 56, "is_recommendation": true}]}, {"index": 2, "role": "user", "mentions": []}]}',
  );
});

test('a turn with line breaks stays on one line, its offsets still fit, and the report says so', async () => {
  // Leading whitespace and a CRLF: the exported line is trimmed and the offsets move with it.
  await db.dataSource.query(`UPDATE turns SET text = E'  Hi!\\r\\nI' || substr(text, 6) WHERE text LIKE 'Hi! I really%'`);
  await db.dataSource.query(`UPDATE turn_mentions m SET start_offset = start_offset + 3, end_offset = end_offset + 3 FROM turns t WHERE t.id = m.turn_id AND t.text LIKE '  Hi!%'`);
  try {
    const dir = path.join(tmp, 'newlines');
    const withBreaks = await exportLlmRedial(db, dir);
    expect(read(dir, 'Conversation.txt')).toContain('\n\nUser: Hi!  I really liked "Paddington" but');
    expect(conversationTexts(read(dir, 'Conversation.txt')).size).toBe(4);
    expect(await expectAnnotationsSliceTitles(dir)).toBe(12);
    expect(withBreaks.counts.turnsWithNewlines).toBe(1);
    expect(withBreaks.warnings).toContain('1 turn(s) held line breaks, written as spaces so that each turn stays on one line');
  } finally {
    await db.dataSource.query(`UPDATE turn_mentions m SET start_offset = start_offset - 3, end_offset = end_offset - 3 FROM turns t WHERE t.id = m.turn_id AND t.text LIKE '  Hi!%'`);
    await db.dataSource.query(`UPDATE turns SET text = 'Hi! I' || substr(text, 9) WHERE text LIKE '  Hi!%'`);
  }
  expect(exportedTurnText('a\nb')).toEqual({ text: 'a b', shift: 0, newlines: true });
  expect(exportedTurnText(' \n x ')).toEqual({ text: 'x', shift: 3, newlines: true });
});

test('without a GOAL_TEMPLATE profile: interactions are the history, targets the might-likes; template bindings are the likes; userless dialogues are skipped', async () => {
  const other = await createTestDatabase();
  try {
    await importLlmRedial(other.dataSource, FIXTURE, { domain: DOMAIN }, quiet);
    const q = (sql: string, params: unknown[] = []) => other.dataSource.query(sql, params);
    const item = async (asin: string) => (await q('SELECT id FROM items WHERE asin = $1', [asin]))[0].id;
    const [{ id: user }] = await q(`INSERT INTO users (source_id, domain) VALUES ('AGENERATED', $1) RETURNING id`, [DOMAIN]);
    // Chronological order, not insertion order: 0106 (liked), 0109 (disliked), 0103 (rating 3: neither).
    for (const [asin, rating, ts] of [['B0FAKE0109', 1, 2000], ['B0FAKE0106', 5, 1000], ['B0FAKE0103', 3, 3000]] as const) {
      await q('INSERT INTO interactions (user_id, item_id, rating, timestamp_ms) VALUES ($1, $2, $3, $4)', [user, await item(asin), rating, ts]);
    }
    const dialogue = async (userId: number | null, target: string, provenance: object, text: string, mentions: Array<[string, number, number]>) => {
      const [{ id }] = await q(
        `INSERT INTO dialogues (dataset, domain, user_id, target_item_id, target_raw_id, source, strategy, provenance) VALUES ('generated', $1, $2, $3, $4, 'TEACHER', 'GOAL_TEMPLATE', $5) RETURNING id`,
        [DOMAIN, userId, await item(target), target, provenance],
      );
      const [{ id: turn }] = await q(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, 0, 'USER', $2) RETURNING id`, [id, text]);
      for (const [asin, start, end] of mentions) {
        await q('INSERT INTO turn_mentions (turn_id, dialogue_id, item_id, raw_id, start_offset, end_offset) VALUES ($1, $2, $3, $4, $5, $6)', [turn, id, await item(asin), asin, start, end]);
      }
      await q(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, 1, 'ASSISTANT', 'Try it.')`, [id]);
    };
    // Written in the opposite order of their template k: the export orders by k.
    await dialogue(user, 'B0FAKE0105', {}, 'I liked Heat and hated The \'Burbs.', [['B0FAKE0107', 8, 12], ['B0FAKE0109', 23, 33]]);
    await dialogue(user, 'B0FAKE0104', { template: { id: 't', k: 1, bindings: [{ slot: 'USER_HIS_LIKES', asin: 'B0FAKE0106' }, { slot: 'USER_MIGHT_LIKES', asin: 'B0FAKE0104' }] } }, 'Hello.', []);
    await dialogue(null, 'B0FAKE0108', {}, 'No user here.', []);

    const dir = path.join(tmp, 'generated');
    const result = await exportLlmRedial(other, dir, { filter: { dataset: 'generated' } });
    expect(read(dir, 'final_data.jsonl')).toBe(
      '{"AGENERATED": {"history_interaction": ["B0FAKE0106", "B0FAKE0109", "B0FAKE0103"], "user_might_like": ["B0FAKE0104", "B0FAKE0105"], "Conversation": [' +
        '{"conversation_1": {"conversation_id": 1, "user_likes": ["B0FAKE0106"], "user_dislikes": [], "rec_item": ["B0FAKE0104"]}}, ' +
        // Nothing recorded: the liked / disliked interactions it mentions (Heat is mentioned but was never rated by this user).
        '{"conversation_2": {"conversation_id": 2, "user_likes": [], "user_dislikes": ["B0FAKE0109"], "rec_item": ["B0FAKE0105"]}}]}}\n',
    );
    expect(Object.keys(JSON.parse(read(dir, 'item_map.json')))).toEqual(['B0FAKE0103', 'B0FAKE0104', 'B0FAKE0105', 'B0FAKE0106', 'B0FAKE0107', 'B0FAKE0109']);
    expect(result.counts).toMatchObject({ users: 1, dialogues: 2, skippedWithoutUser: 1 });
    expect(result.details).toMatchObject({ historyFrom: { profile: 0, interactions: 1 }, likesFrom: { recorded: 1, mentions: 1 } });
    expect(result.warnings).toEqual([
      '1 dialogue(s) without a user were skipped: LLM-REDIAL records are per user',
      '1 user(s) have no GOAL_TEMPLATE profile: history_interaction is their interactions, user_might_like the targets of their dialogues',
    ]);
  } finally {
    await other.drop();
  }
});

test('startExport(format: LLM_REDIAL) completes and downloads as llm-redial.zip with the same files', async () => {
  const OPS = 'ops-llm-redial-secret';
  const exportsDir = path.join(tmp, 'api');
  fs.mkdirSync(exportsDir);
  const api = await startTestApi(db.dataSource, { ...loadConfig({}), apiKeys: `ops:operator:${OPS}`, exportsDir });
  try {
    const start = `mutation($input: ExportInput!) { startExport(input: $input) { id status } }`;
    const refused = await api.query(start, { input: { format: 'LLM_REDIAL', split: ['TRAIN', 'TEST'] } }, { token: OPS });
    expect(refused.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'input.split' });
    const started = await api.query(start, { input: { format: 'LLM_REDIAL' } }, { token: OPS });
    expect(started.errors).toBeUndefined();
    const id = started.data.startExport.id;
    let job: any;
    for (let i = 0; i < 200; i++) {
      job = (await api.query(`query($id: ID!) { export(id: $id) { status error downloadUrl files { name } report } }`, { id }, { token: OPS })).data.export;
      if (!['QUEUED', 'RUNNING'].includes(job.status)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(job).toMatchObject({ status: 'COMPLETED', error: null, downloadUrl: expect.stringMatching(new RegExp(`^/exports/${id}/download\\?expires=\\d+&key=\\d+&signature=`)) });
    expect(job.report.counts).toEqual(report.counts);
    const res = await fetch(api.server.url.replace(/\/graphql$/, '') + job.downloadUrl, { headers: { authorization: `Bearer ${OPS}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="llm-redial.zip"');
    const entries = unzip(Buffer.from(await res.arrayBuffer()));
    expect([...entries.keys()]).toEqual(FILES.map((f) => `${DOMAIN}/${f}`));
    for (const f of FILES) expect(entries.get(`${DOMAIN}/${f}`)!.toString('utf8')).toBe(read(out, f));
  } finally {
    await api.close();
  }
});

describe('recdial export llm-redial', () => {
  let logged: string[];
  const run = async (...args: string[]) => {
    ({ logs: logged } = await runCli(db.url, (p) => registerExportCommands(p.command('export')), ['export', ...args]));
  };

  test('writes the domain folder, the same files as the writer', async () => {
    const target = path.join(tmp, 'cli-out');
    await run('llm-redial', '--out', target, '--quiet');
    expect(fs.readdirSync(target)).toEqual([DOMAIN]);
    expect(fs.readdirSync(path.join(target, DOMAIN)).sort()).toEqual([...FILES].sort());
    for (const f of FILES) expect(read(target, f)).toBe(read(out, f));
    expect(logged.join('\n')).toContain('Counts: users 2, dialogues 4, items 10');
  });

  test('a bad flag is a CLI error naming it, and leaves nothing behind', async () => {
    const parent = path.join(tmp, 'cli-bad');
    fs.mkdirSync(parent);
    await expect(run('llm-redial', '--out', path.join(parent, 'out'), '--stereotype', 'Nobody', '--quiet')).rejects.toThrow(CliError);
    await expect(run('llm-redial', '--out', path.join(parent, 'out'), '--stereotype', 'Nobody', '--quiet')).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
    await expect(run('llm-redial', '--out', path.join(parent, 'out'), '--split', 'train,test', '--quiet')).rejects.toThrow(/^--split: LLM_REDIAL exports one selection/);
    expect(fs.readdirSync(parent)).toEqual([]);
  });
});
