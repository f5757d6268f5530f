import 'reflect-metadata';
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from './config/config';
import { describeDatabase, OpenDatabase, openDatabase, PendingMigrationsError } from './db/database';
import { migrate } from './db/migrate';
import { importDistillRecDial } from './ingest/distillrecdial.load';
import { InputFileError } from './ingest/errors';
import { ImportFailed } from './ingest/import-run';
import { loadSampleOnce } from './ingest/sample';
import { importTmdb } from './ingest/tmdb.load';
import { prepare, PrepareError } from './prepare/prepare';
import { startServer } from './server/app';
import { printSdl } from './server/schema';

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function portNumber(value: string): number {
  const n = nonNegativeInt(value);
  if (n > 65535) throw new InvalidArgumentError('expected a port number (0–65535)');
  return n;
}

function positiveInt(value: string): number {
  const n = nonNegativeInt(value);
  if (n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** Runs a command against the configured database (pending migrations refused) and closes it. */
async function withDatabase<T>(fn: (db: OpenDatabase) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig(), { poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const program = new Command('recdial')
  .description('A GraphQL server for conversational-recommendation datasets')
  .showHelpAfterError();

program
  .command('serve')
  .description('serve the GraphQL API (what `npm start` runs)')
  .option('--port <port>', 'port to listen on (default: PORT or 4000)', portNumber)
  .option('--no-sample', 'do not load the bundled sample into a new embedded database')
  .action(async (opts: { port?: number; sample: boolean }) => {
    const config = loadConfig();
    const db = await openDatabase(config);
    const stop = async () => {
      await server?.close();
      await db.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // Only the embedded default gets the sample on its own: a real DATABASE_URL is never written unasked.
    if (db.embedded && opts.sample && config.loadSample) {
      if (await loadSampleOnce(db.dataSource, config.rootDir)) console.log('Loaded the bundled sample dataset.');
    }
    const server = await startServer({ dataSource: db.dataSource, config, port: opts.port });
    console.log(`recdial listening on ${server.url} (${describeDatabase(db, config)})`);
  });

program
  .command('migrate')
  .description('apply pending migrations under an advisory lock')
  .action(async () => {
    const db = await openDatabase(loadConfig(), { migrations: 'ignore', poolSize: 2 });
    try {
      const applied = await migrate(db.dataSource);
      console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to migrate: the schema is current.');
    } finally {
      await db.close();
    }
  });

const importCommand = program.command('import').description('import a dataset or its sources');

importCommand
  .command('distillrecdial')
  .description('the released DistillRecDial JSONL splits (files or directories)')
  .argument('<paths...>', 'release files (*_train.jsonl, *_valid.jsonl, *_test.jsonl) or directories holding them')
  .option('--max-errors <n>', 'skip and report up to n bad records instead of aborting at the first', nonNegativeInt, 0)
  .option('--quiet', 'no progress output')
  .action(async (paths: string[], opts: { maxErrors: number; quiet?: boolean }) => {
    const config = loadConfig();
    const db = await openDatabase(config, { poolSize: 2 });
    try {
      const summary = await importDistillRecDial(db.dataSource, paths, { maxErrors: opts.maxErrors, quiet: opts.quiet });
      console.log(
        `Imported ${summary.inserted} dialogues (${summary.alreadyPresent} already present, ${summary.skipped} bad records skipped), ` +
          `${summary.turns} turns, ${summary.mentions} item mentions (${summary.unresolvedMentions} unresolved).`,
      );
    } finally {
      await db.close();
    }
  });

importCommand
  .command('tmdb')
  .description('item metadata and the knowledge graph from tmdb_movies.json')
  .argument('<file>', 'tmdb_movies.json (may be gzip-compressed)')
  .option('--max-errors <n>', 'skip and report up to n bad records instead of aborting at the first', nonNegativeInt, 0)
  .option('--quiet', 'no progress output')
  .action(async (file: string, opts: { maxErrors: number; quiet?: boolean }) => {
    const config = loadConfig();
    const db = await openDatabase(config, { poolSize: 2 });
    try {
      const s = await importTmdb(db.dataSource, file, { maxErrors: opts.maxErrors, quiet: opts.quiet });
      console.log(
        `Imported ${s.items} items, ${s.entities} knowledge-graph entities, ${s.links} links (${s.skipped} bad records skipped, ` +
          `${s.flagged} with unparseable literals); re-resolved ${s.dialoguesResolved} dialogues.`,
      );
    } finally {
      await db.close();
    }
  });

program
  .command('prepare')
  .description("build users' histories, targets, liked/disliked items and stereotype assignments from imported Amazon reviews")
  .option('--domain <name>', 'Amazon category', 'Movies_and_TV')
  .option('--strategy <name>', 'stereotype (DistillRecDial, pipeline.md §2) or goal-template (LLM-REDIAL view, §11.1)', 'stereotype')
  .option('--k-core <k>', 'k of the iterative k-core (default 12; 10 for goal-template)', positiveInt)
  .option('--history <n>', 'history items before the target', positiveInt, 9)
  .option('--seed <n>', 'seed of the stereotype assignment', nonNegativeInt, 42)
  .option('--tmdb-match', 'keep only items with a tmdb_movies.json record (default: when the domain has TMDB items)')
  .option('--no-tmdb-match', 'do not require a tmdb_movies.json record')
  .option('--min-words <n>', 'goal-template: shortest review kept, in words', positiveInt, 20)
  .option('--max-words <n>', 'goal-template: longest review kept, in words', positiveInt, 400)
  .option('--quiet', 'no progress output')
  .action(async (opts: { domain: string; strategy: string; kCore?: number; history: number; seed: number; tmdbMatch?: boolean; minWords: number; maxWords: number; quiet?: boolean }) => {
    const strategies = { stereotype: 'STEREOTYPE', 'goal-template': 'GOAL_TEMPLATE' } as const;
    const strategy = strategies[opts.strategy as keyof typeof strategies];
    if (!strategy) throw new PrepareError(`--strategy must be stereotype or goal-template (got "${opts.strategy}")`);
    const report = await withDatabase((db) =>
      prepare(db.dataSource, {
        domain: opts.domain,
        strategy,
        kCore: opts.kCore,
        historySize: opts.history,
        seed: opts.seed,
        tmdbMatch: opts.tmdbMatch,
        minWords: opts.minWords,
        maxWords: opts.maxWords,
        log: opts.quiet ? undefined : (line) => console.error(line),
      }),
    );
    const perStereotype = Object.entries(report.usersPerStereotype).map(([k, n]) => `${k}: ${n}`).join(', ');
    console.log(
      `Prepared ${report.users} users of ${report.config.domain} (${report.coreUsers} core users, ${report.coreItems} core items, ` +
        `${report.interactions} interactions after ${report.kCoreRounds.length} k-core rounds; preparation ${report.preparationId}).` +
        (perStereotype ? `\nStereotypes (seed ${report.config.seed}): ${perStereotype}.` : ''),
    );
  });

program
  .command('schema')
  .description('print the GraphQL schema (SDL)')
  .option('--out <file>', 'write it to a file instead')
  .action(async (opts: { out?: string }) => {
    const sdl = await printSdl();
    if (opts.out) fs.writeFileSync(opts.out, sdl);
    else process.stdout.write(sdl);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (
    error instanceof ImportFailed ||
    error instanceof InputFileError ||
    error instanceof ConfigError ||
    error instanceof PendingMigrationsError ||
    error instanceof PrepareError
  ) {
    console.error(`recdial: ${error.message}`);
  } else {
    console.error('recdial: unexpected error:', error);
  }
  process.exit(1);
});
