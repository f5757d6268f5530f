import OpenAI from 'openai';
import type { EntityManager } from 'typeorm';
import { classifyModelError, publicEndpoint } from '../../generator';
import type { EmbeddingsConfig } from '../config/config';
import { streamDialogues } from '../dialogues/stream';
import type { DialogueSelection } from '../dialogues/selection';
import { keyedRandom, type PythonRandom } from '../random/python-random';
import { lineChartSvg } from './svg-chart';

import { splitOnWhitespace, TokenDistinct } from './text-metrics';

/**
 * Diversity as pairwise similarity by turn position (docs/metrics.md §5): per 1-based position t, the
 * mean cosine similarity over all pairs of (a keyed sample of) the utterances at t.
 */

export type DiversityMethod = 'EMBEDDINGS' | 'TFIDF';

export interface SparseVector {
  indices: number[];
  values: number[];
}
export type Vector = ArrayLike<number> | SparseVector;

const isSparse = (v: Vector): v is SparseVector => (v as SparseVector).indices !== undefined;

/**
 * Mean cosine similarity over all unordered pairs, via S = (‖Σ e_i‖² − Σ ‖e_i‖²) / (n (n − 1)) on
 * the L2-normalised vectors: exact, O(n·d) instead of O(n²·d). For unit vectors Σ ‖e_i‖² = n (the
 * spec's formula); a zero vector (an utterance TF-IDF has no word for) stays zero, i.e. cosine 0.
 */
export function meanPairwiseCosine(vectors: readonly Vector[]): number {
  const n = vectors.length;
  if (n < 2) throw new RangeError('pairwise similarity needs at least two vectors');
  const dense = new Map<number, number>();
  let squaredNorms = 0;
  for (const v of vectors) {
    const indices = isSparse(v) ? v.indices : null;
    const values: ArrayLike<number> = isSparse(v) ? v.values : v;
    let norm = 0;
    for (let i = 0; i < values.length; i++) norm += values[i] * values[i];
    if (norm === 0) continue;
    norm = Math.sqrt(norm);
    squaredNorms += 1;
    for (let i = 0; i < values.length; i++) {
      const key = indices ? indices[i] : i;
      dense.set(key, (dense.get(key) ?? 0) + values[i] / norm);
    }
  }
  let sumSquared = 0;
  for (const x of dense.values()) sumSquared += x * x;
  return (sumSquared - squaredNorms) / (n * (n - 1));
}

/** CPython's `random.sample(range(n), k)`, so that a seed draws the same utterances as in Python. */
export function pythonSampleIndices(rng: PythonRandom, n: number, k: number): number[] {
  if (k < 0 || k > n) throw new RangeError('sample larger than population');
  const result: number[] = new Array(k);
  let setsize = 21;
  if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4));
  if (n <= setsize) {
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = rng.randbelow(n - i);
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
  } else {
    const selected = new Set<number>();
    for (let i = 0; i < k; i++) {
      let j = rng.randbelow(n);
      while (selected.has(j)) j = rng.randbelow(n);
      selected.add(j);
      result[i] = j;
    }
  }
  return result;
}

export interface Embedder {
  method: DiversityMethod;
  /** The embedding model, or a description of the local TF-IDF. */
  model: string;
  /** One vector per text, in order. */
  embed(texts: readonly string[]): Promise<Vector[]>;
}

// sklearn's default token pattern (?u)\b\w\w+\b, lower-cased.
const TFIDF_TOKEN = /[\p{L}\p{N}\p{M}_]{2,}/gu;
export const TFIDF_MODEL = 'tfidf (sublinear tf, smoothed idf, l2; fitted on the sampled utterances)';

/**
 * TF-IDF as sklearn's `TfidfVectorizer(sublinear_tf=True)` fitted on the texts it embeds:
 * tf = 1 + ln(count), idf = ln((1 + N) / (1 + df)) + 1, rows L2-normalised.
 */
export function tfidfEmbedder(): Embedder {
  return {
    method: 'TFIDF',
    model: TFIDF_MODEL,
    async embed(texts) {
      const vocabulary = new Map<string, number>();
      const df: number[] = [];
      const counts = texts.map((text) => {
        const tf = new Map<number, number>();
        for (const token of text.toLowerCase().match(TFIDF_TOKEN) ?? []) {
          let id = vocabulary.get(token);
          if (id === undefined) {
            vocabulary.set(token, (id = vocabulary.size));
            df.push(0);
          }
          tf.set(id, (tf.get(id) ?? 0) + 1);
        }
        for (const id of tf.keys()) df[id]++;
        return tf;
      });
      const n = texts.length;
      return counts.map((tf) => {
        const indices = [...tf.keys()];
        const values = indices.map((id) => (1 + Math.log(tf.get(id)!)) * (Math.log((1 + n) / (1 + df[id])) + 1));
        const norm = Math.hypot(...values);
        return { indices, values: norm ? values.map((v) => v / norm) : values };
      });
    },
  };
}

/** The embeddings endpoint failed; the message names it without credentials. */
export class EmbeddingEndpointError extends Error {}

export function openAiEmbedder(config: EmbeddingsConfig, options: { fetch?: typeof fetch } = {}): Embedder {
  const client = new OpenAI({ baseURL: config.baseUrl, apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: 2, fetch: options.fetch });
  const endpoint = publicEndpoint(config.baseUrl);
  return {
    method: 'EMBEDDINGS',
    model: config.model,
    async embed(texts) {
      const out: Vector[] = [];
      for (let start = 0; start < texts.length; start += config.batchSize) {
        const batch = texts.slice(start, start + config.batchSize);
        let data: Array<{ index: number; embedding: number[] }>;
        try {
          // Floats explicitly: the SDK otherwise asks for base64, which not every server speaks.
          const res = await client.embeddings.create({ model: config.model, input: batch as string[], encoding_format: 'float' });
          data = res.data;
        } catch (error) {
          // fetch's own messages can quote the URL, credentials included.
          const why = classifyModelError(error).message.replace(/\/\/[^/\s@]*@/g, '//');
          throw new EmbeddingEndpointError(`the embeddings endpoint ${endpoint} (model "${config.model}") failed: ${why}`);
        }
        if (data.length !== batch.length || data.some((d) => !Array.isArray(d.embedding))) {
          throw new EmbeddingEndpointError(`the embeddings endpoint ${endpoint} returned ${data.length} embeddings for ${batch.length} texts`);
        }
        for (const d of [...data].sort((a, b) => a.index - b.index)) out.push(d.embedding);
      }
      return out;
    },
  };
}

export function embedderFor(config: EmbeddingsConfig | null, options: { fetch?: typeof fetch } = {}): Embedder {
  return config ? openAiEmbedder(config, options) : tfidfEmbedder();
}

export interface TurnDiversity {
  /** 1-based position. */
  turn: number;
  /** Non-empty utterances at this position in scope. */
  population: number;
  /** Utterances compared (≤ maxPerTurn). */
  sampled: number;
  /** S_t; null when fewer than two utterances. */
  similarity: number | null;
  /** Token distinct-n over the sampled utterances: `dist@k` (ratio) and `dist_count@k`. */
  distinct: Record<string, number>;
}

export interface DiversityResult {
  method: DiversityMethod;
  model: string;
  seed: number;
  maxPerTurn: number;
  maxTurn: number;
  dialogues: number;
  /** Unweighted mean of the reported S_t (those with at least two utterances); null if none. */
  overall: number | null;
  turns: TurnDiversity[];
  /** Distinct-n over every sampled utterance of every reported turn. */
  distinct: Record<string, number>;
  svg: string;
  /** Published values (DistillRecDial paper): references, not regression targets; empty for TF-IDF, which they are not comparable with. */
  references: Array<{ source: string; dataset: string; similarity: number }>;
  /** How (and whether) S_t compares with the published values. */
  comparability: string;
  elapsedMs: number;
}

export interface DiversityOptions {
  filter?: DialogueSelection | null;
  maxPerTurn?: number;
  maxTurn?: number;
  seed?: number;
  embedder: Embedder;
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
}

export const DIVERSITY_REFERENCES = Object.freeze([
  { source: 'DistillRecDial paper', dataset: 'DistillRecDial', similarity: 0.422 },
  { source: 'DistillRecDial paper', dataset: 'PEARL', similarity: 0.598 },
]);

const DISTINCT_KS = [1, 2, 3, 4];

export const TFIDF_COMPARABILITY =
  'TF-IDF cosine similarity: NOT comparable with the DistillRecDial paper’s sentence-embedding similarities, so those are not shown; set EMBEDDINGS_BASE_URL and EMBEDDINGS_MODEL for a comparable measure';
export const EMBEDDINGS_COMPARABILITY = 'sentence embeddings: comparable in kind with the DistillRecDial paper’s values, which name no model — references, not targets';

/**
 * S_t by turn for one or more selections on one chart: a y axis fitted to the values (TF-IDF
 * values of 0.03–0.08 would lie on the floor of a 0–1 axis), the published values as labelled
 * reference lines (named at the edge when outside the range, unless `includeReferences`), and the
 * number of utterances compared at each point.
 */
export function diversityChartSvg(
  selections: ReadonlyArray<{ label: string; method: string; model: string; turns: ReadonlyArray<Pick<TurnDiversity, 'turn' | 'similarity' | 'sampled'>> }>,
  options: { includeReferences?: boolean } = {},
): string {
  const first = selections[0];
  const method = first ? (first.method === 'TFIDF' ? 'TF-IDF' : first.model) : '';
  return lineChartSvg({
    title: `Mean pairwise cosine similarity by turn (${method})`,
    xLabel: 'turn position (n = utterances compared)',
    yLabel: 'similarity S_t (lower = more diverse)',
    series: selections.map((s) => ({
      label: s.label,
      points: s.turns.filter((t) => t.similarity !== null).map((t) => ({ x: t.turn, y: t.similarity!, n: t.sampled })),
    })),
    references: DIVERSITY_REFERENCES.map((r) => ({ label: r.dataset, y: r.similarity })),
    includeReferences: options.includeReferences,
  });
}

/**
 * Two streaming passes at most: the first records, per position, which dialogues have a
 * non-empty utterance there (and keeps the texts while a position has at most `maxPerTurn`); a
 * second reads only the texts of sampled dialogues at positions that overflowed. Memory: the
 * dialogue ids per position plus at most maxTurn × maxPerTurn texts.
 */
export async function computeDiversity(manager: EntityManager, options: DiversityOptions): Promise<DiversityResult> {
  const started = Date.now();
  const maxPerTurn = options.maxPerTurn ?? 1000;
  const maxTurn = options.maxTurn ?? 10;
  const seed = options.seed ?? 42;
  const population: number[][] = Array.from({ length: maxTurn }, () => []);
  const kept: Array<Map<number, string> | null> = Array.from({ length: maxTurn }, () => new Map());
  let dialogues = 0;
  for await (const dialogue of streamDialogues(manager, { filter: options.filter, signal: options.signal })) {
    dialogues++;
    const limit = Math.min(maxTurn, dialogue.turns.length);
    for (let i = 0; i < limit; i++) {
      const text = dialogue.turns[i].text;
      if (text.trim() === '') continue;
      population[i].push(dialogue.id);
      const texts = kept[i];
      if (texts) {
        texts.set(dialogue.id, text);
        if (texts.size > maxPerTurn) kept[i] = null;
      }
    }
    options.onProgress?.(dialogues);
  }

  // Sampled dialogue ids per position, in id order.
  const chosen = population.map((ids, i) => {
    if (ids.length <= maxPerTurn) return ids;
    const rng = keyedRandom(seed, 'diversity', String(i + 1));
    return pythonSampleIndices(rng, ids.length, maxPerTurn).sort((a, b) => a - b).map((j) => ids[j]);
  });
  const overflowing = new Map<number, number[]>();
  chosen.forEach((ids, i) => {
    if (kept[i]) return;
    kept[i] = new Map();
    for (const id of ids) {
      let positions = overflowing.get(id);
      if (!positions) overflowing.set(id, (positions = []));
      positions.push(i);
    }
  });
  if (overflowing.size) {
    for await (const dialogue of streamDialogues(manager, { filter: options.filter, signal: options.signal })) {
      for (const i of overflowing.get(dialogue.id) ?? []) kept[i]!.set(dialogue.id, dialogue.turns[i].text);
    }
  }

  const textsByTurn = chosen.map((ids, i) => ids.map((id) => kept[i]!.get(id)).filter((t): t is string => t !== undefined));
  // Each distinct text is embedded once (openings repeat a lot).
  const unique = [...new Set(textsByTurn.flat())];
  const vectors = await options.embedder.embed(unique);
  const vectorOf = new Map(unique.map((text, j) => [text, vectors[j]]));

  const overallDistinct = new TokenDistinct(DISTINCT_KS);
  const turns: TurnDiversity[] = [];
  textsByTurn.forEach((texts, i) => {
    if (population[i].length === 0) return;
    const distinct = new TokenDistinct(DISTINCT_KS);
    for (const text of texts) {
      const tokens = splitOnWhitespace(text);
      distinct.add(tokens);
      overallDistinct.add(tokens);
    }
    turns.push({
      turn: i + 1,
      population: population[i].length,
      sampled: texts.length,
      similarity: texts.length >= 2 ? meanPairwiseCosine(texts.map((t) => vectorOf.get(t)!)) : null,
      distinct: distinct.result(),
    });
  });
  const reported = turns.filter((t) => t.similarity !== null);
  const overall = reported.length ? reported.reduce((sum, t) => sum + t.similarity!, 0) / reported.length : null;
  const svg = diversityChartSvg([{ label: 'selection', method: options.embedder.method, model: options.embedder.model, turns }]);
  return {
    method: options.embedder.method,
    model: options.embedder.model,
    seed,
    maxPerTurn,
    maxTurn,
    dialogues,
    overall,
    turns,
    distinct: overallDistinct.result(),
    svg,
    // The paper's values come from sentence embeddings; TF-IDF cosines live on another scale.
    references: options.embedder.method === 'EMBEDDINGS' ? DIVERSITY_REFERENCES.map((r) => ({ ...r })) : [],
    comparability: options.embedder.method === 'EMBEDDINGS' ? EMBEDDINGS_COMPARABILITY : TFIDF_COMPARABILITY,
    elapsedMs: Date.now() - started,
  };
}
