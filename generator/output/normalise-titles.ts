/**
 * Title → tag normalisation of model output (docs/pipeline.md §6.4): titles of the items shown in the
 * prompt, written where their tag `<id_ASIN>` was required, become that tag, and broken tag forms
 * of those items are repaired. Every decision is taken on the unmodified input and the kept
 * spans are replaced right to left, so offsets never go stale (the original's defect D6).
 * Pure: the same text and candidates always give the same result.
 */
import { escapeRegExp, isWordBounded } from '../../src/ingest/titles';
import type { ValidationIssue } from '../types';

/** An item shown in the prompt. */
export interface TitleCandidate {
  asin: string;
  /** TMDB title as is. */
  title: string;
  /** Cleaned title (§2.7). */
  cleanedTitle: string;
}

export type TitleRewriteMethod = 'exact' | 'cleaned' | 'quoted' | 'tag-repair' | 'fuzzy';

/** One replacement; `start`/`end` are UTF-16 offsets into the input, `before` = input.slice(start, end). */
export interface TitleRewrite {
  start: number;
  end: number;
  before: string;
  after: string;
  /** The item's parent_asin. */
  itemId: string;
  method: TitleRewriteMethod;
}

/** An occurrence left as text because variants of several items match it equally. */
export interface AmbiguousTitle {
  start: number;
  end: number;
  text: string;
  itemIds: string[];
}

export interface TitleNormalisation {
  text: string;
  /** In input order. */
  rewrites: TitleRewrite[];
  /** Ambiguous occurrences that no kept rewrite covers, in input order. */
  ambiguous: AmbiguousTitle[];
}

export interface NormaliseOptions {
  /** Token-level matching (similarity ≥ 0.9) of titles of 3+ words, after exact matching; off by default. */
  fuzzy?: boolean;
}

interface Span {
  start: number;
  end: number;
  asin: string;
  method: TitleRewriteMethod;
}

/** Variants shorter than this (in code points) match only when quoted. */
const SHORT_TITLE = 4;
export const FUZZY_MIN_WORDS = 3;
export const FUZZY_THRESHOLD = 0.9;

const WELL_FORMED = /<id_([^<>\s]+)>/y;
const VALUE = '([A-Za-z0-9]+)';
const ID_SEPARATOR = '[iI][dD](?:\\s*[_:]\\s*|\\s+)';
// The repairable forms of §6.4; each is rewritten only when its value is a candidate's asin.
const REPAIRABLE = [
  new RegExp(`<\\s*${ID_SEPARATOR}${VALUE}\\s*>`, 'y'), // <ID_X>, < id_X >, <id: X>, <id X>
  new RegExp(`\\[\\s*${ID_SEPARATOR}${VALUE}\\s*\\]`, 'y'), // [id_X]
  new RegExp(`\\(\\s*${ID_SEPARATOR}${VALUE}\\s*\\)`, 'y'), // (id_X)
  new RegExp(`(?<![\\p{L}\\p{N}\\p{M}_<])[iI][dD]_${VALUE}(?![\\p{L}\\p{N}\\p{M}])`, 'uy'), // bare id_X
  new RegExp(`<\\s*${VALUE}\\s*>`, 'y'), // <X>
];
const TAG_START = /[<[(iI]/g;

// Quotes and markdown emphasis; `**` before `*` so that `**x**` is one wrapper, not `*` around `*x*`.
const WRAPPERS: ReadonlyArray<readonly [open: string, close: string]> = [
  ['"', '"'],
  ['“', '”'],
  ["'", "'"],
  ['‘', '’'],
  ['**', '**'],
  ['*', '*'],
  ['_', '_'],
];
const YEAR = /[ \t]*\(\d{4}\)/y;
const SPACES = /[ \t]*/y;

const tag = (asin: string) => `<id_${asin}>`;

/**
 * A tag of any form at `pos`: well formed (any value) or repairable (candidate values only).
 * `repaired` says whether the text there differs from the well-formed tag.
 */
function tagAt(text: string, pos: number, asins: ReadonlySet<string>): { end: number; asin: string; repaired: boolean } | null {
  WELL_FORMED.lastIndex = pos;
  const ok = WELL_FORMED.exec(text);
  if (ok) return { end: pos + ok[0].length, asin: ok[1], repaired: false };
  for (const form of REPAIRABLE) {
    form.lastIndex = pos;
    const m = form.exec(text);
    if (m && asins.has(m[1])) return { end: pos + m[0].length, asin: m[1], repaired: true };
  }
  return null;
}

function skipSpaces(text: string, pos: number): number {
  SPACES.lastIndex = pos;
  SPACES.exec(text);
  return SPACES.lastIndex;
}

/** Every existing tag and repairable tag form of a candidate, in order. */
function findTags(text: string, asins: ReadonlySet<string>): Array<{ start: number; end: number; asin: string; repaired: boolean }> {
  const found: Array<{ start: number; end: number; asin: string; repaired: boolean }> = [];
  let covered = 0;
  for (const m of text.matchAll(TAG_START)) {
    if (m.index < covered) continue;
    const t = tagAt(text, m.index, asins);
    if (t) {
      found.push({ start: m.index, ...t });
      covered = t.end;
    }
  }
  return found;
}

/** Step 3: over a directly following ` (YYYY)`. */
function extendYear(text: string, end: number): number {
  YEAR.lastIndex = end;
  return YEAR.exec(text) ? YEAR.lastIndex : end;
}

/** Step 2: over quotes or emphasis enclosing [start, end) exactly, repeatedly (`*"Up"*`). */
function extendWrappers(text: string, start: number, end: number): { start: number; end: number; quoted: boolean } {
  let quoted = false;
  for (let again = true; again; ) {
    again = false;
    for (const [open, close] of WRAPPERS) {
      if (start >= open.length && text.startsWith(open, start - open.length) && text.startsWith(close, end)) {
        start -= open.length;
        end += close.length;
        quoted = again = true;
        break;
      }
    }
  }
  return { start, end, quoted };
}

/** Step 4: over a following tag of the same item, bare or in ()/[] (after optional spaces). */
function extendTag(text: string, end: number, asin: string, asins: ReadonlySet<string>): number {
  const at = skipSpaces(text, end);
  const direct = tagAt(text, at, asins);
  if (direct) return direct.asin === asin ? direct.end : end;
  const open = text[at];
  if (open !== '(' && open !== '[') return end;
  const inner = tagAt(text, skipSpaces(text, at + 1), asins);
  if (!inner || inner.asin !== asin) return end;
  const close = skipSpaces(text, inner.end);
  return text[close] === (open === '(' ? ')' : ']') ? close + 1 : end;
}

const METHOD_RANK: Record<TitleRewriteMethod, number> = { quoted: 0, exact: 1, cleaned: 2, fuzzy: 3, 'tag-repair': 4 };

/**
 * Steps 2–4 for one raw occurrence: the span it would replace, or null when a short variant is
 * not quoted.
 */
function extend(text: string, start: number, end: number, asin: string, method: TitleRewriteMethod, short: boolean, asins: ReadonlySet<string>): Span | null {
  // A year inside the quotes (`"Paddington 2 (2017)"`) as well as after them.
  const wrapped = extendWrappers(text, start, extendYear(text, end));
  if (short && !wrapped.quoted) return null;
  const spanEnd = extendTag(text, extendYear(text, wrapped.end), asin, asins);
  return { start: wrapped.start, end: spanEnd, asin, method: wrapped.quoted ? 'quoted' : method };
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;

/**
 * §6.4 in one pass over `text`: title occurrences of the candidates and repairable tag forms
 * become `<id_ASIN>`; occurrences that two items match equally are left and reported. Running
 * it again on its output changes nothing.
 */
export function normaliseTitles(text: string, candidates: readonly TitleCandidate[], options: NormaliseOptions = {}): TitleNormalisation {
  const items = [...new Map(candidates.map((c) => [c.asin, c])).values()];
  const asins = new Set(items.map((c) => c.asin));
  const tags = findTags(text, asins);
  const inTag = (start: number, end: number) => tags.some((t) => overlaps(t, { start, end }));

  const spans: Span[] = tags.filter((t) => t.repaired).map((t) => ({ start: t.start, end: t.end, asin: t.asin, method: 'tag-repair' as const }));
  const titleSpans: Span[] = [];
  for (const item of items) {
    const variants = new Map<string, TitleRewriteMethod>();
    for (const [variant, method] of [[item.title.trim(), 'exact'], [item.cleanedTitle.trim(), 'cleaned']] as const) {
      if (variant !== '' && !variants.has(variant)) variants.set(variant, method);
    }
    for (const [variant, method] of variants) {
      const short = Array.from(variant).length < SHORT_TITLE;
      const pattern = new RegExp(escapeRegExp(variant), 'giu');
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        const start = m.index;
        const end = start + m[0].length;
        pattern.lastIndex = start + 1; // overlapping occurrences too; boundaries and selection decide
        if (!isWordBounded(text, start, end) || inTag(start, end)) continue;
        const span = extend(text, start, end, item.asin, method, short, asins);
        if (span) titleSpans.push(span);
      }
    }
  }
  if (options.fuzzy) {
    for (const f of fuzzyOccurrences(text, items)) {
      if (inTag(f.start, f.end) || titleSpans.some((s) => overlaps(s, f))) continue;
      const span = extend(text, f.start, f.end, f.asin, 'fuzzy', false, asins);
      if (span) titleSpans.push(span);
    }
  }

  // Step 5: one span per (start, end, item), its best method; spans that several items claim are dropped.
  const byPlace = new Map<string, Map<string, Span>>();
  for (const s of titleSpans) {
    const key = `${s.start}:${s.end}`;
    const place = byPlace.get(key) ?? new Map<string, Span>();
    const known = place.get(s.asin);
    if (!known || METHOD_RANK[s.method] < METHOD_RANK[known.method]) place.set(s.asin, s);
    byPlace.set(key, place);
  }
  const ambiguousPlaces: Span[][] = [];
  for (const place of byPlace.values()) {
    if (place.size === 1) spans.push(...place.values());
    else ambiguousPlaces.push([...place.values()]);
  }

  // Step 6: start ascending, longer first; a span is kept unless it overlaps a kept one.
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  const kept: Span[] = [];
  for (const s of spans) if (!kept.some((k) => overlaps(k, s))) kept.push(s);

  // Step 7: right to left, so each replacement leaves the offsets of those before it intact.
  let out = text;
  for (let i = kept.length - 1; i >= 0; i--) out = out.slice(0, kept[i].start) + tag(kept[i].asin) + out.slice(kept[i].end);

  const ambiguous = ambiguousPlaces
    .filter((place) => !kept.some((k) => overlaps(k, place[0])))
    .map((place) => ({ start: place[0].start, end: place[0].end, text: text.slice(place[0].start, place[0].end), itemIds: place.map((s) => s.asin).sort() }))
    .sort((a, b) => a.start - b.start);
  return {
    text: out,
    rewrites: kept.map((s) => ({ start: s.start, end: s.end, before: text.slice(s.start, s.end), after: tag(s.asin), itemId: s.asin, method: s.method })),
    ambiguous,
  };
}

/** The AMBIGUOUS_TITLE warning for the occurrences left as text, or null. */
export function ambiguousTitleIssue(ambiguous: readonly AmbiguousTitle[]): ValidationIssue | null {
  if (ambiguous.length === 0) return null;
  const list = ambiguous.map((a) => `${JSON.stringify(a.text)} at ${a.start}–${a.end} (${a.itemIds.join(', ')})`).join('; ');
  return { code: 'AMBIGUOUS_TITLE', severity: 'warning', detail: `titles of several prompt items, left as text: ${list}` };
}

// ---------------------------------------------------------------------------------------------
// Fuzzy mode: token-level similarity of titles of 3+ words.

const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;

function tokens(text: string): Array<{ word: string; start: number; end: number }> {
  return [...text.matchAll(TOKEN)].map((m) => ({ word: m[0].toLowerCase(), start: m.index, end: m.index + m[0].length }));
}

/** 2·LCS / (|a| + |b|) over token sequences (difflib's ratio, with tokens for characters). */
export function tokenSimilarity(a: readonly string[], b: readonly string[]): number {
  if (a.length + b.length === 0) return 1;
  let previous = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    const current = [0];
    for (let j = 1; j <= b.length; j++) current[j] = a[i - 1] === b[j - 1] ? previous[j - 1] + 1 : Math.max(previous[j], current[j - 1]);
    previous = current;
  }
  return (2 * previous[b.length]) / (a.length + b.length);
}

/**
 * Runs of whole words (as many as the title's, give or take one) that begin and end with the
 * variant's first and last words (so no neighbouring word is swallowed) and whose token
 * similarity to a variant of 3+ words is at least 0.9; the best run per start and item.
 * Punctuation and case do not count (`Mission Impossible Rogue Nation` matches
 * `Mission: Impossible – Rogue Nation`).
 */
function fuzzyOccurrences(text: string, items: readonly TitleCandidate[]): Array<{ start: number; end: number; asin: string }> {
  const words = tokens(text);
  const found: Array<{ start: number; end: number; asin: string }> = [];
  for (const item of items) {
    const variants = [...new Set([item.title, item.cleanedTitle].map((v) => tokens(v).map((t) => t.word)).filter((v) => v.length >= FUZZY_MIN_WORDS).map((v) => v.join(' ')))];
    for (const variant of variants.map((v) => v.split(' '))) {
      for (let i = 0; i < words.length; i++) {
        let best: { end: number; score: number } | null = null;
        if (words[i].word !== variant[0]) continue;
        for (let n = variant.length - 1; n <= variant.length + 1 && i + n <= words.length; n++) {
          if (words[i + n - 1].word !== variant[variant.length - 1]) continue;
          const score = tokenSimilarity(words.slice(i, i + n).map((w) => w.word), variant);
          if (score >= FUZZY_THRESHOLD && (!best || score > best.score)) best = { end: words[i + n - 1].end, score };
        }
        if (best) found.push({ start: words[i].start, end: best.end, asin: item.asin });
      }
    }
  }
  return found;
}
