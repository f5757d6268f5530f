import fs from 'node:fs/promises';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SFT_FILE, SftFormat } from '../export/sft';
import type { DialogueFilter, DialogueSource } from '../modules/dialogue/dialogue.type';
import { DEFAULT_SPLIT_RATIOS, DEFAULT_SPLIT_SEED, ratiosProblem, SplitRatios } from '../modules/split/assign';
import { assignSplits } from '../modules/split/split.service';
import { CliError, generationRunId, nonNegativeInt, withCliErrors, withDatabase } from './common';
import { exportTo, filterOf } from './export';
import { SPLIT_NAMES } from '../dialogues/vocabulary';

function ratios(value: string): SplitRatios {
  const parts = value.split(',').map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p) || value.trim() === '')) {
    throw new InvalidArgumentError('expected three numbers train,valid,test, e.g. 0.8,0.1,0.1');
  }
  const r = { train: parts[0], valid: parts[1], test: parts[2] };
  const problem = ratiosProblem(r);
  if (problem) throw new InvalidArgumentError(problem);
  return r;
}

const SOURCES = ['TEACHER', 'STUDENT', 'IMPORTED'];

export function registerDistillationCommands(program: Command, exportCommand: Command): void {
  exportCommand
    .command('sft')
    .description("the student's fine-tuning set (docs/pipeline.md §6.5): one JSON line per accepted teacher dialogue, in user order")
    .requiredOption('--out <file>', 'the JSONL file to write (written in full or not at all)')
    .addOption(new Option('--source <source>', 'which generated dialogues').choices(['TEACHER', 'STUDENT']).default('TEACHER'))
    .addOption(new Option('--format <format>', 'messages: {"messages": [system, user, assistant]}; text: the Llama-3 rendering as {"text": …}').choices(['messages', 'text']).default('messages'))
    .option('--raw-text', "the model's stored response as the assistant message instead of the canonical [USR]/[AI] re-serialisation")
    .option('--stereotype <key>', 'only this stereotype, e.g. "History + Hint Seeker"')
    .option('--run <id>', 'only dialogues of this generation run', generationRunId)
    .option('--quiet', 'no progress output')
    .action(async (opts: { out: string; source: 'TEACHER' | 'STUDENT'; format: SftFormat; rawText?: boolean; stereotype?: string; run?: number; quiet?: boolean }) => {
      const out = path.resolve(opts.out);
      if ((await fs.stat(out).catch(() => null))?.isDirectory()) throw new CliError(`--out: ${out} is a folder; give a file name, e.g. ${path.join(out, SFT_FILE)}`);
      const report = await exportTo(
        'SFT',
        { filter: filterOf({ run: opts.run, status: 'ACCEPTED' }), stereotype: opts.stereotype, sftFormat: opts.format, sftSource: opts.source, rawText: !!opts.rawText },
        out,
        SFT_FILE,
        !!opts.quiet,
      );
      const file = report.files[0];
      console.log(`Wrote ${report.counts.records} ${opts.source.toLowerCase()} dialogues to ${out} (${opts.format}, ${file.bytes} bytes, sha256 ${file.sha256}).`);
      for (const w of report.warnings) console.log(`warning: ${w}`);
      if (opts.format === 'text') console.log('Each text already begins with <|begin_of_text|>: do not let the trainer add another BOS token.');
    });

  program
    .command('split')
    .description('assign accepted dialogues to train/valid/test (docs/pipeline.md §9: stratified by stereotype, grouped by user, seeded)')
    .option('--run <id>', 'the accepted dialogues of this generation run (the student run)', generationRunId)
    .option('--seed <n>', 'seed of the Python-compatible generator', nonNegativeInt, DEFAULT_SPLIT_SEED)
    .addOption(new Option('--ratios <train,valid,test>', 'split ratios, summing to 1').argParser(ratios).default({ ...DEFAULT_SPLIT_RATIOS }, '0.8,0.1,0.1'))
    .option('--dataset <name>', 'only dialogues of this dataset', 'generated')
    .addOption(new Option('--source <source>', 'only dialogues of this source (default without --run: STUDENT for the generated dataset)').choices(SOURCES))
    .action(async (opts: { run?: number; seed: number; ratios: SplitRatios; dataset: string; source?: string }) => {
      const source = opts.source ?? (opts.run === undefined && opts.dataset === 'generated' ? 'STUDENT' : undefined);
      const filter: DialogueFilter = { dataset: opts.dataset, source: (source ?? null) as DialogueSource | null };
      const { summary, order } = await withDatabase((db) =>
        withCliErrors(async () => ({
          summary: await assignSplits(db.dataSource.manager, { generationRunId: opts.run ?? null, filter, seed: opts.seed, ratios: opts.ratios }),
          order: ((await db.dataSource.query('SELECT key FROM stereotypes ORDER BY id')) as Array<{ key: string }>).map((r) => r.key),
        })),
      );
      const r = summary.ratios;
      console.log(
        `Split assignment ${summary.id} (seed ${summary.seed}, ratios ${r.train}/${r.valid}/${r.test}): ` +
          `${summary.populationSize} dialogues of ${summary.units} users` +
          (opts.run !== undefined ? ` from run ${opts.run}` : '') +
          `${source ? `, source ${source}` : ''}, dataset ${opts.dataset}.`,
      );
      const names = SPLIT_NAMES;
      // Canonical stereotype order, then anything else (dialogues without a stereotype).
      const present = new Set(names.flatMap((n) => Object.keys(summary.counts[n])));
      const strata = [...order.filter((k) => present.has(k)), ...[...present].filter((k) => !order.includes(k))];
      const width = Math.max(10, ...strata.map((s) => s.length));
      const row = (label: string, values: number[]) => label.padEnd(width) + values.map((v) => String(v).padStart(8)).join('');
      console.log(''.padEnd(width) + names.map((n) => n.padStart(8)).join(''));
      for (const s of strata) console.log(row(s, names.map((n) => summary.counts[n][s] ?? 0)));
      console.log(row('total', names.map((n) => Object.values(summary.counts[n]).reduce((a, b) => a + b, 0))));
      for (const w of summary.warnings) console.log(`warning: ${w.code}: stratum "${w.stratum}" has ${w.units} users (fewer than 3), all in train`);
    });
}
