import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kind, OperationDefinitionNode, parse } from 'graphql';
import { writeCanonicalExport } from '../../../../src/export/canonical';
import { loadSampleOnce } from '../../../../src/ingest/sample';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { ROOT, SAMPLE_DIR } from '../../../support/sample';

let db: TestDatabase;
let api: TestApi;
let loadMs: number;

beforeAll(async () => {
  db = await createTestDatabase();
  const started = Date.now();
  expect(await loadSampleOnce(db.dataSource, ROOT, { quiet: true })).toBe(true);
  loadMs = Date.now() - started;
  api = await startTestApi(db.dataSource);
}, 120_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const rows = (sql: string) => db.dataSource.query(sql);

test('the first start loads every part of the sample, once, in a few seconds', async () => {
  // Generous for a loaded CI machine; on a laptop it takes about two seconds.
  expect(loadMs).toBeLessThan(30_000);
  expect(await loadSampleOnce(db.dataSource, ROOT, { quiet: true })).toBe(false);
  const [{ films }] = await rows(`SELECT count(*)::int AS films FROM items WHERE tmdb_id IS NOT NULL`);
  // Upstream CRSLab ranks with topk(…, 50), the DistillRecDial fork over 100 entities.
  expect(films).toBeGreaterThanOrEqual(100);
  expect(await rows(`SELECT dataset, status, count(*)::int AS n FROM dialogues GROUP BY 1, 2 ORDER BY 1, 2`)).toEqual([
    { dataset: 'distillrecdial', status: 'ACCEPTED', n: 65 },
    { dataset: 'generated', status: 'ACCEPTED', n: 14 },
    { dataset: 'generated', status: 'REJECTED', n: 1 },
    { dataset: 'generated', status: 'SUPERSEDED', n: 2 },
    { dataset: 'inspired', status: 'ACCEPTED', n: 3 },
    { dataset: 'llm-redial', status: 'ACCEPTED', n: 4 },
    { dataset: 'pearl', status: 'ACCEPTED', n: 4 },
    { dataset: 'redial', status: 'ACCEPTED', n: 4 },
  ]);
  // Every reviewer is prepared, with a target and a full history, and all five stereotypes occur.
  const [prepared] = await rows(`SELECT count(*)::int AS users, count(DISTINCT stereotype_id)::int AS stereotypes, min(cardinality(history_item_ids))::int AS shortest
    FROM user_profiles WHERE strategy = 'STEREOTYPE'`);
  // A 5-core leaves every user at least 5 interactions: a target and a history of 4 or more.
  expect(prepared).toMatchObject({ users: 40, stereotypes: 5 });
  expect(prepared.shortest).toBeGreaterThanOrEqual(4);
  // The run's dialogues belong to prepared users.
  const [{ linked }] = await rows(`SELECT count(*)::int AS linked FROM dialogues d JOIN user_profiles p ON p.user_id = d.user_id AND p.strategy = 'STEREOTYPE'
    WHERE d.dataset = 'generated'`);
  expect(linked).toBe(17);
});

test('the stored run exports back byte for byte', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-sample-'));
  try {
    await writeCanonicalExport({ dataSource: db.dataSource, outDir: dir, filter: { dataset: 'generated', status: null } }, {});
    expect(fs.readFileSync(path.join(dir, 'canonical.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(SAMPLE_DIR, 'generated', 'canonical.jsonl'), 'utf8'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Where a result has no data: a null, an empty list, or a connection without nodes. */
function holes(value: unknown, at = 'data'): string[] {
  if (value === null || value === undefined) return [at];
  if (Array.isArray(value)) return value.length === 0 ? [at] : value.flatMap((v, i) => holes(v, `${at}[${i}]`));
  if (typeof value === 'object') return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => holes(v, `${at}.${k}`));
  return [];
}

describe("the README's queries return data on a fresh start", () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The sample dataset'), readme.indexOf('## Command line'));
  const blocks = [...section.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  const operations = blocks.flatMap((source) =>
    parse(source).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION).map((op) => ({ source, name: op.name!.value })),
  );

  test('the section lists the journeys', () => {
    expect(operations.map((o) => o.name)).toEqual(['UserJourney', 'UsersByStereotype', 'DialoguesByItem', 'Search', 'RegenerationHistory', 'Provenance', 'Runs', 'PeerDatasets']);
  });

  test.each(operations.map((o) => [o.name, o] as const))('%s', async (_name, op) => {
    const response = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: op.source, operationName: op.name }),
    });
    const res = (await response.json()) as { data: unknown; errors?: unknown };
    expect(res.errors).toBeUndefined();
    // Every field asked for has data: no null, no empty list.
    expect(holes(res.data)).toEqual([]);
  });

  test('the quick start query finds dialogues of a stereotype', async () => {
    const source = readme.slice(readme.indexOf('```graphql\n', readme.indexOf('## Quick start')) + 11);
    const res = await api.query(source.slice(0, source.indexOf('```')));
    expect(res.errors).toBeUndefined();
    expect(res.data.dialogues.edges.length).toBe(5);
  });

  test('the regeneration history links both ways and keeps the rejection reasons', async () => {
    const res = await api.query(`{ dialogues(first: 5, filter: { status: SUPERSEDED }) { nodes { id user { sourceId } rejectionReasons
      supersededBy { status version supersedes { id } user { sourceId } provenance { run { kind } } } } } }`);
    for (const d of res.data.dialogues.nodes) {
      expect(d.supersededBy).toMatchObject({ status: 'ACCEPTED', version: 2, supersedes: { id: d.id }, user: d.user, provenance: { run: { kind: 'REGENERATE' } } });
      expect(d.rejectionReasons.length).toBeGreaterThan(0);
    }
  });
});
