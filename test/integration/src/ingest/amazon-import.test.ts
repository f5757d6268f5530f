import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importAmazon } from '../../../../src/ingest/amazon.load';
import { InputFileError } from '../../../../src/ingest/errors';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { createTestDatabase, TestDatabase } from '../../../support/db';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'fixtures', 'amazon');
const REVIEWS = path.join(FIXTURES, 'Movies_and_TV.jsonl');
const REVIEWS_GZ = path.join(FIXTURES, 'Movies_and_TV.jsonl.gz');
const META = path.join(FIXTURES, 'meta_Movies_and_TV.jsonl');
const RATINGS = path.join(FIXTURES, 'Movies_and_TV.csv');
const TMDB = path.join(FIXTURES, 'tmdb_movies.json');
const quiet = { quiet: true };

const REVIEW_LINES = fs.readFileSync(REVIEWS, 'utf8').trimEnd().split('\n');
const META_LINES = fs.readFileSync(META, 'utf8').trimEnd().split('\n');

let db: TestDatabase;
let dir: string;
beforeEach(async () => {
  db = await createTestDatabase();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-amazon-'));
});
afterEach(async () => {
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, lines: Array<string | Buffer>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, Buffer.concat(lines.map((l) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8'), Buffer.from('\n')]))));
  return file;
}

/** A review line of the fixture with some fields changed (undefined removes the field). */
function reviewLine(index: number, changes: Record<string, unknown>): string {
  const record = { ...JSON.parse(REVIEW_LINES[index]), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete record[key];
  return JSON.stringify(record);
}

/** Every stored row of the three tables (and the items' Amazon columns), to compare states. */
async function snapshot() {
  const q = (sql: string) => db.dataSource.query(sql);
  return {
    reviews: await q(`SELECT domain, user_id, asin, parent_asin, rating, timestamp_ms, title, text, images, helpful_vote, verified_purchase, extra
                        FROM amazon_reviews ORDER BY domain, user_id, timestamp_ms, parent_asin, asin`),
    metadata: await q(`SELECT domain, parent_asin, main_category, title, average_rating, rating_number, features, description, price, store, categories,
                              details, subtitle, author, extra FROM amazon_metadata ORDER BY domain, parent_asin`),
    ratings: await q('SELECT domain, user_id, parent_asin, rating, timestamp_ms FROM amazon_ratings ORDER BY domain, user_id, parent_asin'),
    items: await q('SELECT asin, title, description, features, categories, details FROM items ORDER BY asin'),
  };
}

const countOf = async (table: string) => (await db.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

test('imports reviews, metadata and ratings as read, and records the run', async () => {
  const summary = await importAmazon(db.dataSource, { reviews: REVIEWS, meta: META, ratings: RATINGS }, quiet);
  expect(summary).toMatchObject({ domain: 'Movies_and_TV', reviews: 17, metadata: 9, ratings: 16, itemsUpdated: 0, skipped: 0, nulRemoved: 0 });
  expect(summary.files.map((f) => [f.kind, path.basename(f.path), f.lines])).toEqual([
    ['metadata', 'meta_Movies_and_TV.jsonl', 9],
    ['reviews', 'Movies_and_TV.jsonl', 17],
    ['ratings', 'Movies_and_TV.csv', 17],
  ]);
  expect(summary.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);

  const [run] = await db.dataSource.query('SELECT kind, files, counts FROM import_runs WHERE id = $1', [summary.importRunId]);
  expect(run).toMatchObject({ kind: 'amazon', counts: { reviews: 17, metadata: 9, ratings: 16, itemsUpdated: 0, skipped: 0, nulRemoved: 0 } });
  expect(run.files).toEqual(summary.files);

  const { reviews, metadata, ratings } = await snapshot();
  // The variant asin and its parent are both kept; the duplicate (user, parent_asin) is kept too.
  const u4 = reviews.filter((r: { user_id: string }) => r.user_id === 'AFIXTUSER0000000000000000004');
  expect(u4.map((r: { asin: string; parent_asin: string }) => `${r.asin}/${r.parent_asin}`)).toEqual([
    'B02C0NJT21/B02C0NJT21',
    'B03C183Y0E/B03C183Y0E',
    'B00N9H00TU/B00N9H00TU',
    'B00KJQ6OB4/B00KJQ6OB4',
    'B00N9H00V1/B00N9H00TU',
  ]);
  expect(u4[0]).toMatchObject({ domain: 'Movies_and_TV', rating: 5, timestamp_ms: '1512158400000', helpful_vote: 4, verified_purchase: true, images: [], extra: null });
  const byTitle = (title: string) => reviews.find((r: { title: string }) => r.title === title);
  expect(byTitle('Not my cup of tea ☕').text).toBe('Too sweet for me 🙁 — sorry, Amélie.');
  expect(byTitle('Totoro forever').extra).toEqual({ style: { 'Format:': ' Blu-ray' } });
  expect(byTitle('Charming and whimsical').text).toBe('A little gem.<br />The photo booth scene made me smile every time.<br /><br />Highly recommended.');
  // "title": null and a missing title are both "", a missing helpful_vote and images are NULL.
  const untitled = reviews.filter((r: { title: string }) => r.title === '');
  expect(untitled.map((r: { parent_asin: string; helpful_vote: number | null; images: unknown }) => [r.parent_asin, r.helpful_vote, r.images])).toEqual([
    ['B0SHORT001', 1, []],
    ['B00KJQ6OB4', null, null],
  ]);

  const spirited = metadata.find((m: { parent_asin: string }) => m.parent_asin === 'B03UHRY2QN');
  expect(spirited).toMatchObject({ title: 'Spirited Away (2001) [DVD]', price: null, store: null, details: { 'Run time': '2 hours and 5 minutes', Studio: 'Studio Ghibli' } });
  expect(spirited.extra).toEqual({ images: [], videos: [{ title: 'Trailer', url: 'https://videos.example.com/spirited', user_id: '' }], bought_together: null });
  expect(metadata.map((m: { parent_asin: string; price: string | null }) => m.price)).toEqual([null, '14.99', '9.99', '12.99', '19', null, null, '7.99', '4.5']);
  const amelie = metadata.find((m: { parent_asin: string }) => m.parent_asin === 'B00KJQ6OB4');
  expect(amelie).toMatchObject({ title: 'Amélie (2001) [Blu-ray]', features: ['Widescreen', 'French (DTS-HD Master Audio 5.1)'], average_rating: 4.7, rating_number: 8214 });
  expect(metadata.find((m: { parent_asin: string }) => m.parent_asin === 'B0NOTITLE1').title).toBeNull();

  expect(ratings).toHaveLength(16);
  expect(ratings[0]).toEqual({ domain: 'Movies_and_TV', user_id: 'AFIXTUSER0000000000000000001', parent_asin: 'B00KJQ6OB4', rating: 5, timestamp_ms: '1426325213589' });
});

test('a gzip file gives the same rows as the plain one (detected by content, not by name)', async () => {
  await importAmazon(db.dataSource, { reviews: REVIEWS }, quiet);
  const plain = (await snapshot()).reviews;
  const renamed = path.join(dir, 'reviews.jsonl');
  fs.copyFileSync(REVIEWS_GZ, renamed);
  const summary = await importAmazon(db.dataSource, { reviews: renamed }, quiet);
  expect(summary.reviews).toBe(17);
  expect(summary.files[0].lines).toBe(17);
  expect((await snapshot()).reviews).toEqual(plain);
});

test('a re-import replaces the domain rows of the kinds given, and only those', async () => {
  await importAmazon(db.dataSource, { reviews: REVIEWS, meta: META, ratings: RATINGS }, quiet);
  await importAmazon(db.dataSource, { reviews: REVIEWS_GZ, ratings: RATINGS, domain: 'Books' }, quiet);
  const first = await snapshot();
  await importAmazon(db.dataSource, { reviews: REVIEWS, meta: META, ratings: RATINGS }, quiet);
  expect(await snapshot()).toEqual(first);
  expect(await countOf('amazon_reviews')).toBe(34);

  // A smaller review file for Movies_and_TV: its reviews are replaced, metadata, ratings and Books stay.
  await importAmazon(db.dataSource, { reviews: write('two.jsonl', REVIEW_LINES.slice(0, 2)) }, quiet);
  const after = await snapshot();
  expect(after.reviews.filter((r: { domain: string }) => r.domain === 'Movies_and_TV')).toHaveLength(2);
  expect(after.reviews.filter((r: { domain: string }) => r.domain === 'Books')).toHaveLength(17);
  expect(after.metadata).toEqual(first.metadata);
  expect(after.ratings).toEqual(first.ratings);
});

test('a bad record aborts the whole import with file:line: field: problem and leaves every table as it was', async () => {
  await importTmdb(db.dataSource, TMDB, quiet);
  await importAmazon(db.dataSource, { reviews: REVIEWS, meta: META, ratings: RATINGS }, quiet);
  const before = await snapshot();
  const runs = await countOf('import_runs');

  const cases: Array<[string, string[] | Buffer[], string]> = [
    ['reviews', [REVIEW_LINES[0], REVIEW_LINES[1], reviewLine(2, { parent_asin: undefined })], ':3: parent_asin: missing'],
    ['reviews', [REVIEW_LINES[0], reviewLine(1, { rating: 6.0 })], ':2: rating: expected a number from 1 to 5, got 6'],
    ['reviews', [reviewLine(0, { rating: 'five' })], ':1: rating: expected a number from 1 to 5, got "five"'],
    ['reviews', [REVIEW_LINES[0], reviewLine(1, { timestamp: 1434913331.5 })], ':2: timestamp: expected a non-negative integer (epoch milliseconds), got 1434913331.5'],
    ['reviews', [REVIEW_LINES[0], '{"rating": 5.0, "title": "unterminated'], ':2: (json): invalid JSON at column 26: unterminated string'],
    ['ratings', ['user_id,parent_asin,rating,timestamp', 'AFIXTUSER0000000000000000001,B00KJQ6OB4,5.0,1426325213589', 'AFIXTUSER0000000000000000001,B00KJQ6OB4,5.0'], ':3: (line): expected 4 comma-separated fields'],
    ['ratings', ['user_id,asin,rating,timestamp', 'AFIXTUSER0000000000000000001,B00KJQ6OB4,5.0,1426325213589'], ':1: (header): expected "user_id,parent_asin,rating,timestamp"'],
    ['meta', [META_LINES[0], META_LINES[1], META_LINES[0]], ':3: parent_asin: duplicate item "B00KJQ6OB4"; the first record wins'],
  ];
  for (const [kind, lines, message] of cases) {
    const file = write(`bad-${kind}.jsonl`, lines);
    // The other files of the run are good: nothing of them may be written either.
    const input = { reviews: REVIEWS, meta: META, ratings: RATINGS, [kind]: file };
    const error = await importAmazon(db.dataSource, input, quiet).catch((e) => e);
    expect(error).toBeInstanceOf(ImportFailed);
    expect(error.message).toContain(`${file}${message}`);
    expect(error.message).toMatch(/nothing was imported$/);
  }

  // Invalid UTF-8 is the error of its line only.
  const utf8 = write('bad-utf8.jsonl', [Buffer.from(REVIEW_LINES[0]), Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])]);
  const error = await importAmazon(db.dataSource, { reviews: utf8 }, quiet).catch((e) => e);
  expect(error.message).toContain(`${utf8}:2: (line): invalid UTF-8`);

  expect(await snapshot()).toEqual(before);
  expect(await countOf('import_runs')).toBe(runs);
});

test('--max-errors skips and counts bad records and loads the rest; one more aborts', async () => {
  const reviews = write('some-bad.jsonl', [REVIEW_LINES[0], reviewLine(1, { user_id: undefined }), '', REVIEW_LINES[2], '[1, 2]']);
  const summary = await importAmazon(db.dataSource, { reviews }, { ...quiet, maxErrors: 2 });
  expect(summary).toMatchObject({ reviews: 2, skipped: 2 });
  expect(summary.files[0].lines).toBe(5);

  const error = await importAmazon(db.dataSource, { reviews }, { ...quiet, maxErrors: 1 }).catch((e) => e);
  expect(error).toBeInstanceOf(ImportFailed);
  expect(error.message).toContain(`${reviews}:2: user_id: missing`);
  expect(error.message).toContain(`${reviews}:5: (record): expected a JSON object, got [1,2]`);
  expect(error.message).toMatch(/more than 1 bad records; nothing was imported$/);
  expect(await countOf('amazon_reviews')).toBe(2);

  // A repeated parent_asin in metadata: the first record wins.
  const meta = write('dup-meta.jsonl', [META_LINES[0], JSON.stringify({ ...JSON.parse(META_LINES[0]), title: 'Second' }), META_LINES[1]]);
  expect(await importAmazon(db.dataSource, { meta }, { ...quiet, maxErrors: 1 })).toMatchObject({ metadata: 2, skipped: 1 });
  const [amelie] = await db.dataSource.query(`SELECT title FROM amazon_metadata WHERE parent_asin = 'B00KJQ6OB4'`);
  expect(amelie.title).toBe('Amélie (2001) [Blu-ray]');
});

test('metadata fills description, features, categories and details of catalogue items, never their title', async () => {
  await importTmdb(db.dataSource, TMDB, quiet);
  const titles = await db.dataSource.query('SELECT asin, title, cleaned_title, updated_at FROM items ORDER BY asin');
  expect(titles).toHaveLength(6);

  const summary = await importAmazon(db.dataSource, { meta: META }, quiet);
  expect(summary.itemsUpdated).toBe(6);
  const items = await db.dataSource.query('SELECT asin, title, cleaned_title, description, features, categories, details FROM items ORDER BY asin');
  expect(items.map((i: { asin: string; title: string; cleaned_title: string }) => [i.asin, i.title, i.cleaned_title])).toEqual(
    titles.map((i: { asin: string; title: string; cleaned_title: string }) => [i.asin, i.title, i.cleaned_title]),
  );
  expect(items.find((i: { asin: string }) => i.asin === 'B00KJQ6OB4')).toMatchObject({
    title: 'Amélie',
    description: ['Amélie is an innocent and naive girl in Paris with her own sense of justice.', 'She decides to help those around her and, along the way, discovers love.'],
    features: ['Widescreen', 'French (DTS-HD Master Audio 5.1)'],
    categories: ['Movies & TV', 'Featured Categories', 'Blu-ray'],
    details: { 'Aspect Ratio': '2.35:1', Language: 'Français (DTS-HD Master Audio 5.1)', 'Run time': '2 hours and 2 minutes' },
  });
  expect(items.find((i: { asin: string }) => i.asin === 'B03UHRY2QN').details).toEqual({ 'Run time': '2 hours and 5 minutes', Studio: 'Studio Ghibli' });
  // Items without a TMDB record are not created.
  expect(await countOf('items')).toBe(6);
  // Nothing changed: nothing is rewritten.
  expect((await importAmazon(db.dataSource, { meta: META }, quiet)).itemsUpdated).toBe(0);
});

test('legacy files: field mapping, seconds, Python-literal metadata', async () => {
  const summary = await importAmazon(
    db.dataSource,
    { reviews: path.join(FIXTURES, 'legacy', 'reviews_Movies_and_TV_5.json'), meta: path.join(FIXTURES, 'legacy', 'meta_Movies_and_TV.json'), legacy: true, domain: 'Movies_legacy' },
    quiet,
  );
  expect(summary).toMatchObject({ domain: 'Movies_legacy', reviews: 2, metadata: 2, skipped: 0 });
  const reviews = await db.dataSource.query('SELECT user_id, asin, parent_asin, rating, timestamp_ms, title FROM amazon_reviews ORDER BY user_id');
  expect(reviews[0]).toEqual({ user_id: 'A1LEGACYUSER01', asin: 'B02C0NJT21', parent_asin: 'B02C0NJT21', rating: 5, timestamp_ms: '1420070400000', title: 'Lovely' });
  const meta = await db.dataSource.query('SELECT parent_asin, title, categories, price FROM amazon_metadata ORDER BY parent_asin');
  expect(meta).toEqual([
    { parent_asin: 'B02C0NJT21', title: 'Paddington', categories: ['Movies & TV', 'Kids & Family'], price: null },
    { parent_asin: 'B03C183Y0E', title: 'Léon', categories: ['Movies & TV', 'Movies', 'Action & Adventure'], price: '19.99' },
  ]);

  // A legacy file imported without --legacy says so.
  const error = await importAmazon(db.dataSource, { reviews: path.join(FIXTURES, 'legacy', 'reviews_Movies_and_TV_5.json') }, quiet).catch((e) => e);
  expect(error.message).toContain('reviews_Movies_and_TV_5.json:1: user_id: missing (this looks like a legacy record: import legacy files with --legacy)');
});

test('U+0000, which PostgreSQL cannot store, is removed and counted', async () => {
  const reviews = write('nul.jsonl', [reviewLine(0, { text: 'A\u0000B', extra_key: { 'k\u0000': 'v\u0000' } }), REVIEW_LINES[1]]);
  const summary = await importAmazon(db.dataSource, { reviews }, quiet);
  expect(summary).toMatchObject({ reviews: 2, nulRemoved: 1 });
  const [row] = await db.dataSource.query(`SELECT text, extra FROM amazon_reviews WHERE text LIKE 'A%'`);
  expect(row).toEqual({ text: 'AB', extra: { extra_key: { k: 'v' } } });
});

test('input errors: no file at all, a missing file, a bad domain', async () => {
  await expect(importAmazon(db.dataSource, {}, quiet)).rejects.toThrow(InputFileError);
  await expect(importAmazon(db.dataSource, {}, quiet)).rejects.toThrow('import amazon: no input: give a review file, a metadata file or a rating CSV');
  const missing = path.join(dir, 'nope.jsonl');
  await expect(importAmazon(db.dataSource, { reviews: REVIEWS, meta: missing }, quiet)).rejects.toThrow(`${missing}: no such file`);
  await expect(importAmazon(db.dataSource, { reviews: REVIEWS, domain: 'Movies and TV' }, quiet)).rejects.toThrow('invalid domain "Movies and TV"');
  expect(await countOf('amazon_reviews')).toBe(0);
});
