import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { importPearl } from '../../../../src/ingest/pearl.load';
import { startTestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'pearl');
const FILES = ['train.json', 'valid.json.gz', 'test.json'].map((f) => path.join(FIXTURES, f));

async function counts(db: TestDatabase) {
  const [row] = await db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM dialogues) AS dialogues, (SELECT count(*)::int FROM turns) AS turns,
    (SELECT count(*)::int FROM turn_mentions) AS mentions, (SELECT count(*)::int FROM items) AS items,
    (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM import_runs) AS runs`);
  return row;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let db: TestDatabase;
let dir: string;
beforeEach(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-pearl-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the fixture: dialogues, users, minted items, turns and mentions; the split comes from each file name', async () => {
  const summary = await importPearl(db.dataSource, FILES, {}, { quiet: true });
  expect(summary).toMatchObject({
    read: 7, inserted: 7, alreadyPresent: 0, skipped: 0, flagged: 1, turns: 17, mentions: 17, itemsCreated: 11, usersCreated: 2,
  });
  expect(summary.files.map((f) => path.basename(f.path))).toEqual(['train.json', 'valid.json.gz', 'test.json']);

  const dialogues = await db.dataSource.query(`
    SELECT d.id, d.import_key, d.split, d.dataset, d.domain, d.strategy, d.stereotype_id, d.source, u.source_id AS user, i.asin AS target,
           d.named_item_ids, d.warnings, d.provenance
      FROM dialogues d LEFT JOIN users u ON u.id = d.user_id LEFT JOIN items i ON i.id = d.target_item_id ORDER BY d.id`);
  const digestKey = /^pearl:(train|valid):[0-9a-f]{64}:[01]$/;
  expect(dialogues.map((d: any) => [d.import_key.replace(/[0-9a-f]{64}/, '<sha256>'), d.split, d.user, d.target])).toEqual([
    ['pearl:train:train-0001', 'train', 'pearl:A1B2C3', 'pearl:paddington 2 (2017)'],
    ['pearl:train:<sha256>:0', 'train', null, null],
    ['pearl:train:3', 'train', 'pearl:A1B2C3', 'pearl:paddington (2014)'],
    ['pearl:valid:<sha256>:0', 'valid', null, 'pearl:free solo (2018)'],
    ['pearl:valid:v-1', 'valid', 'pearl:42', 'pearl:mad max: fury road (2015)'],
    // the same record twice: two dialogues, numbered by occurrence
    ['pearl:valid:<sha256>:1', 'valid', null, 'pearl:free solo (2018)'],
    ['pearl:test:test-1', 'test', null, 'pearl:spirited away (2001)'],
  ]);
  expect(dialogues[1].import_key).toMatch(digestKey);
  expect(dialogues[3].import_key.replace(/:0$/, ':1')).toBe(dialogues[5].import_key);
  for (const d of dialogues) {
    expect(d).toMatchObject({ dataset: 'pearl', domain: 'Movies_and_TV', strategy: 'PERSONA', stereotype_id: null, source: 'IMPORTED' });
  }
  expect(dialogues[0].named_item_ids).toEqual(['pearl:paddington 2 (2017)', 'pearl:paddington (2014)', 'pearl:amélie (2001)', 'pearl:the iron giant (1999)']);
  expect(dialogues[0].provenance).toMatchObject({
    format: 'pearl',
    file: 'train.json',
    line: 2,
    persona: 'Enjoys gentle family films with a British sense of humour; dislikes gore.',
    gtMovieTitle: 'Paddington 2 (2017)',
    seenMovieTitles: ['Paddington (2014)', 'Amélie (2001)'],
    extra: { data_id: 'train-0001', user_id: 'A1B2C3', gt_director: 'Paul King', gt_cast: ['Ben Whishaw', 'Hugh Grant'] },
  });
  expect(dialogues.map((d: any) => d.provenance.line)).toEqual([2, 27, 42, 2, 11, 22, 2]);
  expect(dialogues[6].warnings).toEqual([
    { code: 'TARGET_NOT_RECOMMENDED', severity: 'warning', detail: 'the gold movie "Spirited Away (2001)" is not named in any Recommender turn' },
  ]);

  const items = await db.dataSource.query(`SELECT asin, title, cleaned_title, domain, metadata FROM items WHERE asin LIKE 'pearl:%paddington%' OR asin LIKE 'pearl:léon%' ORDER BY asin`);
  expect(items).toEqual([
    { asin: 'pearl:léon: the professional (1994) [director\'s cut]', title: "Léon: The Professional (1994) [Director's Cut]", cleaned_title: 'Léon: The Professional', domain: 'Movies_and_TV', metadata: { dataset: 'pearl' } },
    { asin: 'pearl:paddington (2014)', title: 'Paddington (2014)', cleaned_title: 'Paddington', domain: 'Movies_and_TV', metadata: { dataset: 'pearl' } },
    { asin: 'pearl:paddington 2 (2017)', title: 'Paddington 2 (2017)', cleaned_title: 'Paddington 2', domain: 'Movies_and_TV', metadata: { dataset: 'pearl' } },
  ]);

  const turns = await db.dataSource.query('SELECT idx, role, text, raw_text FROM turns WHERE dialogue_id = $1 ORDER BY idx', [dialogues[0].id]);
  expect(turns.map((t: any) => [t.idx, t.role])).toEqual([[0, 'USER'], [1, 'ASSISTANT'], [2, 'USER'], [3, 'ASSISTANT']]);
  expect(turns[0]).toEqual({
    idx: 0,
    role: 'USER',
    text: 'Hi! I loved Paddington (2014) and Amélie — something warm, please? 🐻',
    raw_text: 'Seeker: Hi! I loved Paddington (2014) and Amélie — something warm, please? 🐻',
  });

  // Every mention covers its item's title (as written or cleaned); recommendations are the gold movie in Recommender turns.
  const mentions = await db.dataSource.query(`
    SELECT d.id AS dialogue, t.idx, t.role, t.text, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention,
           i.asin, i.title, i.cleaned_title, d.target_item_id = i.id AS is_target
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN dialogues d ON d.id = m.dialogue_id JOIN items i ON i.id = m.item_id
     ORDER BY d.id, t.idx, m.start_offset`);
  expect(mentions).toHaveLength(17);
  for (const m of mentions) {
    const covered = m.text.slice(m.start_offset, m.end_offset).toLowerCase();
    expect([m.title.toLowerCase(), m.cleaned_title.toLowerCase()]).toContain(covered);
    expect(m.raw_id).toBe(m.title);
    expect(m.is_recommendation).toBe(m.role === 'ASSISTANT' && m.is_target === true);
  }
  const first = mentions.filter((m: any) => m.dialogue === dialogues[0].id);
  expect(first.map((m: any) => [m.idx, m.text.slice(m.start_offset, m.end_offset), m.asin, m.is_recommendation, m.is_first_mention])).toEqual([
    [0, 'Paddington (2014)', 'pearl:paddington (2014)', false, true],
    [0, 'Amélie', 'pearl:amélie (2001)', false, true],
    [1, 'Paddington', 'pearl:paddington (2014)', false, false],
    [1, 'Paddington 2 (2017)', 'pearl:paddington 2 (2017)', true, true],
    [2, 'Paddington 2', 'pearl:paddington 2 (2017)', false, false],
    [3, 'The Iron Giant (1999)', 'pearl:the iron giant (1999)', false, true],
    [3, 'Paddington 2', 'pearl:paddington 2 (2017)', true, false],
  ]);
  // After two emoji (two UTF-16 units each) the offset is 5.
  const totoro = mentions.find((m: any) => m.asin === 'pearl:my neighbor totoro (1988)');
  expect([totoro.start_offset, totoro.end_offset]).toEqual([5, 30]);
});

test('importing the same files again changes nothing', async () => {
  await importPearl(db.dataSource, FILES, {}, { quiet: true });
  const before = await counts(db);
  const again = await importPearl(db.dataSource, [FILES[2], FILES[0], FILES[1]], {}, { quiet: true });
  expect(again).toMatchObject({ read: 7, inserted: 0, alreadyPresent: 7, itemsCreated: 0, usersCreated: 0, turns: 0, mentions: 0 });
  expect(await counts(db)).toEqual({ ...before, runs: before.runs + 1 });
  expect(before).toMatchObject({ dialogues: 7, turns: 17, mentions: 17, items: 11, users: 2, runs: 1 });
});

test('another domain goes to dialogues, users and items alike', async () => {
  await importPearl(db.dataSource, [FILES[2]], { domain: 'Books' }, { quiet: true });
  const rows = await db.dataSource.query(`SELECT (SELECT array_agg(DISTINCT domain) FROM dialogues) AS d, (SELECT array_agg(DISTINCT domain) FROM items) AS i`);
  expect(rows[0]).toEqual({ d: ['Books'], i: ['Books'] });
});

const GOOD = { dialogue: ['Seeker: hi', 'Recommender: Heat (1995)!'], user_persona: '', gt_movie_title: 'Heat (1995)', seen_movie_titles: [] };

function writeArray(name: string, elements: unknown[]): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(elements, null, 4));
  return file;
}

/** The line on which element `index` of a file written by writeArray starts. */
function elementLine(file: string, index: number): number {
  const starts = fs.readFileSync(file, 'utf8').split('\n').flatMap((line, i) => (line === '    {' ? [i + 1] : []));
  return starts[index];
}

test('a bad record aborts with file:line: field: problem and leaves nothing behind', async () => {
  await importPearl(db.dataSource, [FILES[2]], {}, { quiet: true });
  const before = await counts(db);

  const badPrefix = writeArray('train.json', [GOOD, { ...GOOD, dialogue: ['Seeker: a', 'Assistant: b'] }]);
  const error = await importPearl(db.dataSource, [FILES[0], badPrefix], {}, { quiet: true }).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toBe(`${badPrefix}:${elementLine(badPrefix, 1)}: dialogue[1]: expected the prefix "Seeker: " or "Recommender: ", got "Assistant: b"\nnothing was imported`);
  expect(await counts(db)).toEqual(before);

  const duplicate = writeArray('valid.json', [{ ...GOOD, data_id: 9 }, { ...GOOD, data_id: '9' }]);
  await expect(importPearl(db.dataSource, [duplicate], {}, { quiet: true })).rejects.toThrow(
    `${duplicate}:${elementLine(duplicate, 1)}: data_id: duplicate data_id "9" in the valid split (first at ${duplicate}:2)`,
  );

  const badJson = path.join(dir, 'test.json');
  fs.writeFileSync(badJson, `[\n${JSON.stringify(GOOD)},\n{"dialogue": ["Seeker: a",]}\n]`);
  await expect(importPearl(db.dataSource, [badJson], {}, { quiet: true })).rejects.toThrow(new RegExp(`^${escape(badJson)}:3: \\(element\\): invalid JSON`));

  const notArray = path.join(dir, 'more_test.json');
  fs.writeFileSync(notArray, JSON.stringify(GOOD));
  const structural = await importPearl(db.dataSource, [notArray], {}, { quiet: true, maxErrors: 10 }).catch((e) => e);
  expect(structural).toBeInstanceOf(ImportFailed);
  expect(structural.message).toBe(`${notArray}:1: (array): expected a JSON array: the file must start with [\nnothing was imported`);
  expect(await counts(db)).toEqual(before);
});

test('one-word titles are mentions only in their own case, longer titles in any case', async () => {
  const file = writeArray('train.json', [
    {
      dialogue: ['Seeker: it was fun, and so was the iron giant. Loved It!', 'Recommender: Then heat up some popcorn for Heat (1995).'],
      user_persona: '',
      gt_movie_title: 'Heat (1995)',
      seen_movie_titles: ['It (2017)', 'The Iron Giant (1999)'],
    },
  ]);
  await importPearl(db.dataSource, [file], {}, { quiet: true });
  const mentions = await db.dataSource.query(`
    SELECT t.idx, substr(t.text, m.start_offset + 1, m.end_offset - m.start_offset) AS covered, i.asin
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN items i ON i.id = m.item_id ORDER BY t.idx, m.start_offset`);
  expect(mentions.map((m: any) => [m.idx, m.covered, m.asin])).toEqual([
    [0, 'the iron giant', 'pearl:the iron giant (1999)'],
    [0, 'It', 'pearl:it (2017)'],
    [1, 'Heat (1995)', 'pearl:heat (1995)'],
  ]);
});

test('input files that cannot be imported are refused before anything is read', async () => {
  await expect(importPearl(db.dataSource, [path.join(dir, 'train.json')], {}, { quiet: true })).rejects.toThrow(`${path.join(dir, 'train.json')}: no such file`);
  const unnamed = writeArray('pearl.json', [GOOD]);
  await expect(importPearl(db.dataSource, [unnamed], {}, { quiet: true })).rejects.toThrow(`${unnamed}: cannot tell the split from the file name`);
});

test('--max-errors skips and reports bad records and loads the rest', async () => {
  const file = writeArray('train.json', [GOOD, { ...GOOD, seen_movie_titles: [1] }, { ...GOOD, user_persona: 'other' }]);
  const summary = await importPearl(db.dataSource, [file], {}, { quiet: true, maxErrors: 1 });
  expect(summary).toMatchObject({ read: 2, inserted: 2, skipped: 1 });
  const [run] = await db.dataSource.query('SELECT kind, counts FROM import_runs');
  expect(run).toMatchObject({ kind: 'pearl', counts: { read: 2, inserted: 2, skipped: 1 } });
});

test('GraphQL: PEARL dialogues next to the DistillRecDial sample, filtered by dataset and domain', async () => {
  await importSample(db.dataSource);
  await importPearl(db.dataSource, FILES, {}, { quiet: true });
  const api = await startTestApi(db.dataSource);
  try {
    const res = await api.query(`{
      pearl: dialogues(first: 20, filter: { dataset: "pearl", domain: "Movies_and_TV" }) {
        totalCount
        nodes { dataset domain split strategy stereotype { key } user { sourceId } targetItem { asin title } warnings { code }
                turns { index role text mentions { rawId isRecommendation isFirstMention start end item { asin title } } } }
      }
      release: dialogues(first: 1, filter: { dataset: "distillrecdial" }) { totalCount }
      all: dialogues(first: 1) { totalCount }
    }`);
    expect(res.errors).toBeUndefined();
    const { pearl, release, all } = res.data;
    expect(pearl.totalCount).toBe(7);
    expect(release.totalCount).toBeGreaterThan(0);
    expect(all.totalCount).toBe(release.totalCount + 7);
    expect(pearl.nodes.every((d: any) => d.dataset === 'pearl' && d.domain === 'Movies_and_TV' && d.strategy === 'PERSONA' && d.stereotype === null)).toBe(true);
    const first = pearl.nodes.find((d: any) => d.targetItem?.asin === 'pearl:paddington 2 (2017)');
    expect(first).toMatchObject({ split: 'TRAIN', user: { sourceId: 'pearl:A1B2C3' }, targetItem: { title: 'Paddington 2 (2017)' }, warnings: [] });
    expect(first.turns[1]).toEqual({
      index: 1,
      role: 'ASSISTANT',
      text: 'Since you enjoyed Paddington, you might like "Paddington 2 (2017)". It\'s even warmer.',
      mentions: [
        { rawId: 'Paddington (2014)', isRecommendation: false, isFirstMention: false, start: 18, end: 28, item: { asin: 'pearl:paddington (2014)', title: 'Paddington (2014)' } },
        { rawId: 'Paddington 2 (2017)', isRecommendation: true, isFirstMention: true, start: 46, end: 65, item: { asin: 'pearl:paddington 2 (2017)', title: 'Paddington 2 (2017)' } },
      ],
    });
    const books = await api.query('{ dialogues(first: 1, filter: { dataset: "pearl", domain: "Books" }) { totalCount } }');
    expect(books.data.dialogues.totalCount).toBe(0);
  } finally {
    await api.close();
  }
});
