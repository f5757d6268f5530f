import { createTestDatabase, TestDatabase } from '../../support/db';
import { migrate } from '../../../src/db/migrate';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

test('entities and migrations agree: the schema builder finds nothing to change', async () => {
  const pending = await db.dataSource.driver.createSchemaBuilder().log();
  expect(pending.upQueries.map((q) => q.query)).toEqual([]);
});

test('the migration seeds the five stereotypes in canonical order', async () => {
  const rows = await db.dataSource.query('SELECT key FROM stereotypes ORDER BY id');
  expect(rows.map((r: { key: string }) => r.key)).toEqual([
    'Cold-Start Browser',
    'Cold-Start Task-Oriented',
    'History-Only Explorer',
    'History + Hint Seeker',
    'Fully Expressive Seeker',
  ]);
});

test('running migrations again applies nothing', async () => {

  expect(await migrate(db.dataSource)).toEqual([]);
});
