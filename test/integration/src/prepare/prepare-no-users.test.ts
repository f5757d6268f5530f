import path from 'node:path';
import { importAmazon } from '../../../../src/ingest/amazon.load';
import { SAMPLE_PREPARE } from '../../../../src/ingest/sample';
import { importTmdb } from '../../../../src/ingest/tmdb.load';
import { prepare } from '../../../../src/prepare/prepare';
import { loadRawAmazon } from '../../../support/amazon-raw';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { SAMPLE_DIR, SAMPLE_TMDB } from '../../../support/sample';

// `recdial prepare` prints report.noUsersExplanation under "Prepared 0 users …".

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  await importTmdb(db.dataSource, SAMPLE_TMDB, { quiet: true });
  await importAmazon(db.dataSource, { reviews: path.join(SAMPLE_DIR, 'amazon', 'Movies_and_TV.jsonl'), meta: path.join(SAMPLE_DIR, 'amazon', 'meta_Movies_and_TV.jsonl') }, { quiet: true });
}, 60_000);
afterAll(async () => {
  await db.drop();
});

test('the default 12-core on the sample keeps no user: the explanation names the round and the largest k that works', async () => {
  const report = await prepare(db.dataSource, {});
  expect(report.users).toBe(0);
  // Round 1 leaves the one film with 12 or more reviewers, which no user keeps 12 of; round 2 removes the rest.
  expect(report.kCoreRounds.map((r) => [r.round, r.rows, r.users, r.items, r.removed])).toEqual([
    [1, 632, 40, 125, 619],
    [2, 13, 13, 1, 13],
    [3, 0, 0, 0, 0],
  ]);
  expect(report.noUsersExplanation).toBe(
    'No user was kept for Movies_and_TV: the 12-core removed them all — round 2 started with 13 rating rows of 13 users and 1 item ' +
      'and removed every row (each user or item had fewer than 12). The largest k that keeps users here is 6: try --k-core 6.',
  );
  // The suggestion is right: 6 keeps users, 7 does not.
  expect((await prepare(db.dataSource, { kCore: 7 })).users).toBe(0);
  const six = await prepare(db.dataSource, { kCore: 6 });
  expect(six.users).toBeGreaterThan(0);
  expect(six.noUsersExplanation).toBeNull();
  // What the first start uses keeps all 40 reviewers.
  expect((await prepare(db.dataSource, { ...SAMPLE_PREPARE })).users).toBe(40);
}, 60_000);

test('when the item filter removes every item, it says so with the reasons and what to do', async () => {
  await loadRawAmazon(db.dataSource, 'Books', [{ asin: 'B0BOOK0001', title: null }, { asin: 'B0BOOK0002', title: 'X' }], [
    { user: 'U1', item: 'B0BOOK0001', t: 1 },
  ]);
  const report = await prepare(db.dataSource, { domain: 'Books', kCore: 1 });
  expect(report.users).toBe(0);
  expect(report.noUsersExplanation).toBe('No user was kept for Books: the item filter removed all 2 items (NO_TITLE 1, SHORT_TITLE 1).');
});

test('when no review names an item that passed the item filter, it says so', async () => {
  // The TMDB match (on: the domain has TMDB items) removes the one item the only reviewer left reviewed.
  await loadRawAmazon(db.dataSource, 'Movies_and_TV', [{ asin: 'B0NOTMDB77', title: 'Some Documentary (2019) [DVD]' }], [{ user: 'ULONE', item: 'B0NOTMDB77', t: 1 }]);
  await db.dataSource.query(`DELETE FROM amazon_reviews WHERE domain = 'Movies_and_TV' AND user_id <> 'ULONE'`);
  const report = await prepare(db.dataSource, { kCore: 1 });
  expect(report.users).toBe(0);
  expect(report.noUsersExplanation).toBe('No user was kept for Movies_and_TV: no review names one of the 126 items that passed the item filter.');
});

test('when --target-min-rating skips every user, it says so and suggests a lower minimum', async () => {
  await loadRawAmazon(db.dataSource, 'Music', [{ asin: 'B0MUSIC001', title: 'An album' }, { asin: 'B0MUSIC002', title: 'Another album' }], [
    { user: 'UM', item: 'B0MUSIC001', t: 1, rating: 4 },
    { user: 'UM', item: 'B0MUSIC002', t: 2, rating: 3 },
  ]);
  const report = await prepare(db.dataSource, { domain: 'Music', kCore: 1, targetMinRating: 5 });
  expect(report.users).toBe(0);
  expect(report.usersSkipped).toEqual({ NO_INTERACTIONS: 0, NO_TARGET: 1 });
  expect(report.noUsersExplanation).toBe(
    'No user was kept for Music: the 1 core user of the 1-core were all skipped (NO_TARGET 1). ' +
      'NO_TARGET users have no interaction rated 5 or more; try a lower --target-min-rating, or none.',
  );
});
