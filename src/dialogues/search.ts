import { createHash } from 'node:crypto';
import { DEFAULT_SEARCH_LIMITS, SearchLimits } from '../config/config';
import { badInput } from '../errors';
import { KeysetOrder } from '../pagination/keyset';

/**
 * Dialogue-level full-text search (README "GraphQL API"). Each dialogue has one search document
 * in `dialogue_search` (its turns' text), kept current by triggers on `turns` and parsed with the
 * `recdial_search` configuration: English stemming with accents folded by `unaccent` (migration
 * 1764300000000). Queries use the web-search syntax of `websearch_to_tsquery`.
 */
export const SEARCH_CONFIG = 'recdial_search';

let limits: Readonly<SearchLimits> = DEFAULT_SEARCH_LIMITS;

/**
 * Sets the process's search limits from its Config (the server at start, the CLI per command).
 * Process-wide because every path that reads a DialogueFilter (API, exports, statistics, CLI)
 * must accept and refuse the same strings, and not all of them see a Config.
 */
export function configureSearch(config: { search: Readonly<SearchLimits> }): void {
  limits = config.search;
}

/** Word-like runs, as the text search parser splits them; `or` is an operator, not a term. */
const TERM = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * Refuses what PostgreSQL cannot take or would take too long over, before any SQL runs: a
 * search string of tens of thousands of terms made websearch_to_tsquery exceed the stack depth
 * limit after seconds of CPU, and U+0000 cannot be stored or passed in text.
 */
export function checkSearch(argument: string, text: string, bounds: Readonly<SearchLimits> = limits): void {
  if (text.includes('\u0000')) throw badInput(argument, 'contains U+0000, which a search cannot contain');
  if (text.length > bounds.maxChars) {
    throw badInput(argument, `at most ${bounds.maxChars} characters, got ${text.length}; search for fewer, more specific words`);
  }
  const terms = (text.match(TERM) ?? []).filter((t) => t.toLowerCase() !== 'or').length;
  if (terms > bounds.maxTerms) throw badInput(argument, `at most ${bounds.maxTerms} terms, got ${terms}`);
  if (!terms) throw badInput(argument, 'must contain at least one word');
}

/**
 * `$n` is the search string: dialogues whose document matches it. The ids come from
 * `recdial_search_ids` (migration 1764300000000), which always answers from the GIN index, so a
 * search costs in proportion to its matches: written as a plain sub-select, a common term was
 * answered by a sequential scan detoasting every document and a rare term paged in id order by a
 * walk of the whole table.
 */
export function searchCondition(placeholder: string): string {
  return `d.id IN (SELECT recdial_search_ids(websearch_to_tsquery('${SEARCH_CONFIG}', ${placeholder})))`;
}

/**
 * The FROM clause for ordering by relevance: each dialogue's document (looked up by dialogue id,
 * for the matches only) and the parsed query (`$n`). An inner join loses nothing: the search
 * condition already requires a matching document.
 */
export function relevanceFrom(placeholder: string): string {
  return `dialogues d JOIN dialogue_search ds ON ds.dialogue_id = d.id CROSS JOIN websearch_to_tsquery('${SEARCH_CONFIG}', ${placeholder}) AS sq(q)`;
}

/**
 * Best match first (rank normalised by the log of the document length, so long dialogues do not
 * win by size alone), then newest id. The search string's hash is part of the order's name and
 * so of the cursor's digest: a cursor of one search is refused by another.
 */
export function relevanceOrder(search: string): KeysetOrder {
  const digest = createHash('sha256').update(search).digest('base64url').slice(0, 12);
  return {
    name: `relevance:${digest}`,
    direction: 'DESC',
    columns: [
      { expr: 'ts_rank(ds.document, sq.q, 1)', cast: 'real' },
      { expr: 'd.id', cast: 'int' },
    ],
  };
}

/**
 * The terms a highlight looks for: the search string without its `-word` and `-"phrase"`
 * exclusions (a matching dialogue has none of them to show).
 */
export function positiveTerms(search: string): string {
  return search.replace(/(^|\s)-("[^"]*"?|[^\s"]+)/g, '$1');
}
