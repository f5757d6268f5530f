import path from 'node:path';
import { importAmazon } from '../../../../src/ingest/amazon.load';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { registerPrepareCommand } from '../../../../src/cli/prepare';
import { prepare } from '../../../../src/prepare/prepare';
import { startTestApi, TestApi } from '../../../support/api';
import { runCli } from '../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';

// The acceptance path: Amazon review and metadata files plus tmdb_movies.json, then
// `prepare --k-core 2 --seed 7`, queried through the API, identical on a second run.
// The fixture world and its expected preparation are described in test/fixtures/amazon/README.md.

const FIXTURES = path.join(__dirname, '../../../fixtures/amazon');
const fixture = (name: string) => path.join(FIXTURES, name);
const u = (n: number) => `AFIXTUSER${String(n).padStart(19, '0')}`;
const [I1, I2, I3, P1, P2, L] = ['B00KJQ6OB4', 'B03UHRY2QN', 'B0018KE22R', 'B02C0NJT21', 'B00N9H00TU', 'B03C183Y0E'];

let db: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.dataSource);
  await importTmdb(db.dataSource, fixture('tmdb_movies.json'), { quiet: true });
  // The gzip copy: detection is by content, whatever the name.
  await importAmazon(db.dataSource, { reviews: fixture('Movies_and_TV.jsonl.gz'), meta: fixture('meta_Movies_and_TV.jsonl') }, { quiet: true });
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

const USERS = `{ users(filter: { prepared: true }) { nodes {
  sourceId
  stereotype { key }
  target { item { asin } rating reviewText }
  history { item { asin } rating }
  likedItems { asin }
  dislikedItems { asin }
  preparation { seed kCore kCoreRounds { round rows users items removed } removed { stage code count } }
} } }`;

async function preparedUsers() {
  const res = await api.query(USERS);
  expect(res.errors).toBeUndefined();
  return res.data.users.nodes;
}

test('prepare --k-core 2 --seed 7 on the fixture world gives the expected users, histories and targets', async () => {
  const report = await prepare(db.dataSource, { kCore: 2, seed: 7 });
  expect(report.config).toMatchObject({ domain: 'Movies_and_TV', tmdbMatch: true, ratingsSource: 'reviews', kCore: 2, seed: 7 });
  expect(report.itemsRemoved).toEqual({ NO_TITLE: 1, SHORT_TITLE: 1, NO_TMDB_MATCH: 1 });
  expect(report.kCoreRounds.map((r) => r.removed)).toEqual([1, 1, 0]);
  expect([report.coreUsers, report.coreItems]).toEqual([4, 5]);
  expect(report.reviewsRemoved.DUPLICATE_REVIEW).toBe(1);

  const users = await preparedUsers();
  const bySource = new Map(users.map((x: { sourceId: string }) => [x.sourceId, x]));
  expect([...bySource.keys()].sort()).toEqual([u(1), u(2), u(4), u(5)]);
  const asins = (list: Array<{ item?: { asin: string }; asin?: string }>) => list.map((x) => x.item?.asin ?? x.asin);

  const u4 = bySource.get(u(4)) as any;
  expect(u4.target).toMatchObject({ item: { asin: I1 }, rating: 1 });
  expect(asins(u4.history)).toEqual([L, P1, P2]); // the tie at 2017-12-01 broken by rating
  expect(asins(u4.likedItems)).toEqual([P1, P2]);
  expect(asins(u4.dislikedItems)).toEqual([L]);
  const u5 = bySource.get(u(5)) as any;
  expect(u5.target.item.asin).toBe(L); // same time and rating as P2: broken by parent_asin
  expect(asins(u5.history)).toEqual([I2, P1, P2]);
  expect(asins((bySource.get(u(1)) as any).history)).toEqual([I1]);
  expect(u4.preparation).toMatchObject({ seed: 7, kCore: 2 });
  expect(users.every((x: { stereotype: { key: string } | null }) => x.stereotype !== null)).toBe(true);

  // u3 fell out in round 2 and Totoro in round 1: neither is a user or an interaction now.
  const gone = await api.query(`{ user(sourceId: "${u(3)}") { sourceId } item(asin: "${I3}") { asin } }`);
  expect(gone.data.user).toBeNull();
  const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM interactions x JOIN items i ON i.id = x.item_id WHERE i.asin = $1', [I3]);
  expect(n).toBe(0);
});

test('a second run with the same seed gives identical users, histories, targets and stereotypes', async () => {
  const first = await preparedUsers();
  await prepare(db.dataSource, { kCore: 2, seed: 7 });
  const strip = (list: any[]) => list.map(({ preparation, ...rest }) => ({ ...rest, preparation: { ...preparation } }));
  expect(strip(await preparedUsers())).toEqual(strip(first));
  const [{ n }] = await db.dataSource.query('SELECT count(DISTINCT config_hash)::int AS n FROM preparations');
  expect(n).toBe(1);
});

test('the 5-core rating CSV, when imported, is the rating table the k-core runs on', async () => {
  await importAmazon(db.dataSource, { ratings: fixture('Movies_and_TV.csv') }, { quiet: true });
  const report = await prepare(db.dataSource, { kCore: 2, seed: 7 });
  expect(report.config.ratingsSource).toBe('ratings');
  expect([report.coreUsers, report.coreItems]).toEqual([4, 5]);
});

test('Amazon metadata reaches the items: TMDB titles stay, description and details show', async () => {
  const res = await api.query(`{ item(asin: "${P2}") { title description features categories details { name value } } }`);
  expect(res.errors).toBeUndefined();
  expect(res.data.item).toEqual({
    title: 'Paddington 2',
    description: ['Paddington takes a job to buy a present and is framed for a theft.'],
    features: [],
    categories: ['Movies & TV', 'Kids & Family'],
    details: [{ name: 'Dubbed:', value: 'Français' }, { name: 'Run time', value: '1 hour and 44 minutes' }],
  });
});

test('importing tmdb_movies.json after the Amazon metadata gives the items the same Amazon fields', async () => {
  const other = await createTestDatabase();
  try {
    await importAmazon(other.dataSource, { meta: fixture('meta_Movies_and_TV.jsonl') }, { quiet: true });
    await importTmdb(other.dataSource, fixture('tmdb_movies.json'), { quiet: true });
    const [item] = await other.dataSource.query('SELECT title, categories, description FROM items WHERE asin = $1', [P2]);
    expect(item).toEqual({
      title: 'Paddington 2',
      categories: ['Movies & TV', 'Kids & Family'],
      description: ['Paddington takes a job to buy a present and is framed for a theft.'],
    });
  } finally {
    await other.drop();
  }
});

test('recdial prepare --target-min-rating 5 on the fixture world: the latest 5-star review is the target, u5 (no 5-star review) is NO_TARGET', async () => {
  // Interactions after the k-core (test/fixtures/amazon/README.md): u1 i1 5, i2 4; u2 i2 5, i1 4;
  // u4 L 3, P1 5, P2 4, i1 1; u5 i2 3, P1 4, P2 4, L 4.
  const { logs } = await runCli(db.url, registerPrepareCommand, ['prepare', '--k-core', '2', '--seed', '7', '--target-min-rating', '5', '--quiet']);
  expect(logs.join('\n')).toMatch(/^Prepared 3 users of Movies_and_TV \(4 core users/);
  const users = await preparedUsers();
  const bySource = new Map(users.map((x: any) => [x.sourceId, x]));
  expect([...bySource.keys()].sort()).toEqual([u(1), u(2), u(4)]);
  const view = (x: any) => ({ target: x.target.item.asin, rating: x.target.rating, history: x.history.map((h: any) => h.item.asin) });
  expect(view(bySource.get(u(1)))).toEqual({ target: I1, rating: 5, history: [] });
  expect(view(bySource.get(u(2)))).toEqual({ target: I2, rating: 5, history: [] });
  // u4's latest review (i1, 1 star) and P2 (4 stars) come after P1: neither is used.
  expect(view(bySource.get(u(4)))).toEqual({ target: P1, rating: 5, history: [L] });
  const removed = (bySource.get(u(4)) as any).preparation.removed;
  expect(removed).toContainEqual({ stage: 'users', code: 'NO_TARGET', count: 1 });
  expect(removed).toContainEqual({ stage: 'warnings', code: 'EMPTY_HISTORY', count: 2 });
  const gone = await api.query(`{ user(sourceId: "${u(5)}") { sourceId target { item { asin } } } }`);
  expect(gone.errors).toBeUndefined();
  expect(gone.data.user).toEqual({ sourceId: u(5), target: null });
  const [config] = await db.dataSource.query('SELECT config FROM preparations ORDER BY id DESC LIMIT 1');
  expect(config.config.targetMinRating).toBe(5);
});

test('recdial prepare --target-min-rating outside 1–5 is a one-line error naming the flag', async () => {
  for (const bad of ['0', '6', '4.5', 'five']) {
    await expect(runCli(db.url, registerPrepareCommand, ['prepare', '--target-min-rating', bad, '--quiet'])).rejects.toThrow(
      `option '--target-min-rating <n>' argument '${bad}' is invalid. expected a star rating from 1 to 5`,
    );
  }
  await expect(runCli(db.url, registerPrepareCommand, ['prepare', '--strategy', 'goal-template', '--target-min-rating', '4', '--quiet'])).rejects.toThrow(
    '--target-min-rating applies to the stereotype strategy only',
  );
});
