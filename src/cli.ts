import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config/config';
import { describeDatabase, openDatabase, PendingMigrationsError } from './db/database';
import { migrate } from './db/migrate';
import { importAmazon } from './ingest/amazon.load';
import { importCanonical } from './ingest/canonical.load';
import type { DialogueImportCounts } from './ingest/dialogue-staging';
import { importDistillRecDial } from './ingest/distillrecdial.load';
import { importInspired } from './ingest/inspired.load';
import { importLlmRedial } from './ingest/llm-redial.load';
import { importPearl } from './ingest/pearl.load';
import { importRedial } from './ingest/redial.load';
import { ImportError, InputFileError } from './ingest/errors';
import { lineLimits } from './ingest/lines';
import { ImportFailed } from './ingest/import-run';
import { loadSampleOnce } from './ingest/sample';
import { importTmdb } from './ingest/tmdb.load';
import { prepare, PrepareError } from './prepare/prepare';
import { startServer } from './server/app';
import { printSdl } from './server/schema';
import pino from 'pino';
import { startWorker } from '../generator/worker/worker';
import { CliError, nonNegativeInt, portNumber, positiveInt, withDatabase } from './cli/common';
import { registerDistillationCommands } from './cli/distill';
import { registerEvalCompareCommands } from './cli/eval-compare';
import { registerEvalRecCommands } from './cli/eval-rec';
import { registerEvalStatsCommands } from './cli/eval-stats';
import { registerExportCommands } from './cli/export';
import { registerRatingsCommand } from './cli/ratings';
import { registerCrslabExportCommand } from './cli/export-crslab';
import { ApiKeyError, createApiKey, isApiKeyRole, listApiKeys, revokeApiKey } from './modules/api-key/api-key.service';

// Read at run time from the package root (dist/ holds no package.json).
const { version } = JSON.parse(fs.readFileSync(path.join(loadConfig({}).rootDir, 'package.json'), 'utf8')) as { version: string };

export const program = new Command('recdial')
  .description('A GraphQL server for conversational-recommendation datasets')
  .version(version, '-V, --version', 'print the version of recdial')
  .showHelpAfterError()
  // The readers take their line limit from here rather than through every importer's options.
  .hook('preAction', () => {
    lineLimits.maxBytes = loadConfig().maxLineBytes;
  });

program
  .command('serve')
  .description('serve the GraphQL API (what `npm start` runs)')
  .option('--port <port>', 'port to listen on (default: PORT or 4000)', portNumber)
  .option('--no-sample', 'do not load the bundled sample into a new embedded database')
  .action(async (opts: { port?: number; sample: boolean }) => {
    const config = loadConfig();
    const db = await openDatabase(config);
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
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
    const port = opts.port ?? config.port;
    try {
      server = await startServer({ dataSource: db.dataSource, config, port });
    } catch (error) {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await db.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new CliError(`port ${port} is already in use (is recdial already running?); choose another with PORT=${port + 1} or --port ${port + 1}`);
      }
      throw error;
    }
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

interface ImportFlags {
  maxErrors: number;
  quiet?: boolean;
  domain?: string;
}

/** A subcommand of `import` with the options every importer shares. */
function importer(name: string, description: string, domainDefault?: string): Command {
  const command = importCommand
    .command(name)
    .description(description)
    .option('--max-errors <n>', 'skip and report up to n bad records instead of aborting at the first', nonNegativeInt, 0)
    .option('--quiet', 'no progress output');
  if (domainDefault !== undefined) command.option('--domain <name>', 'domain of the items, users and dialogues', domainDefault);
  return command;
}

const options = (opts: ImportFlags) => ({ maxErrors: opts.maxErrors, quiet: opts.quiet });

function reportDialogues(s: DialogueImportCounts & { itemsCreated?: number; usersCreated?: number }) {
  const created = s.itemsCreated === undefined ? '' : `, ${s.itemsCreated} new items, ${s.usersCreated} new users`;
  console.log(
    `Imported ${s.inserted} dialogues (${s.alreadyPresent} already present, ${s.skipped} bad records skipped), ` +
      `${s.turns} turns, ${s.mentions} item mentions${created}.`,
  );
}

importer('distillrecdial', 'the released DistillRecDial JSONL splits (files or directories)')
  .argument('<paths...>', 'release files (*_train.jsonl, *_valid.jsonl, *_test.jsonl) or directories holding them')
  .action(async (paths: string[], opts: ImportFlags) => {
    const s = await withDatabase((db) => importDistillRecDial(db.dataSource, paths, options(opts)));
    reportDialogues(s);
    if (s.unresolvedMentions) console.log(`${s.unresolvedMentions} mentions name items not in the catalogue.`);
  });

importer('tmdb', 'item metadata and the knowledge graph from tmdb_movies.json')
  .argument('<file>', 'tmdb_movies.json (may be gzip-compressed)')
  .action(async (file: string, opts: ImportFlags) => {
    const s = await withDatabase((db) => importTmdb(db.dataSource, file, options(opts)));
    console.log(
      `Imported ${s.items} items, ${s.entities} knowledge-graph entities, ${s.links} links (${s.skipped} bad records skipped, ` +
        `${s.flagged} with unparseable literals); re-resolved ${s.dialoguesResolved} dialogues.`,
    );
  });

importer('amazon', 'Amazon Reviews 2023 files of one category: reviews, item metadata, the 5-core rating CSV', 'Movies_and_TV')
  .option('--reviews <file>', 'review JSONL (e.g. Movies_and_TV.jsonl[.gz])')
  .option('--meta <file>', 'item metadata JSONL (e.g. meta_Movies_and_TV.jsonl[.gz])')
  .option('--ratings <file>', '5-core rating-only CSV (e.g. Movies_and_TV.csv)')
  .option('--legacy', 'reviews and metadata are in the format of the older Amazon releases (docs/formats.md §1.5)')
  .action(async (opts: ImportFlags & { reviews?: string; meta?: string; ratings?: string; legacy?: boolean }) => {
    const s = await withDatabase((db) =>
      importAmazon(db.dataSource, { reviews: opts.reviews, meta: opts.meta, ratings: opts.ratings, domain: opts.domain, legacy: opts.legacy }, options(opts)),
    );
    const kinds = (['reviews', 'metadata', 'ratings'] as const).filter((k) => s[k] !== undefined).map((k) => `${s[k]} ${k === 'metadata' ? 'metadata records' : k}`);
    console.log(
      `Imported ${kinds.join(', ')} for ${s.domain} (${s.skipped} bad records skipped)` +
        (s.itemsUpdated ? `; updated the Amazon metadata of ${s.itemsUpdated} catalogue items` : '') +
        (s.nulRemoved ? `; removed U+0000 (which PostgreSQL cannot store) from ${s.nulRemoved} records` : '') +
        '. Next: recdial prepare' + (s.domain === 'Movies_and_TV' ? '' : ` --domain ${s.domain}`),
    );
  });

importer('llm-redial', 'one LLM-REDIAL domain folder (final_data.jsonl, Conversation.txt, item_map.json, user_ids.json or user_map.json)')
  .argument('<domain-dir>', 'the folder, e.g. LLM-REDIAL/Movie')
  .option('--domain <name>', 'domain of its items, users and dialogues (default: the folder name)')
  .action(async (dir: string, opts: ImportFlags) => {
    const s = await withDatabase((db) => importLlmRedial(db.dataSource, dir, { domain: opts.domain }, options(opts)));
    reportDialogues(s);
    console.log(`${s.users} users (${s.profiles} goal profiles), ${s.items} items of ${s.domain}; ${s.conversationsWithoutText} conversations had no text.`);
  });

importer('redial', 'ReDial raw JSONL (train_data.jsonl, test_data.jsonl)', 'Movies_and_TV')
  .argument('<files...>', 'ReDial files; the split comes from the file name')
  .option('--all-recommender-mentions', 'every movie a Recommender mentions is a recommendation, not only the ones answered suggested: 1')
  .action(async (files: string[], opts: ImportFlags & { allRecommenderMentions?: boolean }) => {
    reportDialogues(
      await withDatabase((db) =>
        importRedial(db.dataSource, files, { domain: opts.domain, allRecommenderMentions: opts.allRecommenderMentions }, options(opts)),
      ),
    );
  });

importer('pearl', 'PEARL dialogues (train.json, valid.json, test.json)', 'Movies_and_TV')
  .argument('<files...>', 'PEARL files, each a JSON array; the split comes from the name: train, valid or dev, test')
  .action(async (files: string[], opts: ImportFlags) => {
    reportDialogues(await withDatabase((db) => importPearl(db.dataSource, files, { domain: opts.domain }, options(opts))));
  });

importer('inspired', 'INSPIRED dialogues (train.tsv, dev.tsv, test.tsv)', 'Movies_and_TV')
  .argument('<files...>', 'INSPIRED TSV files with the 19-column header; dev is the valid split')
  .option('--merge-turns', 'one turn per run of rows with the same speaker and turn_id (default: one turn per row)')
  .action(async (files: string[], opts: ImportFlags & { mergeTurns?: boolean }) => {
    reportDialogues(await withDatabase((db) => importInspired(db.dataSource, files, { domain: opts.domain, mergeTurns: !!opts.mergeTurns }, options(opts))));
  });

importer('canonical', "recdial's lossless canonical export (docs/formats.md §9): dialogues with every status, their runs, links and provenance")
  .argument('<paths...>', 'canonical.jsonl[.gz] files, or export folders holding one')
  .action(async (paths: string[], opts: ImportFlags) => {
    const s = await withDatabase((db) => importCanonical(db.dataSource, paths, options(opts)));
    reportDialogues(s);
    console.log(
      `${s.runsInserted} new generation runs (${s.runsRead} read).` +
        (s.unresolvedItems ? ` ${s.unresolvedItems} mentions or targets name items not in the catalogue.` : '') +
        (s.supersedesMissing ? ` ${s.supersedesMissing} dialogues supersede one the files do not hold (export with --status all to keep the history).` : '') +
        (s.runsMissing ? ` ${s.runsMissing} dialogues name a run the files do not hold.` : ''),
    );
  });
registerRatingsCommand(importCommand);

program
  .command('prepare')
  .description("build users' histories, targets, liked/disliked items and stereotype assignments from imported Amazon reviews")
  .option('--domain <name>', 'Amazon category', 'Movies_and_TV')
  .option('--strategy <name>', 'stereotype (DistillRecDial, docs/pipeline.md §2) or goal-template (LLM-REDIAL view, §11.1)', 'stereotype')
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
        (perStereotype && report.users ? `\nStereotypes (seed ${report.config.seed}): ${perStereotype}.` : '') +
        (report.noUsersExplanation ? `\n${report.noUsersExplanation}` : ''),
    );
  });

program
  .command('worker')
  .description('a generation worker: takes queued jobs for every role with a configured endpoint (any number may run)')
  .option('--concurrency <n>', 'requests in flight per endpoint (default: TEACHER_/STUDENT_/JUDGE_MAX_IN_FLIGHT or 64)', positiveInt)
  .action(async (opts: { concurrency?: number }) => {
    const config = loadConfig();
    const db = await openDatabase(config, { poolSize: 8 });
    const logger = pino({ level: config.logLevel });
    const worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger, concurrency: opts.concurrency });
    console.log(`recdial worker ${worker.id} working for ${worker.roles.join(' and ')} (${describeDatabase(db, config)})`);
    const stop = async () => {
      console.log('stopping: finishing the requests in flight …');
      await worker.stop();
      await db.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const keysCommand = program.command('keys').description('API keys: operators may run mutations and downloads, readers only read');

keysCommand
  .command('create')
  .description('create a key and print its secret once (only its hash is stored)')
  .requiredOption('--name <name>', 'a unique name, recorded as the creator of runs and prompt versions')
  .option('--role <role>', 'operator or reader', 'operator')
  .action(async (opts: { name: string; role: string }) => {
    if (!isApiKeyRole(opts.role)) throw new ApiKeyError(`--role must be operator or reader, got "${opts.role}"`);
    const key = await withDatabase((db) => createApiKey(db.dataSource.manager, { name: opts.name, role: opts.role }));
    console.log(`Created ${key.role} key "${key.name}". Its secret is shown only now:\n${key.secret}`);
  });

keysCommand
  .command('list')
  .description('list keys (names, roles, last use; never secrets)')
  .action(async () => {
    const keys = await withDatabase((db) => listApiKeys(db.dataSource.manager));
    for (const k of keys) {
      console.log(`${k.name}\t${k.role}\t${k.revokedAt ? 'revoked' : 'active'}\tlast used ${k.lastUsedAt ? k.lastUsedAt.toISOString() : 'never'}`);
    }
    if (keys.length === 0) console.log('No keys yet: `recdial keys create --name NAME`.');
  });

keysCommand
  .command('revoke')
  .description('revoke a key by name')
  .argument('<name>')
  .action(async (name: string) => {
    const revoked = await withDatabase((db) => revokeApiKey(db.dataSource.manager, name));
    if (!revoked) throw new ApiKeyError(`no active key named "${name}"`);
    console.log(`Revoked "${name}".`);
  });

// Each command group lives in src/cli/<group>.ts.
const exportCommand = program.command('export').description('write a slice of the dataset in another format');
registerExportCommands(exportCommand);
registerCrslabExportCommand(exportCommand);
registerDistillationCommands(program, exportCommand);
const evalCommand = program.command('eval').description('dataset statistics and evaluation metrics');
registerEvalStatsCommands(evalCommand);
registerEvalRecCommands(evalCommand);
registerEvalCompareCommands(evalCommand);

program
  .command('schema')
  .description('print the GraphQL schema (SDL)')
  .option('--out <file>', 'write it to a file instead')
  .action(async (opts: { out?: string }) => {
    const sdl = await printSdl();
    if (opts.out) fs.writeFileSync(opts.out, sdl);
    else process.stdout.write(sdl);
  });

/** Runs the command line; a failure prints one line (no stack trace unless unexpected) and resolves to exit code 1. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (
      error instanceof ImportFailed ||
      error instanceof ImportError ||
      error instanceof InputFileError ||
      error instanceof ConfigError ||
      error instanceof PendingMigrationsError ||
      error instanceof PrepareError ||
      error instanceof ApiKeyError ||
      error instanceof CliError
    ) {
      console.error(`recdial: ${error.message}`);
    } else {
      console.error('recdial: unexpected error:', error);
    }
    return 1;
  }
}

// bin/recdial calls main itself; tests import `program` and `main` without running anything.
if (require.main === module) {
  void main(process.argv).then((code) => {
    if (code !== 0) process.exit(code);
  });
}
