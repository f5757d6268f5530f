import { Client } from 'pg';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { prepare } from '../../../../src/prepare/prepare';
import { loadRawAmazon } from '../../../support/amazon-raw';
import { importSample } from '../../../support/sample';

/**
 * Counts at the driver: every query a `pg` client sends, whoever sends it (TypeORM, the fast
 * lane's named statements on the pool, loaders), not only what TypeORM's logger sees.
 */
const statements: string[] = [];
const originalQuery = Client.prototype.query;
let counting = false;

let db: TestDatabase;
/** The API with the query fast lane (the default) and with every request on Apollo's pipeline. */
const apis: Record<'fast' | 'apollo', TestApi> = {} as never;

beforeAll(async () => {
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (counting) {
      const config = args[0] as string | { text?: string; name?: string };
      statements.push(typeof config === 'string' ? config : (config.text ?? config.name ?? '?'));
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  db = await createTestDatabase();
  await importSample(db.dataSource);
  apis.fast = await startTestApi(db.dataSource, { fastLane: true });
  apis.apollo = await startTestApi(db.dataSource, { fastLane: false });
});
afterAll(async () => {
  Client.prototype.query = originalQuery;
  await apis.fast?.close();
  await apis.apollo?.close();
  await db?.drop();
});

/** The statements one request sends, after a first identical request (pool connections opened). */
async function count(api: TestApi, query: string, variables: Record<string, unknown>): Promise<string[]> {
  await api.query(query, variables);
  statements.length = 0;
  counting = true;
  try {
    const res = await api.query(query, variables);
    expect(res.errors).toBeUndefined();
    return [...statements];
  } finally {
    counting = false;
  }
}

const PAGE = `query($n: Int) { dialogues(first: $n) { edges { node {
  id stereotype { key name dialogueCount } targetItem { asin title cast }
  turns { index role text mentions { rawId isRecommendation item { asin title } } }
  recommendedItems { asin } mentionedItems { asin } unresolvedItemIds user { sourceId } provenance { model run { id } } } } } }`;

const USERS = `query($n: Int) { users(first: $n, filter: { prepared: true }) { nodes {
  sourceId stereotype { key } preparation { kCore }
  target { rating item { asin } } history { rating item { asin title } } likedItems { asin } dislikedItems { asin } } } }`;

describe.each(['fast', 'apollo'] as const)('on the %s path', (lane) => {
  test('a page of dialogues with turns, mentions, items and stereotype costs the same statements at 5 and at 50', async () => {
    const small = await count(apis[lane], PAGE, { n: 5 });
    const large = await count(apis[lane], PAGE, { n: 50 });
    expect(small.length).toBeGreaterThan(0); // the driver really sees statements
    expect(large.length).toBe(small.length);
    // Apollo: dialogues, turns, mentions, items (targets and mentions batched together), stereotypes, their counts.
    // Fast lane: the page carries its turns, mentions and items (json_agg), then stereotypes and their counts.
    expect(small.length).toBeLessThanOrEqual(lane === 'fast' ? 4 : 7);
  });

  test('one dialogue with turns, mentions and items: one statement on the fast lane, four on the Apollo path', async () => {
    const { data } = await apis[lane].query(`{ dialogues(first: 1) { nodes { id } } }`);
    const ONE = `query($id: ID!) { dialogue(id: $id) { id turns { index role text mentions { rawId isRecommendation item { asin title } } } } }`;
    const sent = await count(apis[lane], ONE, { id: data.dialogues.nodes[0].id });
    expect(sent.length).toBe(lane === 'fast' ? 1 : 4);
  });

  test('concurrent requests for different dialogues answer each its own dialogue, with no more statements than one each', async () => {
    const { data } = await apis[lane].query(`{ dialogues(first: 8) { nodes { id } } }`);
    const ids: string[] = data.dialogues.nodes.map((n: { id: string }) => n.id);
    const ONE = `query($id: ID!) { dialogue(id: $id) { id turns { index role text mentions { rawId isRecommendation item { asin title } } } } }`;
    const alone = [];
    for (const id of ids) alone.push(await apis[lane].query(ONE, { id }));
    statements.length = 0;
    counting = true;
    // Their one-key reads may share statements (src/db/read-query.ts readKeyed), never answers.
    const together = await Promise.all(ids.map((id) => apis[lane].query(ONE, { id }))).finally(() => (counting = false));
    expect(together).toEqual(alone);
    expect(together.map((r) => r.data.dialogue.id)).toEqual(ids);
    expect(statements.length).toBeLessThanOrEqual(ids.length * (lane === 'fast' ? 1 : 4));
  });

  test('a page of prepared users with history, target, liked items and stereotype costs the same statements at 5 and at 50', async () => {
    if (lane === 'fast') {
      const items = Array.from({ length: 12 }, (_, i) => ({ asin: `NP${i}`, title: `Film number ${i}` }));
      const users = Array.from({ length: 60 }, (_, u) => `NPUSER${String(u).padStart(3, '0')}`);
      const reviews = users.flatMap((user, u) => items.map((item, i) => ({ user, item: item.asin, t: i * 1000 + u, rating: 1 + ((u + i) % 5) })));
      await loadRawAmazon(db.dataSource, 'NPlusOne', items, reviews);
      await prepare(db.dataSource, { domain: 'NPlusOne', kCore: 1 });
    }
    const statementsFor = async (n: number) => {
      const sent = await count(apis[lane], USERS, { n });
      const res = await apis[lane].query(USERS, { n });
      expect(res.data.users.nodes).toHaveLength(n);
      expect(res.data.users.nodes[0].history).toHaveLength(9);
      return sent.length;
    };
    const small = await statementsFor(5);
    expect(await statementsFor(50)).toBe(small);
    // users, profiles, interactions, items, stereotypes, preparations
    expect(small).toBeLessThanOrEqual(7);
  });
});
