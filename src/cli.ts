import 'reflect-metadata';
import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from './config/config';
import { describeDatabase, openDatabase, PendingMigrationsError } from './db/database';
import { migrate } from './db/migrate';
import { importDistillRecDial } from './ingest/distillrecdial.load';
import { InputFileError } from './ingest/errors';
import { ImportFailed } from './ingest/import-run';
import { loadSampleOnce } from './ingest/sample';
import { importTmdb } from './ingest/tmdb.load';
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
  .command('schema')
  .description('print the GraphQL schema (SDL)')
  .option('--out <file>', 'write it to a file instead')
  .action(async (opts: { out?: string }) => {
    const sdl = await printSdl();
    if (opts.out) fs.writeFileSync(opts.out, sdl);
    else process.stdout.write(sdl);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ImportFailed || error instanceof InputFileError || error instanceof ConfigError || error instanceof PendingMigrationsError) {
    console.error(`recdial: ${error.message}`);
  } else {
    console.error('recdial: unexpected error:', error);
  }
  process.exit(1);
});
