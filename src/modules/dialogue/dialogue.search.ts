import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { positiveTerms, SEARCH_CONFIG } from '../../dialogues/search';
import { SearchHighlight, TurnRole } from './dialogue.type';

/** The search itself (limits, condition, relevance order) is src/dialogues/search.ts; this file adds the highlights the API shows. */
export { checkSearch, configureSearch, positiveTerms, relevanceFrom, relevanceOrder, SEARCH_CONFIG, searchCondition } from '../../dialogues/search';

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
