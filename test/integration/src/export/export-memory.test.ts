/**
 * Streaming against memory growth (issue 6 item 7): exporting 4× the dialogues must not need
 * more memory than exporting 1× of them, give or take one batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { writeCanonicalExport } from '../../../../src/export/canonical';
import { DEFAULT_HF_OPTIONS, writeHfExport } from '../../../../src/export/hf';
import { writeJsonlExport } from '../../../../src/export/jsonl';
import type { ExportWriter } from '../../../../src/export/types';
import { createTestDatabase, TestDatabase } from '../../../support/db';

const N = 3_000;
const TURNS = 10;
const MiB = 1024 * 1024;
/** What a streaming writer may use on top at 4N compared with N: a batch and some noise. */
const MARGIN = 24 * MiB;

let db: TestDatabase;
let tmp: string;

/** A full collection when the process can have one (jest cannot pass --expose-gc; V8 lets us switch it on). */
function collector(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return null;
  }
}
const gc = collector();

/** Synthetic dialogues in SQL: `count` of them in `dataset`, ten 400-character turns each with one mention. */
async function seed(dataset: string, count: number): Promise<void> {
  await db.dataSource.query(
    `INSERT INTO dialogues (dataset, source, split, named_item_ids, target_raw_id, provenance)
     SELECT $1, 'TEACHER', (ARRAY['train','valid','test'])[1 + g % 3], ARRAY['B0MEM' || lpad(g::text, 5, '0')], 'B0MEM' || lpad(g::text, 5, '0'),
            jsonb_build_object('model', 'teacher', 'rawResponse', repeat('[USR]: hello there ', 20))
       FROM generate_series(1, $2) g`,
    [dataset, count],
  );
  await db.dataSource.query(
    `INSERT INTO turns (dialogue_id, idx, role, text)
     SELECT d.id, t, CASE WHEN t % 2 = 0 THEN 'USER' ELSE 'ASSISTANT' END,
            'Paddington 2 ' || repeat('is a warm and funny film about a bear in London; ', 8) || d.id || ':' || t
       FROM dialogues d, generate_series(0, ${TURNS - 1}) t WHERE d.dataset = $1`,
    [dataset],
  );
  await db.dataSource.query(
    `INSERT INTO turn_mentions (turn_id, dialogue_id, raw_id, start_offset, end_offset, is_recommendation, is_first_mention)
     SELECT t.id, t.dialogue_id, 'B0FAKE0003', 0, 12, t.role = 'ASSISTANT', t.idx = 0
       FROM turns t JOIN dialogues d ON d.id = t.dialogue_id WHERE d.dataset = $1`,
    [dataset],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seed('mem-1x', N);
  await seed('mem-4x', 4 * N);
  await db.dataSource.query('ANALYZE');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-export-memory-'));
}, 180_000);

afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await db?.drop();
});

/**
 * Runs an export and returns the most heap it held above its starting point: with a collector,
 * the live heap after a full collection every 500 dialogues; without one, the peak heapUsed.
 */
async function heapGrowth(writer: ExportWriter<object>, dataset: string, name: string, options: object = {}): Promise<{ growth: number; bytes: number; dialogues: number }> {
  const outDir = path.join(tmp, name);
  fs.mkdirSync(outDir);
  gc?.();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sample = () => {
    gc?.();
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  };
  const timer = gc ? null : setInterval(sample, 5);
  let next = 500;
  try {
    const report = await writer(
      {
        dataSource: db.dataSource,
        outDir,
        filter: { dataset },
        onProgress: (done) => {
          if (done >= next) {
            next += 500;
            sample();
          }
        },
      },
      options,
    );
    sample();
    const rows = (report.details?.rows as number | undefined) ?? report.counts.dialogues;
    return { growth: peak - base, bytes: report.files.reduce((n, f) => n + f.bytes, 0), dialogues: rows };
  } finally {
    if (timer) clearInterval(timer);
  }
}

test.each([
  ['jsonl', writeJsonlExport],
  ['canonical', writeCanonicalExport],
])('the %s export holds as much memory for 4N dialogues as for N', async (name, writer) => {
  const one = await heapGrowth(writer as ExportWriter<object>, 'mem-1x', `${name}-1x`);
  const four = await heapGrowth(writer as ExportWriter<object>, 'mem-4x', `${name}-4x`);
  expect(one.dialogues).toBe(N);
  expect(four.dialogues).toBe(4 * N);
  // The test can tell: holding the 4N export's output alone would exceed the margin several times over.
  expect(four.bytes).toBeGreaterThan(2 * MARGIN);
  expect(four.bytes).toBeGreaterThan(3.5 * one.bytes);
  expect(four.growth).toBeLessThan(one.growth + MARGIN);
}, 180_000);

test('the Hugging Face export (Parquet row groups) holds as much memory for 4N dialogues as for N', async () => {
  const writer = writeHfExport as unknown as ExportWriter<object>;
  const one = await heapGrowth(writer, 'mem-1x', 'hf-1x', { ...DEFAULT_HF_OPTIONS });
  const four = await heapGrowth(writer, 'mem-4x', 'hf-4x', { ...DEFAULT_HF_OPTIONS });
  expect(one.dialogues).toBe(N);
  expect(four.dialogues).toBe(4 * N);
  // Holding the 4N rows would not fit the margin: 12,000 dialogues × 10 turns × ≈450 characters
  // is ≈54 MB of text before JSON; Parquet compresses it, so the files are no measure here.
  expect(four.bytes).toBeGreaterThan(3 * one.bytes);
  expect(four.growth).toBeLessThan(one.growth + MARGIN);
}, 180_000);
