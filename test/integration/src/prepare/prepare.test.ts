import { prepare, PrepareError } from '../../../../src/prepare/prepare';
import { loadRawAmazon, RawReview } from '../../../support/amazon-raw';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';

// The spec's worked examples (docs/pipeline.md §2.3, §2.5, §3.4, §11.1), written straight into the raw
// Amazon tables so that each case is exactly the one the spec states.

let db: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.dataSource);
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

function load(domain: string, items: Array<{ asin: string; title: string | null }>, reviews: RawReview[]): Promise<void> {
  return loadRawAmazon(db.dataSource, domain, items, reviews);
}

const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

async function profile(domain: string, sourceId: string) {
  const [row] = await db.dataSource.query(
    `SELECT (SELECT asin FROM items WHERE id = p.target_item_id) AS target,
            ARRAY(SELECT i.asin FROM unnest(p.history_item_ids) WITH ORDINALITY h(id, n) JOIN items i ON i.id = h.id ORDER BY h.n) AS history,
            ARRAY(SELECT i.asin FROM unnest(p.liked_item_ids) WITH ORDINALITY h(id, n) JOIN items i ON i.id = h.id ORDER BY h.n) AS liked,
            ARRAY(SELECT i.asin FROM unnest(p.disliked_item_ids) WITH ORDINALITY h(id, n) JOIN items i ON i.id = h.id ORDER BY h.n) AS disliked,
            ARRAY(SELECT i.asin FROM unnest(p.might_like_item_ids) WITH ORDINALITY h(id, n) JOIN items i ON i.id = h.id ORDER BY h.n) AS might_like,
            p.stereotype_id, p.strategy
       FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.domain = $1 AND u.source_id = $2`,
    [domain, sourceId],
  );
  return row;
}

test('the iterative k-core removes a user in the second round (§2.3, k = 2)', async () => {
  await load(
    'KCore',
    [{ asin: 'I1', title: 'Item one' }, { asin: 'I2', title: 'Item two' }, { asin: 'I3', title: 'Item three' }],
    [
      { user: 'u1', item: 'I1', t: 1 }, { user: 'u1', item: 'I2', t: 2 },
      { user: 'u2', item: 'I1', t: 1 }, { user: 'u2', item: 'I2', t: 2 },
      { user: 'u3', item: 'I1', t: 1 }, { user: 'u3', item: 'I3', t: 2 },
    ],
  );
  const report = await prepare(db.dataSource, { domain: 'KCore', kCore: 2 });
  expect(report.kCoreRounds).toEqual([
    { round: 1, rows: 6, users: 3, items: 3, removed: 1 },
    { round: 2, rows: 5, users: 3, items: 2, removed: 1 },
    { round: 3, rows: 4, users: 2, items: 2, removed: 0 },
  ]);
  expect([report.coreUsers, report.coreItems, report.users]).toEqual([2, 2, 2]);
  const users = await db.dataSource.query("SELECT source_id FROM users WHERE domain = 'KCore' ORDER BY 1");
  expect(users.map((u: { source_id: string }) => u.source_id)).toEqual(['u1', 'u2']);
});

test('target is the latest review and history the ones just before it, ties broken by rating (§2.5, §2.6)', async () => {
  await load(
    'History',
    ['A', 'B', 'C', 'D', 'E'].map((asin) => ({ asin, title: `Film ${asin}` })),
    [
      { user: 'h', item: 'E', t: 40, rating: 5 },
      { user: 'h', item: 'C', t: 20, rating: 4 },
      { user: 'h', item: 'A', t: 10, rating: 5 },
      { user: 'h', item: 'D', t: 30, rating: 3 },
      { user: 'h', item: 'B', t: 20, rating: 2 },
    ],
  );
  const report = await prepare(db.dataSource, { domain: 'History', kCore: 1, historySize: 3 });
  expect(report.users).toBe(1);
  const p = await profile('History', 'h');
  expect(p.target).toBe('E');
  expect(p.history).toEqual(['B', 'C', 'D']);
  expect(p.liked).toEqual(['C']);
  expect(p.disliked).toEqual(['B', 'D']);
});

test('targetMinRating: the target is the latest review rated at least that, the history the ones just before it; users without one are NO_TARGET (§2.5)', async () => {
  // tm-e is the §2.5 test case (ratings 5, 2, 4, 3, 5): its latest review is rated 5, so nothing changes.
  // tm-m has the same times but ratings 5, 2, 4, 5, 3: the latest review (E, 3) is below 5, so the
  // target moves back to D and the history to the three before it; E, after the target, is not used.
  // tm-n has no review rated 5.
  const at = { A: 10, B: 20, C: 20, D: 30, E: 40 } as const;
  const reviews = (user: string, ratings: Partial<Record<keyof typeof at, number>>): RawReview[] =>
    Object.entries(ratings).map(([item, rating]) => ({ user, item, t: at[item as keyof typeof at], rating }));
  await load(
    'MinRating',
    ['A', 'B', 'C', 'D', 'E'].map((asin) => ({ asin, title: `Film ${asin}` })),
    [
      ...reviews('tm-e', { E: 5, C: 4, A: 5, D: 3, B: 2 }),
      ...reviews('tm-m', { A: 5, B: 2, C: 4, D: 5, E: 3 }),
      ...reviews('tm-n', { A: 4, B: 3 }),
    ],
  );
  const plain = await prepare(db.dataSource, { domain: 'MinRating', kCore: 1, historySize: 3 });
  expect(plain.users).toBe(3);
  expect(plain.usersSkipped).toEqual({ NO_INTERACTIONS: 0 });
  expect(plain.config.targetMinRating).toBeNull();
  expect(await profile('MinRating', 'tm-m')).toMatchObject({ target: 'E', history: ['B', 'C', 'D'] });

  const report = await prepare(db.dataSource, { domain: 'MinRating', kCore: 1, historySize: 3, targetMinRating: 5 });
  expect(report.config.targetMinRating).toBe(5);
  expect(report.configHash).not.toBe(plain.configHash);
  expect(report.users).toBe(2);
  expect(report.usersSkipped).toEqual({ NO_INTERACTIONS: 0, NO_TARGET: 1 });
  expect(await profile('MinRating', 'tm-e')).toMatchObject({ target: 'E', history: ['B', 'C', 'D'], liked: ['C'], disliked: ['B', 'D'] });
  expect(await profile('MinRating', 'tm-m')).toMatchObject({ target: 'D', history: ['A', 'B', 'C'], liked: ['A', 'C'], disliked: ['B'] });
  expect(await profile('MinRating', 'tm-n')).toBeUndefined();
  expect(Object.values(report.usersPerStereotype).reduce((a, b) => a + b, 0)).toBe(2);

  // A 4-star minimum: tm-m's latest review rated ≥ 4 is D again (E has 3); tm-n's is A, with an empty history.
  const four = await prepare(db.dataSource, { domain: 'MinRating', kCore: 1, historySize: 3, targetMinRating: 4 });
  expect([four.users, four.usersSkipped.NO_TARGET, four.warnings.EMPTY_HISTORY]).toEqual([3, 0, 1]);
  expect(await profile('MinRating', 'tm-n')).toMatchObject({ target: 'A', history: [] });

});

test('targetMinRating outside 1–5, or with the goal-template strategy, is a clear error and writes nothing', async () => {
  const before = await db.dataSource.query('SELECT count(*)::int AS n FROM preparations');
  for (const bad of [0, 6, 4.5]) {
    await expect(prepare(db.dataSource, { domain: 'MinRating', kCore: 1, targetMinRating: bad })).rejects.toThrow(`targetMinRating must be an integer from 1 to 5 (got ${bad})`);
  }
  await expect(prepare(db.dataSource, { domain: 'MinRating', kCore: 1, strategy: 'GOAL_TEMPLATE', targetMinRating: 4 })).rejects.toThrow(PrepareError);
  expect(await db.dataSource.query('SELECT count(*)::int AS n FROM preparations')).toEqual(before);
});

test('the title filter counts each removed item under its first failing reason; duplicates keep the earliest review (§2.1, §2.4)', async () => {
  await load(
    'Filter',
    [
      { asin: 'OK1', title: ' Heat (1995) [DVD] ' },
      { asin: 'OK2', title: 'Alien' },
      { asin: 'NOTITLE', title: null },
      { asin: 'SHORT', title: ' Up ' },
    ],
    [
      { user: 'f', item: 'OK1', t: 5, rating: 2, asin: 'OK1-VARIANT' },
      { user: 'f', item: 'OK1', t: 9, rating: 5 },
      { user: 'f', item: 'OK2', t: 7 },
      { user: 'f', item: 'SHORT', t: 8 },
      { user: 'f', item: 'NOTITLE', t: 8 },
    ],
  );
  const report = await prepare(db.dataSource, { domain: 'Filter', kCore: 1 });
  expect(report.itemsRemoved).toEqual({ NO_TITLE: 1, SHORT_TITLE: 1 });
  expect(report.reviewsRemoved.DUPLICATE_REVIEW).toBe(1);
  const [kept] = await db.dataSource.query(
    "SELECT x.rating, x.extra->>'asin' AS variant FROM interactions x JOIN items i ON i.id = x.item_id WHERE i.asin = 'OK1'",
  );
  expect(kept).toEqual({ rating: 2, variant: 'OK1-VARIANT' });
  const [item] = await db.dataSource.query("SELECT title, cleaned_title, domain FROM items WHERE asin = 'OK1'");
  expect(item).toEqual({ title: 'Heat (1995) [DVD]', cleaned_title: 'Heat', domain: 'Filter' });
});

test('stereotypes are drawn in user-id order from the seeded Python generator (§3.4 test vector)', async () => {
  const users = Array.from({ length: 10 }, (_, i) => `U${String(9 - i).padStart(2, '0')}`); // inserted out of order
  await load('Draws', [{ asin: 'X1', title: 'Only film' }], users.map((user, i) => ({ user, item: 'X1', t: i })));
  const report = await prepare(db.dataSource, { domain: 'Draws', kCore: 1, seed: 42 });
  const rows = await db.dataSource.query(
    `SELECT p.stereotype_id FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.domain = 'Draws' ORDER BY u.source_id`,
  );
  expect(rows.map((r: { stereotype_id: number }) => r.stereotype_id - 1)).toEqual([3, 0, 1, 1, 3, 3, 4, 0, 2, 0]);
  expect(report.usersPerStereotype).toEqual({
    'Cold-Start Browser': 3,
    'Cold-Start Task-Oriented': 2,
    'History-Only Explorer': 1,
    'History + Hint Seeker': 3,
    'Fully Expressive Seeker': 1,
  });
  expect(report.warnings.EMPTY_HISTORY).toBe(10);
});

test('the same inputs and seed give identical tables; another seed changes only the draws', async () => {
  const snapshot = () =>
    db.dataSource.query(
      `SELECT u.source_id, p.stereotype_id, p.target_item_id, p.history_item_ids, x.n
         FROM user_profiles p JOIN users u ON u.id = p.user_id
         CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM interactions WHERE user_id = u.id) x
        WHERE u.domain = 'Draws' ORDER BY u.source_id`,
    );
  const before = await snapshot();
  const again = await prepare(db.dataSource, { domain: 'Draws', kCore: 1, seed: 42 });
  expect(await snapshot()).toEqual(before);
  const other = await prepare(db.dataSource, { domain: 'Draws', kCore: 1, seed: 7 });
  expect(other.configHash).not.toBe(again.configHash);
  const after = await snapshot();
  expect(after.map((r: { source_id: string }) => r.source_id)).toEqual(before.map((r: { source_id: string }) => r.source_id));
  expect(after.map((r: { stereotype_id: number }) => r.stereotype_id)).not.toEqual(before.map((r: { stereotype_id: number }) => r.stereotype_id));
});

test('goal-template view: 20–400-word reviews, likes, dislikes and the last 10 % of positives as might-likes (§11.1)', async () => {
  const items = ['P1', 'P2', 'P3', 'N1', 'M1', 'S1'].map((asin) => ({ asin, title: `Product ${asin}` }));
  await load('Goal', items, [
    { user: 'g', item: 'P1', t: 1, rating: 5, text: words(25) },
    { user: 'g', item: 'N1', t: 2, rating: 1, text: words(30) },
    { user: 'g', item: 'M1', t: 3, rating: 3, text: words(20) },
    { user: 'g', item: 'P2', t: 4, rating: 4, text: `<p>${words(399)}</p> &amp; https://example.com/x` },
    { user: 'g', item: 'S1', t: 5, rating: 5, text: words(19) }, // too short: not an interaction of this view
    { user: 'g', item: 'P3', t: 6, rating: 5, text: words(401) }, // too long
    { user: 'g2', item: 'P1', t: 1, rating: 5, text: words(25) }, // one positive: no gold
  ]);
  const report = await prepare(db.dataSource, { domain: 'Goal', strategy: 'GOAL_TEMPLATE', kCore: 1 });
  expect(report.config.kCore).toBe(1);
  expect(report.reviewsRemoved).toMatchObject({ TOO_FEW_WORDS: 1, TOO_MANY_WORDS: 1 });
  expect(report.usersSkipped.NO_GOLD).toBe(1);
  const p = await profile('Goal', 'g');
  expect(p.strategy).toBe('GOAL_TEMPLATE');
  expect(p.liked).toEqual(['P1']);
  expect(p.might_like).toEqual(['P2']);
  expect(p.disliked).toEqual(['N1']);
  expect(p.history).toEqual(['P1', 'N1', 'M1']);
  expect(p.stereotype_id).toBeNull();
});

test('the API shows a prepared user: history, target, liked and disliked items, stereotype and the run', async () => {
  const res = await api.query(`{
    user(sourceId: "h") {
      domain
      target { item { asin } rating timestamp }
      history { item { asin } rating }
      likedItems { asin }
      dislikedItems { asin }
      stereotype { key }
      preparation { domain strategy seed kCore historySize kCoreRounds { round rows removed } removed { stage code count } }
    }
    goal: user(sourceId: "g") { goalProfile { source likes { asin } dislikes { asin } mightLikes { asin } history { asin } preparation { strategy } } stereotype { key } }
    preparations(domain: "History") { domain users }
  }`);
  expect(res.errors).toBeUndefined();
  const u = res.data.user;
  expect(u.domain).toBe('History');
  expect(u.target).toEqual({ item: { asin: 'E' }, rating: 5, timestamp: new Date(40).toISOString() });
  expect(u.history).toEqual([{ item: { asin: 'B' }, rating: 2 }, { item: { asin: 'C' }, rating: 4 }, { item: { asin: 'D' }, rating: 3 }]);
  expect(u.likedItems).toEqual([{ asin: 'C' }]);
  expect(u.dislikedItems).toEqual([{ asin: 'B' }, { asin: 'D' }]);
  expect(typeof u.stereotype.key).toBe('string');
  expect(u.preparation).toMatchObject({ domain: 'History', strategy: 'STEREOTYPE', seed: 42, kCore: 1, historySize: 3 });
  expect(res.data.goal.goalProfile).toEqual({
    source: 'prepare',
    likes: [{ asin: 'P1' }],
    dislikes: [{ asin: 'N1' }],
    mightLikes: [{ asin: 'P2' }],
    history: [{ asin: 'P1' }, { asin: 'N1' }, { asin: 'M1' }],
    preparation: { strategy: 'GOAL_TEMPLATE' },
  });
  expect(res.data.goal.stereotype).toBeNull();
  expect(res.data.preparations).toEqual([{ domain: 'History', users: 1 }]);

  const filtered = await api.query(`{ users(filter: { stereotype: "${u.stereotype.key}", domain: "History" }) { nodes { sourceId } } }`);
  expect(filtered.data.users.nodes).toEqual([{ sourceId: 'h' }]);
  const bad = await api.query('{ users(filter: { stereotype: "Nobody" }) { nodes { sourceId } } }');
  expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.stereotype' });
});

test('a domain without imported reviews is a clear error and writes nothing', async () => {
  const before = await db.dataSource.query('SELECT count(*)::int AS n FROM preparations');
  await expect(prepare(db.dataSource, { domain: 'Books' })).rejects.toThrow(PrepareError);
  await expect(prepare(db.dataSource, { domain: 'Books' })).rejects.toThrow(/no Amazon reviews imported for domain "Books".*recdial import amazon --reviews/);
  await expect(prepare(db.dataSource, { domain: 'History', kCore: 0 })).rejects.toThrow('kCore must be a positive integer (got 0)');
  expect(await db.dataSource.query('SELECT count(*)::int AS n FROM preparations')).toEqual(before);
});
