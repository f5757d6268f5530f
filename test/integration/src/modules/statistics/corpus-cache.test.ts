import path from 'node:path';
import { importDistillRecDial } from '../../../../../src/ingest/distillrecdial.load';
import { importTmdb } from '../../../../../src/ingest/tmdb.load';
import { startTestApi, type TestApi } from '../../../../support/api';
import { createTestDatabase, type TestDatabase } from '../../../../support/db';
import { SAMPLE_RELEASE, SAMPLE_TMDB } from '../../../../support/sample';

/**
 * datasetStatistics and diversity are cached per selection: the second identical request is
 * served without scanning again, and any import (or other write to the dataset) drops the cache.
 */
let db: TestDatabase;
let api: TestApi;
const split = (name: string) => path.join(SAMPLE_RELEASE, `Movies_and_TV_llama3.1_reserved_special_token_10_${name}.jsonl`);

beforeAll(async () => {
  db = await createTestDatabase();
  await importTmdb(db.dataSource, SAMPLE_TMDB, { quiet: true });
  await importDistillRecDial(db.dataSource, [split('test')], { quiet: true });
  api = await startTestApi(db.dataSource);
}, 120_000);
afterAll(async () => {
  await api?.close();
  await db?.drop();
});

/** hit and miss counts of the cache, from /metrics. */
async function lookups(): Promise<{ hit: number; miss: number }> {
  const text = await (await api.get('/metrics')).text();
  const count = (result: string) => Number(new RegExp(`^recdial_corpus_cache_lookups_total\\{result="${result}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: count('hit'), miss: count('miss') };
}

const STATS = 'query($groupBy: [StatisticsGroup!], $filter: DialogueFilter) { datasetStatistics(groupBy: $groupBy, filter: $filter) { overall { dialogues utterances } groups { group { key value } dialogues } } }';

test('the second identical request is a cache hit; another selection is not; an import drops the cache', async () => {
  const first = await api.query(STATS, { groupBy: ['SPLIT'] });
  expect(first.errors).toBeUndefined();
  expect(await lookups()).toEqual({ hit: 0, miss: 1 });

  // The same selection, its filter keys in another order and an explicit undefined: one key.
  const second = await api.query(STATS, { groupBy: ['SPLIT'] });
  expect(second.data).toEqual(first.data);
  expect(await lookups()).toEqual({ hit: 1, miss: 1 });

  // Another selection is computed on its own.
  const tests = await api.query(STATS, { groupBy: ['SPLIT'], filter: { split: 'TEST', status: 'ACCEPTED' } });
  expect(tests.errors).toBeUndefined();
  const again = await api.query(STATS, { groupBy: ['SPLIT'], filter: { status: 'ACCEPTED', split: 'TEST' } });
  expect(again.data).toEqual(tests.data);
  expect(await lookups()).toEqual({ hit: 2, miss: 2 });

  // An import commits new dialogues: the next request scans again and sees them.
  await importDistillRecDial(db.dataSource, [split('valid')], { quiet: true });
  // The notification is delivered at commit; give the listener a moment.
  let after = await api.query(STATS, { groupBy: ['SPLIT'] });
  for (let i = 0; i < 20 && after.data.datasetStatistics.overall.dialogues === first.data.datasetStatistics.overall.dialogues; i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await api.query(STATS, { groupBy: ['SPLIT'] });
  }
  expect(after.data.datasetStatistics.overall.dialogues).toBeGreaterThan(first.data.datasetStatistics.overall.dialogues);
  expect(after.data.datasetStatistics.groups.map((g: any) => g.group[0].value).sort()).toEqual(['test', 'valid']);
  const { miss } = await lookups();
  expect(miss).toBeGreaterThanOrEqual(3);

  // A plain write by anyone (here SQL, as a worker would) drops it too.
  const before = await lookups();
  await api.query(STATS, { groupBy: ['SPLIT'] });
  expect((await lookups()).hit).toBe(before.hit + 1);
  await db.dataSource.query(`UPDATE dialogues SET split = 'train' WHERE id = (SELECT min(id) FROM dialogues)`);
  await new Promise((r) => setTimeout(r, 300));
  const moved = await api.query(STATS, { groupBy: ['SPLIT'] });
  expect(moved.data.datasetStatistics.groups.map((g: any) => g.group[0].value).sort()).toEqual(['test', 'train', 'valid']);
});

test('a computation over its wall-clock budget fails with TIMEOUT, not a 500', async () => {
  const slow = await startTestApi(db.dataSource, { corpusFieldBudgetMs: 1 });
  try {
    const res = await slow.query('{ datasetStatistics(tokenize: GPT2, groupBy: [STEREOTYPE, SPLIT]) { overall { dialogues } } }');
    expect(res.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    expect(res.errors?.[0]?.message).toMatch(/^datasetStatistics took longer than its budget of 0\.0 s/);
  } finally {
    await slow.close();
  }
});
