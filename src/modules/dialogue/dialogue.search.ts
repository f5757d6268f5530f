import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { DEFAULT_SEARCH_LIMITS, SearchLimits } from '../../config/config';
import { KeysetOrder } from '../../pagination/keyset';
import { badInput } from '../../server/errors';
import { SearchHighlight, TurnRole } from './dialogue.type';

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

/** As in the search document (migration 1764300000000): a tsvector cannot exceed 1 MB. */
const DOCUMENT_CHARS = 250_000;

/** Turns up to this length are shown whole; longer ones as up to two fragments around the matches. */
const WHOLE_TURN_CHARS = 240;

interface HighlightRow {
  dialogue_id: number;
  idx: number;
  role: TurnRole;
  snippet: string;
}

export interface HighlightKey {
  query: string;
  dialogueId: number;
}

/**
 * ts_headline marks matches with private-use characters, not `<b>`: the turn's own text is then
 * HTML-escaped and only the marks become `<b>…</b>`, so a snippet is safe to render as HTML even
 * when a dialogue's text holds markup. (Private-use U+E000/U+E001 do not occur in the datasets; one
 * that did would merely be dropped.)
 */
const MARK_START = '\uE000';
const MARK_END = '\uE001';
const MARKS = `StartSel=${MARK_START}, StopSel=${MARK_END}`;
const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function markSnippet(headline: string): string {
  return headline
    .replace(/[&<>"']/g, (c) => HTML_ESCAPES[c])
    .replaceAll(MARK_START, '<b>')
    .replaceAll(MARK_END, '</b>');
}

/**
 * `Dialogue.searchHighlights(query)`: the turns that contain any of the query's terms, each with
 * a `ts_headline` snippet (a short turn whole, a long one as up to two fragments of ~24 words
 * around the matches joined by " … ", each match in `<b>…</b>`, accents folded as in the search). A
 * turn rarely holds every term of a dialogue-level match, so turns are matched on any term: the
 * query's stemmed lexemes joined by `|`. One statement per distinct query and batch.
 */
export function createSearchHighlightLoader(manager: EntityManager) {
  return new DataLoader<HighlightKey, SearchHighlight[], string>(
    async (keys) => {
      const byQuery = new Map<string, number[]>();
      for (const k of keys) byQuery.set(k.query, [...(byQuery.get(k.query) ?? []), k.dialogueId]);
      const found = new Map<string, HighlightRow[]>();
      for (const [query, ids] of byQuery) {
        const rows: HighlightRow[] = await manager.query(
          `WITH terms AS (
             SELECT nullif(array_to_string(array(
                      SELECT '''' || replace(replace(l, '\\', '\\\\'), '''', '''''') || ''''
                        FROM unnest(tsvector_to_array(to_tsvector('${SEARCH_CONFIG}', $1))) AS l), ' | '), '')::tsquery AS q)
           SELECT t.dialogue_id, t.idx, t.role,
                  CASE WHEN length(t.text) <= ${WHOLE_TURN_CHARS}
                       THEN ts_headline('${SEARCH_CONFIG}', t.text, terms.q, 'HighlightAll=true, ${MARKS}')
                       ELSE ts_headline('${SEARCH_CONFIG}', left(t.text, ${DOCUMENT_CHARS}), terms.q, 'MaxFragments=2, MaxWords=24, MinWords=10, FragmentDelimiter=" … ", ${MARKS}')
                  END AS snippet
             FROM turns t, terms
            WHERE t.dialogue_id = ANY($2) AND terms.q IS NOT NULL AND to_tsvector('${SEARCH_CONFIG}', left(t.text, ${DOCUMENT_CHARS})) @@ terms.q
            ORDER BY t.dialogue_id, t.idx`,
          [positiveTerms(query), ids],
        );
        for (const row of rows) {
          const key = cacheKey({ query, dialogueId: row.dialogue_id });
          found.set(key, [...(found.get(key) ?? []), row]);
        }
      }
      return keys.map((k) =>
        (found.get(cacheKey(k)) ?? []).map((r) => Object.assign(new SearchHighlight(), { turnIndex: r.idx, role: r.role, snippet: markSnippet(r.snippet) })),
      );
    },
    { cacheKeyFn: cacheKey },
  );
}

function cacheKey(k: HighlightKey): string {
  return JSON.stringify([k.query, k.dialogueId]);
}
