import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/db';
import { prepare } from '../../src/prepare/prepare';
import { loadRawAmazon } from '../support/amazon-raw';
import { importSample } from '../support/sample';

/** Sees every statement the data source runs. */
class CountingLogger extends AbstractLogger {
  statements: string[] = [];
  protected writeLog(level: LogLevel, message: LogMessage | LogMessage[]): void {
    for (const m of Array.isArray(message) ? message : [message]) {
      if (level === 'query' && typeof m.message === 'string') this.statements.push(m.message);
    }
  }
}

// TypeORM 1 logs queries only for `true`, 'all' or a list naming 'query'.
const logger = new CountingLogger(['query']);
let db: TestDatabase;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase({ logger });
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource);
});
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const PAGE = `query($n: Int) { dialogues(first: $n) { edges { node {
  id stereotype { key name dialogueCount } targetItem { asin title cast }
  turns { index role text mentions { rawId isRecommendation item { asin title } } }
  recommendedItems { asin } mentionedItems { asin } unresolvedItemIds user { sourceId } provenance { model run { id } } } } } }`;

async function statementsFor(n: number): Promise<string[]> {
  logger.statements = [];
  const res = await api.query(PAGE, { n });
  expect(res.errors).toBeUndefined();
  expect(res.data.dialogues.edges).toHaveLength(n);
  return logger.statements;
}

test('a page of dialogues with turns, mentions, items and stereotype costs the same statements at 5 and at 50', async () => {
  const small = await statementsFor(5);
  const large = await statementsFor(50);
  expect(small.length).toBeGreaterThan(0); // the logger really sees statements
  expect(large.length).toBe(small.length);
  // dialogues, turns, mentions, items (targets and mentions batched together), stereotypes, their counts
  expect(small.length).toBeLessThanOrEqual(7);
});

const USERS = `query($n: Int) { users(first: $n, filter: { prepared: true }) { nodes {
  sourceId stereotype { key } preparation { kCore }
  target { rating item { asin } } history { rating item { asin title } } likedItems { asin } dislikedItems { asin } } } }`;

test('a page of prepared users with history, target, liked items and stereotype costs the same statements at 5 and at 50', async () => {
  const items = Array.from({ length: 12 }, (_, i) => ({ asin: `NP${i}`, title: `Film number ${i}` }));
  const users = Array.from({ length: 60 }, (_, u) => `NPUSER${String(u).padStart(3, '0')}`);
  const reviews = users.flatMap((user, u) => items.map((item, i) => ({ user, item: item.asin, t: i * 1000 + u, rating: 1 + ((u + i) % 5) })));
  await loadRawAmazon(db.dataSource, 'NPlusOne', items, reviews);
  await prepare(db.dataSource, { domain: 'NPlusOne', kCore: 1 });
  const statements = async (n: number) => {
    logger.statements = [];
    const res = await api.query(USERS, { n });
    expect(res.errors).toBeUndefined();
    expect(res.data.users.nodes).toHaveLength(n);
    expect(res.data.users.nodes[0].history).toHaveLength(9);
    return logger.statements.length;
  };
  const small = await statements(5);
  expect(await statements(50)).toBe(small);
  // users, profiles, interactions, items, stereotypes, preparations
  expect(small).toBeLessThanOrEqual(7);
});
