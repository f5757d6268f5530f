import { AbstractLogger, LogLevel, LogMessage } from 'typeorm';
import { importDistillRecDial } from '../../src/ingest/distillrecdial.load';
import { importTmdb } from '../../src/ingest/tmdb.load';
import { startTestApi, TestApi } from '../support/api';
import { createTestDatabase, TestDatabase } from '../support/db';
import { SAMPLE_RELEASE, SAMPLE_TMDB } from '../support/sample';

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
  await importTmdb(db.dataSource, SAMPLE_TMDB, { quiet: true });
  await importDistillRecDial(db.dataSource, [SAMPLE_RELEASE], { quiet: true });
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
