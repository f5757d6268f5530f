import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse as parseYaml } from 'yaml';
import { registerExportCommands } from '../../../../src/cli/export';
import { loadConfig } from '../../../../src/config/config';
import { streamDialogues } from '../../../../src/dialogues/stream';
import { HF_COLUMNS } from '../../../../src/export/hf';
import { jsonlTurn } from '../../../../src/export/jsonl';
import { toGlobalId } from '../../../../src/pagination/global-id';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../support/api';
import { runCli } from '../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

const OPS = 'hf-operator-secret';
let db: TestDatabase;
let tmp: string;
let api: TestApi;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-hf-'));
  api = await startTestApi(db.dataSource, { ...loadConfig({}), apiKeys: `ops:operator:${OPS}`, exportsDir: path.join(tmp, 'exports') });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await db?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const cli = (args: string[]) => runCli(db.url, (p) => registerExportCommands(p.command('export')), ['export', ...args]);

/** Every file under a folder, relative path → bytes. */
function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

test('recdial export hf: Parquet read back by DuckDB equals the database row for row; the card parses; re-export is byte-identical', async () => {
  const out = path.join(tmp, 'hf');
  await cli(['hf', '--out', out, '--license', 'cc-by-4.0', '--title', 'DistillRecDial sample', '--quiet']);
  const files = tree(out);
  const parquet = [...files.keys()].filter((f) => f.endsWith('.parquet')).sort();
  expect(parquet).toEqual(['distillrecdial/test-00000-of-00001.parquet', 'distillrecdial/train-00000-of-00001.parquet', 'distillrecdial/validation-00000-of-00001.parquet']);

  // The database, as the export should have written it.
  const expected = new Map<number, Record<string, unknown>>();
  const bySplitStereotype = new Map<string, number>();
  for await (const d of streamDialogues(db.dataSource.manager, {})) {
    if (d.split === null) continue;
    expected.set(d.id, {
      id: toGlobalId('Dialogue', d.id),
      dialogue_id: d.id,
      dataset: d.dataset,
      domain: d.domain,
      source: d.source,
      split: d.split,
      scenario: d.stereotype,
      strategy: d.strategy,
      model: d.model,
      user_id: d.userSourceId,
      target: d.targetAsin,
      named_items: d.namedItemIds,
      num_turns: d.turns.length,
      messages: d.turns.map((t) => ({ role: t.role === 'USER' ? 'user' : 'assistant', content: t.text })),
      turns: d.turns.map(jsonlTurn),
      generation_run_id: d.generationRunId,
    });
    const key = `${d.split}|${d.stereotype}`;
    bySplitStereotype.set(key, (bySplitStereotype.get(key) ?? 0) + 1);
  }
  expect(expected.size).toBeGreaterThan(10);

  // An independent reader: DuckDB.
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const seen = new Set<number>();
  for (const file of parquet) {
    const split = file.includes('/train-') ? 'train' : file.includes('/validation-') ? 'valid' : 'test';
    const columns = HF_COLUMNS.map(([name, type]) => (type === 'JSON' ? `"${name}"::VARCHAR AS "${name}"` : `"${name}"`)).join(', ');
    const reader = await connection.runAndReadAll(`SELECT ${columns} FROM read_parquet('${path.join(out, file)}')`);
    const rows = reader.getRowObjectsJS();
    for (const row of rows) {
      const id = Number(row.dialogue_id);
      seen.add(id);
      const want = expected.get(id)!;
      expect(want).toBeDefined();
      expect(row.split).toBe(split);
      const got = { ...row, dialogue_id: Number(row.dialogue_id), num_turns: Number(row.num_turns), generation_run_id: row.generation_run_id === null ? null : Number(row.generation_run_id) } as Record<string, unknown>;
      for (const [name, type] of HF_COLUMNS) {
        if (type === 'JSON') expect(JSON.parse(String(got[name]))).toEqual(want[name]);
        else expect(got[name]).toEqual(want[name]);
      }
    }
  }
  expect(seen.size).toBe(expected.size);
  connection.closeSync();

  // The card: the Hub's YAML header, configs with data_files per split, counts per split × stereotype.
  const card = files.get('README.md')!.toString('utf8');
  const header = card.match(/^---\n([\s\S]*?)\n---\n/);
  expect(header).not.toBeNull();
  const meta = parseYaml(header![1]);
  expect(meta).toMatchObject({ license: 'cc-by-4.0', pretty_name: 'DistillRecDial sample', task_categories: ['text-generation'], size_categories: ['n<1K'] });
  expect(meta.configs).toEqual([
    {
      config_name: 'distillrecdial',
      default: true,
      data_files: [
        { split: 'train', path: 'distillrecdial/train-00000-of-00001.parquet' },
        { split: 'validation', path: 'distillrecdial/validation-00000-of-00001.parquet' },
        { split: 'test', path: 'distillrecdial/test-00000-of-00001.parquet' },
      ],
    },
  ]);
  for (const [key, n] of bySplitStereotype) {
    const [split, stereotype] = key.split('|');
    const line = card.split('\n').find((l) => l.startsWith(`| ${stereotype} |`))!;
    const cells = line.split('|').map((c) => c.trim());
    const column = ['train', 'valid', 'test'].indexOf(split);
    expect(Number(cells[2 + column])).toBe(n);
  }
  expect(card).toContain('## Provenance');

  // SHA256SUMS covers every Parquet file and the card.
  const sums = files.get('SHA256SUMS')!.toString('utf8').trim().split('\n').map((l) => l.split('  '));
  expect(sums.map(([, name]) => name).sort()).toEqual([...parquet, 'README.md'].sort());
  for (const [sha, name] of sums) expect(createHash('sha256').update(files.get(name)!).digest('hex')).toBe(sha);

  // Byte-identical on re-export.
  const again = path.join(tmp, 'hf-again');
  await cli(['hf', '--out', again, '--license', 'cc-by-4.0', '--title', 'DistillRecDial sample', '--quiet']);
  const second = tree(again);
  expect([...second.keys()].sort()).toEqual([...files.keys()].sort());
  for (const [name, bytes] of files) expect(second.get(name)!.equals(bytes)).toBe(true);
});

test('startExport(format: HF) writes the same files; a bad license is refused naming the argument', async () => {
  const res = await api.query(`mutation($input: ExportInput!) { startExport(input: $input) { id } }`, { input: { format: 'HF', license: 'cc-by-4.0', title: 'DistillRecDial sample', split: ['TEST'] } }, { token: OPS });
  expect(res.errors).toBeUndefined();
  const socket = openGraphQLSocket(api.wsUrl);
  let last: any;
  try {
    await socket.ready;
    const { results } = await socket.run(`subscription($id: ID!) { exportUpdated(id: $id) { status error files { name sha256 } } }`, { id: res.data.startExport.id });
    last = results[results.length - 1].data.exportUpdated;
  } finally {
    socket.close();
  }
  expect(last.status).toBe('COMPLETED');
  expect(last.files.map((f: any) => f.name)).toEqual(['distillrecdial/test-00000-of-00001.parquet', 'README.md', 'SHA256SUMS']);
  // The test split's Parquet is the CLI's byte for byte.
  const cliFile = fs.readFileSync(path.join(tmp, 'hf', 'distillrecdial/test-00000-of-00001.parquet'));
  expect(last.files[0].sha256).toBe(createHash('sha256').update(cliFile).digest('hex'));

  const bad = await api.query(`mutation { startExport(input: { format: HF, license: "Not A License!" }) { id } }`, {}, { token: OPS });
  expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.license' });
});

test('the card names the generation runs behind the exported dialogues: model, seed, prompt versions, config hash', async () => {
  const [run] = await db.dataSource.query(
    `INSERT INTO generation_runs (status, kind, role, strategy, model, endpoint, config, config_hash, requested)
     VALUES ('COMPLETED', 'GENERATE', 'TEACHER', 'STEREOTYPE', 'llama-3.3-70b', 'http://vllm:8000', $1, $2, 2) RETURNING id`,
    [JSON.stringify({ sampling: { seed: 1234 }, prompts: { system: { version: 3, sha256: 'x' }, stereotype: { version: 2, sha256: 'y' } } }), 'f'.repeat(64)],
  );
  const ids: number[] = (await db.dataSource.query(`SELECT id FROM dialogues WHERE split = 'test' ORDER BY id LIMIT 2`)).map((r: { id: number }) => r.id);
  await db.dataSource.query('UPDATE dialogues SET generation_run_id = $1 WHERE id = ANY($2)', [run.id, ids]);
  const out = path.join(tmp, 'hf-runs');
  await cli(['hf', '--out', out, '--split', 'test', '--quiet']);
  const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  expect(card).toContain(`| ${run.id} | TEACHER | STEREOTYPE | llama-3.3-70b | 1234 | stereotype v2, system v3 | \`${'f'.repeat(64)}\` |`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const rows = (await connection.runAndReadAll(`SELECT dialogue_id, generation_run_id FROM read_parquet('${path.join(out, 'distillrecdial/test-00000-of-00001.parquet')}') WHERE generation_run_id IS NOT NULL ORDER BY 1`)).getRowObjectsJS();
  expect(rows.map((r) => [Number(r.dialogue_id), Number(r.generation_run_id)])).toEqual(ids.map((id) => [id, run.id]));
  connection.closeSync();
});
