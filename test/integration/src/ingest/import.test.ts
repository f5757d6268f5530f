import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { renderChatTemplate } from '../../../../src/ingest/chat-template';
import { importDistillRecDial } from '../../../../src/ingest/distillrecdial.load';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { createTestDatabase, TestDatabase } from '../../../support/db';

const TMDB = path.join(__dirname, '..', '..', '..', 'fixtures', 'tiny', 'tmdb_movies.json');
const M = '<|reserved_special_token_10|>';
const SYSTEM = 'You are a friendly movie and TV recommender.';

function releaseLine(turns: string[], target: string, named: string[], scenario = 'History + Hint Seeker'): string {
  const messages = [
    { role: 'system' as const, content: SYSTEM },
    ...turns.map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
  ];
  return JSON.stringify({ text: renderChatTemplate(messages), target: [`<id_${target}>`], named_items: named.map((a) => `<id_${a}>`), scenario });
}

const GOOD = [
  releaseLine(
    [
      'Hi! I loved paddington and want something as "warm" — any ideas? 🐻',
      `You might enjoy ${M} Paddington 2, or the older <id_B0NOTREAL9>.`,
      'Paddington 2 sounds perfect, thanks!',
      `Great! ${M} Paddington 2 it is, and ${M} Amélie if you want more whimsy.`,
      'Merci!',
    ],
    'B00TINY002',
    ['B00TINY001', 'B00TINY002', 'B00TINY003'],
  ),
  releaseLine(['Something French?', `Try ${M} Amélie.`, 'Lovely.', `Enjoy ${M} Amélie!`, 'Bye'], 'B00TINY003', ['B00TINY003'], 'Cold-Start Browser'),
];

function writeRelease(dir: string, split: string, lines: string[], gzip = false): string {
  const file = path.join(dir, `Movies_and_TV_llama3.1_reserved_special_token_10_${split}.jsonl${gzip ? '.gz' : ''}`);
  const content = Buffer.from(lines.join('\n') + '\n', 'utf8');
  fs.writeFileSync(file, gzip ? gzipSync(content) : content);
  return file;
}

async function counts(db: TestDatabase) {
  const [row] = await db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM dialogues) AS dialogues, (SELECT count(*)::int FROM turns) AS turns,
    (SELECT count(*)::int FROM turn_mentions) AS mentions, (SELECT count(*)::int FROM items) AS items,
    (SELECT count(*)::int FROM kg_entities) AS entities, (SELECT count(*)::int FROM item_entities) AS links`);
  return row;
}

let db: TestDatabase;
let dir: string;
beforeEach(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-import-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('release lines become turns, recommendations and unresolved mentions; the split comes from the file name', async () => {
  await importTmdb(db.dataSource, TMDB, { quiet: true });
  const summary = await importDistillRecDial(db.dataSource, [writeRelease(dir, 'valid', GOOD)], { quiet: true });
  expect(summary).toMatchObject({ read: 2, inserted: 2, turns: 10 });

  const [d] = await db.dataSource.query(`SELECT d.id, d.split, s.key, i.asin AS target FROM dialogues d
     JOIN stereotypes s ON s.id = d.stereotype_id JOIN items i ON i.id = d.target_item_id ORDER BY d.id LIMIT 1`);
  expect(d).toMatchObject({ split: 'valid', key: 'History + Hint Seeker', target: 'B00TINY002' });
  const turns = await db.dataSource.query('SELECT idx, role, text FROM turns WHERE dialogue_id = $1 ORDER BY idx', [d.id]);
  expect(turns[1]).toEqual({ idx: 1, role: 'ASSISTANT', text: 'You might enjoy Paddington 2, or the older <id_B0NOTREAL9>.' });
  expect(turns[0].text).toBe('Hi! I loved paddington and want something as "warm" — any ideas? 🐻');

  const mentions = await db.dataSource.query(
    `SELECT t.idx, m.raw_id, i.asin, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
       FROM turn_mentions m JOIN turns t ON t.id = m.turn_id LEFT JOIN items i ON i.id = m.item_id
      WHERE m.dialogue_id = $1 ORDER BY t.idx, m.start_offset`,
    [d.id],
  );
  expect(mentions).toEqual([
    // "paddington" in a user turn, found case-insensitively as a whole word
    { idx: 0, raw_id: 'B00TINY001', asin: 'B00TINY001', start_offset: 12, end_offset: 22, is_recommendation: false, is_first_mention: true },
    { idx: 1, raw_id: 'B00TINY002', asin: 'B00TINY002', start_offset: 16, end_offset: 28, is_recommendation: true, is_first_mention: true },
    // an unknown tag in an assistant turn is a (hallucinated) recommendation of no catalogue item
    { idx: 1, raw_id: 'B0NOTREAL9', asin: null, start_offset: 43, end_offset: 58, is_recommendation: true, is_first_mention: false },
    { idx: 2, raw_id: 'B00TINY002', asin: 'B00TINY002', start_offset: 0, end_offset: 12, is_recommendation: false, is_first_mention: false },
    { idx: 3, raw_id: 'B00TINY002', asin: 'B00TINY002', start_offset: 7, end_offset: 19, is_recommendation: true, is_first_mention: false },
    { idx: 3, raw_id: 'B00TINY003', asin: 'B00TINY003', start_offset: 31, end_offset: 37, is_recommendation: true, is_first_mention: true },
  ]);
  const [setting] = await db.dataSource.query(`SELECT value FROM settings WHERE key = 'releaseSystemMessage'`);
  expect(setting.value).toBe(SYSTEM);
});

test('importing the same files twice leaves the same rows', async () => {
  const file = writeRelease(dir, 'train', GOOD);
  await importTmdb(db.dataSource, TMDB, { quiet: true });
  await importDistillRecDial(db.dataSource, [dir], { quiet: true });
  const first = await counts(db);
  const again = await importDistillRecDial(db.dataSource, [file], { quiet: true });
  await importTmdb(db.dataSource, TMDB, { quiet: true });
  expect(again).toMatchObject({ inserted: 0, alreadyPresent: 2 });
  expect(await counts(db)).toEqual(first);
  expect(first).toMatchObject({ dialogues: 2, items: 3 });
});

test('a corrupt line aborts the import, names file, line and field, and leaves the database as it was', async () => {
  await importTmdb(db.dataSource, TMDB, { quiet: true });
  const before = await counts(db);
  const badJson = writeRelease(dir, 'train', [GOOD[0], GOOD[1], '{"text": "unterminated']);
  await expect(importDistillRecDial(db.dataSource, [badJson], { quiet: true })).rejects.toThrow(
    new RegExp(`${badJson.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: `),
  );
  expect(await counts(db)).toEqual(before);

  const badScenario = writeRelease(dir, 'test', [GOOD[0], releaseLine(['a', 'b'], 'B00TINY001', [], 'Nobody')]);
  const error = await importDistillRecDial(db.dataSource, [badScenario], { quiet: true }).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toContain(`${badScenario}:2: scenario: unknown stereotype "Nobody"`);
  expect(await counts(db)).toEqual(before);
});

test('--max-errors skips and reports bad records but keeps every valid one', async () => {
  const file = writeRelease(dir, 'train', [GOOD[0], '{"text": 1}', GOOD[1]]);
  const summary = await importDistillRecDial(db.dataSource, [file], { quiet: true, maxErrors: 5 });
  expect(summary).toMatchObject({ read: 2, inserted: 2, skipped: 1 });
});

test('gzip files are detected by content; titles are resolved once tmdb_movies.json arrives', async () => {
  const file = writeRelease(dir, 'test', GOOD, true);
  await importDistillRecDial(db.dataSource, [file], { quiet: true });
  const [unresolved] = await db.dataSource.query('SELECT count(*)::int AS n FROM turn_mentions WHERE item_id IS NULL');
  expect(unresolved.n).toBeGreaterThan(1);

  const summary = await importTmdb(db.dataSource, TMDB, { quiet: true });
  expect(summary.dialoguesResolved).toBe(2);
  const rows = await db.dataSource.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE item_id IS NULL)::int AS unresolved FROM turn_mentions`);
  // Only the hallucinated id stays unresolved; the text lost its markers.
  expect(rows[0]).toEqual({ n: 8, unresolved: 1 });
  const [turn] = await db.dataSource.query(`SELECT text FROM turns WHERE text LIKE 'You might enjoy%'`);
  expect(turn.text).toBe('You might enjoy Paddington 2, or the older <id_B0NOTREAL9>.');
  const [target] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE target_item_id IS NOT NULL`);
  expect(target.n).toBe(2);
});

test('tmdb_movies.json: Python literals, top cast by popularity, directors, typed knowledge graph', async () => {
  const summary = await importTmdb(db.dataSource, TMDB, { quiet: true });
  expect(summary).toMatchObject({ items: 3, skipped: 0 });
  const items = await db.dataSource.query('SELECT asin, title, cleaned_title, genres, "cast", directors, overview, collection, countries FROM items ORDER BY asin');
  expect(items[0]).toMatchObject({
    title: 'Paddington',
    genres: ['Comedy', 'Family'],
    cast: ['Hugh Bonneville', 'Ben Whishaw'],
    directors: ['Paul King'],
    collection: 'Paddington Collection',
    countries: ['GB', 'FR'],
  });
  expect(items[1]).toMatchObject({ overview: null, countries: ['GB'] });
  expect(items[2]).toMatchObject({ cleaned_title: 'Amélie', overview: null, collection: null });
  const links = await db.dataSource.query(`SELECT e.key, e.name, l.relation FROM item_entities l JOIN kg_entities e ON e.id = l.entity_id
      JOIN items i ON i.id = l.item_id WHERE i.asin = 'B00TINY002' ORDER BY l.relation, e.key`);
  expect(links).toEqual([
    { key: 'person:501', name: 'Ben Whishaw', relation: 'has_acting' },
    { key: 'person:504', name: 'Hugh Grant', relation: 'has_acting' },
    { key: 'person:502', name: 'Paul King', relation: 'has_directing' },
    { key: 'genre:12', name: 'Adventure', relation: 'has_genre' },
    { key: 'genre:35', name: 'Comedy', relation: 'has_genre' },
    { key: 'keyword:1001', name: 'bear', relation: 'has_keyword' },
    { key: 'keyword:1002', name: 'prison', relation: 'has_keyword' },
    { key: 'person:505', name: 'Simon Farnaby', relation: 'has_writing' },
  ]);
});

test('a duplicate asin in tmdb_movies.json is an error naming its line; nothing is written', async () => {
  const file = path.join(dir, 'tmdb_movies.json');
  fs.writeFileSync(file, '[\n{"asin": "B00TINYX01", "title": "One"},\n{"asin": "B00TINYX01", "title": "Two"}\n]\n');
  await expect(importTmdb(db.dataSource, file, { quiet: true })).rejects.toThrow(`${file}:3: asin: duplicate item "B00TINYX01"`);
  expect((await counts(db)).items).toBe(0);
});
