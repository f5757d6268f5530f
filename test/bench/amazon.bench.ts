/**
 * `npm run bench:amazon`: recdial's Amazon review import (`importAmazon`, in this process, so that
 * its memory can be sampled) against the floor of a plain COPY of the same rows, pre-rendered as a
 * COPY text file, into a table shaped like `amazon_reviews`, in one run.
 *
 *   node dist/test/bench/amazon.bench.js [--reviews 2000000] [--seed 42] [--out DIR] [--force] [--keep]
 *
 * The size also comes from the environment: BENCH_REVIEWS=2000000 (`--reviews` wins).
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrate';
import { AmazonImportSummary, importAmazon } from '../../src/ingest/amazon.load';
import { PgCluster, ROOT, ScratchDatabase, copyFile, createScratchDatabase, fmt, fmtInt, log, onInterrupt, runNode, startPostgres, table, withClient, writeJson } from './support';
import { DEFAULT_OUT } from './synthesize';
import { AMAZON_SYNTH_ARG_OPTIONS, AmazonSynthDataset, amazonSynthParamsFrom, cachedAmazonDataset } from './synthesize-amazon';

const MiB = 2 ** 20;
const SAMPLE_MS = 100;

interface MemoryPoint {
  label: string;
  bytesRead: number;
  rssMiB: number;
  heapUsedMiB: number;
}

function memoryPoint(label: string, bytesRead: number): MemoryPoint {
  const m = process.memoryUsage();
  return { label, bytesRead, rssMiB: m.rss / MiB, heapUsedMiB: m.heapUsed / MiB };
}

/** The dataset: synthesized in a child process, so that its memory does not count against the import's. */
async function dataset(values: { reviews?: string; seed?: string; out?: string; force?: boolean }): Promise<AmazonSynthDataset> {
  const params = amazonSynthParamsFrom(values);
  const outRoot = values.out ? path.resolve(values.out) : DEFAULT_OUT;
  if (!values.force) {
    const cached = cachedAmazonDataset(outRoot, params);
    if (cached) {
      log(`synthesize-amazon: reusing ${path.relative(ROOT, cached.dir)}`);
      return cached;
    }
  }
  const script = path.join(__dirname, 'synthesize-amazon.js');
  const args = [script, '--reviews', String(params.reviews), '--seed', String(params.seed), '--out', outRoot, '--force'];
  const run = await runNode(args, process.env, { echo: (line) => (line.startsWith('synthesize-amazon:') ? log(line) : undefined) });
  if (run.code !== 0) throw new Error(`synthesize-amazon failed:\n${run.output}`);
  const written = cachedAmazonDataset(outRoot, params);
  if (!written) throw new Error('synthesize-amazon wrote no complete dataset');
  return written;
}

interface ImportMeasure {
  seconds: number;
  summary: AmazonImportSummary;
  /** RSS and heap when 0, 25, 50, 75 and 100 % of the file had been read. */
  points: MemoryPoint[];
  peakRssMiB: number;
  peakHeapUsedMiB: number;
  /** Peak RSS of this process since it started (getrusage), a cross-check of the sampled peak. */
  maxRssMiB: number;
}

async function measureImport(url: string, ds: AmazonSynthDataset): Promise<ImportMeasure> {
  const dataSource = createDataSource({ url, poolSize: 2 });
  await dataSource.initialize();
  try {
    await migrate(dataSource);
    await dataSource.query('CHECKPOINT').catch(() => undefined);
    const size = ds.manifest.bytes[ds.manifest.files.reviews];
    const points: MemoryPoint[] = [memoryPoint('start', 0)];
    let peakRss = points[0].rssMiB;
    let peakHeap = points[0].heapUsedMiB;
    const sample = () => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss / MiB);
      peakHeap = Math.max(peakHeap, m.heapUsed / MiB);
    };
    const timer = setInterval(sample, SAMPLE_MS);
    let nextQuarter = 1;
    const started = process.hrtime.bigint();
    const summary = await importAmazon(
      dataSource,
      { reviews: ds.reviewsFile },
      {
        quiet: true,
        onProgress: ({ byteOffset }) => {
          if (nextQuarter <= 3 && byteOffset >= (size * nextQuarter) / 4) {
            points.push(memoryPoint(`${nextQuarter * 25} %`, byteOffset));
            nextQuarter++;
          }
        },
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(timer);
    sample();
    points.push(memoryPoint('100 % (committed)', size));
    return { seconds, summary, points, peakRssMiB: peakRss, peakHeapUsedMiB: peakHeap, maxRssMiB: process.resourceUsage().maxRSS / 1024 };
  } finally {
    await dataSource.destroy();
  }
}

/** A plain COPY of the pre-rendered rows into a logged table with amazon_reviews' columns, types, defaults and primary key. */
async function measureFloor(url: string, ds: AmazonSynthDataset): Promise<{ seconds: number; rows: number }> {
  return withClient(url, async (c) => {
    await c.query('CREATE TABLE floor_reviews (LIKE amazon_reviews INCLUDING ALL)');
    await c.query('CHECKPOINT').catch(() => undefined);
    const columns = ['domain', 'user_id', 'asin', 'parent_asin', 'rating', 'timestamp_ms', 'title', 'text', 'images', 'helpful_vote', 'verified_purchase', 'extra'];
    // Timed like the import: the transaction's commit included.
    const started = process.hrtime.bigint();
    await c.query('BEGIN');
    await copyFile(c, 'floor_reviews', columns, ds.floorFile);
    await c.query('COMMIT');
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rows = Number((await c.query('SELECT count(*)::bigint AS n FROM floor_reviews')).rows[0].n);
    return { seconds, rows };
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { ...AMAZON_SYNTH_ARG_OPTIONS, keep: { type: 'boolean' } }, strict: true });
  const ds = await dataset(values);
  const reviews = ds.manifest.params.reviews;
  const fileBytes = ds.manifest.bytes[ds.manifest.files.reviews];

  let cluster: PgCluster | null = null;
  let db: ScratchDatabase | null = null;
  const cleanup = async () => {
    if (!values.keep) await db?.drop().catch(() => undefined);
    await cluster?.stop();
  };
  onInterrupt(cleanup);
  try {
    cluster = await startPostgres();
    db = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_amazon');
    log(`import: importAmazon ${path.relative(ROOT, ds.reviewsFile)} (${fmt(fileBytes / MiB, 0)} MiB)`);
    const imported = await measureImport(db.url, ds);
    log(`import: ${fmt(imported.seconds)} s`);
    log('floor: COPY of the pre-rendered rows');
    const floor = await measureFloor(db.url, ds);
    log(`floor: ${fmt(floor.seconds)} s`);
    const stored = await withClient(db.url, async (c) => Number((await c.query('SELECT count(*)::bigint AS n FROM amazon_reviews')).rows[0].n));

    const importRate = stored / imported.seconds;
    const floorRate = floor.rows / floor.seconds;
    console.log('');
    console.log(
      `Amazon review import: ${fmtInt(reviews)} reviews, ${fmt(fileBytes / MiB, 0)} MiB of JSONL (seed ${ds.manifest.params.seed}); ` +
        `${os.cpus().length} CPUs, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${cluster.embedded ? 'embedded PostgreSQL' : 'PostgreSQL of DATABASE_URL'}`,
    );
    console.log(
      table(
        ['phase', 'rows', 's', 'rows/s', 'input MiB/s', 'vs floor'],
        [
          ['importAmazon (parse + one COPY into amazon_reviews)', fmtInt(stored), fmt(imported.seconds), fmtInt(importRate), fmt(fileBytes / MiB / imported.seconds, 1), `${fmt(imported.seconds / floor.seconds, 2)}x time`],
          ['floor: COPY of the same rows as COPY text (logged table, same columns and key)', fmtInt(floor.rows), fmt(floor.seconds), fmtInt(floorRate), fmt(ds.manifest.bytes[ds.manifest.files.floor] / MiB / floor.seconds, 1), '1.00x'],
        ],
      ),
    );
    console.log('');
    console.log('Memory of the importing process (flat in the file size: rows stream from the file into COPY):');
    console.log(
      table(
        ['point', 'read MiB', 'RSS MiB', 'heap used MiB'],
        imported.points.map((p) => [p.label, fmt(p.bytesRead / MiB, 0), fmt(p.rssMiB, 0), fmt(p.heapUsedMiB, 0)]),
      ),
    );
    console.log(
      `peak during the import (sampled every ${SAMPLE_MS} ms): RSS ${fmt(imported.peakRssMiB, 0)} MiB, heap used ${fmt(imported.peakHeapUsedMiB, 0)} MiB; ` +
        `process peak RSS (getrusage): ${fmt(imported.maxRssMiB, 0)} MiB`,
    );
    if (stored !== reviews || floor.rows !== reviews) console.log(`NOTE: rows stored (${stored}) or floor rows (${floor.rows}) differ from the ${reviews} synthesized`);

    const outFile = path.join(path.dirname(ds.dir), 'amazon.json');
    writeJson(outFile, {
      bench: 'amazon',
      date: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      memoryGiB: os.totalmem() / 2 ** 30,
      postgres: cluster.embedded ? 'embedded' : 'DATABASE_URL',
      dataset: { dir: path.relative(ROOT, ds.dir), params: ds.manifest.params, bytes: ds.manifest.bytes, counts: ds.manifest.counts },
      import: { seconds: imported.seconds, rows: stored, rowsPerSecond: importRate, summary: imported.summary, memory: imported.points, peakRssMiB: imported.peakRssMiB, peakHeapUsedMiB: imported.peakHeapUsedMiB, maxRssMiB: imported.maxRssMiB },
      floor: { seconds: floor.seconds, rows: floor.rows, rowsPerSecond: floorRate, table: 'logged, LIKE amazon_reviews INCLUDING ALL' },
      ratio: imported.seconds / floor.seconds,
    });
    console.log(`results written to ${path.relative(ROOT, outFile)}`);
    if (values.keep) log(`kept database ${db.url}`);
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
