/**
 * Built-in recommendation baselines. Each turns what a model would see at one turn (the context
 * items and the context text) into a score for every item-list position; the metric core
 * (recommendation.ts) ranks the gold among them. Pure: the data they learn from is handed in.
 */

export type BaselineName = 'popularity' | 'cooccurrence' | 'bm25';
export const BASELINES: readonly BaselineName[] = ['popularity', 'cooccurrence', 'bm25'];

/** What a baseline sees at one turn: item-list positions of the context items, and its text. */
export interface TurnContext {
  items: readonly number[];
  text: string;
}

export interface Baseline {
  readonly name: BaselineName;
  scores(context: TurnContext): ArrayLike<number>;
}

/**
 * Popularity: how often each item is a gold label of a training sample (what CRSLab's
 * Popularity model counts), the same ranking at every turn; ties fall back to item-list order.
 */
export class PopularityBaseline implements Baseline {
  readonly name = 'popularity';
  private readonly counts: Float64Array;

  constructor(itemCount: number) {
    this.counts = new Float64Array(itemCount);
  }

  addGold(position: number): void {
    this.counts[position]++;
  }

  count(position: number): number {
    return this.counts[position];
  }

  scores(): ArrayLike<number> {
    return this.counts;
  }
}

/**
 * Item co-occurrence: co(i, j) = number of users whose history holds both i and j; a candidate
 * scores the sum of its co-occurrence with each context item (counted once per distinct item).
 */
export class CooccurrenceBaseline implements Baseline {
  readonly name = 'cooccurrence';
  private readonly neighbours = new Map<number, Map<number, number>>();

  constructor(private readonly itemCount: number) {}

  /** One user's history (item-list positions; repeats ignored). */
  addHistory(positions: readonly number[]): void {
    const items = [...new Set(positions)];
    for (const a of items) {
      let row = this.neighbours.get(a);
      if (!row) this.neighbours.set(a, (row = new Map()));
      for (const b of items) if (a !== b) row.set(b, (row.get(b) ?? 0) + 1);
    }
  }

  cooccurrence(a: number, b: number): number {
    return this.neighbours.get(a)?.get(b) ?? 0;
  }

  scores(context: TurnContext): Float64Array {
    const scores = new Float64Array(this.itemCount);
    for (const a of new Set(context.items)) for (const [b, n] of this.neighbours.get(a) ?? []) scores[b] += n;
    return scores;
  }
}

/** Lower-cased runs of letters, digits and marks: the same tokens for items and queries. */
export function bm25Tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [];
}

export interface ItemDocument {
  title: string;
  genres?: readonly string[];
  keywords?: readonly string[];
  cast?: readonly string[];
  directors?: readonly string[];
  overview?: string | null;
}

/** The text BM25 indexes for an item: title, genres, keywords, cast, directors, overview. */
export function itemDocumentText(d: ItemDocument): string {
  return [d.title, ...(d.genres ?? []), ...(d.keywords ?? []), ...(d.cast ?? []), ...(d.directors ?? []), d.overview ?? ''].join(' ');
}

/**
 * Okapi BM25 from the dialogue context to item metadata, over an in-memory inverted index of
 * the catalogue (k1 = 1.2, b = 0.75, Lucene's non-negative idf = ln(1 + (N − n + 0.5)/(n + 0.5))).
 * Each distinct query term counts once: a long context repeats words, and repeating a term would
 * let chatter outweigh rare, telling words. Written by hand: none of the project's dependencies
 * has BM25, and the tests pin this exact variant (tokens, idf, query-term weighting).
 */
export class Bm25Baseline implements Baseline {
  readonly name = 'bm25';
  private readonly postings = new Map<string, Array<{ doc: number; tf: number }>>();
  private readonly lengths: Float64Array;
  private readonly averageLength: number;

  constructor(
    documents: readonly string[],
    readonly k1 = 1.2,
    readonly b = 0.75,
  ) {
    this.lengths = new Float64Array(documents.length);
    let total = 0;
    documents.forEach((text, doc) => {
      const tokens = bm25Tokens(text);
      this.lengths[doc] = tokens.length;
      total += tokens.length;
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push({ doc, tf: n });
      }
    });
    this.averageLength = documents.length ? total / documents.length : 0;
  }

  idf(term: string): number {
    const n = this.postings.get(term)?.length ?? 0;
    const N = this.lengths.length;
    return Math.log(1 + (N - n + 0.5) / (n + 0.5));
  }

  scores(context: Pick<TurnContext, 'text'>): Float64Array {
    const scores = new Float64Array(this.lengths.length);
    if (this.averageLength === 0) return scores;
    for (const term of new Set(bm25Tokens(context.text))) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const { doc, tf } of list) {
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[doc]) / this.averageLength);
        scores[doc] += (idf * tf * (this.k1 + 1)) / (tf + norm);
      }
    }
    return scores;
  }
}
