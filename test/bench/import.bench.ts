/**
 * `npm run bench:import`: recdial's import of a DistillRecDial-sized release against the floor of
 * a plain COPY of the same rows into plain tables (no keys, indexes or constraints), in one run.
 *
 *   node dist/test/bench/import.bench.js [--scale 1] [--dialogues N] [--items N] [--seed 42]
 *        [--out DIR] [--force] [--floor-only] [--keep]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLI,
  ChildRun,
  FLOOR_COLUMNS,
  FLOOR_DDL,
  FLOOR_TABLES,
  FLOOR_TABLE_NAMES,
  FloorTable,
  PgCluster,
  ROOT,
  ScratchDatabase,
  TableCounts,
  copyFile,
  countRows,
  createScratchDatabase,
  fmt,
  fmtInt,
  importWithRecdial,
  log,
  onInterrupt,
  recdialCliExists,
  recdialEnv,
  runNode,
  startPostgres,
  table,
  withClient,
  writeJson,
} from './support';
import { DEFAULT_OUT, SYNTH_ARG_OPTIONS, synthParamsFrom, synthesize } from './synthesize';

interface FloorResult {
  seconds: Record<FloorTable, number>;
  counts: TableCounts;
}

async function runFloor(url: string, ds: Awaited<ReturnType<typeof synthesize>>): Promise<FloorResult> {
  return withClient(url, async (c) => {
    for (const ddl of FLOOR_DDL) await c.query(ddl);
    const seconds = {} as Record<FloorTable, number>;
    for (const t of FLOOR_TABLES) {
      seconds[t] = await copyFile(c, FLOOR_TABLE_NAMES[t], FLOOR_COLUMNS[t], ds.floorFile(t));
      log(`floor: COPY ${FLOOR_TABLE_NAMES[t]} ${fmt(seconds[t], 3)} s`);
    }
    return { seconds, counts: await countRows(url) };
  });
}

function rss(run: ChildRun | undefined): string {
  return run?.maxRssKb ? `${fmt(run.maxRssKb / 1024, 0)} MiB` : 'n/a';
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { ...SYNTH_ARG_OPTIONS, 'floor-only': { type: 'boolean' }, keep: { type: 'boolean' } },
    strict: true,
  });
  const params = synthParamsFrom(values);
  const outRoot = values.out ? path.resolve(values.out) : DEFAULT_OUT;
  const ds = await synthesize(params, { outRoot, force: values.force, log });
  const synthCounts = ds.manifest.counts;
  const withRecdial = !values['floor-only'];
  if (withRecdial && !recdialCliExists()) throw new Error('dist/src/cli.js does not exist: run `npm run build` (or pass --floor-only)');

  const scratch: ScratchDatabase[] = [];
  let cluster: PgCluster | null = null;
  const cleanup = async () => {
    if (!values.keep) for (const db of scratch) await db.drop().catch(() => undefined);
    await cluster?.stop();
  };
  onInterrupt(cleanup);
  try {
    cluster = await startPostgres();

    // The floor first: a plain COPY of the synthesized rows.
    const floorDb = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_floor');
    scratch.push(floorDb);
    const floor = await runFloor(floorDb.url, ds);

    // recdial's own import through its command line.
    let recdial: { migrate: ChildRun; tmdb: ChildRun; dialogues: ChildRun; counts: TableCounts } | null = null;
    let startup: number | null = null;
    if (withRecdial) {
      const db = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_import');
      scratch.push(db);
      const runs = await importWithRecdial(db.url, ds, log);
      recdial = { ...runs, counts: await countRows(db.url) };
      // What every recdial phase pays before reading a byte: starting node and loading the CLI.
      startup = (await runNode([CLI, '--help'], recdialEnv(db.url))).seconds;
      if (values.keep) log(`kept database ${db.url}`);
    }

    const f = floor.seconds;
    const dialogueRows = (c: TableCounts) => c.dialogues + c.turns + c.mentions;
    const floorDialogueSeconds = f.dialogues + f.turns + f.mentions;
    const floorTotal = f.items + floorDialogueSeconds;
    const recTotal = recdial ? recdial.tmdb.seconds + recdial.dialogues.seconds : null;
    const ratio = (a: number | null | undefined, b: number) => (a == null ? 'n/a' : `${fmt(a / b, 1)}x`);
    const perSecond = (rows: number, s: number | null | undefined) => (s ? fmtInt(rows / s) : 'n/a');
    const rc = recdial?.counts;

    const rows: Array<Array<string | number>> = [
      ['items (import tmdb)', fmtInt(floor.counts.items), rc ? fmtInt(rc.items) : 'n/a', fmt(recdial?.tmdb.seconds), perSecond(rc?.items ?? 0, recdial?.tmdb.seconds), fmt(f.items), perSecond(floor.counts.items, f.items), ratio(recdial?.tmdb.seconds, f.items)],
      [
        'dialogues+turns+mentions (import distillrecdial)',
        fmtInt(dialogueRows(floor.counts)),
        rc ? fmtInt(dialogueRows(rc)) : 'n/a',
        fmt(recdial?.dialogues.seconds),
        perSecond(rc ? dialogueRows(rc) : 0, recdial?.dialogues.seconds),
        fmt(floorDialogueSeconds),
        perSecond(dialogueRows(floor.counts), floorDialogueSeconds),
        ratio(recdial?.dialogues.seconds, floorDialogueSeconds),
      ],
      ['  dialogues', fmtInt(floor.counts.dialogues), rc ? fmtInt(rc.dialogues) : 'n/a', '', '', fmt(f.dialogues), perSecond(floor.counts.dialogues, f.dialogues), ''],
      ['  turns', fmtInt(floor.counts.turns), rc ? fmtInt(rc.turns) : 'n/a', '', '', fmt(f.turns), perSecond(floor.counts.turns, f.turns), ''],
      ['  mentions', fmtInt(floor.counts.mentions), rc ? fmtInt(rc.mentions) : 'n/a', '', '', fmt(f.mentions), perSecond(floor.counts.mentions, f.mentions), ''],
      [
        'total',
        fmtInt(floor.counts.items + dialogueRows(floor.counts)),
        rc ? fmtInt(rc.items + dialogueRows(rc)) : 'n/a',
        fmt(recTotal),
        perSecond(rc ? rc.items + dialogueRows(rc) : 0, recTotal),
        fmt(floorTotal),
        perSecond(floor.counts.items + dialogueRows(floor.counts), floorTotal),
        ratio(recTotal, floorTotal),
      ],
    ];
    console.log('');
    console.log(`Import of ${fmtInt(synthCounts.dialogues)} dialogues / ${fmtInt(synthCounts.turns)} turns / ${fmtInt(synthCounts.items)} items (seed ${params.seed}), ${cluster.embedded ? 'embedded PostgreSQL' : 'PostgreSQL of DATABASE_URL'}`);
    console.log(table(['phase', 'rows (COPY)', 'rows (recdial)', 'recdial s', 'recdial rows/s', 'COPY s', 'COPY rows/s', 'recdial/COPY'], rows));
    console.log('');
    if (recdial) {
      console.log(`recdial migrate: ${fmt(recdial.migrate.seconds)} s (not in the totals)`);
      console.log(`peak RSS: import tmdb ${rss(recdial.tmdb)}, import distillrecdial ${rss(recdial.dialogues)}, migrate ${rss(recdial.migrate)}`);
      const kgRows = recdial.counts.kgEntities + recdial.counts.itemEntities;
      console.log(
        `import tmdb also wrote ${fmtInt(recdial.counts.kgEntities)} knowledge-graph entities and ${fmtInt(recdial.counts.itemEntities)} item–entity links ` +
          `(no floor rows for these); counting them, it wrote ${fmtInt((recdial.counts.items + kgRows) / recdial.tmdb.seconds)} rows/s`,
      );
      console.log(`CLI start-up (node dist/src/cli.js --help): ${fmt(startup)} s, included in each recdial phase`);
      const mismatch = (['items', 'dialogues', 'turns', 'mentions'] as const).filter((k) => recdial!.counts[k] !== floor.counts[k]);
      if (mismatch.length) console.log(`NOTE: row counts differ from the synthesized rows for ${mismatch.join(', ')}`);
    } else {
      console.log('recdial side skipped (--floor-only)');
    }

    const outFile = path.join(outRoot, 'import.json');
    writeJson(outFile, {
      bench: 'import',
      date: new Date().toISOString(),
      node: process.version,
      postgres: cluster.embedded ? 'embedded' : 'DATABASE_URL',
      params,
      dataset: { dir: path.relative(ROOT, ds.dir), counts: synthCounts },
      floor: { seconds: f, totalSeconds: floorTotal, counts: floor.counts },
      recdial: recdial && {
        startupSeconds: startup,
        migrate: { seconds: recdial.migrate.seconds, maxRssKb: recdial.migrate.maxRssKb },
        tmdb: { seconds: recdial.tmdb.seconds, maxRssKb: recdial.tmdb.maxRssKb },
        distillrecdial: { seconds: recdial.dialogues.seconds, maxRssKb: recdial.dialogues.maxRssKb },
        totalSeconds: recTotal,
        counts: recdial.counts,
      },
      ratios: recdial && {
        items: recdial.tmdb.seconds / f.items,
        dialogues: recdial.dialogues.seconds / floorDialogueSeconds,
        total: recTotal! / floorTotal,
      },
    });
    console.log(`results written to ${path.relative(ROOT, outFile)}`);
  } finally {
    await cleanup();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  process.exit(1);
});
