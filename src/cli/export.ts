import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CANONICAL_FILE } from '../export/canonical';
import { planExport, writeExport, type ExportRequest } from '../export/formats';
import { JSONL_FILE } from '../export/jsonl';
import type { ExportReport } from '../export/types';
import { Progress } from '../ingest/progress';
import type { DialogueFilter, DialogueSource, DialogueStatus } from '../modules/dialogue/dialogue.type';
import { fromGlobalId, toGlobalId } from '../pagination/global-id';
import { CliError, generationRunId, withCliErrors, withDatabase } from './common';
import { SPLIT_NAMES } from '../dialogues/vocabulary';

export interface SelectionFlags {
  split?: string[];
  stereotype?: string;
  dataset?: string;
  source?: DialogueSource;
  run?: number;
  status: string;
  quiet?: boolean;
}

/** `--split train,valid` and `--split train --split valid` both work. */
function splitList(value: string, previous: string[] = []): string[] {
  const splits = value.split(',').map((s) => s.trim());
  for (const s of splits) if (!(SPLIT_NAMES as readonly string[]).includes(s)) throw new InvalidArgumentError(`expected train, valid or test, got "${s}"`);
  return [...previous, ...splits];
}

/** The dialogue selection flags every export command shares. */
export function selection(command: Command): Command {
  return command
    .option('--split <splits>', 'only these splits (comma-separated or repeated), e.g. train,valid', splitList)
    .option('--stereotype <key>', 'only this stereotype, e.g. "History + Hint Seeker"')
    .option('--dataset <name>', 'only this dataset, e.g. distillrecdial, generated')
    .addOption(new Option('--source <source>', 'only dialogues of this source').choices(['IMPORTED', 'TEACHER', 'STUDENT', 'SIMULATED']))
    .option('--run <id>', 'only dialogues of this generation run', generationRunId)
    .addOption(new Option('--status <status>', 'dialogue status; all for every status').choices(['ACCEPTED', 'REJECTED', 'SUPERSEDED', 'all']).default('ACCEPTED'))
    .option('--quiet', 'no progress output');
}

export function filterOf(flags: SelectionFlags): DialogueFilter {
  return {
    dataset: flags.dataset ?? null,
    source: flags.source ?? null,
    generationRunId: flags.run === undefined ? null : toGlobalId('GenerationRun', flags.run),
    status: flags.status === 'all' ? null : (flags.status as DialogueStatus),
  };
}

/**
 * Runs one format's writer into a scratch folder next to the target and moves the result into
 * place only when it succeeded: a failed or interrupted export leaves nothing half-written.
 * `file` set: the writer's single file becomes `target`; otherwise the folder does.
 */
export async function exportTo(format: string, request: Omit<ExportRequest, 'format'>, target: string, file: string | null, quiet: boolean): Promise<ExportReport> {
  const parent = path.dirname(target);
  if (!(await fs.stat(parent).catch(() => null))?.isDirectory()) throw new CliError(`--out: the folder ${parent} does not exist`);
  const existing = await fs.stat(target).catch(() => null);
  if (file === null && existing && !existing.isDirectory()) throw new CliError(`--out: ${target} is a file; give a new or empty folder`);
  if (file === null && existing && (await fs.readdir(target)).length > 0) {
    throw new CliError(`--out: ${target} is not empty; give a new or empty folder`);
  }
  const label = `export ${format.toLowerCase()}`;
  return withDatabase(async (db) => {
    const planned = await withCliErrors(() => planExport(db.dataSource.manager, { ...request, format }, ''));
    const run = planned.filter?.generationRunId;
    if (run && !(await db.dataSource.query('SELECT 1 FROM generation_runs WHERE id = $1', [fromGlobalId(run)!.id])).length) {
      throw new CliError(`--run: no generation run ${run} (database id ${fromGlobalId(run)!.id})`);
    }
    const scratch = await fs.mkdtemp(path.join(parent, `.recdial-export-${path.basename(target)}-`));
    const abort = new AbortController();
    const interrupt = () => abort.abort();
    process.once('SIGINT', interrupt);
    let progress: Progress | null = null;
    try {
      const report = await writeExport(planned, {
        dataSource: db.dataSource,
        outDir: scratch,
        signal: abort.signal,
        onProgress: (done, total) => (progress ??= new Progress(label, total, quiet)).update(done, done),
      });
      (progress as Progress | null)?.finish();
      if (file !== null) {
        await fs.rename(path.join(scratch, file), target);
      } else {
        if (existing) await fs.rmdir(target);
        await fs.rename(scratch, target);
      }
      return report;
    } finally {
      process.removeListener('SIGINT', interrupt);
      await fs.rm(scratch, { recursive: true, force: true });
    }
  });
}

export function printReport(report: ExportReport, target: string): void {
  console.log(`Wrote ${target}:`);
  for (const f of report.files) console.log(`  ${f.name}  ${f.bytes.toLocaleString('en')} bytes  sha256 ${f.sha256}`);
  console.log(`Counts: ${Object.entries(report.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const w of report.warnings) console.log(`warning: ${w}`);
}

/** `--out FILE` (a .jsonl name or an existing file) writes that file; otherwise a folder holding `defaultName`. */
export async function lineTarget(out: string, defaultName: string): Promise<{ target: string; file: string | null }> {
  const target = path.resolve(out);
  const stat = await fs.stat(target).catch(() => null);
  if (stat?.isFile() || (!stat && /\.jsonl?$/i.test(target))) return { target, file: defaultName };
  return { target, file: null };
}

export function registerExportCommands(exportCommand: Command): void {
  selection(
    exportCommand
      .command('release')
      .description('the DistillRecDial release JSONL (docs/formats.md §3.6): one file per split, named like the published ones, and manifest.json')
      .requiredOption('--out <dir>', 'a new (or empty) folder; written in full or not at all'),
  )
    .addOption(new Option('--marking <marking>', 'recommendation marker at every assistant mention, or only at each item’s first').choices(['every', 'first']).default('every'))
    .option('--ascii', 'escape non-ASCII characters as \\uXXXX, like Python’s json.dumps default')
    .action(async (opts: SelectionFlags & { out: string; marking: string; ascii?: boolean }) => {
      const target = path.resolve(opts.out);
      const report = await exportTo(
        'RELEASE',
        { filter: filterOf(opts), split: opts.split, stereotype: opts.stereotype, marking: opts.marking, asciiOnly: !!opts.ascii },
        target,
        null,
        !!opts.quiet,
      );
      printReport(report, target);
    });

  selection(
    exportCommand
      .command('hf')
      .description('a Hugging Face Hub-ready release (docs/formats.md §11): Parquet per config (dataset) and split, a dataset card README.md with the Hub YAML header, SHA256SUMS')
      .requiredOption('--out <dir>', 'a new (or empty) folder; written in full or not at all'),
  )
    .option('--license <id>', 'the card’s license, a Hub license id (e.g. cc-by-4.0)', 'other')
    .option('--title <text>', 'the card’s title and pretty_name', 'recdial export')
    .action(async (opts: SelectionFlags & { out: string; license: string; title: string }) => {
      const target = path.resolve(opts.out);
      const report = await exportTo('HF', { filter: filterOf(opts), split: opts.split, stereotype: opts.stereotype, license: opts.license, title: opts.title }, target, null, !!opts.quiet);
      printReport(report, target);
    });

  selection(
    exportCommand
      .command('llm-redial')
      .description('the LLM-REDIAL layout (docs/formats.md §4.4): a folder per domain with final_data.jsonl, Conversation.txt, item_map.json, user_ids.json and annotations.jsonl')
      .requiredOption('--out <dir>', 'a new (or empty) folder; written in full or not at all'),
  ).action(async (opts: SelectionFlags & { out: string }) => {
    const target = path.resolve(opts.out);
    const report = await exportTo('LLM_REDIAL', { filter: filterOf(opts), split: opts.split, stereotype: opts.stereotype }, target, null, !!opts.quiet);
    printReport(report, target);
  });

  for (const [name, format, file, description] of [
    ['canonical', 'CANONICAL', CANONICAL_FILE, 'recdial’s lossless dialogue JSONL (docs/formats.md §9): turns, mentions, rejection reasons and provenance'],
    ['jsonl', 'JSONL', JSONL_FILE, 'dialogues with their turns and item mentions as JSON Lines (no provenance)'],
  ] as const) {
    selection(
      exportCommand
        .command(name)
        .description(description)
        .requiredOption('--out <file-or-dir>', `a .jsonl file, or a new folder that gets ${file}; written in full or not at all`),
    ).action(async (opts: SelectionFlags & { out: string }) => {
      const { target, file: single } = await lineTarget(opts.out, file);
      const report = await exportTo(format, { filter: filterOf(opts), split: opts.split, stereotype: opts.stereotype }, target, single, !!opts.quiet);
      printReport(report, target);
    });
  }
}
