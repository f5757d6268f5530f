/**
 * `npm run bench:export`: a full-scale export (CRSLab by default) of a DistillRecDial-sized
 * dataset at 1× and 4× the dialogues — time, peak RSS and peak heap — against the floor of
 * reading the same rows with a plain COPY … TO STDOUT (pg-copy-streams) into a file, in one run.
 *
 *   node dist/test/bench/export.bench.js [--format crslab|canonical|jsonl|release] [--tokenize gpt2] [--flavor distillrecdial]
 *        [--factor 4] [--loader recdial|copy] [--scale 1] [--dialogues N] [--items N] [--seed 42] [--out DIR] [--force] [--keep]
 *
 * Each measurement runs in a fresh child process (this file with `--child`), so that one run's
 * memory never counts against another; the child samples its own `process.memoryUsage()` every
 * 20 ms (peaks) and, every 5 s, the heap right after a full collection (the live heap; the child
 * runs with --expose-gc).
 * The 4× database is a copy of the 1× one (CREATE DATABASE … TEMPLATE) with every dialogue, turn
 * and mention repeated three more times: the catalogue and knowledge graph stay the same, only the
 * dialogues grow — which is what an export streams.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrate';
import { planExport, writeExport } from '../../src/export/formats';
import {
  ChildRun,
  PgCluster,
  ROOT,
  ScratchDatabase,
  analyze,
  createScratchDatabase,
  fmt,
  fmtInt,
  importWithRecdial,
  loadWithCopy,
  log,
  onInterrupt,
  runNode,
  startPostgres,
  table,
  withClient,
  writeJson,
} from './support';
import { DEFAULT_OUT, SYNTH_ARG_OPTIONS, synthParamsFrom, synthesize } from './synthesize';

const MiB = 2 ** 20;
const SAMPLE_MS = 20;
const LIVE_MS = 5000;

interface ChildTask {
  kind: 'export' | 'floor';
  url: string;
  outDir: string;
  format: string;
  tokenize: string;
  flavor: string;
}

interface Measurement {
  seconds: number;
  peakRssMiB: number;
  peakHeapMiB: number;
  /** Heap in use right after a full collection, the most seen (sampled every LIVE_MS): what the export really holds. */
  peakLiveHeapMiB: number | null;
  startRssMiB: number;
  startHeapMiB: number;
  bytes: number;
  dialogues: number;
  rows: number;
}

// ---------------------------------------------------------------------------------------------
// Child: one measurement

/** The rows an export reads, each statement as the export phrases it, COPYed out to files. */
function floorStatements(format: string): Array<[string, string]> {
  const selected = `SELECT id FROM dialogues WHERE status = 'ACCEPTED'`;
  const statements: Array<[string, string]> = [
    [
      'dialogues',
      `SELECT d.id, d.dataset, d.domain, d.source, d.status, d.split, d.strategy, d.model, s.key, d.user_id, u.source_id, d.target_item_id,
              coalesce(i.asin, d.target_raw_id), d.named_item_ids, d.generation_run_id, d.rejection_reasons
         FROM dialogues d LEFT JOIN stereotypes s ON s.id = d.stereotype_id LEFT JOIN users u ON u.id = d.user_id
         LEFT JOIN items i ON i.id = d.target_item_id WHERE d.status = 'ACCEPTED' ORDER BY d.id`,
    ],
    ['turns', `SELECT t.id, t.dialogue_id, t.idx, t.role, t.text, t.raw_text FROM turns t WHERE t.dialogue_id IN (${selected}) ORDER BY t.dialogue_id, t.idx`],
    [
      'mentions',
      `SELECT m.turn_id, m.item_id, i.asin, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
         FROM turn_mentions m LEFT JOIN items i ON i.id = m.item_id WHERE m.dialogue_id IN (${selected}) ORDER BY m.turn_id, m.start_offset, m.id`,
    ],
  ];
  // CRSLab also reads the catalogue and its knowledge graph (entity names, movie_ids, dbpedia_subkg).
  if (format === 'crslab') {
    statements.push(
      ['items', `SELECT id, asin, title, cleaned_title FROM items ORDER BY asin`],
      ['kg', `SELECT l.item_id, l.relation, e.key, e.name FROM item_entities l JOIN kg_entities e ON e.id = l.entity_id ORDER BY l.item_id`],
    );
  }
  return statements;
}

async function copyFloor(task: ChildTask): Promise<{ bytes: number; rows: number; dialogues: number }> {
  const client = new Client({ connectionString: task.url });
  await client.connect();
  let bytes = 0;
  let rows = 0;
  let dialogues = 0;
  try {
    for (const [name, sql] of floorStatements(task.format)) {
      const file = path.join(task.outDir, `${name}.tsv`);
      const source = client.query(copyTo(`COPY (${sql}) TO STDOUT`));
      await pipeline(source, fs.createWriteStream(file));
      bytes += fs.statSync(file).size;
      const n = Number((source as unknown as { rowCount: number }).rowCount ?? 0);
      rows += n;
      if (name === 'dialogues') dialogues = n;
    }
  } finally {
    await client.end();
  }
  return { bytes, rows, dialogues };
}

async function child(task: ChildTask): Promise<void> {
  const start = process.memoryUsage();
  let peakRss = start.rss;
  let peakHeap = start.heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, SAMPLE_MS);
  // The child runs with --expose-gc: a full collection now and then shows the live heap, which
  // the peak of heapUsed (garbage included) only bounds from above.
  const gc = (globalThis as { gc?: () => void }).gc;
  let peakLive: number | null = null;
  const live = setInterval(() => {
    gc?.();
    peakLive = Math.max(peakLive ?? 0, process.memoryUsage().heapUsed);
  }, LIVE_MS);
  const started = process.hrtime.bigint();
  let result: { bytes: number; rows: number; dialogues: number };
  fs.mkdirSync(task.outDir, { recursive: true });
  if (task.kind === 'floor') {
    result = await copyFloor(task);
  } else {
    const dataSource = createDataSource({ url: task.url, poolSize: 2 });
    await dataSource.initialize();
    try {
      const request = task.format === 'crslab' ? { format: task.format, tokenize: task.tokenize, flavor: task.flavor } : { format: task.format };
      const planned = await planExport(dataSource.manager, request, '');
      const report = await writeExport(planned, { dataSource, outDir: task.outDir });
      const bytes = report.files.reduce((n, f) => n + f.bytes, 0);
      const dialogues = Object.entries(report.counts)
        .filter(([k]) => (task.format === 'crslab' ? /^(train|valid|test)$/.test(k) : task.format === 'release' ? k.endsWith('.jsonl') : k === 'dialogues'))
        .reduce((n, [, v]) => n + v, 0);
      result = { bytes, rows: dialogues, dialogues };
    } finally {
      await dataSource.destroy();
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sampler);
  clearInterval(live);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  const measurement: Measurement = {
    seconds,
    peakRssMiB: peakRss / MiB,
    peakHeapMiB: peakHeap / MiB,
    peakLiveHeapMiB: peakLive === null ? null : peakLive / MiB,
    startRssMiB: start.rss / MiB,
    startHeapMiB: start.heapUsed / MiB,
    ...result,
  };
  console.log(`RESULT ${JSON.stringify(measurement)}`);
}

// ---------------------------------------------------------------------------------------------
// Parent

async function measure(task: ChildTask): Promise<Measurement & { maxRssKb: number | null }> {
  fs.rmSync(task.outDir, { recursive: true, force: true });
  const run: ChildRun = await runNode(['--expose-gc', __filename, '--child', JSON.stringify(task)], { ...process.env, NODE_ENV: 'production' }, { timeoutMs: 60 * 60_000 });
  const line = run.output.split('\n').find((l) => l.startsWith('RESULT '));
  if (run.code !== 0 || !line) throw new Error(`${task.kind} run exited with ${run.code}:\n${run.output.split('\n').slice(-30).join('\n')}`);
  fs.rmSync(task.outDir, { recursive: true, force: true });
  return { ...(JSON.parse(line.slice('RESULT '.length)) as Measurement), maxRssKb: run.maxRssKb };
}

/** Repeats every dialogue (with its turns and mentions) `factor - 1` more times, column by column as stored. */
async function multiplyDialogues(url: string, factor: number): Promise<void> {
  await withClient(url, async (c) => {
    // The full-text index is for search, which exports never use; rebuilding it would dominate the copy.
    await c.query('DROP INDEX IF EXISTS turns_text_fts_idx');
    // Copies of the dialogues that were there before the first copy.
    const { rows } = await c.query<{ max: number }>('SELECT max(id)::int AS max FROM dialogues');
    for (let k = 1; k < factor; k++) {
      await c.query('BEGIN');
      await c.query(
        `CREATE TEMP TABLE dmap ON COMMIT DROP AS
         SELECT id AS old, nextval(pg_get_serial_sequence('dialogues', 'id'))::int AS new FROM (SELECT id FROM dialogues WHERE id <= $1 ORDER BY id) o`,
        [rows[0].max],
      );
      await c.query(`CREATE TEMP TABLE tmap ON COMMIT DROP AS SELECT t.id AS old, nextval(pg_get_serial_sequence('turns', 'id'))::int AS new, m.new AS dialogue FROM turns t JOIN dmap m ON m.old = t.dialogue_id ORDER BY t.id`);
      await c.query(
        `INSERT INTO dialogues SELECT (jsonb_populate_record(NULL::dialogues, to_jsonb(d) || jsonb_build_object('id', m.new, 'import_key', d.import_key || ':copy${k}'))).*
           FROM dialogues d JOIN dmap m ON m.old = d.id ORDER BY m.new`,
      );
      await c.query(
        `INSERT INTO turns SELECT (jsonb_populate_record(NULL::turns, to_jsonb(t) || jsonb_build_object('id', m.new, 'dialogue_id', m.dialogue))).*
           FROM turns t JOIN tmap m ON m.old = t.id ORDER BY m.new`,
      );
      await c.query(
        `INSERT INTO turn_mentions
         SELECT (jsonb_populate_record(NULL::turn_mentions, to_jsonb(x) || jsonb_build_object('id', nextval(pg_get_serial_sequence('turn_mentions', 'id')), 'turn_id', m.new, 'dialogue_id', m.dialogue))).*
           FROM turn_mentions x JOIN tmap m ON m.old = x.turn_id ORDER BY x.id`,
      );
      await c.query('COMMIT');
    }
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      ...SYNTH_ARG_OPTIONS,
      child: { type: 'string' },
      format: { type: 'string', default: 'crslab' },
      tokenize: { type: 'string', default: 'gpt2' },
      flavor: { type: 'string', default: 'distillrecdial' },
      factor: { type: 'string', default: '4' },
      loader: { type: 'string', default: 'recdial' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.child) return child(JSON.parse(values.child) as ChildTask);

  const format = values.format!.toLowerCase();
  if (!['crslab', 'canonical', 'jsonl', 'release'].includes(format)) throw new Error(`--format must be crslab, canonical, jsonl or release, got "${values.format}"`);
  const factor = Number(values.factor);
  if (!Number.isInteger(factor) || factor < 2) throw new Error(`--factor must be an integer ≥ 2, got "${values.factor}"`);
  if (!['recdial', 'copy'].includes(values.loader!)) throw new Error(`--loader must be recdial or copy, got "${values.loader}"`);

  const params = synthParamsFrom(values);
  const outRoot = values.out ? path.resolve(values.out) : DEFAULT_OUT;
  const ds = await synthesize(params, { outRoot, force: values.force, log });

  const scratch: ScratchDatabase[] = [];
  let cluster: PgCluster | null = null;
  const cleanup = async () => {
    if (!values.keep) for (const db of scratch) await db.drop().catch(() => undefined);
    await cluster?.stop();
  };
  onInterrupt(cleanup);
  try {
    cluster = await startPostgres(log);
    const one = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_export');
    scratch.push(one);
    if (values.loader === 'copy') {
      const dataSource = createDataSource({ url: one.url, poolSize: 2 });
      await dataSource.initialize();
      await migrate(dataSource);
      await dataSource.destroy();
      log('loading the synthesized rows with COPY (no knowledge graph)');
      await loadWithCopy(one.url, ds);
    } else {
      await importWithRecdial(one.url, ds, log);
    }
    await analyze(one.url);

    const name = `recdial_bench_export_x${factor}_${Date.now().toString(36)}`;
    await withClient(cluster.adminUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${one.name}`));
    const multiplied: ScratchDatabase = {
      name,
      url: Object.assign(new URL(one.url), { pathname: `/${name}` }).toString(),
      drop: () => withClient(cluster!.adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
    };
    scratch.push(multiplied);
    log(`repeating every dialogue ${factor - 1} more times in ${name}`);
    await multiplyDialogues(multiplied.url, factor);
    await analyze(multiplied.url);

    const runs: Array<{ label: string; scale: string; kind: 'export' | 'floor'; m: Measurement & { maxRssKb: number | null } }> = [];
    for (const [scale, db] of [['1×', one], [`${factor}×`, multiplied]] as const) {
      for (const kind of ['export', 'floor'] as const) {
        const label = kind === 'export' ? `recdial export ${format}${format === 'crslab' ? ` (${values.flavor}, ${values.tokenize})` : ''}` : 'floor: COPY of the same rows';
        log(`${scale}: ${label}`);
        const m = await measure({ kind, url: db.url, outDir: path.join(outRoot, `export-bench-${kind}`), format, tokenize: values.tokenize!, flavor: values.flavor! });
        log(`  ${fmt(m.seconds)} s, ${fmtInt(m.dialogues)} dialogues, peak RSS ${fmt(m.peakRssMiB, 0)} MiB, peak heap ${fmt(m.peakHeapMiB, 0)} MiB, live ${fmt(m.peakLiveHeapMiB, 0)} MiB`);
        runs.push({ label, scale, kind, m });
      }
    }

    const rows = runs.map(({ label, scale, m }) => [
      label,
      scale,
      fmtInt(m.dialogues),
      fmt(m.seconds),
      fmtInt(m.dialogues / m.seconds),
      fmt(m.bytes / MiB, 1),
      fmt(m.peakRssMiB, 0),
      fmt(m.peakHeapMiB, 0),
      fmt(m.peakLiveHeapMiB, 0),
    ]);
    console.log('');
    console.log(table(['run', 'data', 'dialogues', 's', 'dialogues/s', 'output MiB', 'peak RSS MiB', 'peak heap MiB', 'peak live heap MiB'], rows, 2));
    const get = (kind: 'export' | 'floor', scale: string) => runs.find((r) => r.kind === kind && r.scale === scale)!.m;
    const big = `${factor}×`;
    console.log('');
    console.log(
      table(
        ['ratio', `${big} / 1× time`, `${big} / 1× peak RSS`, `${big} / 1× peak heap`, `${big} / 1× peak live heap`, 'export / floor time (1×)', `export / floor time (${big})`],
        [
          [
            format,
            fmt(get('export', big).seconds / get('export', '1×').seconds),
            fmt(get('export', big).peakRssMiB / get('export', '1×').peakRssMiB),
            fmt(get('export', big).peakHeapMiB / get('export', '1×').peakHeapMiB),
            fmt((get('export', big).peakLiveHeapMiB ?? NaN) / (get('export', '1×').peakLiveHeapMiB ?? NaN)),
            fmt(get('export', '1×').seconds / get('floor', '1×').seconds, 1),
            fmt(get('export', big).seconds / get('floor', big).seconds, 1),
          ],
        ],
      ),
    );
    writeJson(path.join(outRoot, 'export.json'), { params, format, tokenize: values.tokenize, flavor: values.flavor, factor, loader: values.loader, runs });
    log(`wrote ${path.relative(ROOT, path.join(outRoot, 'export.json'))}`);
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
