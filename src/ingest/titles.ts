/**
 * Item titles: the cleaned title used in dialogue text and exports (docs/pipeline.md §2.7) and the
 * search for titles inside a text (docs/formats.md §3.6 rule 3).
 */

// A parenthesised or bracketed part that contains no other bracket: removing these repeatedly
// removes nested parts innermost first.
const INNERMOST_PART = /\([^()[\]]*\)|\[[^()[\]]*\]/g;

/**
 * `Amélie (2001) [Blu-ray]` → `Amélie`: delete every `(...)` and `[...]` part (innermost first,
 * until none is left), collapse whitespace runs to one space, trim; if nothing is left, the
 * trimmed original. Unbalanced brackets are left as they are. Idempotent.
 */
export function cleanTitle(title: string): string {
  let text = title;
  for (;;) {
    const next = text.replace(INNERMOST_PART, '');
    if (next === text) break;
    text = next;
  }
  const cleaned = text.replace(/\s+/g, ' ').trim();
  return cleaned === '' ? title.trim() : cleaned;
}

export interface TitleMention<K extends string = string> {
  key: K;
  /** UTF-16 code-unit offsets into the searched text; `end` is exclusive. */
  start: number;
  end: number;
}

// A letter, digit or combining mark continues a word (a mark after `e` is still part of `é`).
const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** True when the code points on both sides of [start, end) do not continue a word. */
export function isWordBounded(text: string, start: number, end: number): boolean {
  if (start > 0) {
    // The code point that ends just before `start` (a surrogate pair counts as one).
    let from = start - 1;
    const low = text.charCodeAt(from);
    if (low >= 0xdc00 && low <= 0xdfff && from > 0) {
      const high = text.charCodeAt(from - 1);
      if (high >= 0xd800 && high <= 0xdbff) from--;
    }
    if (WORD_CHAR.test(String.fromCodePoint(text.codePointAt(from)!))) return false;
  }
  if (end < text.length && WORD_CHAR.test(String.fromCodePoint(text.codePointAt(end)!))) return false;
  return true;
}

export function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/**
 * What findTitleMentions searches for, for the items `keys` in that order: each title as written
 * (`Paddington 2 (2017)`) and, where it differs, cleaned (`Paddington 2`). A key without a title
 * is skipped.
 */
export function titleCandidates<K extends string>(
  keys: Iterable<K>,
  titleOf: (key: K) => string | undefined,
): Array<{ key: K; title: string }> {
  return [...keys].flatMap((key) => {
    const title = titleOf(key);
    if (title === undefined) return [];
    const cleaned = cleanTitle(title);
    return cleaned === title ? [{ key, title }] : [{ key, title }, { key, title: cleaned }];
  });
}

export interface TitleMatchOptions {
  /**
   * Which titles may also match in another case: `all` (the default), or only `multi-word`
   * titles (two or more words separated by whitespace), so that a one-word title such as `Up`
   * or `It` must match its case exactly and ordinary words in plain text are not taken for it.
   */
  caseInsensitive?: 'all' | 'multi-word';
}

const MULTI_WORD = /\S\s+\S/u;

/**
 * Finds the titles in `text`, longest title first, without overlaps, at word boundaries (the
 * characters just outside a match are not letters, digits or combining marks).
 *
 * Titles are taken in groups of equal length, longest group first. Within a group, exact
 * (case-sensitive) occurrences are claimed before case-insensitive ones, so that of two items
 * whose titles differ only in case each gets its own spelling; between groups, length wins,
 * so `Paddington` never claims the start of `Paddington 2` even when only the shorter title
 * matches exactly. Of two items with the same title the one listed first wins. Every
 * occurrence of a title is reported. The result is sorted by start. `options.caseInsensitive`
 * limits the case-insensitive matches to multi-word titles.
 */
export function findTitleMentions<K extends string>(
  text: string,
  titles: ReadonlyArray<{ key: K; title: string }>,
  options: TitleMatchOptions = {},
): Array<TitleMention<K>> {
  const anyCase = (title: string) => options.caseInsensitive !== 'multi-word' || MULTI_WORD.test(title);
  const candidates = titles
    .map((t, order) => ({ ...t, order, anyCase: anyCase(t.title) }))
    .filter((t) => t.title.length > 0)
    .sort((a, b) => b.title.length - a.title.length || a.order - b.order);
  const found: Array<TitleMention<K>> = [];
  const overlaps = (start: number, end: number) => found.some((m) => start < m.end && m.start < end);

  for (let g = 0; g < candidates.length; ) {
    let h = g;
    while (h < candidates.length && candidates[h].title.length === candidates[g].title.length) h++;
    const group = candidates.slice(g, h);
    g = h;
    for (const caseInsensitive of [false, true]) {
      for (const candidate of group) {
        if (caseInsensitive && !candidate.anyCase) continue;
        // Step one code unit at a time so that overlapping occurrences ("aa" in "aaa") are
        // all considered; claimed spans and boundaries decide which survive.
        const pattern = new RegExp(escapeRegExp(candidate.title), caseInsensitive ? 'giu' : 'gu');
        for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
          const start = match.index;
          const end = start + match[0].length;
          pattern.lastIndex = start + 1;
          if (!isWordBounded(text, start, end) || overlaps(start, end)) continue;
          found.push({ key: candidate.key, start, end });
        }
      }
    }
  }
  return found.sort((a, b) => a.start - b.start);
}
