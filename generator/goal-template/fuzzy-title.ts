/**
 * Fuzzy title matching (docs/metrics.md §2, after He et al. 2023): turning a list of generated titles
 * into an item ranking by nearest Levenshtein title, and finding a title written slightly wrong
 * in running text (GOLD_NOT_RECOMMENDED, docs/pipeline.md §8.3). Pure functions.
 */
import { findTitleMentions } from '../../src/ingest/titles';

export const DEFAULT_FUZZY_THRESHOLD = 2;

/**
 * Levenshtein distance over code points (insert, delete, substitute: cost 1 each). With `max`,
 * the computation stops as soon as the distance must exceed it and returns max + 1.
 */
export function levenshtein(a: string, b: string, max = Infinity): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (Math.abs(s.length - t.length) > max) return max + 1;
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
      rowMin = Math.min(rowMin, current[j]);
    }
    if (rowMin > max) return max + 1;
    previous = current;
  }
  return Math.min(previous[t.length], max + 1);
}

const PARENTHESISED = /\([^()]*\)/g;
const ENUMERATOR = /^\d+[.)、]\s*(?:[-–—]\s*)?/u;

/**
 * Step 2 (and 3, for candidate titles): remove parenthesised parts (innermost first, so nested
 * ones go too), collapse whitespace, trim, strip a leading enumerator (`1.`, `2)`, `3、`, then an
 * optional dash).
 */
export function cleanFuzzyTitle(text: string): string {
  let out = text;
  for (let next = out.replace(PARENTHESISED, ' '); next !== out; next = out.replace(PARENTHESISED, ' ')) out = next;
  return out.replace(/\s+/g, ' ').trim().replace(ENUMERATOR, '').trim();
}

const NUMBERED_LIST_START = /^[ \t]*1\./m;

/**
 * Step 1: with a numbered list (a line starting with `1.`), the text before it is the preamble
 * and the rest is split into lines; otherwise the whole answer is split on newlines and commas.
 * Entries are cleaned (step 2); empty ones are dropped.
 */
export function splitAnswer(answer: string): { preamble: string; entries: string[] } {
  const text = answer.replace(/\r\n?/g, '\n');
  const list = NUMBERED_LIST_START.exec(text);
  const preamble = list ? text.slice(0, list.index).trim() : '';
  const body = list ? text.slice(list.index) : text;
  const parts = list ? body.split('\n') : body.split(/[\n,]/);
  return { preamble, entries: parts.map(cleanFuzzyTitle).filter((e) => e !== '') };
}

export interface FuzzyCandidate<K> {
  key: K;
  title: string;
}

export interface NearestTitle<K> {
  key: K;
  /** Position of the candidate in the item list. */
  index: number;
  distance: number;
}

/** Candidates prepared once: cleaned lower-cased titles, each shared title kept for its earliest item. */
export class TitleIndex<K> {
  readonly titles: ReadonlyArray<{ key: K; index: number; title: string }>;
  /** Cleaned titles that several items share (each maps to the earliest of them). */
  readonly ambiguousTitles: number;

  constructor(candidates: ReadonlyArray<FuzzyCandidate<K>>) {
    const first = new Map<string, { key: K; index: number; title: string }>();
    const shared = new Set<string>();
    candidates.forEach((c, index) => {
      const title = cleanFuzzyTitle(c.title).toLowerCase();
      if (title === '') return;
      if (first.has(title)) shared.add(title);
      else first.set(title, { key: c.key, index, title });
    });
    this.titles = [...first.values()].sort((a, b) => a.index - b.index);
    this.ambiguousTitles = shared.size;
  }

  /**
   * Step 4: the candidate at the least distance from the (already cleaned) entry; ties go to the
   * earliest candidate. Candidates are skipped only when their length difference alone exceeds
   * the best distance so far, which cannot change the result.
   */
  nearest(entry: string): NearestTitle<K> | null {
    const e = entry.toLowerCase();
    let best: NearestTitle<K> | null = null;
    for (const c of this.titles) {
      const d = levenshtein(e, c.title, best ? best.distance - 1 : Infinity);
      if (best === null || d < best.distance) best = { key: c.key, index: c.index, distance: d };
      if (d === 0) break;
    }
    return best;
  }
}

export interface RankOptions<K> {
  /** Keep an entry only if its nearest distance is at most this (default 2). */
  threshold?: number;
  /** Step 5 (default true); false keeps every nearest match (`--no-filter`). */
  filter?: boolean;
  /** Step 6: items already mentioned in the context, dropped from the ranking. */
  exclude?: ReadonlySet<K>;
  /** Step 7 is on by default; true keeps repeated items (`--keep-duplicates`). */
  keepDuplicates?: boolean;
}

export interface TitleRanking<K> {
  preamble: string;
  /** Every cleaned entry with its nearest candidate and whether it was kept. */
  entries: Array<{ entry: string; nearest: NearestTitle<K> | null; kept: boolean }>;
  ranking: K[];
  ambiguousTitles: number;
}

/** docs/metrics.md §2 steps 1–7: a generated answer → a ranking of item keys. */
export function rankByTitles<K>(answer: string, candidates: ReadonlyArray<FuzzyCandidate<K>> | TitleIndex<K>, options: RankOptions<K> = {}): TitleRanking<K> {
  const index = candidates instanceof TitleIndex ? candidates : new TitleIndex(candidates);
  const threshold = options.threshold ?? DEFAULT_FUZZY_THRESHOLD;
  const filter = options.filter ?? true;
  const { preamble, entries } = splitAnswer(answer);
  const ranking: K[] = [];
  const seen = new Set<K>();
  const scored = entries.map((entry) => {
    const nearest = index.nearest(entry);
    let kept = nearest !== null && (!filter || nearest.distance <= threshold) && !options.exclude?.has(nearest.key);
    if (kept && !options.keepDuplicates && seen.has(nearest!.key)) kept = false;
    if (kept) {
      ranking.push(nearest!.key);
      seen.add(nearest!.key);
    }
    return { entry, nearest, kept };
  });
  return { preamble, entries: scored, ranking, ambiguousTitles: index.ambiguousTitles };
}

export interface FuzzyTextMatch {
  /** UTF-16 offsets of the matched words in the text. */
  start: number;
  end: number;
  distance: number;
}

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;

/**
 * Where `title` is written in `text`, exactly or within `threshold` edits: an exact word-bounded
 * occurrence (any case) first; otherwise the closest run of whole words (as many words as the
 * title, give or take one; compared lower-cased, whitespace collapsed, after the same cleaning as
 * entries). Runs that overlap an `exclude` span (another item's exact mention) are not
 * considered, so that "Paddington" naming one item is not read as "Paddington 2" one edit away.
 *
 * Short titles (at most 2 × threshold characters) must match exactly: within 2 edits a two-letter
 * title such as "Up" would match almost any short word of running text. This guard is recdial's.
 */
export function findFuzzyTitle(
  text: string,
  title: string,
  options: { threshold?: number; exclude?: ReadonlyArray<{ start: number; end: number }> } = {},
): FuzzyTextMatch | null {
  const threshold = options.threshold ?? DEFAULT_FUZZY_THRESHOLD;
  const exclude = options.exclude ?? [];
  const overlaps = (start: number, end: number) => exclude.some((x) => start < x.end && x.start < end);
  const wanted = cleanFuzzyTitle(title);
  if (wanted === '') return null;
  const exact = findTitleMentions(text, [{ key: 'title', title: wanted }]).find((m) => !overlaps(m.start, m.end));
  if (exact) return { start: exact.start, end: exact.end, distance: 0 };
  if (Array.from(wanted).length <= 2 * threshold) return null;

  const target = wanted.toLowerCase();
  const titleWords = [...target.matchAll(WORD)].length || 1;
  const words = [...text.matchAll(WORD)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
  let best: FuzzyTextMatch | null = null;
  for (let i = 0; i < words.length; i++) {
    for (let n = Math.max(1, titleWords - 1); n <= titleWords + 1 && i + n <= words.length; n++) {
      const start = words[i].start;
      const end = words[i + n - 1].end;
      if (overlaps(start, end)) continue;
      const candidate = cleanFuzzyTitle(text.slice(start, end)).toLowerCase();
      const d = levenshtein(candidate, target, best ? best.distance - 1 : threshold);
      if (d <= threshold && (best === null || d < best.distance)) best = { start, end, distance: d };
    }
  }
  return best;
}
