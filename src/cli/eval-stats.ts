import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/config';
import { countDialogues } from '../dialogues/stream';
import { computeDiversity, embedderFor, EmbeddingEndpointError, type DiversityResult } from '../evaluation/diversity';
import { distinctByDataset, type DistinctComparison } from '../evaluation/distinct';
import { computeDatasetStatistics, STATISTICS_GROUP_KEYS, type DatasetStatisticsResult, type StatisticsGroupKey, type StatisticsRow } from '../evaluation/statistics';
import { histogramSvg } from '../evaluation/svg-chart';
import { Progress } from '../ingest/progress';
import { DialogueSource, SplitName, type DialogueFilter } from '../modules/dialogue/dialogue.type';
import { diversityLimitProblem } from '../modules/statistics/statistics.resolver';
import { CliError, nonNegativeInt, positiveInt, withCliErrors, withDatabase } from './common';

interface FilterFlags {
  split?: SplitName;
  stereotype?: string;
  source?: DialogueSource;
  dataset?: string;
  domain?: string;
}

function filterOptions(command: Command): Command {
  return command
    .addOption(new Option('--split <split>', 'only this split').choices(Object.values(SplitName)))
    .option('--stereotype <key>', 'only this stereotype, e.g. "Fully Expressive Seeker"')
    .addOption(new Option('--source <source>', 'only dialogues of this origin').choices(Object.values(DialogueSource)))
    .option('--dataset <name>', 'only this dataset (distillrecdial, llm-redial, redial, pearl, inspired, generated)')
    .option('--domain <domain>', 'only this domain, e.g. Movies_and_TV');
}

const toFilter = (flags: FilterFlags): DialogueFilter => ({
  split: flags.split,
  stereotype: flags.stereotype,
  source: flags.source,
  dataset: flags.dataset,
  domain: flags.domain,
});

function groupList(value: string): StatisticsGroupKey[] {
  const keys = value.split(',').map((k) => k.trim()).filter(Boolean);
  const unknown = keys.filter((k) => !(STATISTICS_GROUP_KEYS as readonly string[]).includes(k));
  if (!keys.length || unknown.length) {
    throw new InvalidArgumentError(`expected a comma-separated list of ${STATISTICS_GROUP_KEYS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  }
  return keys as StatisticsGroupKey[];
}

async function withProgress<T>(label: string, filter: DialogueFilter, run: (db: Parameters<Parameters<typeof withDatabase>[0]>[0], onProgress: (n: number) => void) => Promise<T>) {
  return withDatabase((db) =>
    withCliErrors(async () => {
      const total = await countDialogues(db.dataSource.manager, filter);
      const progress = new Progress(label, total);
      const result = await run(db, (n) => progress.update(n, n));
      progress.finish(`${total.toLocaleString('en')} dialogues`);
      return result;
    }, { also: [EmbeddingEndpointError] }),
  );
}

/** A plain aligned table: first column left, the others right. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const int = (n: number | null | undefined) => (n === null || n === undefined ? '–' : n.toLocaleString('en'));
const dec = (n: number | null | undefined, digits = 2) => (n === null || n === undefined ? '–' : n.toFixed(digits));

const STATS_HEADER = ['', '#Dialogues', '#Utterances', 'Avg. turns', 'Avg. tokens/utt.', '#Tokens', '#4-Grams', '#Users', '#Items', 'Catalogue', 'Avg. dial./user'];

type StatsColumns = 'dialogues' | 'utterances' | 'avgTurns' | 'avgTokensPerUtterance' | 'distinctTokens' | 'distinctFourGrams' | 'users' | 'items' | 'catalogueSize' | 'avgDialoguesPerUser';

function statsCells(label: string, r: Partial<Record<StatsColumns, number | null>>): string[] {
  return [label, int(r.dialogues), int(r.utterances), dec(r.avgTurns), dec(r.avgTokensPerUtterance), int(r.distinctTokens), int(r.distinctFourGrams),
    int(r.users), int(r.items), int(r.catalogueSize), dec(r.avgDialoguesPerUser)];
}

export function formatStatistics(stats: DatasetStatisticsResult): string {
  const label = (row: StatisticsRow) => row.group.map((g) => `${g.key}=${g.value ?? '∅'}`).join(' ') || 'overall';
  const out = [
    `Dataset statistics (docs/metrics.md §4.1; tokenizer ${stats.tokenizer}; 4-grams ${stats.fourGramCounting})`,
    table(STATS_HEADER, [stats.overall, ...stats.groups].map((r) => statsCells(label(r), r))),
    '',
    'Distributions (overall):',
    table(['field', 'n', 'min', 'median', 'mean', 'p90', 'max'], stats.overall.distributions.map((d) =>
      [d.field, int(d.count), String(d.min), dec(d.median, 1), dec(d.mean), dec(d.p90, 1), String(d.max)])),
    '',
    'Published (for comparison; not computed by recdial):',
    table(STATS_HEADER, stats.references.map((r) => statsCells(`${r.dataset} [${r.source}]`, r))),
  ];
  return out.join('\n') + '\n';
}

export function formatDiversity(result: DiversityResult, distinct?: DistinctComparison): string {
  const rows = result.turns.map((t) => [String(t.turn), int(t.population), int(t.sampled), dec(t.similarity, 4), dec(t.distinct['dist@1'], 4), dec(t.distinct['dist@2'], 4)]);
  const out = [
    `Diversity (docs/metrics.md §5): ${result.method === 'TFIDF' ? 'local TF-IDF' : `embeddings, model ${result.model}`}; seed ${result.seed}, at most ${result.maxPerTurn} utterances per turn`,
    table(['turn', 'utterances', 'sampled', 'S_t', 'dist@1', 'dist@2'], rows),
    `overall (mean of S_t): ${dec(result.overall, 4)}   distinct over the samples: dist@1 ${dec(result.distinct['dist@1'], 4)}, dist@2 ${dec(result.distinct['dist@2'], 4)}`,
    // Published values only beside numbers of the same kind (sentence embeddings).
    result.references.length ? `published (sentence embeddings): ${result.references.map((r) => `${r.dataset} ${r.similarity}`).join(', ')} (${result.references[0]?.source}; model unknown)` : '',
    `comparability: ${result.comparability}`,
  ].filter(Boolean);
  if (distinct) out.push('', formatDistinctTable([{ label: 'selection', dialogues: result.dialogues, distinct }]));
  return out.join('\n') + '\n';
}

/** Distinct-n three ways (docs/metrics.md §5.1) per group: CRSArena-Dial's length-normalised, corrected, CRSLab-compat. */
export function formatDistinctTable(rows: Array<{ label: string; dialogues: number; distinct: DistinctComparison; similarity?: number | null }>): string {
  const withSimilarity = rows.some((r) => r.similarity !== undefined);
  const header = ['', '#Dialogues', '#Utterances', '#Tokens', 'norm d@1', 'norm d@2', 'norm d@3', 'norm d@4', 'corr d@1', 'corr d@2', 'crslab d@1', 'crslab d@2', ...(withSimilarity ? ['S (mean S_t)'] : [])];
  const cells = rows.map((r) => {
    const n = r.distinct.normalised;
    const flag = n.comparable ? '' : '*';
    return [
      r.label,
      int(r.dialogues),
      int(r.distinct.utterances),
      int(r.distinct.tokens),
      ...[1, 2, 3, 4].map((k) => dec(n.metrics[`dist@${k}`], 4) + flag),
      dec(r.distinct.corrected['dist@1'], 4),
      dec(r.distinct.corrected['dist@2'], 4),
      dec(r.distinct.crslabCompat['dist@1'], 4),
      dec(r.distinct.crslabCompat['dist@2'], 4),
      ...(withSimilarity ? [dec(r.similarity, 4)] : []),
    ];
  });
  const first = rows[0]?.distinct.normalised;
  const notes = [
    `norm: length-normalised Distinct-n as CRSArena-Dial (lower-cased, whitespace-split utterances; CPython random.seed(${first?.seed ?? 42}) then ${first?.runs ?? 100} × random.shuffle of the utterances; first ${first?.tokens ?? 7012} tokens; unique ÷ total n-grams; mean over the shuffles) — comparable across corpora`,
    'corr: distinct ÷ total token n-grams over every utterance (falls as a corpus grows); crslab: distinct character n-grams ÷ utterances (CRSLab, not a ratio)',
  ];
  if (rows.some((r) => !r.distinct.normalised.comparable)) notes.push(`* fewer than ${first?.tokens ?? 7012} tokens: not length-normalised, not comparable`);
  return [table(header, cells), ...notes].join('\n');
}

const FIELD_TITLES: Record<string, string> = {
  utterancesPerDialogue: 'Utterances per dialogue',
  tokensPerUtterance: 'Tokens per utterance',
  tokensPerDialogue: 'Tokens per dialogue',
  itemMentionsPerDialogue: 'Item mentions per dialogue',
  dialoguesPerUser: 'Dialogues per user',
};

/**
 * One histogram per distribution (docs/metrics.md §4.1) of the overall row, and of each group when
 * grouped: `<field>.svg`, `<field>.<group>.svg`. Returns the files written.
 */
export function writeStatisticsSvgs(stats: DatasetStatisticsResult, dir: string): string[] {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`--svg ${dir}: ${(error as Error).message}`);
  }
  const written: string[] = [];
  const slug = (row: StatisticsRow) => row.group.map((g) => `${g.key}-${g.value ?? 'none'}`).join('.').replace(/[^A-Za-z0-9._-]+/g, '_');
  for (const row of [stats.overall, ...stats.groups]) {
    const suffix = row.group.length ? `.${slug(row)}` : '';
    const scope = row.group.map((g) => `${g.key}=${g.value ?? '∅'}`).join(', ');
    for (const d of row.distributions) {
      const title = `${FIELD_TITLES[d.field] ?? d.field}${scope ? ` (${scope})` : ''}`;
      const svg = histogramSvg({
        title,
        xLabel: `${FIELD_TITLES[d.field] ?? d.field} (tokenizer ${stats.tokenizer})`,
        bins: d.bins,
        median: d.count ? d.median : undefined,
        summary: `n = ${d.count.toLocaleString('en')}, mean ${d.mean.toFixed(2)}, median ${d.median} (dashed), p90 ${d.p90}, range ${d.min}–${d.max}`,
      });
      const file = path.join(dir, `${d.field}${suffix}.svg`);
      try {
        fs.writeFileSync(file, svg);
      } catch (error) {
        throw new CliError(`--svg ${dir}: ${(error as Error).message}`);
      }
      written.push(file);
    }
  }
  return written;
}

export function registerEvalStatsCommands(command: Command): void {
  filterOptions(
    command
      .command('stats')
      .description('corpus statistics (docs/metrics.md §4): dialogues, utterances, tokens, 4-grams, users, items, distributions')
      .option('--group-by <keys>', `group rows by a comma-separated combination of ${STATISTICS_GROUP_KEYS.join(', ')}`, groupList)
      .addOption(new Option('--tokenize <tokenizer>', 'how utterances are split into tokens').choices(['whitespace', 'word', 'gpt2', 'bert']).default('whitespace'))
      .option('--svg <dir>', 'also write a histogram of every distribution (and of every group) as SVG files into this folder')
      .option('--json', 'print the result as JSON'),
  ).action(async (opts: FilterFlags & { groupBy?: StatisticsGroupKey[]; tokenize: 'whitespace' | 'word' | 'gpt2' | 'bert'; svg?: string; json?: boolean }) => {
    const filter = toFilter(opts);
    const stats = await withProgress('statistics', filter, (db, onProgress) =>
      computeDatasetStatistics(db.dataSource.manager, { filter, groupBy: opts.groupBy ?? [], tokenizer: opts.tokenize, onProgress }),
    );
    const charts = opts.svg ? writeStatisticsSvgs(stats, opts.svg) : [];
    process.stdout.write(opts.json ? JSON.stringify(stats, null, 2) + '\n' : formatStatistics(stats));
    if (opts.svg && !opts.json) process.stdout.write(`${charts.length} histograms written to ${opts.svg}\n`);
  });

  filterOptions(
    command
      .command('diversity')
      .description('pairwise similarity of utterances by turn position (docs/metrics.md §5), with distinct-n; EMBEDDINGS_BASE_URL or a local TF-IDF')
      .option('--max-per-turn <n>', 'utterances compared per turn position (sampled beyond)', positiveInt, 1000)
      .option('--max-turn <n>', 'last turn position reported', positiveInt, 10)
      .option('--seed <n>', 'seed of the keyed sampling sub-streams', nonNegativeInt, 42)
      .option('--svg <file>', 'also write the chart of S_t by turn as SVG (fitted y axis, published references, utterances per point)')
      .addOption(new Option('--by <key>', 'one table across every imported dataset: Distinct-n three ways and the overall S').choices(['dataset']))
      .option('--json', 'print the result as JSON (the SVG included)'),
  ).action(async (opts: FilterFlags & { maxPerTurn: number; maxTurn: number; seed: number; svg?: string; json?: boolean; by?: 'dataset' }) => {
    const problem = diversityLimitProblem(opts.maxPerTurn, opts.maxTurn);
    if (problem) throw new CliError(`--${problem.argument.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${problem.problem}`);
    const filter = toFilter(opts);
    const embedder = embedderFor(loadConfig().embeddings);
    if (opts.by === 'dataset') {
      if (opts.svg) throw new CliError('--svg draws one selection; leave out --by dataset');
      const rows = await withProgress('diversity by dataset', filter, async (db, onProgress) => {
        const groups = await distinctByDataset(db.dataSource.manager, filter, onProgress);
        const out = [];
        for (const g of groups) {
          const d = await computeDiversity(db.dataSource.manager, { filter: { ...filter, dataset: g.dataset }, maxPerTurn: opts.maxPerTurn, maxTurn: opts.maxTurn, seed: opts.seed, embedder });
          out.push({ dataset: g.dataset, dialogues: g.dialogues, distinct: g.distinct, similarity: d.overall, method: d.method, model: d.model, references: d.references, comparability: d.comparability });
        }
        return out;
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ datasets: rows }, null, 2) + '\n');
        return;
      }
      const method = rows[0]?.method === 'EMBEDDINGS' ? `embeddings, model ${rows[0].model}` : 'local TF-IDF';
      process.stdout.write(
        [
          `Diversity by dataset (docs/metrics.md §5, §5.1); S = mean S_t by ${method}`,
          formatDistinctTable(rows.map((r) => ({ label: r.dataset, dialogues: r.dialogues, distinct: r.distinct, similarity: r.similarity }))),
          rows[0]?.references.length ? `published S (sentence embeddings): ${rows[0].references.map((r) => `${r.dataset} ${r.similarity}`).join(', ')}` : '',
          `comparability of S: ${rows[0]?.comparability ?? '–'}`,
        ].filter(Boolean).join('\n') + '\n',
      );
      return;
    }
    const [result, distinct] = await withProgress('diversity', filter, async (db, onProgress) => {
      const d = await computeDiversity(db.dataSource.manager, { filter, maxPerTurn: opts.maxPerTurn, maxTurn: opts.maxTurn, seed: opts.seed, embedder, onProgress });
      const [group] = await distinctByDataset(db.dataSource.manager, filter, undefined, false);
      return [d, group?.distinct] as const;
    });
    if (opts.svg) {
      try {
        fs.writeFileSync(opts.svg, result.svg);
      } catch (error) {
        throw new CliError(`--svg ${opts.svg}: ${(error as Error).message}`);
      }
    }
    process.stdout.write(opts.json ? JSON.stringify({ ...result, distinctComparison: distinct ?? null }, null, 2) + '\n' : formatDiversity(result, distinct));
    if (opts.svg && !opts.json) process.stdout.write(`chart written to ${opts.svg}\n`);
  });
}
