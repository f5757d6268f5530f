import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputFileError } from '../../../../src/ingest/errors';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { importRedial } from '../../../../src/ingest/redial.load';
import { startTestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'redial');
const TRAIN = path.join(FIXTURES, 'train_data.jsonl');
const TEST = path.join(FIXTURES, 'test_data.jsonl.gz');
const FILES = [TRAIN, TEST];
const quiet = { quiet: true };

async function counts(db: TestDatabase) {
  const [row] = await db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM dialogues) AS dialogues, (SELECT count(*)::int FROM turns) AS turns,
    (SELECT count(*)::int FROM turn_mentions) AS mentions, (SELECT count(*)::int FROM items) AS items,
    (SELECT count(*)::int FROM users) AS users`);
  return row;
}

let db: TestDatabase;
let dir: string;
beforeEach(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-redial-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the fixture: dialogues, minted items, seekers, turns with @ids rendered as titles', async () => {
  const summary = await importRedial(db.dataSource, FILES, {}, quiet);
  expect(summary).toMatchObject({ read: 4, inserted: 4, alreadyPresent: 0, skipped: 0, flagged: 1, turns: 15, mentions: 12, itemsCreated: 6, usersCreated: 3 });
  expect(summary.files.map((f) => [path.basename(f.path), f.lines])).toEqual([
    ['train_data.jsonl', 3],
    ['test_data.jsonl.gz', 1],
  ]);
  expect(await counts(db)).toEqual({ dialogues: 4, turns: 15, mentions: 12, items: 6, users: 3 });

  const dialogues = await db.dataSource.query(`
    SELECT d.import_key, d.dataset, d.domain, d.split, d.strategy, d.stereotype_id, u.source_id AS seeker, u.domain AS user_domain,
           i.asin AS target, d.target_raw_id, d.named_item_ids, d.warnings, d.provenance->'respondentQuestions' AS respondent
      FROM dialogues d LEFT JOIN users u ON u.id = d.user_id LEFT JOIN items i ON i.id = d.target_item_id ORDER BY d.id`);
  expect(dialogues.map((d: any) => [d.import_key, d.split, d.seeker, d.target])).toEqual([
    ['redial:train:90001', 'train', 'redial:11', 'redial:100002'],
    ['redial:train:90002', 'train', 'redial:21', 'redial:100005'],
    ['redial:train:90003', 'train', 'redial:11', null],
    ['redial:test:91001', 'test', 'redial:31', 'redial:100001'],
  ]);
  for (const d of dialogues) {
    expect(d).toMatchObject({ dataset: 'redial', domain: 'Movies_and_TV', strategy: 'CROWDSOURCED', stereotype_id: null, user_domain: 'Movies_and_TV' });
  }
  expect(dialogues[0].respondent['100003']).toEqual({ suggested: 0, seen: 1, liked: 0 });
  expect(dialogues[1].respondent).toEqual({});
  expect(dialogues[1].warnings).toEqual([{ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: 'movie ids not in movieMentions: 999999' }]);
  expect(dialogues[1].named_item_ids).toEqual(['redial:100004', 'redial:100005']);

  const items = await db.dataSource.query(`SELECT asin, title, cleaned_title, domain FROM items ORDER BY asin`);
  expect(items[0]).toEqual({ asin: 'redial:100001', title: 'Paddington (2014)', cleaned_title: 'Paddington', domain: 'Movies_and_TV' });
  expect(items.map((i: any) => i.asin)).toEqual(['redial:100001', 'redial:100002', 'redial:100003', 'redial:100004', 'redial:100005', 'redial:100006']);
});

test('mentions land on the right turns, over the rendered titles, with recommendation and first-mention flags', async () => {
  await importRedial(db.dataSource, FILES, {}, quiet);
  const rows = await db.dataSource.query(`
    SELECT d.import_key, t.idx, t.role, t.text, t.raw_text, m.raw_id, i.asin, i.cleaned_title, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN dialogues d ON d.id = m.dialogue_id LEFT JOIN items i ON i.id = m.item_id
     ORDER BY d.id, t.idx, m.start_offset`);
  for (const r of rows) {
    // Offsets are UTF-16 code units into the stored text, so a JavaScript slice reads the title back.
    expect(r.text.slice(r.start_offset, r.end_offset)).toBe(r.asin ? r.cleaned_title : r.raw_id.replace('redial:', '@'));
  }
  expect(rows.filter((r: any) => r.import_key === 'redial:train:90001').map((r: any) => [r.idx, r.role, r.asin, r.is_recommendation, r.is_first_mention])).toEqual([
    [0, 'USER', 'redial:100001', false, true],
    [1, 'ASSISTANT', 'redial:100002', true, true],
    [2, 'ASSISTANT', 'redial:100003', false, true],
    [3, 'USER', 'redial:100003', false, false],
    [3, 'USER', 'redial:100002', false, false],
  ]);
  const first = rows[0];
  expect([first.text, first.raw_text, first.start_offset, first.end_offset]).toEqual(['Hi 🐻 I loved Paddington, any ideas?', 'Hi 🐻 I loved @100001, any ideas?', 14, 24]);
  const unknown = rows.find((r: any) => r.asin === null);
  expect(unknown).toMatchObject({ import_key: 'redial:train:90002', idx: 0, raw_id: 'redial:999999', text: 'hello! looking for something like @999999', raw_text: null });
  const [plain] = await db.dataSource.query(`SELECT text, raw_text FROM turns WHERE text = 'Enjoy!'`);
  expect(plain.raw_text).toBeNull();
});

test('--all-recommender-mentions flags every Recommender mention', async () => {
  await importRedial(db.dataSource, [TRAIN], { allRecommenderMentions: true, domain: 'Movies' }, quiet);
  const [row] = await db.dataSource.query(`
    SELECT count(*) FILTER (WHERE m.is_recommendation)::int AS recs, count(*) FILTER (WHERE t.role = 'ASSISTANT')::int AS assistant,
           (SELECT array_agg(DISTINCT domain) FROM dialogues) AS domains, (SELECT array_agg(DISTINCT domain) FROM users) AS user_domains
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id`);
  expect(row).toEqual({ recs: 4, assistant: 4, domains: ['Movies'], user_domains: ['Movies'] });
});

test('importing the same files again changes nothing', async () => {
  await importRedial(db.dataSource, FILES, {}, quiet);
  const first = await counts(db);
  const snapshot = await db.dataSource.query('SELECT import_key, target_item_id, warnings, provenance FROM dialogues ORDER BY id');
  const again = await importRedial(db.dataSource, [TEST, TRAIN], {}, quiet);
  expect(again).toMatchObject({ read: 4, inserted: 0, alreadyPresent: 4, itemsCreated: 0, usersCreated: 0, turns: 0, mentions: 0 });
  expect(await counts(db)).toEqual(first);
  expect(await db.dataSource.query('SELECT import_key, target_item_id, warnings, provenance FROM dialogues ORDER BY id')).toEqual(snapshot);
});

test('a bad record aborts with file:line: field: problem and leaves nothing behind', async () => {
  const good = fs.readFileSync(TRAIN, 'utf8').split('\n').filter(Boolean);
  const bad = JSON.parse(good[0]);
  bad.initiatorQuestions['100001'].liked = 3;
  const file = path.join(dir, 'train_data.jsonl');
  fs.writeFileSync(file, [good[1], JSON.stringify(bad), good[2]].join('\n'));
  const error = await importRedial(db.dataSource, [TEST, file], {}, quiet).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toBe(`${file}:2: initiatorQuestions.100001.liked: expected 0, 1 or 2, got 3\nnothing was imported`);
  expect(await counts(db)).toEqual({ dialogues: 0, turns: 0, mentions: 0, items: 0, users: 0 });

  fs.writeFileSync(file, [good[0], '{"conversationId": "1", ', good[0]].join('\n'));
  const errors = await importRedial(db.dataSource, [file], {}, { ...quiet, maxErrors: 1 }).catch((e) => e);
  expect(errors.message).toBe(
    [
      `${file}:2: (json): invalid JSON at column 25: expected a string key, got end of input`,
      `${file}:3: conversationId: conversation "90001" of the train split was already read at ${file}:1`,
      'more than 1 bad records; nothing was imported',
    ].join('\n'),
  );
  expect(await counts(db)).toEqual({ dialogues: 0, turns: 0, mentions: 0, items: 0, users: 0 });
});

test('--max-errors skips bad records and loads the rest; a file without a split is refused before reading', async () => {
  const good = fs.readFileSync(TRAIN, 'utf8').split('\n').filter(Boolean);
  const file = path.join(dir, 'dev_data.jsonl');
  fs.writeFileSync(file, [good[0], '{"conversationId": "x"}', good[1]].join('\n'));
  const summary = await importRedial(db.dataSource, [file], {}, { ...quiet, maxErrors: 1 });
  expect(summary).toMatchObject({ read: 2, inserted: 2, skipped: 1 });
  const splits = await db.dataSource.query('SELECT DISTINCT split FROM dialogues');
  expect(splits).toEqual([{ split: 'valid' }]);

  const unnamed = path.join(dir, 'redial.jsonl');
  fs.writeFileSync(unnamed, good[0]);
  await expect(importRedial(db.dataSource, [unnamed], {}, quiet)).rejects.toThrow(InputFileError);
  await expect(importRedial(db.dataSource, [unnamed], {}, quiet)).rejects.toThrow(`${unnamed}: cannot tell the split from the file name`);
});

test('GraphQL: dataset and domain filters return the ReDial dialogues next to the DistillRecDial sample', async () => {
  await importSample(db.dataSource);
  await importRedial(db.dataSource, FILES, {}, quiet);
  const api = await startTestApi(db.dataSource);
  try {
    const query = `query($filter: DialogueFilter) {
      dialogues(first: 100, filter: $filter) {
        totalCount
        nodes { dataset domain split user { sourceId } targetAsin targetItem { title }
          warnings { code detail } turns { index role text mentions { rawId isRecommendation isFirstMention start end item { asin cleanedTitle } } } }
      }
    }`;
    const redial = await api.query(query, { filter: { dataset: 'redial', domain: 'Movies_and_TV' } });
    expect(redial.errors).toBeUndefined();
    const nodes = redial.data.dialogues.nodes;
    expect(redial.data.dialogues.totalCount).toBe(4);
    expect(nodes.map((n: any) => [n.dataset, n.domain, n.split, n.user.sourceId, n.targetAsin, n.targetItem?.title ?? null])).toEqual([
      ['redial', 'Movies_and_TV', 'TRAIN', 'redial:11', 'redial:100002', 'Paddington 2 (2017)'],
      ['redial', 'Movies_and_TV', 'TRAIN', 'redial:21', 'redial:100005', 'Spirited Away (2001) [千と千尋の神隠し]'],
      ['redial', 'Movies_and_TV', 'TRAIN', 'redial:11', null, null],
      ['redial', 'Movies_and_TV', 'TEST', 'redial:31', 'redial:100001', 'Paddington (2014)'],
    ]);
    const turn = nodes[1].turns[1];
    expect(turn.text).toBe('Have you seen Léon: The Professional ? Or Spirited Away (千と千尋の神隠し)?');
    expect(turn.mentions.map((m: any) => [turn.text.slice(m.start, m.end), m.item.cleanedTitle, m.isRecommendation])).toEqual([
      ['Léon: The Professional', 'Léon: The Professional', true],
      ['Spirited Away', 'Spirited Away', true],
    ]);
    expect(nodes[1].turns[0].mentions).toEqual([{ rawId: 'redial:999999', isRecommendation: false, isFirstMention: false, start: 34, end: 41, item: null }]);
    expect(nodes[1].warnings).toEqual([{ code: 'UNKNOWN_ITEM_ID', detail: 'movie ids not in movieMentions: 999999' }]);

    const all = await api.query(`{ dialogues(first: 100, filter: { domain: "Movies_and_TV" }) { totalCount nodes { dataset } } }`);
    const [{ n: sample }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE dataset = 'distillrecdial'`);
    expect(sample).toBeGreaterThan(0);
    expect(all.data.dialogues.totalCount).toBe(sample + 4);
    expect(new Set(all.data.dialogues.nodes.map((n: any) => n.dataset))).toEqual(new Set(['distillrecdial', 'redial']));
    const other = await api.query(`{ dialogues(filter: { dataset: "redial", domain: "Books" }) { totalCount } }`);
    expect(other.data.dialogues.totalCount).toBe(0);
  } finally {
    await api.close();
  }
});
