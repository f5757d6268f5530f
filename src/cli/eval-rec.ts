import fs from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { Z95 } from '../evaluation/uncertainty';
import type { EntityManager } from 'typeorm';
import { BASELINES, type BaselineName } from '../evaluation/baselines';
import { SelfTestError, type EvaluationMode, type ModelFamily } from '../evaluation/recommendation';
import { countDialogues } from '../dialogues/stream';
import { Progress } from '../ingest/progress';
import { SplitName, type DialogueFilter } from '../modules/dialogue/dialogue.type';
import { evaluateGenerationRun, evaluateRecommendationRun, type EvaluationGroupBy, type EvaluationRow, type BeyondAccuracyRow, type EvaluationSampleRow, type RunHooks } from '../modules/evaluation/evaluation.runner';
import { ksOf } from '../modules/evaluation/evaluation.service';
import { CliError, flagOf, withCliErrors, withDatabase } from './common';
import { runCrslabPredictions, type CrslabPredictionFlags } from './eval-rec-crslab';

interface CommonFlags {
  long?: boolean;
  samplesOut?: string;
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
    .addOption(new Option('--family <family>', 'which turns give samples (docs/metrics.md §1.1)').choices(['recommender-turns', 'all-turns']).default('recommender-turns'))
    .addOption(new Option('--mode <mode>', 'crslab-compat, corrected, or both side by side').choices(['compat', 'corrected', 'both']).default('both'))
    .addOption(new Option('--split <split>', 'only dialogues of this split').choices(Object.values(SplitName)))
    .option('--stereotype <key>', 'only this stereotype')
    .option('--dataset <name>', 'only this dataset')
    .option('--domain <domain>', 'only this domain')
    .option('--group-by <keys>', 'rows per split and/or stereotype: split | stereotype | split,stereotype | none', (v) => (v === 'none' ? [] : groupList(v)), ['split'])
    .option('--json', 'print the result rows as JSON (docs/formats.md §10.4) instead of a table')
    .option('--long', 'one table line per metric: mean, SE and the 95 % interval')
    .option('--samples-out <file>', 'also write every sample\'s metric values as JSON Lines (docs/formats.md §10.5), for `recdial eval compare`')
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

/**
 * Rows as an aligned table: each metric as mean ±h, h = 1.96 · SE (the half-width of the normal
 * 95 % interval, docs/metrics.md §9.1), with the sample count, coverage and family next to every row.
 * `long`: one line per row × metric with mean, SE and both ends of the interval.
 */
export function formatRows(rows: EvaluationRow[], options: { long?: boolean } = {}): string {
  const order = ['hit', 'mrr', 'ndcg', 'bleu', 'bleu_cum', 'f1', 'dist', 'dist_count'];
  const [name, k] = [(key: string) => order.indexOf(key.split('@')[0]), (key: string) => Number(key.split('@')[1] ?? 0)];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort((a, b) => name(a) - name(b) || k(a) - k(b));
  const cov = (r: EvaluationRow) => (r.coverage === null || r.coverage === undefined ? '–' : r.coverage.toFixed(4));
  const labels = (r: EvaluationRow) => [r.model, r.split ?? 'all', r.stereotype ?? 'all', r.mode, r.family];
  const skippedText = (r: EvaluationRow) => Object.entries(r.skipped).map(([reason, n]) => `${reason} ${n}`).join(', ') || '–';
  const fixed = (v: number | null | undefined) => (v === null || v === undefined ? '–' : v.toFixed(4));
  let header: string[];
  let cells: string[][];
  let textColumns: number;
  if (options.long) {
    header = ['model', 'split', 'stereotype', 'mode', 'family', 'metric', 'samples', 'coverage', 'mean', 'se', 'ci95_low', 'ci95_high'];
    textColumns = 6;
    cells = rows.flatMap((r) =>
      keys
        .filter((key) => r.metrics[key] !== undefined)
        .map((key) => {
          const u = r.uncertainty?.[key];
          return [...labels(r), key, String(r.samples), cov(r), fixed(r.metrics[key]) + (r.approximate ? '~' : ''), fixed(u?.se), fixed(u?.ciLow), fixed(u?.ciHigh)];
        }),
    );
  } else {
    header = ['model', 'split', 'stereotype', 'mode', 'family', 'samples', 'coverage', ...keys, 'skipped'];
    textColumns = 5;
    cells = rows.map((r) => [
      ...labels(r),
      String(r.samples),
      cov(r),
      ...keys.map((key) => {
        const v = r.metrics[key];
        if (v === undefined || v === null) return '–';
        const se = r.uncertainty?.[key]?.se;
        return v.toFixed(4) + (r.approximate ? '~' : '') + (se === null || se === undefined ? '' : ` ±${(Z95 * se).toFixed(4)}`);
      }),
      skippedText(r),
    ]);
  }
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const last = options.long ? -1 : header.length - 1;
  const line = (c: string[]) => c.map((v, i) => (i < textColumns || i === last ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  const notes: string[] = [];
  if (!options.long && rows.some((r) => Object.values(r.uncertainty ?? {}).some((u) => u.se !== null))) notes.push('± half-width of the 95 % interval, 1.96 · SE (normal approximation, docs/metrics.md §9.1); --long lists SE and both ends');
  if (rows.some((r) => r.missing === 'skipped' && r.model === 'predictions' && r.coverage !== null && r.coverage < 1)) {
    notes.push('MISSING PREDICTIONS SKIPPED (--skip-missing): the means cover predicted samples only; coverage says how many were scorable');
  } else if (rows.some((r) => r.missing === 'miss' && r.model === 'predictions')) {
    notes.push('missing predictions count as misses (like trec_eval -c); coverage = predicted ÷ scorable samples');
  }
  if (rows.some((r) => r.approximate)) notes.push('~ approximate: some rankings were truncated before they decide this k (docs/metrics.md §1.6)');
  if (rows.some((r) => Object.keys(r.metrics).some((key) => key.startsWith('dist')))) notes.push('dist@k is a corpus statistic: no per-sample SE');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + notes.map((n) => `\n${n}`).join('');
}

/** Beyond-accuracy rows (docs/metrics.md §10): one line per model × group, the metrics at each k. */
export function formatBeyondAccuracy(rows: BeyondAccuracyRow[], popularity?: { source: string; trainInteractions: number; headItems: number }): string {
  if (!rows.length) return '';
  const order = ['coverage', 'gini', 'arp', 'long_tail', 'novelty', 'ild'];
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))].sort(
    (a, b) => order.indexOf(a.split('@')[0]) - order.indexOf(b.split('@')[0]) || Number(a.split('@')[1]) - Number(b.split('@')[1]),
  );
  const header = ['model', 'split', 'stereotype', 'lists', ...keys];
  const cells = rows.map((r) => [r.model, r.split ?? 'all', r.stereotype ?? 'all', String(r.lists), ...keys.map((k) => (r.metrics[k] === null || r.metrics[k] === undefined ? '–' : r.metrics[k]!.toFixed(4)))]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((v, i) => (i < 3 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [
    'Beyond accuracy (docs/metrics.md §10): the top-k of each ranked list as the model gave it',
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
    popularity ? `popularity = ${popularity.source}: ${popularity.trainInteractions} interactions; head (80 %) = ${popularity.headItems} items` : '',
  ].join('\n');
}

/** Writes kept samples as JSON Lines (docs/formats.md §10.5). */
function writeSamples(file: string, samples: EvaluationSampleRow[]): void {
  try {
    const fd = fs.openSync(file, 'w');
    try {
      for (const s of samples) {
        const { model, mode, split, stereotype, key, dialogueId, turnIndex, gold, predicted, values } = s;
        fs.writeSync(fd, JSON.stringify({ model, mode, split, stereotype, key, dialogueId, turnIndex, gold: gold === '' ? null : gold, predicted, values }) + '\n');
      }
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new CliError(`--samples-out ${file}: ${(error as Error).message}`);
  }
}

/** `eval rec --crslab-predictions FILE --export DIR`: the fork's file, crslab-compat only, no database. */
async function crslabPredictionsAction(flags: CrslabPredictionFlags & CommonFlags & { k: number[] }): Promise<void> {
  let ks: number[];
  try {
    ks = ksOf(flags.k, '--k');
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const run = await runCrslabPredictions(flags, ks);
  if (flags.samplesOut) writeSamples(flags.samplesOut, run.samples);
  const { samples, ...rest } = run;
  if (flags.json) {
    console.log(JSON.stringify(rest, null, 2));
    return;
  }
  console.log(formatRows(run.rows, { long: flags.long }));
  if (flags.samplesOut) console.log(`\n${samples.length} per-sample rows written to ${flags.samplesOut}`);
  const p = run.predictions;
  console.log(
    `\nCRSLab fork predictions: ${p.elements} samples (sha256 ${p.sha256}), the top ${p.depth} of each ranking; ${run.itemCount} candidate items in ${run.export}.` +
      '\ncrslab-compat only: the file carries no context, so the corrected mode cannot be computed (docs/formats.md §10.2).' +
      (run.droppedGoldNames ? `\n${run.droppedGoldNames} gold names of the export name no entity and were dropped, as the fork's loader drops them.` : ''),
  );
}

export function registerEvalRecCommands(evalCommand: Command): void {
  commonOptions(
    evalCommand
      .command('rec')
      .description('Hit/MRR/NDCG@k of a predictions file (docs/formats.md §10.1) or of the built-in baselines, in CRSLab-compatible and corrected modes'),
  )
    .option('--predictions <file>', 'JSON Lines: {"dialogueId", "turnIndex", "ranked": [ASINs or titles], …} per turn (may be gzipped)')
    .option('--crslab-predictions <file>', 'the DistillRecDial CRSLab fork\'s save/<model>/predicted_target_recommendations.json (docs/formats.md §10.2); needs --export, crslab-compat only')
    .option('--export <dir>', 'with --crslab-predictions: the CRSLab export (`recdial export crslab --out DIR`) the model was trained on')
    .option('--titles', '`ranked` holds titles, resolved to items by fuzzy matching (docs/metrics.md §2)')
    .addOption(new Option('--baseline <name>', 'a built-in baseline instead of predictions').choices([...BASELINES, 'all']))
    .option('--baselines', 'all three baselines side by side (same as --baseline all)')
    .option('--k <list>', 'cut-offs', kList, [1, 10, 50])
    .addOption(new Option('--ties <rule>', 'equal scores: by item-list position, or pessimistic (corrected mode)').choices(['position', 'pessimistic']).default('position'))
    .option('--skip-missing', 'leave scorable turns without a prediction out of the means (the old behaviour) instead of counting them as misses')
    .option('--title-grid', 'with --titles: He et al.\'s 2×2 grid in one run — out-of-catalogue titles filtered or not × seen items excluded or not (docs/metrics.md §2.1)')
    .option('--no-beyond-accuracy', 'skip coverage, Gini, ARP, long-tail share, novelty and intra-list diversity (docs/metrics.md §10)')
    .action(async (flags: CommonFlags & { predictions?: string; crslabPredictions?: string; export?: string; titles?: boolean; baseline?: BaselineName | 'all'; baselines?: boolean; k: number[]; ties: 'position' | 'pessimistic'; skipMissing?: boolean; beyondAccuracy: boolean; titleGrid?: boolean }) => {
      if (flags.crslabPredictions !== undefined) return crslabPredictionsAction(flags as CrslabPredictionFlags & CommonFlags & { k: number[] });
      if (flags.export !== undefined) throw new CliError('--export applies to --crslab-predictions');
      const baseline = flags.baselines ? 'all' : flags.baseline;
      if (!flags.predictions === !baseline) throw new CliError('give either --predictions FILE or --baseline popularity|cooccurrence|bm25|all (--baselines)');
      if (flags.titles && !flags.predictions) throw new CliError('--titles applies to --predictions');
      if (flags.titleGrid && !flags.titles) throw new CliError('--title-grid applies to --titles');
      if (flags.skipMissing && !flags.predictions) throw new CliError('--skip-missing applies to --predictions: a baseline ranks every turn');
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
            skipMissing: flags.skipMissing ?? false,
            keepSamples: flags.samplesOut !== undefined,
            beyondAccuracy: flags.beyondAccuracy,
            titleGrid: flags.titleGrid ?? false,
          },
          hooks,
        ),
      );
      const { samples, ...rest } = report;
      if (flags.samplesOut) writeSamples(flags.samplesOut, samples ?? []);
      if (flags.json) {
        console.log(JSON.stringify(rest, null, 2));
        return;
      }
      console.log(formatRows(report.rows, { long: flags.long }));
      if (report.beyondAccuracy?.length) console.log(`\n${formatBeyondAccuracy(report.beyondAccuracy, report.popularity)}`);
      if (flags.samplesOut) console.log(`\n${samples?.length ?? 0} per-sample rows written to ${flags.samplesOut}`);
      const p = report.predictions;
      console.log(
        `\n${report.itemCount} candidate items, ${report.dialogues} dialogues read; self-test passed on ${report.selfTest.samples} samples.` +
          (p ? `\nPredictions: ${p.lines} lines (sha256 ${p.sha256}), ${p.unmatchedRanked} ranked entries matched no item${p.ambiguousTitles ? `, ${p.ambiguousTitles} shared titles` : ''}.` : ''),
      );
    });

  commonOptions(evalCommand.command('gen').description('BLEU@1–4, F1 and Dist@1–4 of generated responses (docs/formats.md §10.3), in both modes'))
    .requiredOption('--predictions <file>', 'JSON Lines: {"dialogueId", "turnIndex", "hyp", "ref"?} per turn (may be gzipped)')
    .action(async (flags: CommonFlags & { predictions: string }) => {
      const report = await run('eval gen', flags, (manager, hooks) =>
        evaluateGenerationRun(
          manager,
          { predictions: { file: flags.predictions }, family: flags.family, modes: MODES[flags.mode], filter: filterOf(flags), groupBy: flags.groupBy, keepSamples: flags.samplesOut !== undefined },
          hooks,
        ),
      );
      const { samples, ...rest } = report;
      if (flags.samplesOut) writeSamples(flags.samplesOut, samples ?? []);
      if (flags.json) console.log(JSON.stringify(rest, null, 2));
      else console.log(`${formatRows(report.rows, { long: flags.long })}\n\nPredictions: ${report.predictions.lines} lines (sha256 ${report.predictions.sha256}).`);
    });
}
