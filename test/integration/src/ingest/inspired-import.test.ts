import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { INSPIRED_COLUMNS, InspiredColumn } from '../../../../src/ingest/inspired';
import { importInspired } from '../../../../src/ingest/inspired.load';
import { startTestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'inspired');
const FILES = ['train.tsv', 'dev.tsv', 'test.tsv'].map((f) => path.join(FIXTURES, f));
const A = '20191201-100001_101_live.pkl';
const D = '20191203-300001_301_live.pkl';

async function counts(db: TestDatabase) {
  const [row] = await db.dataSource.query(`SELECT
    (SELECT count(*)::int FROM dialogues) AS dialogues, (SELECT count(*)::int FROM turns) AS turns,
    (SELECT count(*)::int FROM turn_mentions) AS mentions, (SELECT count(*)::int FROM items) AS items,
    (SELECT count(*)::int FROM users) AS users`);
  return row;
}

async function mentionsOf(db: TestDatabase, key: string) {
  return db.dataSource.query(
    `SELECT t.idx, t.role, t.text, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention, i.asin, i.title, i.cleaned_title
       FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN dialogues d ON d.id = m.dialogue_id JOIN items i ON i.id = m.item_id
      WHERE d.import_key = $1 ORDER BY t.idx, m.start_offset`,
    [key],
  );
}

/** `[turn index, covered text, item key, isRecommendation, isFirstMention]` */
const spans = (rows: any[]) => rows.map((m) => [m.idx, m.text.slice(m.start_offset, m.end_offset), m.asin, m.is_recommendation, m.is_first_mention]);

let db: TestDatabase;
let dir: string;
beforeEach(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-inspired-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the fixture: one turn per row, mentions of the titles each row lists, targets of accepted dialogues', async () => {
  const summary = await importInspired(db.dataSource, FILES, {}, { quiet: true });
  expect(summary).toMatchObject({
    read: 4, inserted: 4, alreadyPresent: 0, skipped: 0, flagged: 2, turns: 19, mentions: 12, itemsCreated: 9, usersCreated: 0,
  });

  const dialogues = await db.dataSource.query(`
    SELECT d.import_key, d.split, d.dataset, d.domain, d.strategy, d.stereotype_id, d.user_id, i.asin AS target, d.named_item_ids, d.warnings, d.provenance
      FROM dialogues d LEFT JOIN items i ON i.id = d.target_item_id ORDER BY d.id`);
  expect(dialogues.map((d: any) => [d.import_key, d.split, d.target, d.warnings.map((w: any) => w.code), d.provenance.line])).toEqual([
    [`inspired:train:${A}`, 'train', 'inspired:paddington 2 (2017)', ['TITLE_NOT_IN_TEXT'], 2],
    ['inspired:train:20191201-100002_102_live.pkl', 'train', null, [], 9],
    ['inspired:valid:20191202-200001_201_live.pkl', 'valid', null, ['UNPARSEABLE_LITERAL', 'EMPTY_UTTERANCE'], 2],
    [`inspired:test:${D}`, 'test', 'inspired:inception (2010)', [], 2],
  ]);
  for (const d of dialogues) {
    expect(d).toMatchObject({ dataset: 'inspired', domain: 'Movies_and_TV', strategy: 'CROWDSOURCED', stereotype_id: null, user_id: null });
  }
  expect(dialogues[0].named_item_ids).toEqual(['inspired:paddington (2014)', 'inspired:paddington 2 (2017)']);
  // movie_dict of the dev dialogue cannot be read: the titles come from the rows, the raw dict is kept.
  expect(dialogues[2].named_item_ids).toEqual(['inspired:amélie (2001)', 'inspired:léon: the professional (1994)', 'inspired:delicatessen (1991)']);
  expect(dialogues[2].provenance.extra).toEqual({ movie_dict: ["{'Amélie (2001)': 0, 'Léon: The Professional (1994)': 1"] });
  expect(dialogues[0].provenance).toMatchObject({
    format: 'inspired', file: 'train.tsv', mergeTurns: false, dialogId: A, outcome: 'accept_new', genres: ['comedy'], actors: ['Hugh Grant', 'Ben Whishaw'],
  });
  expect(dialogues[0].provenance.turnLabels[4]).toEqual([
    {
      uttId: 5, turnId: 2, expertLabel: 'credibility', secondLabel: null, fineLabel: 'accept_rating_good', coarseLabel: 'accept_new',
      movieId: '52x5HJ9H8DM', movies: ['Paddington (2014)', 'Paddington 2 (2017)'], genres: [], peopleNames: ['Hugh Grant'],
    },
  ]);
  expect(dialogues[2].provenance.turnLabels[0][0]).toMatchObject({ fineLabel: null, coarseLabel: null, movieId: null });

  const turns = await db.dataSource.query(`SELECT t.idx, t.role, t.text, t.raw_text FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.import_key = $1 ORDER BY t.idx`, [
    `inspired:train:${A}`,
  ]);
  expect(turns.map((t: any) => t.role)).toEqual(['ASSISTANT', 'USER', 'USER', 'ASSISTANT', 'ASSISTANT', 'USER', 'ASSISTANT']);
  expect(turns[1]).toEqual({
    idx: 1, role: 'USER', text: 'I love "cozy" comedies like Paddington.', raw_text: 'I love QUOTATION_MARKcozyQUOTATION_MARK comedies like Paddington.',
  });
  expect(turns[5]).toEqual({ idx: 5, role: 'USER', text: 'Ha, "Paddington 2" it is — I\'ll watch the trailer.', raw_text: null });

  expect(spans(await mentionsOf(db, `inspired:train:${A}`))).toEqual([
    [1, 'Paddington', 'inspired:paddington (2014)', false, true],
    [3, 'Paddington 2', 'inspired:paddington 2 (2017)', true, true],
    [4, 'Paddington', 'inspired:paddington (2014)', true, false],
    [5, 'Paddington 2', 'inspired:paddington 2 (2017)', false, false],
  ]);
  // CRLF file: no carriage return is left in the text.
  expect(spans(await mentionsOf(db, `inspired:test:${D}`))).toEqual([
    [0, 'The Matrix', 'inspired:the matrix (1999)', false, true],
    [1, 'Inception', 'inspired:inception (2010)', true, true],
    [2, 'The Matrix', 'inspired:the matrix (1999)', true, false],
  ]);
  const all = await db.dataSource.query(`SELECT t.role, t.text, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, i.title, i.cleaned_title
      FROM turn_mentions m JOIN turns t ON t.id = m.turn_id JOIN items i ON i.id = m.item_id`);
  expect(all).toHaveLength(12);
  for (const m of all) {
    expect([m.title.toLowerCase(), m.cleaned_title.toLowerCase()]).toContain(m.text.slice(m.start_offset, m.end_offset).toLowerCase());
    expect(m.raw_id).toBe(m.title);
    expect(m.is_recommendation).toBe(m.role === 'ASSISTANT');
    expect(m.text).not.toContain('\r');
  }
});

test('--merge-turns: one turn per speaker and turn_id, mentions moved into the merged text', async () => {
  const summary = await importInspired(db.dataSource, FILES, { mergeTurns: true }, { quiet: true });
  expect(summary).toMatchObject({ read: 4, turns: 16, mentions: 12 });
  const [turn] = await db.dataSource.query(`SELECT t.text, t.raw_text FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.import_key = $1 AND t.idx = 2`, [
    `inspired:train:${A}`,
  ]);
  expect(turn).toEqual({ text: 'Then you should watch Paddington 2! Hugh Grant plays a vain actor, and it is even funnier than Paddington.', raw_text: null });
  expect(spans(await mentionsOf(db, `inspired:train:${A}`))).toEqual([
    [1, 'Paddington', 'inspired:paddington (2014)', false, true],
    [2, 'Paddington 2', 'inspired:paddington 2 (2017)', true, true],
    [2, 'Paddington', 'inspired:paddington (2014)', true, false],
    [3, 'Paddington 2', 'inspired:paddington 2 (2017)', false, false],
  ]);
  expect(spans(await mentionsOf(db, `inspired:test:${D}`))).toEqual([
    [0, 'The Matrix', 'inspired:the matrix (1999)', false, true],
    [1, 'Inception', 'inspired:inception (2010)', true, true],
    [1, 'The Matrix', 'inspired:the matrix (1999)', true, false],
  ]);
});

test('importing the same files again changes nothing', async () => {
  await importInspired(db.dataSource, FILES, {}, { quiet: true });
  const before = await counts(db);
  const again = await importInspired(db.dataSource, FILES, {}, { quiet: true });
  expect(again).toMatchObject({ read: 4, inserted: 0, alreadyPresent: 4, itemsCreated: 0, turns: 0, mentions: 0 });
  expect(await counts(db)).toEqual(before);
  expect(before).toEqual({ dialogues: 4, turns: 19, mentions: 12, items: 9, users: 0 });
});

type Row = Partial<Record<InspiredColumn, string | number>>;

/** A row as a line of the file; unspecified columns are empty. */
const tsvLine = (r: Row) => `${INSPIRED_COLUMNS.map((c) => String(r[c] ?? '')).join('\t')}\n`;

/** A TSV file with the header and the given rows. */
function writeTsv(name: string, rows: Row[], header = INSPIRED_COLUMNS.join('\t')): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${header}\n${rows.map(tsvLine).join('')}`);
  return file;
}

const row = (dialogId: string, uttId: number, speaker = 'SEEKER', text = 'hello') => ({ dialog_id: dialogId, utt_id: uttId, speaker, turn_id: uttId, text });

test('a bad record aborts with file:line: field: problem and leaves nothing behind', async () => {
  await importInspired(db.dataSource, [FILES[2]], {}, { quiet: true });
  const before = await counts(db);

  const badSpeaker = writeTsv('train.tsv', [row('a.pkl', 1), row('a.pkl', 2, 'RECOMMENDER'), row('b.pkl', 1, 'USER')]);
  const error = await importInspired(db.dataSource, [FILES[0], badSpeaker], {}, { quiet: true }).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toBe(`${badSpeaker}:4: speaker: expected SEEKER or RECOMMENDER, got "USER"\nnothing was imported`);
  expect(await counts(db)).toEqual(before);

  const scattered = writeTsv('dev.tsv', [row('a.pkl', 1), row('b.pkl', 1), row('a.pkl', 2)]);
  await expect(importInspired(db.dataSource, [scattered], {}, { quiet: true })).rejects.toThrow(
    `${scattered}:4: dialog_id: "a.pkl" already appeared at ${scattered}:2; the rows of a dialogue must be consecutive`,
  );

  const missing = writeTsv('test.tsv', [row('a.pkl', 1)], INSPIRED_COLUMNS.filter((c) => c !== 'movie_id').join('\t') + '\tcase');
  const headerError = await importInspired(db.dataSource, [missing], {}, { quiet: true, maxErrors: 100 }).catch((e) => e);
  expect(headerError).toBeInstanceOf(ImportFailed);
  expect(headerError.message).toMatch(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1: \\(header\\): missing columns: movie_id; unexpected columns: "case" \\(`));
  expect(headerError.message).toMatch(/\nnothing was imported$/);

  const empty = path.join(dir, 'empty_test.tsv');
  fs.writeFileSync(empty, '');
  await expect(importInspired(db.dataSource, [empty], {}, { quiet: true })).rejects.toThrow(`${empty}:1: (header): empty file: expected the header line and rows`);

  const badUtf8 = path.join(dir, 'utf8_train.tsv');
  fs.writeFileSync(badUtf8, Buffer.concat([Buffer.from(`${INSPIRED_COLUMNS.join('\t')}\n`), Buffer.from([0x64, 0xff, 0x0a])]));
  await expect(importInspired(db.dataSource, [badUtf8], {}, { quiet: true })).rejects.toThrow(`${badUtf8}:2: (line): invalid UTF-8`);
  expect(await counts(db)).toEqual(before);
});

test('--max-errors: a bad row skips its whole dialogue and the rest loads', async () => {
  const file = writeTsv('train.tsv', [row('a.pkl', 1), { ...row('a.pkl', 2), utt_id: 'x' }, row('a.pkl', 3), row('b.pkl', 1), row('b.pkl', 2)]);
  const summary = await importInspired(db.dataSource, [file], {}, { quiet: true, maxErrors: 1 });
  expect(summary).toMatchObject({ read: 1, inserted: 1, skipped: 1, turns: 2 });
  const keys = await db.dataSource.query('SELECT import_key FROM dialogues');
  expect(keys).toEqual([{ import_key: 'inspired:train:b.pkl' }]);

  // An undecodable row may belong to the dialogue before it or after it: both are skipped.
  const undecodable = path.join(dir, 'test.tsv');
  fs.writeFileSync(
    undecodable,
    Buffer.concat([
      Buffer.from(`${INSPIRED_COLUMNS.join('\t')}\n${tsvLine(row('c.pkl', 1))}`),
      Buffer.from([0x64, 0xff, 0x0a]),
      Buffer.from([row('d.pkl', 1), row('d.pkl', 2), row('e.pkl', 1)].map(tsvLine).join('')),
    ]),
  );
  const partial = await importInspired(db.dataSource, [undecodable], {}, { quiet: true, maxErrors: 1 });
  expect(partial).toMatchObject({ read: 1, inserted: 1, skipped: 1 });
  expect(await db.dataSource.query(`SELECT import_key FROM dialogues WHERE split = 'test'`)).toEqual([{ import_key: 'inspired:test:e.pkl' }]);
});

test('GraphQL: INSPIRED dialogues next to the DistillRecDial sample, filtered by dataset and domain', async () => {
  await importSample(db.dataSource);
  await importInspired(db.dataSource, FILES, {}, { quiet: true });
  const api = await startTestApi(db.dataSource);
  try {
    const res = await api.query(`{
      inspired: dialogues(first: 20, filter: { dataset: "inspired", domain: "Movies_and_TV" }) {
        totalCount
        nodes { dataset domain split strategy user { sourceId } targetItem { asin title } warnings { code severity detail }
                turns { index role text mentions { rawId isRecommendation isFirstMention start end item { asin title } } } }
      }
      valid: dialogues(first: 5, filter: { dataset: "inspired", split: VALID }) { totalCount }
      release: dialogues(first: 1, filter: { dataset: "distillrecdial", domain: "Movies_and_TV" }) { totalCount }
      all: dialogues(first: 1) { totalCount }
    }`);
    expect(res.errors).toBeUndefined();
    const { inspired, valid, release, all } = res.data;
    expect(inspired.totalCount).toBe(4);
    expect(valid.totalCount).toBe(1);
    expect(release.totalCount).toBeGreaterThan(0);
    expect(all.totalCount).toBe(release.totalCount + 4);
    expect(inspired.nodes.every((d: any) => d.dataset === 'inspired' && d.strategy === 'CROWDSOURCED' && d.user === null)).toBe(true);
    const accepted = inspired.nodes.find((d: any) => d.targetItem?.asin === 'inspired:inception (2010)');
    expect(accepted.split).toBe('TEST');
    expect(accepted.turns[1]).toEqual({
      index: 1,
      role: 'ASSISTANT',
      text: 'I think you would love Inception.',
      mentions: [{ rawId: 'Inception (2010)', isRecommendation: true, isFirstMention: true, start: 23, end: 32, item: { asin: 'inspired:inception (2010)', title: 'Inception (2010)' } }],
    });
    const flagged = inspired.nodes.find((d: any) => d.split === 'VALID');
    expect(flagged.warnings.map((w: any) => [w.code, w.severity])).toEqual([
      ['UNPARSEABLE_LITERAL', 'warning'],
      ['EMPTY_UTTERANCE', 'warning'],
    ]);
  } finally {
    await api.close();
  }
});
