import { Command, InvalidArgumentError, Option } from 'commander';
import type { EntityManager } from 'typeorm';
import { BASELINES, type BaselineName } from '../evaluation/baselines';
import { SelfTestError, type EvaluationMode, type ModelFamily } from '../evaluation/recommendation';
import { countDialogues } from '../export/dialogue-stream';
import { Progress } from '../ingest/progress';
import { SplitName, type DialogueFilter } from '../modules/dialogue/dialogue.type';
import { evaluateGenerationRun, evaluateRecommendationRun, type EvaluationGroupBy, type EvaluationRow, type RunHooks } from '../modules/evaluation/evaluation.runner';
import { ksOf } from '../modules/evaluation/evaluation.service';
import { CliError, flagOf, withCliErrors, withDatabase } from './common';

interface CommonFlags {
  family: ModelFamily;
  mode: 'compat' | 'corrected' | 'both';
  split?: SplitName;
  stereotype?: string;
  dataset?: string;
  domain?: string;
  groupBy: EvaluationGroupBy[];
  json?: boolean;
  quiet?: boolean;
}

const MODES: Record<CommonFlags['mode'], EvaluationMode[]> = {
  compat: ['crslab-compat'],
  corrected: ['corrected'],
  both: ['crslab-compat', 'corrected'],
};

function kList(value: string): number[] {
  const ks = value.split(',').map((k) => Number(k.trim()));
  if (ks.some((k) => !Number.isInteger(k) || k < 1)) throw new InvalidArgumentError('expected a comma-separated list of positive integers, e.g. 1,10,50');
  return ks;
}

function groupList(value: string): EvaluationGroupBy[] {
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  if (keys.some((k) => k !== 'split' && k !== 'stereotype')) throw new InvalidArgumentError('expected split, stereotype, both (split,stereotype) or none');
  return keys as EvaluationGroupBy[];
}

function commonOptions(command: Command): Command {
  return command
    .addOption(new Option('--family <family>', 'which turns give samples (metrics.md §1.1)').choices(['recommender-turns', 'all-turns']).default('recommender-turns'))
    .addOption(new Option('--mode <mode>', 'crslab-compat, corrected, or both side by side').choices(['compat', 'corrected', 'both']).default('both'))
    .addOption(new Option('--split <split>', 'only dialogues of this split').choices(Object.values(SplitName)))
    .option('--stereotype <key>', 'only this stereotype')
    .option('--dataset <name>', 'only this dataset')
    .option('--domain <domain>', 'only this domain')
    .option('--group-by <keys>', 'rows per split and/or stereotype: split | stereotype | split,stereotype | none', (v) => (v === 'none' ? [] : groupList(v)), ['split'])
    .option('--json', 'print the result rows as JSON (formats.md §10.4) instead of a table')
    .option('--quiet', 'no progress output');
}

const filterOf = (flags: CommonFlags): DialogueFilter => ({ split: flags.split, stereotype: flags.stereotype, dataset: flags.dataset, domain: flags.domain });

/** Runs one evaluation with progress on stderr; the services' input errors become one-line CLI errors. */
async function run<T>(label: string, flags: CommonFlags, work: (manager: EntityManager, hooks: RunHooks) => Promise<T>): Promise<T> {
  return withDatabase((db) =>
    withCliErrors(async () => {
      const total = await countDialogues(db.dataSource.manager, filterOf(flags));
      const progress = new Progress(label, total, flags.quiet);
      const result = await work(db.dataSource.manager, { onProgress: (p) => progress.update(Math.round(p * total), Math.round(p * total)) });
      progress.finish(`${total.toLocaleString('en')} dialogues`);
      return result;
    }, { flags: (argument) => (argument === 'input.ks' ? '--k' : flagOf(argument)), also: [SelfTestError] }),
  );
}

/** Rows as an aligned table: four decimals, the sample count and family next to every row. */
export function formatRows(rows: EvaluationRow[]): string {
  const order = ['hit', 'mrr', 'ndcg', 'bleu', 'bleu_cum', 'f1', 'dist', 'dist_count'];
  const [name, k] = [(key: string) => order.indexOf(key.split('@')[0]), (key: string) => Number(key.split('@')[1] ?? 0)];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) => name(a) - name(b) || k(a) - k(b));
  const header = ['model', 'split', 'stereotype', 'mode', 'family', 'samples', ...keys, 'skipped'];
  const cells = rows.map((r) => [
    r.model,
    r.split ?? 'all',
    r.stereotype ?? 'all',
    r.mode,
    r.family,
    String(r.samples),
    ...keys.map((k) => (r.metrics[k] === undefined || r.metrics[k] === null ? '–' : r.metrics[k]!.toFixed(4) + (r.approximate ? '~' : ''))),
    Object.entries(r.skipped).map(([reason, n]) => `${reason} ${n}`).join(', ') || '–',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i < 5 || i === c.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  const approximate = rows.some((r) => r.approximate) ? '\n~ approximate: some rankings were truncated before they decide this k (metrics.md §1.6)' : '';
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + approximate;
}

export function registerEvalRecCommands(evalCommand: Command): void {
  commonOptions(
    evalCommand
      .command('rec')
      .description('Hit/MRR/NDCG@k of a predictions file (formats.md §10.1) or of the built-in baselines, in CRSLab-compatible and corrected modes'),
  )
    .option('--predictions <file>', 'JSON Lines: {"dialogueId", "turnIndex", "ranked": [ASINs or titles], …} per turn (may be gzipped)')
    .option('--titles', '`ranked` holds titles, resolved to items by fuzzy matching (metrics.md §2)')
    .addOption(new Option('--baseline <name>', 'a built-in baseline instead of predictions').choices([...BASELINES, 'all']))
    .option('--baselines', 'all three baselines side by side (same as --baseline all)')
    .option('--k <list>', 'cut-offs', kList, [1, 10, 50])
    .addOption(new Option('--ties <rule>', 'equal scores: by item-list position, or pessimistic (corrected mode)').choices(['position', 'pessimistic']).default('position'))
    .action(async (flags: CommonFlags & { predictions?: string; titles?: boolean; baseline?: BaselineName | 'all'; baselines?: boolean; k: number[]; ties: 'position' | 'pessimistic' }) => {
      const baseline = flags.baselines ? 'all' : flags.baseline;
      if (!flags.predictions === !baseline) throw new CliError('give either --predictions FILE or --baseline popularity|cooccurrence|bm25|all (--baselines)');
      if (flags.titles && !flags.predictions) throw new CliError('--titles applies to --predictions');
      if (flags.ties === 'pessimistic' && flags.mode === 'compat') throw new CliError('--ties pessimistic applies to the corrected mode; use --mode corrected or both');
      const ks = (() => {
        try {
          return ksOf(flags.k, '--k');
        } catch (error) {
          throw new CliError((error as Error).message);
        }
      })();
      const report = await run('eval rec', flags, (manager, hooks) =>
        evaluateRecommendationRun(
          manager,
          {
            predictions: flags.predictions ? { file: flags.predictions } : undefined,
            baselines: baseline ? (baseline === 'all' ? [...BASELINES] : [baseline]) : undefined,
            rankedBy: flags.titles ? 'title' : 'asin',
            family: flags.family,
            modes: MODES[flags.mode],
            ks,
            ties: flags.ties,
            filter: filterOf(flags),
            groupBy: flags.groupBy,
          },
          hooks,
        ),
      );
      if (flags.json) {
        console.log(JSON.stringify(report, null, 2));
        return;
      }
      console.log(formatRows(report.rows));
      const p = report.predictions;
      console.log(
        `\n${report.itemCount} candidate items, ${report.dialogues} dialogues read; self-test passed on ${report.selfTest.samples} samples.` +
          (p ? `\nPredictions: ${p.lines} lines (sha256 ${p.sha256}), ${p.unmatchedRanked} ranked entries matched no item${p.ambiguousTitles ? `, ${p.ambiguousTitles} shared titles` : ''}.` : ''),
      );
    });

  commonOptions(evalCommand.command('gen').description('BLEU@1–4, F1 and Dist@1–4 of generated responses (formats.md §10.3), in both modes'))
    .requiredOption('--predictions <file>', 'JSON Lines: {"dialogueId", "turnIndex", "hyp", "ref"?} per turn (may be gzipped)')
    .action(async (flags: CommonFlags & { predictions: string }) => {
      const report = await run('eval gen', flags, (manager, hooks) =>
        evaluateGenerationRun(manager, { predictions: { file: flags.predictions }, family: flags.family, modes: MODES[flags.mode], filter: filterOf(flags), groupBy: flags.groupBy }, hooks),
      );
      if (flags.json) console.log(JSON.stringify(report, null, 2));
      else console.log(`${formatRows(report.rows)}\n\nPredictions: ${report.predictions.lines} lines (sha256 ${report.predictions.sha256}).`);
    });
}
