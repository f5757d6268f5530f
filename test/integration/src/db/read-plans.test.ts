/**
 * EXPLAIN snapshots of the statements the API sends for the three read-benchmark scenarios
 * (test/bench/read.bench.ts), as PostGraphile keeps SQL snapshots: the statements are captured at
 * the driver while the real server answers the queries, then explained with their own values.
 * A change of statement shape, of an index or of the planner's choice shows up as a snapshot diff;
 * the assertions name what must hold whatever the data size.
 *
 * The sample is small, so sequential scans are disabled for the EXPLAIN session: the snapshots show
 * which indexes the statements can use, as they do on a DistillRecDial-sized database.
 */
import { Client } from 'pg';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

const sent: Array<{ text: string; values: unknown[] }> = [];
const originalQuery = Client.prototype.query;
let capturing = false;

let db: TestDatabase;
let api: TestApi;
let explainer: Client;

beforeAll(async () => {
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; values?: unknown[] };
    if (capturing) {
      if (typeof config === 'string') sent.push({ text: config, values: Array.isArray(args[1]) ? (args[1] as unknown[]) : [] });
      else if (config.text) sent.push({ text: config.text, values: config.values ?? [] });
    }
    return (originalQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof Client.prototype.query;
  db = await createTestDatabase();
  await importSample(db.dataSource);
  await db.dataSource.query('ANALYZE');
  api = await startTestApi(db.dataSource);
  explainer = new Client({ connectionString: db.url });
  await explainer.connect();
  await explainer.query('SET enable_seqscan = off');
});
afterAll(async () => {
  Client.prototype.query = originalQuery;
  await explainer?.end();
  await api?.close();
  await db?.drop();
});

/** The statements one request sends (after a warm-up request), with their EXPLAIN (COSTS OFF). */
async function plansOf(query: string, variables: Record<string, unknown>): Promise<Array<{ sql: string; plan: string }>> {
  expect((await api.query(query, variables)).errors).toBeUndefined();
  sent.length = 0;
  capturing = true;
  try {
    expect((await api.query(query, variables)).errors).toBeUndefined();
  } finally {
    capturing = false;
  }
  const statements = [...sent];
  const out = [];
  for (const { text, values } of statements) {
    // The explainer's own statements are not captured (capturing is off by now).
    const { rows } = await explainer.query<{ 'QUERY PLAN': string }>(`EXPLAIN (COSTS OFF) ${text}`, values);
    out.push({ sql: text, plan: rows.map((r) => r['QUERY PLAN']).join('\n') });
  }
  return out;
}

test('(a) a page of one stereotype with turns and target: one statement, turns and the target item read through their indexes', async () => {
  const plans = await plansOf(
    `query($stereotype: String!, $after: String) {
      dialogues(first: 50, after: $after, filter: { stereotype: $stereotype }) {
        edges { node { id turns { index role text } targetItem { asin title } } }
        pageInfo { endCursor hasNextPage }
      }
    }`,
    { stereotype: 'Fully Expressive Seeker', after: null },
  );
  expect(plans).toHaveLength(1);
  expect(plans.map((p) => p.sql)).toMatchSnapshot('statements');
  expect(plans.map((p) => p.plan)).toMatchSnapshot('plans');
  const page = plans[plans.length - 1];
  // Only the columns the query reads, children inside the page statement.
  expect(page.sql).not.toContain('d.rejection_reasons');
  expect(page.sql).toContain('json_agg');
  expect(page.plan).toMatch(/turns_dialogue|turns_dialogue_id|Index .* on turns/);
  expect(page.plan).toMatch(/Index .* on items/);
});

test('(b) one dialogue with turns and mentions: one statement', async () => {
  const { data } = await api.query(`{ dialogues(first: 1) { nodes { id } } }`);
  const plans = await plansOf(
    `query($id: ID!) { dialogue(id: $id) { id turns { index role text mentions { rawId isRecommendation item { asin title } } } } }`,
    { id: data.dialogues.nodes[0].id },
  );
  expect(plans).toHaveLength(1);
  expect(plans.map((p) => p.sql)).toMatchSnapshot('statements');
  expect(plans.map((p) => p.plan)).toMatchSnapshot('plans');
  expect(plans[0].plan).toMatch(/Index .* on dialogues/);
  expect(plans[0].plan).toMatch(/turn_mentions_dialogue_idx/);
});

test('(c) an item with its first mentioning dialogues: a DISTINCT probe of the (item, dialogue) mentions index, the after bound inside it', async () => {
  const { data } = await api.query(`{ dialogues(first: 1) { nodes { targetItem { asin } } } }`);
  const query = `query($asin: String, $after: String) { item(asin: $asin) { title dialogues(role: MENTION, first: 2, after: $after) { edges { node { id } } pageInfo { endCursor } } } }`;
  const asin = data.dialogues.nodes[0].targetItem.asin;
  const first = await plansOf(query, { asin, after: null });
  expect(first.map((p) => p.sql)).toMatchSnapshot('statements');
  expect(first.map((p) => p.plan)).toMatchSnapshot('plans');
  const page = first[first.length - 1];
  expect(page.sql).toContain('SELECT DISTINCT m.dialogue_id FROM turn_mentions m WHERE m.item_id = $1');
  expect(page.plan).toMatch(/turn_mentions_item_idx/);
  expect(page.sql).not.toContain('d.dataset');

  const { data: firstPage } = await api.query(query, { asin, after: null });
  const endCursor = firstPage.item.dialogues.pageInfo.endCursor;
  if (endCursor) {
    const next = await plansOf(query, { asin, after: endCursor });
    const nextPage = next[next.length - 1];
    expect(nextPage.sql).toContain('m.dialogue_id > $2');
    expect(nextPage.plan).toMatch(/Index Cond: \(\(item_id = \$1\) AND \(dialogue_id > \$2\)\)|Index Cond: \(\(item_id = \d+\) AND \(dialogue_id > \d+\)\)/);
  }
});
