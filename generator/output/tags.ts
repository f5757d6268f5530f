/**
 * Item tags `<id_ASIN>` in model output (docs/pipeline.md §8.2): finding them, replacing valid ones
 * by the item's cleaned title, recording mentions, and applying `unknownItemPolicy` to tags
 * that name no catalogue item.
 */
import type { CatalogueItem, DialogueMention, ParsedUtterance, ProcessedTurn, ValidationIssue } from '../types';

import type { UnknownItemPolicy } from '../run-config';

export type { UnknownItemPolicy };

const TAG = /<id_([^<>\s]+)>/g;

/** The distinct tag values of `text`, in order of first appearance (what to look up in the catalogue). */
export function extractTagIds(text: string): string[] {
  return [...new Set([...text.matchAll(TAG)].map((m) => m[1]))];
}

export interface ResolvedTags {
  turns: ProcessedTurn[];
  /** Sorted by turn, then start. */
  mentions: DialogueMention[];
  /** Unknown tag values, in order of first appearance (whatever the policy). */
  unresolvedItemIds: string[];
  /** Asins of valid tags, in order of first mention. */
  namedAsins: string[];
  /** UNKNOWN_ITEM_ID: an error under `reject`, a warning under `strip` and `keep`. */
  issues: ValidationIssue[];
}

/**
 * Resolves the tags of every utterance. Each valid tag is replaced by the item's cleaned title
 * and becomes a mention whose offsets point at that title in the turn's new text;
 * `isRecommendation` is true for assistant mentions and `isFirstMention` for the first mention
 * of the item in the dialogue, either role.
 *
 * Unknown tags: `reject` and `keep` leave them verbatim (they are then mentions with
 * `itemId: null`, as the release importer records leftover tags); `strip` removes them together
 * with a pair of brackets around them and the space the removal would leave doubled.
 */
export function resolveTags(
  utterances: readonly ParsedUtterance[],
  catalogue: ReadonlyMap<string, CatalogueItem>,
  policy: UnknownItemPolicy = 'reject',
): ResolvedTags {
  const turns: ProcessedTurn[] = [];
  const mentions: DialogueMention[] = [];
  const named: string[] = [];
  const unknown = new Map<string, number[]>(); // value → turns
  const seen = new Set<string>();

  utterances.forEach((u, turn) => {
    const raw = u.text;
    let out = '';
    let pos = 0;
    for (const m of raw.matchAll(TAG)) {
      const value = m[1];
      const item = catalogue.get(value);
      let tagStart = m.index;
      let tagEnd = m.index + m[0].length;

      if (item === undefined) {
        const turnsOf = unknown.get(value) ?? [];
        if (!turnsOf.includes(turn)) turnsOf.push(turn);
        unknown.set(value, turnsOf);
      }

      if (item === undefined && policy === 'strip') {
        const before = raw[tagStart - 1];
        const after = raw[tagEnd];
        if ((before === '(' && after === ')') || (before === '[' && after === ']')) {
          tagStart--;
          tagEnd++;
        }
        out += raw.slice(pos, tagStart);
        pos = tagEnd;
        // Avoid "Try  tonight", "like ." and a leading space where the tag stood.
        if (out === '') {
          while (/\s/.test(raw[pos] ?? '')) pos++;
        } else if (/\s$/.test(out)) {
          while (raw[pos] === ' ' || raw[pos] === '\t') pos++;
        }
        if (/[.,;:!?]/.test(raw[pos] ?? '')) out = out.replace(/[ \t]+$/, '');
        continue;
      }

      out += raw.slice(pos, tagStart);
      pos = tagEnd;
      const start = out.length;
      out += item === undefined ? m[0] : item.cleanedTitle;
      const key = item === undefined ? `?${value}` : value;
      mentions.push({
        turn,
        asin: value,
        itemId: item?.id ?? null,
        rawId: value,
        start,
        end: out.length,
        isRecommendation: u.role === 'ASSISTANT',
        isFirstMention: !seen.has(key),
      });
      seen.add(key);
      if (item !== undefined && !named.includes(value)) named.push(value);
    }
    out += raw.slice(pos);
    // Only the end: trimming the start would move the offsets (a stripped leading tag takes its spaces along).
    const text = policy === 'strip' ? out.trimEnd() : out;
    turns.push({ role: u.role, text, rawText: text === raw ? null : raw });
  });

  const issues: ValidationIssue[] = [];
  if (unknown.size > 0) {
    const list = [...unknown].map(([value, ts]) => `${value} (turn ${ts.join(', ')})`).join(', ');
    const action = policy === 'reject' ? '' : policy === 'strip' ? '; stripped' : '; kept verbatim';
    issues.push({
      code: 'UNKNOWN_ITEM_ID',
      severity: policy === 'reject' ? 'error' : 'warning',
      detail: `${unknown.size} tag value${unknown.size === 1 ? '' : 's'} not in the catalogue: ${list}${action}`,
    });
  }
  return { turns, mentions, unresolvedItemIds: [...unknown.keys()], namedAsins: named, issues };
}
