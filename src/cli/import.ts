import { Command } from 'commander';
import { importAmazon } from '../ingest/amazon.load';
import { importCanonical } from '../ingest/canonical.load';
import type { DialogueImportCounts } from '../ingest/dialogue-staging';
import { importDistillRecDial } from '../ingest/distillrecdial.load';
import { importInspired } from '../ingest/inspired.load';
import { importLlmRedial } from '../ingest/llm-redial.load';
import { importPearl } from '../ingest/pearl.load';
import { importRedial } from '../ingest/redial.load';
import { importTmdb } from '../ingest/tmdb.load';
import { nonNegativeInt, withDatabase } from './common';
import { registerRatingsCommand } from './ratings';

/** `recdial import <source>`: one subcommand per reader. */
export function registerImportCommands(program: Command): void {
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
}
