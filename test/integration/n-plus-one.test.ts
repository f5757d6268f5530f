import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/db';
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

const logger = new CountingLogger({ logQueries: true } as never);
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
  recommendedItems { asin } mentionedItems { asin } unresolvedItemIds user { sourceId } } } } }`;

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
  expect(large.length).toBe(small.length);
  // dialogues, turns, mentions, items (targets and mentions batched together), stereotypes, their counts
  expect(small.length).toBeLessThanOrEqual(7);
});
