/**
 * Per-sample rows of stored evaluations (docs/metrics.md §9.2): written once an evaluation has
 * computed them, read back in keyset pages (API), as JSON Lines (CLI and HTTP), and paired by
 * sample key for compareEvaluations (§9.3).
 */
import type { EntityManager } from 'typeorm';
import { DEFAULT_COMPARISON_SEED, DEFAULT_RESAMPLES, pairedComparison, type PairedComparison } from '../../evaluation/uncertainty';
import { badInput } from '../../errors';
import type { EvaluationSampleRow } from './evaluation.runner';
import { RowOf, selectList } from '../../db/columns';
import { EvaluationSampleEntity } from '../../db/schema/evaluation-sample.entity';

const INSERT_BATCH = 2_000;
const READ_BATCH = 5_000;

/** Writes the samples in batches (unnest keeps one round trip per batch whatever its size). */
export async function storeSamples(manager: EntityManager, evaluationId: number, samples: readonly EvaluationSampleRow[]): Promise<void> {
  await manager.query('DELETE FROM evaluation_samples WHERE evaluation_id = $1', [evaluationId]);
  for (let start = 0; start < samples.length; start += INSERT_BATCH) {
    const batch = samples.slice(start, start + INSERT_BATCH);
    await manager.query(
      `INSERT INTO evaluation_samples (evaluation_id, seq, model, mode, split, stereotype, sample_key, dialogue_id, turn_index, gold, predicted, "values")
       SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::int[], $10::text[], $11::bool[], $12::jsonb[])`,
      [
        evaluationId,
        batch.map((_, i) => start + i),
        batch.map((s) => s.model),
        batch.map((s) => s.mode),
        batch.map((s) => s.split),
        batch.map((s) => s.stereotype),
        batch.map((s) => s.key),
        batch.map((s) => s.dialogueId),
        batch.map((s) => s.turnIndex),
        batch.map((s) => (s.gold === '' ? null : s.gold)),
        batch.map((s) => s.predicted),
        batch.map((s) => JSON.stringify(s.values)),
      ],
    );
  }
}

export interface StoredSample {
  seq: number;
  model: string;
  mode: string;
  split: string | null;
  stereotype: string | null;
  key: string;
  dialogueId: number | null;
  turnIndex: number | null;
  gold: string | null;
  predicted: boolean;
  values: Record<string, number>;
}

const SAMPLE_PROPS = ['seq', 'model', 'mode', 'split', 'stereotype', 'sampleKey', 'dialogueId', 'turnIndex', 'gold', 'predicted', 'values'] as const;

export type StoredSampleRow = RowOf<EvaluationSampleEntity, (typeof SAMPLE_PROPS)[number]>;

export const SAMPLE_COLUMNS = selectList(EvaluationSampleEntity, '', SAMPLE_PROPS);

export function toStoredSample(r: StoredSampleRow): StoredSample {
  return {
    seq: r.seq,
    model: r.model,
    mode: r.mode,
    split: r.split,
    stereotype: r.stereotype,
    key: r.sample_key,
    dialogueId: r.dialogue_id,
    turnIndex: r.turn_index,
    gold: r.gold,
    predicted: r.predicted,
    values: r.values,
  };
}

/** Every sample of an evaluation in order, in keyset batches (memory stays flat for the JSONL export). */
export async function* streamSamples(manager: EntityManager, evaluationId: number, filter: { model?: string | null; mode?: string | null } = {}): AsyncGenerator<StoredSample> {
  let after = -1;
  for (;;) {
    const rows: StoredSampleRow[] = await manager.query(
      `SELECT ${SAMPLE_COLUMNS} FROM evaluation_samples
        WHERE evaluation_id = $1 AND seq > $2 AND ($3::text IS NULL OR model = $3) AND ($4::text IS NULL OR mode = $4)
        ORDER BY seq LIMIT ${READ_BATCH}`,
      [evaluationId, after, filter.model ?? null, filter.mode ?? null],
    );
    if (!rows.length) return;
    for (const r of rows) yield toStoredSample(r);
    after = rows[rows.length - 1].seq;
  }
}

/** One JSON object per line (docs/formats.md §10.5): the stored sample without its internal `seq`. */
export function sampleJsonLine(s: StoredSample): string {
  const { seq: _seq, ...rest } = s;
  return JSON.stringify(rest);
}

// ---------------------------------------------------------------------------------------------
// Comparison (docs/metrics.md §9.3)

/** The samples of one side: per mode, sample key → values, in first-seen order. */
export type SampleSide = Map<string, Map<string, Record<string, number>>>;

export interface SideSelection {
  /** Which model's samples (predictions, popularity, …); default: `predictions` when present, else the only one. */
  model?: string | null;
}

export interface MetricComparison extends PairedComparison {
  metric: string;
}

export interface ModeComparison {
  mode: string;
  shared: number;
  /** Samples only one side has: counted and listed, never silently dropped. */
  onlyInA: { count: number; keys: string[] };
  onlyInB: { count: number; keys: string[] };
  metrics: MetricComparison[];
}

export interface EvaluationComparison {
  modelA: string;
  modelB: string;
  resamples: number;
  seed: number;
  /** `percentile bootstrap (paired, n draws with replacement per resample)` and `sign-flip permutation`. */
  method: { interval: string; test: string };
  modes: ModeComparison[];
}

/** Builds one side from sample rows (stored or read from a JSONL file), choosing the model. */
export function sideOf(samples: Iterable<{ model: string; mode: string; key: string; values: Record<string, number> }>, selection: SideSelection, argument: string): { model: string; side: SampleSide } {
  const byModel = new Map<string, SampleSide>();
  for (const s of samples) {
    let side = byModel.get(s.model);
    if (!side) byModel.set(s.model, (side = new Map()));
    let mode = side.get(s.mode);
    if (!mode) side.set(s.mode, (mode = new Map()));
    mode.set(s.key, s.values);
  }
  if (byModel.size === 0) throw badInput(argument, 'has no per-sample rows (evaluations stored before per-sample rows existed cannot be compared; run it again)');
  let model = selection.model ?? null;
  if (model === null) model = byModel.has('predictions') ? 'predictions' : byModel.size === 1 ? [...byModel.keys()][0] : null;
  if (model === null) throw badInput(argument, `holds several models (${[...byModel.keys()].join(', ')}); name one`);
  const side = byModel.get(model);
  if (!side) throw badInput(argument, `has no samples of model "${model}" (it has ${[...byModel.keys()].join(', ')})`);
  return { model, side };
}

/** Paired bootstrap and permutation test of B − A per mode and metric over the samples both sides share. */
export function compareSides(a: { model: string; side: SampleSide }, b: { model: string; side: SampleSide }, options: { resamples?: number; seed?: number; metrics?: string[] | null } = {}): EvaluationComparison {
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const seed = options.seed ?? DEFAULT_COMPARISON_SEED;
  const modes: ModeComparison[] = [];
  for (const [mode, samplesA] of a.side) {
    const samplesB = b.side.get(mode);
    if (!samplesB) continue;
    const shared = [...samplesA.keys()].filter((k) => samplesB.has(k));
    const onlyInA = [...samplesA.keys()].filter((k) => !samplesB.has(k));
    const onlyInB = [...samplesB.keys()].filter((k) => !samplesA.has(k));
    // Metrics both sides computed for every shared sample (compat skips k beyond the item list).
    const first = shared.length ? samplesA.get(shared[0])! : {};
    let metrics = Object.keys(first).filter((m) => shared.every((k) => typeof samplesA.get(k)![m] === 'number' && typeof samplesB.get(k)![m] === 'number'));
    if (options.metrics?.length) metrics = metrics.filter((m) => options.metrics!.includes(m));
    const colsA = metrics.map((m) => Float64Array.from(shared, (k) => samplesA.get(k)![m]));
    const colsB = metrics.map((m) => Float64Array.from(shared, (k) => samplesB.get(k)![m]));
    const results = pairedComparison(colsA, colsB, { resamples, seed });
    modes.push({
      mode,
      shared: shared.length,
      onlyInA: { count: onlyInA.length, keys: onlyInA },
      onlyInB: { count: onlyInB.length, keys: onlyInB },
      metrics: results.map((r, i) => ({ metric: metrics[i], ...r })),
    });
  }
  return {
    modelA: a.model,
    modelB: b.model,
    resamples,
    seed,
    method: {
      interval: 'percentile bootstrap of mean(B − A): per resample n indices drawn with replacement (CPython random.seed(seed), randbelow(n)); 2.5th and 97.5th percentiles, numpy linear interpolation',
      test: 'paired sign-flip permutation test of mean(B − A) = 0, two-sided; exact over all 2^n sign patterns when 2^n ≤ resamples, else Monte Carlo with p = (1 + #extreme) / (1 + resamples)',
    },
    modes,
  };
}

/** Loads one stored evaluation's samples as a comparison side. */
export async function storedSide(manager: EntityManager, evaluationId: number, selection: SideSelection, argument: string) {
  const rows: StoredSample[] = [];
  for await (const s of streamSamples(manager, evaluationId)) rows.push(s);
  return sideOf(rows, selection, argument);
}

/** `max`: the CLI allows 1,000,000; the API less (API_MAX_RESAMPLES), as the loops run on the server's event loop. */
export function checkResamples(resamples: number | null | undefined, argument: string, max = 1_000_000): number {
  if (resamples === null || resamples === undefined) return DEFAULT_RESAMPLES;
  if (!Number.isInteger(resamples) || resamples < 1 || resamples > max) throw badInput(argument, `must be an integer from 1 to ${max}, got ${resamples}`);
  return resamples;
}
