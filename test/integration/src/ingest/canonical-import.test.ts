import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeCanonicalExport } from '../../../../src/export/canonical';
import { importCanonical } from '../../../../src/ingest/canonical.load';
import { ImportFailed } from '../../../../src/ingest/import-run';
import { loadSample } from '../../../../src/ingest/sample';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { ROOT } from '../../../support/sample';

let full: TestDatabase;
let empty: TestDatabase;
let tmp: string;

/** Every dialogue of every status, as `recdial export canonical --status all` writes them. */
async function exportAll(db: TestDatabase, name: string): Promise<Buffer> {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir);
  await writeCanonicalExport({ dataSource: db.dataSource, outDir: dir, filter: { status: null } }, {});
  return fs.readFileSync(path.join(dir, 'canonical.jsonl'));
}

const count = async (db: TestDatabase, sql: string) => (await db.dataSource.query(sql))[0].n as number;

beforeAll(async () => {
  [full, empty] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  await loadSample(full.dataSource, ROOT, { quiet: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-canonical-'));
}, 180_000);

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await Promise.all([full?.drop(), empty?.drop()]);
});

describe('export canonical → import into an empty database → export again', () => {
  let first: Buffer;

  beforeAll(async () => {
    first = await exportAll(full, 'first');
  });

  test('gives identical files, with every status, run, supersedes link and provenance carried', async () => {
    const summary = await importCanonical(empty.dataSource, [path.join(tmp, 'first')], { quiet: true });
    const dialogues = await count(full, 'SELECT count(*)::int AS n FROM dialogues');
    expect(summary).toMatchObject({ read: dialogues, inserted: dialogues, alreadyPresent: 0, runsRead: 2, runsInserted: 2, supersedesMissing: 0, runsMissing: 0 });
    const again = await exportAll(empty, 'second');
    expect(again.toString('utf8')).toBe(first.toString('utf8'));
    expect(again.equals(first)).toBe(true);

    // The same rows the API serves: statuses, versions and links, runs and provenance, users.
    const shape = (db: TestDatabase) =>
      db.dataSource.query(`SELECT d.id, d.status, d.version, d.supersedes_id, d.generation_run_id, d.provenance->>'runId' AS run, u.source_id, r.kind, r.config_hash
                             FROM dialogues d LEFT JOIN users u ON u.id = d.user_id LEFT JOIN generation_runs r ON r.id = d.generation_run_id ORDER BY d.id`);
    expect(await shape(empty)).toEqual(await shape(full));
    const statuses = await empty.dataSource.query(`SELECT status, count(*)::int AS n FROM dialogues WHERE dataset = 'generated' GROUP BY 1 ORDER BY 1`);
    expect(statuses).toEqual([{ status: 'ACCEPTED', n: 14 }, { status: 'REJECTED', n: 1 }, { status: 'SUPERSEDED', n: 2 }]);
    // A mention's catalogue item exists as a bare item in the empty database, so the link survives.
    expect(await count(empty, `SELECT count(*)::int AS n FROM turn_mentions WHERE item_id IS NULL`)).toBe(await count(full, `SELECT count(*)::int AS n FROM turn_mentions WHERE item_id IS NULL`));
  });

  test('is idempotent: importing the file again, or into the database it came from, adds nothing', async () => {
    const twice = await importCanonical(empty.dataSource, [path.join(tmp, 'first', 'canonical.jsonl')], { quiet: true });
    expect(twice).toMatchObject({ inserted: 0, runsInserted: 0, usersCreated: 0, itemsCreated: 0 });
    expect(twice.alreadyPresent).toBe(twice.read);
    const home = await importCanonical(full.dataSource, [path.join(tmp, 'first')], { quiet: true });
    expect(home).toMatchObject({ inserted: 0, runsInserted: 0, usersCreated: 0, itemsCreated: 0 });
    expect((await exportAll(empty, 'third')).equals(first)).toBe(true);
  });
});

test('a database reading back its own export of dialogues it generated (no import key, microsecond times) adds nothing', async () => {
  const own = await createTestDatabase();
  try {
    await loadSample(own.dataSource, ROOT, { quiet: true });
    // What a run here leaves: no import key, creation times with microseconds.
    await own.dataSource.query(`UPDATE dialogues SET import_key = NULL, created_at = created_at + interval '0.000456 seconds' WHERE dataset = 'generated'`);
    await own.dataSource.query(`UPDATE generation_runs SET created_at = created_at + interval '0.000456 seconds'`);
    const dir = path.join(tmp, 'own');
    fs.mkdirSync(dir);
    await writeCanonicalExport({ dataSource: own.dataSource, outDir: dir, filter: { dataset: 'generated', status: null } }, {});
    const summary = await importCanonical(own.dataSource, [dir], { quiet: true });
    expect(summary).toMatchObject({ read: 17, inserted: 0, alreadyPresent: 17, runsRead: 2, runsInserted: 0 });
    expect(await count(own, 'SELECT count(*)::int AS n FROM generation_runs')).toBe(2);
  } finally {
    await own.drop();
  }
}, 120_000);

test('into a database that already uses the ids, dialogues get new ids and their links and provenance follow', async () => {
  const other = await createTestDatabase();
  try {
    // The sample, with its run's dialogues and runs turned into others: every id the file names is taken.
    await loadSample(other.dataSource, ROOT, { quiet: true });
    await other.dataSource.query(`UPDATE dialogues SET dataset = 'taken', import_key = 'taken:' || id WHERE dataset = 'generated'`);
    await other.dataSource.query(`UPDATE generation_runs SET config_hash = 'taken:' || id`);
    const [{ max }] = await other.dataSource.query('SELECT max(id) AS max FROM dialogues');
    const summary = await importCanonical(other.dataSource, [path.join(ROOT, 'src', 'sample', 'generated')], { quiet: true });
    expect(summary).toMatchObject({ inserted: 17, runsInserted: 2 });
    const rows: Array<{ id: number; status: string; supersedes: number | null; old_status: string | null; run: number; prov_run: string; kind: string }> = await other.dataSource.query(
      `SELECT d.id, d.status, d.supersedes_id AS supersedes, o.status AS old_status, d.generation_run_id AS run, d.provenance->>'runId' AS prov_run, r.kind
         FROM dialogues d JOIN generation_runs r ON r.id = d.generation_run_id LEFT JOIN dialogues o ON o.id = d.supersedes_id
        WHERE d.dataset = 'generated' ORDER BY d.id`,
    );
    expect(rows).toHaveLength(17);
    expect(Math.min(...rows.map((r) => r.id))).toBeGreaterThan(max);
    expect(Math.min(...rows.map((r) => r.run))).toBeGreaterThan(2);
    for (const r of rows) expect(Number(r.prov_run)).toBe(r.run);
    const regenerated = rows.filter((r) => r.supersedes !== null);
    expect(regenerated).toHaveLength(2);
    for (const r of regenerated) expect(r).toMatchObject({ status: 'ACCEPTED', old_status: 'SUPERSEDED', kind: 'REGENERATE' });
  } finally {
    await other.drop();
  }
}, 120_000);

test('a bad line aborts the import with file:line: field: problem, and nothing is written', async () => {
  const db = await createTestDatabase();
  try {
    const lines = fs.readFileSync(path.join(ROOT, 'src', 'sample', 'generated', 'canonical.jsonl'), 'utf8').split('\n');
    const bad = JSON.parse(lines[4]);
    bad.turns[1].mentions = [{ item_id: 'B0FAKE0001', raw_id: 'B0FAKE0001', start: 0, end: 100000, is_recommendation: true, is_first_mention: true }];
    lines[4] = JSON.stringify(bad);
    const file = path.join(tmp, 'bad.jsonl');
    fs.writeFileSync(file, lines.join('\n'));
    const error = await importCanonical(db.dataSource, [file], { quiet: true }).catch((e) => e);
    expect(error).toBeInstanceOf(ImportFailed);
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:5: turns\\[1\\]\\.mentions\\[0\\]\\.end: span \\[0, 100000\\) is not inside the turn's text`));
    expect(error.message).toMatch(/nothing was imported$/);
    expect(await count(db, 'SELECT count(*)::int AS n FROM dialogues')).toBe(0);
    expect(await count(db, 'SELECT count(*)::int AS n FROM generation_runs')).toBe(0);

    fs.writeFileSync(file, `${lines[0]}\n{"id": "RGlhbG9ndWU6MQ", "dataset": "x", "domain": "d", "source": "IMPORTED", "status": "DRAFT"}\n`);
    const status = await importCanonical(db.dataSource, [file], { quiet: true }).catch((e) => e);
    expect(status.message).toContain(`${file}:2: status: unknown value "DRAFT"; expected one of ACCEPTED, REJECTED, SUPERSEDED`);
  } finally {
    await db.drop();
  }
});
