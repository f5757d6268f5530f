import path from 'node:path';
import { importTmdb } from '../../../../../src/ingest/tmdb.load';
import { startTestApi, TestApi } from '../../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../../support/db';

// items(filter: { search }) matches title words with accents and case folded (migration
// 1765500000000): a researcher types "amelie" on an English keyboard and finds "Amélie".
const TMDB = path.join(__dirname, '..', '..', '..', '..', 'fixtures', 'tiny', 'tmdb_movies.json');

let db: TestDatabase;
let api: TestApi;
beforeAll(async () => {
  db = await createTestDatabase();
  api = await startTestApi(db.dataSource);
  await importTmdb(db.dataSource, TMDB, { quiet: true });
});
afterAll(async () => {
  await api.close();
  await db.drop();
});

async function titles(search: string): Promise<string[]> {
  const res = await api.query('query ($s: String) { items(filter: { search: $s }) { nodes { title } } }', { s: search });
  expect(res.errors).toBeUndefined();
  return res.data.items.nodes.map((n: { title: string }) => n.title);
}

test.each(['amelie', 'AMELIE', 'Amélie', 'amélie blu-ray'])('search %p finds Amélie', async (search) => {
  expect(await titles(search)).toEqual(['Amélie (2001) [Blu-ray]']);
});

test('titles are matched word for word, not stemmed, and a missing word matches nothing', async () => {
  expect(await titles('ameli')).toEqual([]);
  expect(await titles('amelie -blu')).toEqual([]);
});

test('the search is answered from the title index', async () => {
  const plan: Array<{ 'QUERY PLAN': string }> = await db.dataSource.transaction(async (m) => {
    await m.query('SET LOCAL enable_seqscan = off');
    return m.query(`EXPLAIN SELECT id FROM items i WHERE to_tsvector('recdial_title', i.title) @@ websearch_to_tsquery('recdial_title', 'amelie')`);
  });
  expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('items_title_fts_idx');
});
