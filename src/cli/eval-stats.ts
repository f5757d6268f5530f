import fs from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig } from '../config/config';
import { countDialogues } from '../export/dialogue-stream';
import { computeDiversity, embedderFor, EmbeddingEndpointError, type DiversityResult } from '../evaluation/diversity';
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
    `Dataset statistics (metrics.md §4.1; tokenizer ${stats.tokenizer}; 4-grams ${stats.fourGramCounting})`,
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

export function formatDiversity(result: DiversityResult): string {
  const rows = result.turns.map((t) => [String(t.turn), int(t.population), int(t.sampled), dec(t.similarity, 4), dec(t.distinct['dist@1'], 4), dec(t.distinct['dist@2'], 4)]);
  return [
    `Diversity (metrics.md §5): ${result.method === 'TFIDF' ? 'local TF-IDF' : `embeddings, model ${result.model}`}; seed ${result.seed}, at most ${result.maxPerTurn} utterances per turn`,
    table(['turn', 'utterances', 'sampled', 'S_t', 'dist@1', 'dist@2'], rows),
    `overall (mean of S_t): ${dec(result.overall, 4)}   distinct over the samples: dist@1 ${dec(result.distinct['dist@1'], 4)}, dist@2 ${dec(result.distinct['dist@2'], 4)}`,
    `published: ${result.references.map((r) => `${r.dataset} ${r.similarity}`).join(', ')} (${result.references[0]?.source}; model unknown)`,
  ].join('\n') + '\n';
}

const FIELD_TITLES: Record<string, string> = {
  utterancesPerDialogue: 'Utterances per dialogue',
  tokensPerUtterance: 'Tokens per utterance',
  tokensPerDialogue: 'Tokens per dialogue',
  itemMentionsPerDialogue: 'Item mentions per dialogue',
  dialoguesPerUser: 'Dialogues per user',
};

/**
 * One histogram per distribution (metrics.md §4.1) of the overall row, and of each group when
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
      .description('corpus statistics (metrics.md §4): dialogues, utterances, tokens, 4-grams, users, items, distributions')
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
      .description('pairwise similarity of utterances by turn position (metrics.md §5), with distinct-n; EMBEDDINGS_BASE_URL or a local TF-IDF')
      .option('--max-per-turn <n>', 'utterances compared per turn position (sampled beyond)', positiveInt, 1000)
      .option('--max-turn <n>', 'last turn position reported', positiveInt, 10)
      .option('--seed <n>', 'seed of the keyed sampling sub-streams', nonNegativeInt, 42)
      .option('--svg <file>', 'also write the chart of S_t by turn as SVG (fitted y axis, published references, utterances per point)')
      .option('--json', 'print the result as JSON (the SVG included)'),
  ).action(async (opts: FilterFlags & { maxPerTurn: number; maxTurn: number; seed: number; svg?: string; json?: boolean }) => {
    const problem = diversityLimitProblem(opts.maxPerTurn, opts.maxTurn);
    if (problem) throw new CliError(`--${problem.argument.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${problem.problem}`);
    const filter = toFilter(opts);
    const embedder = embedderFor(loadConfig().embeddings);
    const result = await withProgress('diversity', filter, (db, onProgress) =>
      computeDiversity(db.dataSource.manager, { filter, maxPerTurn: opts.maxPerTurn, maxTurn: opts.maxTurn, seed: opts.seed, embedder, onProgress }),
    );
    if (opts.svg) {
      try {
        fs.writeFileSync(opts.svg, result.svg);
      } catch (error) {
        throw new CliError(`--svg ${opts.svg}: ${(error as Error).message}`);
      }
    }
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : formatDiversity(result));
    if (opts.svg && !opts.json) process.stdout.write(`chart written to ${opts.svg}\n`);
  });
}
