/**
 * Recommendation evaluation over the database: the dialogues of a filter (through the shared
 * dialogue stream), the item list, predictions or built-in baselines, scored with the metric
 * core per model × split × stereotype × mode. The CLI calls it directly; the API runs it in the
 * background and stores the rows as they grow.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Baseline, BaselineName, Bm25Baseline, CooccurrenceBaseline, itemDocumentText, PopularityBaseline } from '../../evaluation/baselines';
import { BeyondAccuracyAccumulator, headItems, topK, type BeyondAccuracyResult } from '../../evaluation/beyond-accuracy';
import { readGenerationPredictions } from '../../evaluation/generation-eval';
import { GENERATION_KS, GenerationMetricsAccumulator } from '../../evaluation/text-metrics';
import { RankedBy, RankedResolver, readPredictions, stringLines, type Prediction } from '../../evaluation/predictions';
import {
  EvaluationMode,
  ItemList,
  mergeTurns,
  ModelFamily,
  Ranking,
  RecommendationAccumulator,
  RecommendationResult,
  scoreTurn,
  SkipReason,
  TieBreak,
  turnQualifies,
  type MergedTurn,
  type SampleRecord,
} from '../../evaluation/recommendation';
import { countDialogues, streamDialogues, type StreamedDialogue } from '../../dialogues/stream';
import { readLines } from '../../ingest/lines';
import { dialogueConditions } from '../../dialogues/selection';
import { SplitName, type DialogueFilter } from '../dialogue/dialogue.type';
import { SPLIT_NAMES } from '../../dialogues/vocabulary';

export type EvaluationGroupBy = 'split' | 'stereotype';

export type PredictionSource = { file: string } | { text: string; name?: string };

export interface RecEvaluationOptions {
  predictions?: PredictionSource;
  baselines?: BaselineName[];
  rankedBy: RankedBy;
  family: ModelFamily;
  modes: EvaluationMode[];
  ks: number[];
  ties: TieBreak;
  filter: DialogueFilter | null;
  groupBy: EvaluationGroupBy[];
  /** The behaviour before coverage existed: scorable samples without a prediction are skipped (NO_PREDICTION), not counted as misses. */
  skipMissing?: boolean;
  /** Keep every sample's values (report.samples) for storage, JSONL export and comparison. */
  keepSamples?: boolean;
  /** Beyond-accuracy metrics of the lists (docs/metrics.md §10); default true. */
  beyondAccuracy?: boolean;
  /**
   * Titles only: He et al.'s 2×2 grid (docs/metrics.md §2.1) in one run: out-of-catalogue titles
   * filtered (distance ≤ 2) or not × items already seen in the context excluded or not, as the
   * models `predictions`, `predictions:unfiltered`, `predictions:exclude-seen`, `predictions:unfiltered+exclude-seen`.
   */
  titleGrid?: boolean;
}

/** The grid's four variants; the first is what a plain title evaluation scores. */
export const TITLE_GRID = [
  { model: 'predictions', unfiltered: false, excludeSeen: false },
  { model: 'predictions:unfiltered', unfiltered: true, excludeSeen: false },
  { model: 'predictions:exclude-seen', unfiltered: false, excludeSeen: true },
  { model: 'predictions:unfiltered+exclude-seen', unfiltered: true, excludeSeen: true },
] as const;

/** Beyond-accuracy metrics of one model on one split × stereotype (mode-independent: the lists as ranked). */
export interface BeyondAccuracyRow extends BeyondAccuracyResult {
  model: string;
  split: string | null;
  stereotype: string | null;
}

/** One row of results (docs/formats.md §10.4): a model on one split × stereotype in one mode. */
export interface EvaluationRow extends RecommendationResult {
  /** `predictions`, or the baseline's name. */
  model: string;
  /** null: not grouped by it (all), or the dialogues have none. */
  split: string | null;
  stereotype: string | null;
}

/** A kept sample with the row it belongs to (docs/metrics.md §9.2). */
export interface EvaluationSampleRow extends SampleRecord {
  model: string;
  mode: EvaluationMode;
  split: string | null;
  stereotype: string | null;
}

export interface RecEvaluationReport {
  rows: EvaluationRow[];
  /** Kept samples (keepSamples), in row order then scoring order. */
  samples?: EvaluationSampleRow[];
  /** Per model × group (docs/metrics.md §10); absent when switched off. */
  beyondAccuracy?: BeyondAccuracyRow[];
  /** How the beyond-accuracy popularity was counted. */
  popularity?: { source: string; trainInteractions: number; headItems: number };
  itemCount: number;
  dialogues: number;
  predictions?: { lines: number; sha256: string; unmatchedRanked: number; ambiguousTitles: number };
  selfTest: { passed: true; samples: number };
}

export interface RunHooks {
  /** After every batch of dialogues: progress in [0, 1] and the rows so far. */
  onProgress?: (progress: number, rows: EvaluationRow[]) => Promise<void> | void;
  signal?: AbortSignal;
}

const PROGRESS_EVERY = 100;
const MODEL_ORDER = [...TITLE_GRID.map((v) => v.model as string), 'popularity', 'cooccurrence', 'bm25'];
const splitRank = (s: string | null) => (s === null ? -1 : (SPLIT_NAMES as readonly string[]).indexOf(s));

/** Per model × group × mode accumulators, in a stable row order. */
class Results {
  private readonly accumulators = new Map<string, { row: Omit<EvaluationRow, keyof RecommendationResult>; acc: RecommendationAccumulator }>();

  constructor(private readonly options: RecEvaluationOptions) {}

  group(d: { split: string | null; stereotype: string | null } | null): { split: string | null; stereotype: string | null } {
    return {
      split: d && this.options.groupBy.includes('split') ? d.split : null,
      stereotype: d && this.options.groupBy.includes('stereotype') ? d.stereotype : null,
    };
  }

  get(model: string, group: { split: string | null; stereotype: string | null }, mode: EvaluationMode): RecommendationAccumulator {
    const key = JSON.stringify([model, group.split, group.stereotype, mode]);
    let entry = this.accumulators.get(key);
    if (!entry) {
      entry = {
        row: { model, ...group },
        // Baselines rank every turn, so only predictions can miss.
        acc: new RecommendationAccumulator(mode, this.options.family, this.options.ks, { skipMissing: this.options.skipMissing, keepSamples: this.options.keepSamples }),
      };
      this.accumulators.set(key, entry);
    }
    return entry.acc;
  }

  rows(): EvaluationRow[] {
    return this.sorted().map(({ row, acc }) => ({ ...row, ...acc.result() }));
  }

  samples(): EvaluationSampleRow[] {
    return this.sorted().flatMap(({ row, acc }) => acc.records.map((r) => ({ model: row.model, mode: acc.mode, split: row.split, stereotype: row.stereotype, ...r })));
  }

  private sorted() {
    const models = MODEL_ORDER;
    return [...this.accumulators.values()]
      .sort(
        (a, b) =>
          models.indexOf(a.row.model) - models.indexOf(b.row.model) ||
          splitRank(a.row.split) - splitRank(b.row.split) ||
          (a.row.stereotype ?? '').localeCompare(b.row.stereotype ?? '') ||
          this.options.modes.indexOf(a.acc.mode) - this.options.modes.indexOf(b.acc.mode),
      );
  }
}

/** The item list: the catalogue of the selected dialogues' domains (every item when none), ordered by ASIN. */
async function loadItemList(manager: EntityManager, filter: DialogueFilter | null, withMetadata: boolean) {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params);
  const domains: Array<{ domain: string }> = await manager.query(
    `SELECT DISTINCT d.domain FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
    params,
  );
  const columns = withMetadata ? `asin, title, genres, keywords, "cast", directors, overview` : 'asin, title';
  const rows: Array<Record<string, any>> = domains.length
    ? await manager.query(`SELECT ${columns} FROM items WHERE domain = ANY($1) ORDER BY asin COLLATE "C"`, [domains.map((d) => d.domain)])
    : await manager.query(`SELECT ${columns} FROM items ORDER BY asin COLLATE "C"`);
  return rows;
}

function utterancesOf(d: StreamedDialogue) {
  return d.turns.map((t) => ({
    index: t.index,
    role: t.role,
    text: t.text,
    mentions: t.mentions.map((m) => ({ item: m.asin ?? m.rawId, isRecommendation: m.isRecommendation })),
  }));
}

/** The training dialogues of the same data as the filter (its split and stereotype aside). */
function trainFilter(filter: DialogueFilter | null): DialogueFilter {
  const f = filter ?? {};
  return { status: f.status, dataset: f.dataset, domain: f.domain, source: f.source, split: SplitName.TRAIN };
}

/**
 * Train popularity: how often each item is a gold label of a qualifying train-split turn of the
 * family (the popularity baseline's counts; the "train interactions" of docs/metrics.md §10.1).
 */
async function trainPopularity(manager: EntityManager, items: ItemList, options: RecEvaluationOptions, signal?: AbortSignal): Promise<PopularityBaseline> {
  const popularity = new PopularityBaseline(items.size);
  for await (const d of streamDialogues(manager, { filter: trainFilter(options.filter), signal })) {
    for (const turn of mergeTurns(utterancesOf(d))) {
      if (!turnQualifies(turn, options.family)) continue;
      for (const gold of turn.golds) {
        const p = items.position.get(gold);
        if (p !== undefined) popularity.addGold(p);
      }
    }
  }
  return popularity;
}

/** Lower-cased genres ∪ keywords per item-list position (intra-list diversity, docs/metrics.md §10.1). */
function featureSets(metadata: Array<Record<string, any>>): Array<Set<string>> {
  return metadata.map((r) => new Set([...(r.genres ?? []), ...(r.keywords ?? [])].map((x: string) => x.toLowerCase())));
}

async function buildBaseline(manager: EntityManager, name: BaselineName, items: ItemList, metadata: Array<Record<string, any>>, options: RecEvaluationOptions, signal?: AbortSignal): Promise<Baseline> {
  if (name === 'bm25') return new Bm25Baseline(metadata.map((r) => itemDocumentText(r as { title: string })));
  if (name === 'popularity') return trainPopularity(manager, items, options, signal);
  const cooccurrence = new CooccurrenceBaseline(items.size);
  // Users' histories in keyset batches of users. A user's review of the target of one of their
  // own non-training dialogues is left out: it is the answer being evaluated.
  let after = 0;
  for (;;) {
    signal?.throwIfAborted();
    const rows: Array<{ user_id: number; asins: string[] }> = await manager.query(
      `WITH u AS (SELECT DISTINCT user_id FROM interactions WHERE user_id > $1 ORDER BY user_id LIMIT 1000)
       SELECT i.user_id, array_agg(it.asin ORDER BY i.id) AS asins
         FROM interactions i JOIN u ON u.user_id = i.user_id JOIN items it ON it.id = i.item_id
        WHERE NOT EXISTS (SELECT 1 FROM dialogues d WHERE d.user_id = i.user_id AND d.target_item_id = i.item_id AND d.split IS DISTINCT FROM 'train')
        GROUP BY i.user_id ORDER BY i.user_id`,
      [after],
    );
    if (!rows.length) break;
    for (const r of rows) {
      const positions = r.asins.map((a) => items.position.get(a)).filter((p): p is number => p !== undefined);
      cooccurrence.addHistory(positions);
    }
    after = rows[rows.length - 1].user_id;
  }
  return cooccurrence;
}

/** The lines of a file (streamed) or of an uploaded string, and their SHA-256 once read. */
function sourceLines(source: PredictionSource): { name: string; lines: AsyncIterable<{ line: number; text: string }> | Iterable<{ line: number; text: string }>; sha256(): Promise<string> } {
  if ('file' in source) {
    const reader = readLines(source.file);
    const lines = (async function* () {
      for await (const l of reader) yield { line: l.line, text: l.text };
    })();
    return { name: source.file, lines, sha256: async () => (await reader.digest()).sha256 };
  }
  return { name: source.name ?? 'predictions', lines: stringLines(source.text), sha256: async () => createHash('sha256').update(source.text).digest('hex') };
}

async function loadPredictions(source: PredictionSource, items: ItemList, titles: string[], rankedBy: RankedBy, unfiltered: boolean) {
  const resolver = new RankedResolver(items, rankedBy, titles, unfiltered);
  const input = sourceLines(source);
  const set = await readPredictions(input.lines, input.name, resolver, rankedBy);
  return { set, sha256: await input.sha256(), ambiguousTitles: resolver.ambiguousTitles };
}

/** Runs a recommendation evaluation; the rows are final when it resolves. */
export async function evaluateRecommendationRun(manager: EntityManager, options: RecEvaluationOptions, hooks: RunHooks = {}): Promise<RecEvaluationReport> {
  const baselineNames = options.baselines ?? [];
  const withBeyond = options.beyondAccuracy ?? true;
  const metadata = await loadItemList(manager, options.filter, baselineNames.includes('bm25') || withBeyond);
  const items = new ItemList(metadata.map((r) => r.asin));
  const results = new Results(options);
  const scoring = { items, ks: options.ks, ties: options.ties };

  const popularity = withBeyond || baselineNames.includes('popularity') ? await trainPopularity(manager, items, options, hooks.signal) : null;
  const beyondContext = withBeyond && popularity ? { catalogueSize: items.size, popularity: popularity.scores(), features: featureSets(metadata), ks: options.ks } : null;
  const beyond = new Map<string, { row: Omit<BeyondAccuracyRow, keyof BeyondAccuracyResult>; acc: BeyondAccuracyAccumulator }>();
  const maxK = Math.max(...options.ks);
  const addList = (model: string, group: ReturnType<Results['group']>, ranking: Ranking) => {
    if (!beyondContext) return;
    const key = JSON.stringify([model, group.split, group.stereotype]);
    let entry = beyond.get(key);
    if (!entry) beyond.set(key, (entry = { row: { model, ...group }, acc: new BeyondAccuracyAccumulator(beyondContext) }));
    entry.acc.add(ranking.ranked !== undefined ? ranking.ranked.slice(0, maxK) : topK(ranking.scores, maxK));
  };

  const scoreOne = (model: string, group: ReturnType<Results['group']>, golds: readonly string[], context: readonly string[], ranking: Ranking | null, id: { dialogueId: number; turnIndex: number }) => {
    for (const mode of options.modes) scoreTurn(results.get(model, group, mode), { ...scoring, mode }, golds, context, ranking, id);
    if (ranking) addList(model, group, ranking);
  };
  const grid = options.titleGrid && options.rankedBy === 'title' ? TITLE_GRID : TITLE_GRID.slice(0, 1);
  /** Predictions fan out over the title grid's variants (one variant without it). */
  const score = (
    model: string,
    group: ReturnType<Results['group']>,
    golds: readonly string[],
    context: readonly string[],
    ranking: Ranking | null,
    id: { dialogueId: number; turnIndex: number },
    unfiltered?: Ranking,
  ) => {
    if (model !== 'predictions') return scoreOne(model, group, golds, context, ranking, id);
    for (const variant of grid) {
      let r = ranking && variant.unfiltered ? (unfiltered ?? ranking) : ranking;
      if (r && variant.excludeSeen && r.ranked !== undefined) {
        // §2 step 6 before step 7: dropping seen items' entries leaves every other item's first place as it was.
        const seen = new Set(context.map((i) => items.position.get(i)).filter((p): p is number => p !== undefined));
        r = { ranked: r.ranked.filter((p) => !seen.has(p)) };
      }
      scoreOne(variant.model, group, golds, context, r, id);
    }
  };
  const skip = (model: string, group: ReturnType<Results['group']>, reason: SkipReason, perMode: (mode: EvaluationMode) => number = () => 1) => {
    for (const m of model === 'predictions' ? grid.map((v) => v.model) : [model]) for (const mode of options.modes) results.get(m, group, mode).skip(reason, perMode(mode));
  };

  let predictions: Awaited<ReturnType<typeof loadPredictions>> | null = null;
  if (options.predictions) predictions = await loadPredictions(options.predictions, items, metadata.map((r) => r.title), options.rankedBy, options.titleGrid ?? false);
  const baselines: Baseline[] = [];
  for (const name of baselineNames) baselines.push(name === 'popularity' && popularity ? popularity : await buildBaseline(manager, name, items, metadata, options, hooks.signal));

  const total = await countDialogues(manager, options.filter);
  let done = 0;
  const seenDialogues = new Set<number>();
  for await (const d of streamDialogues(manager, { filter: options.filter, signal: hooks.signal })) {
    done++;
    const group = results.group(d);
    // Every selected dialogue is walked: its scorable turns without a line are misses (or, with skipMissing, NO_PREDICTION skips).
    const dialoguePredictions = predictions ? (predictions.set.byDialogue.get(d.id) ?? new Map<number, Prediction>()) : undefined;
    seenDialogues.add(d.id);
    const turns = mergeTurns(utterancesOf(d));
    const context: string[] = [];
    const contextText: string[] = [];
    const used = new Set<number>();
    for (const turn of turns) {
      const scorable = turnQualifies(turn, options.family) && turn.golds.length > 0;
      if (dialoguePredictions) {
        const p = dialoguePredictions.get(turn.index);
        if (p) used.add(turn.index);
        const id = { dialogueId: d.id, turnIndex: turn.index };
        if (p && p.gold) scoreLine('predictions', group, p, turn, context);
        else if (p && scorable) score('predictions', group, turn.golds, p.context ?? context, p.ranking, id, p.unfilteredRanking);
        else if (p) skip('predictions', group, turn.t === 0 ? 'FIRST_TURN' : 'TURN_NOT_SCORABLE');
        else if (scorable) score('predictions', group, turn.golds, context, null, id);
      }
      if (scorable) {
        const positions = context.map((i) => items.position.get(i)).filter((p): p is number => p !== undefined);
        for (const baseline of baselines) {
          score(baseline.name, group, turn.golds, context, { scores: baseline.scores({ items: positions, text: contextText.join('\n') }) }, { dialogueId: d.id, turnIndex: turn.index });
        }
      }
      context.push(...turn.items);
      contextText.push(turn.text);
    }
    if (dialoguePredictions) {
      const stored = new Set(d.turns.map((t) => t.index));
      for (const [index, p] of dialoguePredictions) {
        if (used.has(index)) continue;
        if (p.gold) scoreLine('predictions', group, p, null, []);
        else skip('predictions', group, stored.has(index) ? 'TURN_NOT_SCORABLE' : 'UNKNOWN_TURN');
      }
    }
    if (done % PROGRESS_EVERY === 0) await hooks.onProgress?.(done / Math.max(total, 1), results.rows());
  }

  // Lines whose dialogue is not among the evaluated ones: self-contained when they carry `gold`.
  if (predictions) {
    for (const [id, turns] of predictions.set.byDialogue) {
      if (seenDialogues.has(id)) continue;
      for (const p of turns.values()) {
        if (p.gold) scoreLine('predictions', results.group(null), p, null, []);
        else skip('predictions', results.group(null), 'UNKNOWN_DIALOGUE');
      }
    }
  }

  /** A line that brings its own gold (and context, else the stored one): docs/formats.md §10.1. */
  function scoreLine(model: string, group: ReturnType<Results['group']>, p: Prediction, turn: MergedTurn | null, storedContext: readonly string[]) {
    const role = p.role ?? turn?.role;
    if (p.turnIndex === 0 || turn?.t === 0) skip(model, group, 'FIRST_TURN');
    else if (options.family === 'recommender-turns' && role === 'USER') skip(model, group, 'TURN_NOT_SCORABLE');
    else score(model, group, p.gold!, p.context ?? storedContext, p.ranking, { dialogueId: p.dialogueId, turnIndex: p.turnIndex }, p.unfilteredRanking);
  }

  const rows = results.rows();
  await hooks.onProgress?.(1, rows);
  return {
    rows,
    samples: options.keepSamples ? results.samples() : undefined,
    beyondAccuracy: beyondContext
      ? [...beyond.values()]
          .map(({ row, acc }) => ({ ...row, ...acc.result() }))
          .sort((a, b) => MODEL_ORDER.indexOf(a.model) - MODEL_ORDER.indexOf(b.model) || splitRank(a.split) - splitRank(b.split) || (a.stereotype ?? '').localeCompare(b.stereotype ?? ''))
      : undefined,
    popularity: beyondContext
      ? { source: `gold labels of the train split's ${options.family} (the popularity baseline's counts)`, trainInteractions: Array.from(beyondContext.popularity).reduce((a, b) => a + b, 0), headItems: headItems(beyondContext.popularity).size }
      : undefined,
    itemCount: items.size,
    dialogues: done,
    predictions: predictions
      ? { lines: predictions.set.lines, sha256: predictions.sha256, unmatchedRanked: predictions.set.unmatched, ambiguousTitles: predictions.ambiguousTitles }
      : undefined,
    // scoreTurn self-tests every sample it scores and throws when one fails.
    selfTest: { passed: true, samples: rows.reduce((n, r) => n + r.samples, 0) },
  };
}

export interface GenEvaluationOptions {
  predictions: PredictionSource;
  family: ModelFamily;
  modes: EvaluationMode[];
  filter: DialogueFilter | null;
  groupBy: EvaluationGroupBy[];
  keepSamples?: boolean;
}

/**
 * Generation metrics (docs/metrics.md §3) for responses: each line's `hyp` against its `ref`, or the
 * stored merged turn's text. Turns per family as §1.1 (RECOMMENDER_TURNS: assistant turns only).
 * Coverage = responses scored ÷ qualifying turns of the selected dialogues; a turn without a
 * response is not scored (there is no hypothesis to give BLEU 0 to), so `missing` is `skipped`.
 */
export async function evaluateGenerationRun(manager: EntityManager, options: GenEvaluationOptions, hooks: RunHooks = {}) {
  const input = sourceLines(options.predictions);
  const predictions = await readGenerationPredictions(input.lines, input.name);
  const groups = new Map<string, { split: string | null; stereotype: string | null; acc: GenerationMetricsAccumulator; skipped: Record<string, number>; scorable: number; lines: number }>();
  const groupOf = (d: { split: string | null; stereotype: string | null } | null) => {
    const split = d && options.groupBy.includes('split') ? d.split : null;
    const stereotype = d && options.groupBy.includes('stereotype') ? d.stereotype : null;
    const key = JSON.stringify([split, stereotype]);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { split, stereotype, acc: new GenerationMetricsAccumulator({ keepSamples: options.keepSamples }), skipped: {}, scorable: 0, lines: 0 }));
    return g;
  };
  const skip = (g: ReturnType<typeof groupOf>, reason: SkipReason) => (g.skipped[reason] = (g.skipped[reason] ?? 0) + 1);
  const rows = (): EvaluationRow[] =>
    // Groups without a single line (a split nobody answered) get no row, as before coverage existed.
    [...groups.values()].filter((g) => g.lines > 0).flatMap((g) =>
      options.modes.map((mode) => {
        const r = g.acc.result(mode);
        const skipped: Record<string, number> = { ...g.skipped };
        if (r.skipped.EMPTY_HYPOTHESIS) skipped.EMPTY_HYPOTHESIS = r.skipped.EMPTY_HYPOTHESIS;
        return {
          model: 'predictions',
          split: g.split,
          stereotype: g.stereotype,
          mode,
          family: options.family,
          ks: [...GENERATION_KS],
          samples: r.samples,
          predicted: r.samples,
          // Lines that bring their own ref for unknown dialogues have no stored turn to count.
          coverage: g.scorable === 0 ? null : Math.min(1, r.samples / g.scorable),
          missing: 'skipped' as const,
          skipped,
          repeatedGolds: 0,
          approximate: false,
          metrics: r.metrics,
          uncertainty: r.uncertainty,
        };
      }),
    );

  const total = await countDialogues(manager, options.filter);
  let done = 0;
  const seen = new Set<number>();
  for await (const d of streamDialogues(manager, { filter: options.filter, signal: hooks.signal })) {
    done++;
    const lines = predictions.byDialogue.get(d.id);
    const g = groupOf(d);
    const turns = new Map(mergeTurns(utterancesOf(d)).map((t) => [t.index, t]));
    for (const t of turns.values()) if (turnQualifies(t, options.family)) g.scorable++;
    if (lines) {
      seen.add(d.id);
      g.lines += lines.size;
      const stored = new Set(d.turns.map((t) => t.index));
      for (const p of lines.values()) {
        const turn = turns.get(p.turnIndex);
        if (!turn) skip(g, stored.has(p.turnIndex) ? 'TURN_NOT_SCORABLE' : 'UNKNOWN_TURN');
        else if (turn.t === 0) skip(g, 'FIRST_TURN');
        else if (!turnQualifies(turn, options.family)) skip(g, 'TURN_NOT_SCORABLE');
        else g.acc.add(p.hyp, [p.ref ?? turn.text], { dialogueId: d.id, turnIndex: p.turnIndex });
      }
    }
    if (done % PROGRESS_EVERY === 0) await hooks.onProgress?.(done / Math.max(total, 1), rows());
  }
  for (const [id, lines] of predictions.byDialogue) {
    if (seen.has(id)) continue;
    const g = groupOf(null);
    g.lines += lines.size;
    for (const p of lines.values()) {
      if (p.ref !== undefined) g.acc.add(p.hyp, [p.ref], { dialogueId: p.dialogueId, turnIndex: p.turnIndex });
      else skip(g, 'UNKNOWN_DIALOGUE');
    }
  }
  const result = rows();
  await hooks.onProgress?.(1, result);
  const samples: EvaluationSampleRow[] | undefined = options.keepSamples
    ? [...groups.values()].flatMap((g) =>
        options.modes.flatMap((mode) => g.acc.records(mode).map((r) => ({ model: 'predictions', mode, split: g.split, stereotype: g.stereotype, gold: '', predicted: true, ...r }))),
      )
    : undefined;
  return { rows: result, samples, dialogues: done, predictions: { lines: predictions.lines, sha256: await input.sha256() } };
}
