/**
 * Lines of the published DistillRecDial release (docs/formats.md §3.6): one dialogue per line as a
 * Llama-3.1 chat string, with `<|reserved_special_token_10|>` + space + cleaned title at every
 * assistant item mention. Parsing recovers turns, item mentions and their offsets.
 */
import path from 'node:path';
import { ChatTemplateError, RECOMMENDATION_MARKER, parseChatTemplate } from './chat-template';
import { RecordError, InputFileError } from './errors';
import { cleanTitle, escapeRegExp, findTitleMentions, isWordBounded } from './titles';
import type { SplitValue, TurnRoleValue } from '../dialogues/vocabulary';

export type Split = SplitValue;

/** The split named in a release file's base name: `…_train.jsonl`, `…_valid.jsonl.gz`, `…_test.jsonl`. */
export function splitFromFileName(file: string): Split {
  const base = path.basename(file);
  const found = new Set([...base.matchAll(/_(train|valid|test)(?![\p{L}\p{N}])/gu)].map((m) => m[1] as Split));
  if (found.size === 1) return [...found][0];
  if (found.size > 1) throw new InputFileError(file, `the file name names more than one split (${[...found].join(', ')})`);
  throw new InputFileError(file, `cannot tell the split from the file name; it must contain _train, _valid or _test (e.g. Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl)`);
}

/** Titles of catalogue items by parent_asin; `undefined` for items not in the catalogue. */
export interface ReleaseCatalogue {
  title(asin: string): string | undefined;
}

export interface ReleaseMention {
  /** The id as written: the item's parent_asin, the X of a leftover `<id_X>`, or '' for an unresolved marker. */
  rawId: string;
  /** The catalogue item, or null when it is unknown or the marker could not be resolved. */
  asin: string | null;
  /** UTF-16 code-unit offsets into the turn's `text`; end exclusive. */
  start: number;
  end: number;
  isRecommendation: boolean;
  /** First mention of this item in the dialogue (by turn, then offset); false when `asin` is null. */
  isFirstMention: boolean;
}

export interface ReleaseTurn {
  /** 0-based position after the system message. */
  index: number;
  role: TurnRoleValue;
  /** Stored text: resolved markers and the space after them removed. */
  text: string;
  /** The message content as released, when it differs from `text`. */
  rawText: string | null;
  mentions: ReleaseMention[];
}

export type ReleaseWarningCode = 'UNRESOLVED_MARKER' | 'UNKNOWN_ITEM_ID' | 'UNEXPECTED_MARKER';

export interface ReleaseWarning {
  code: ReleaseWarningCode;
  severity: 'warning';
  detail: string;
}

export interface ParsedReleaseDialogue {
  systemMessage: string | null;
  scenario: string;
  targetAsin: string;
  /** The `named_items` ids without their tags, in the given order, repeats removed. */
  namedAsins: string[];
  turns: ReleaseTurn[];
  /** Ids of leftover tags that are not in the catalogue, in order of first appearance. */
  unresolvedItemIds: string[];
  warnings: ReleaseWarning[];
}

const RELEASE_KEYS = ['text', 'target', 'named_items', 'scenario'] as const;
const TAG = /^<id_([^<>\s]+)>$/;
const TAGS = /<id_([^<>\s]+)>/g;

function bareId(value: unknown): string | undefined {
  return typeof value === 'string' ? TAG.exec(value)?.[1] : undefined;
}

/**
 * Parses one release record (already JSON-decoded). Problems with the record's shape or its chat
 * string are RecordErrors naming the key; problems with item references become warnings, since
 * the released data is imported as published (docs/formats.md §3.6 importer rules).
 */
export function parseReleaseRecord(record: unknown, catalogue: ReleaseCatalogue): ParsedReleaseDialogue {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RecordError('(record)', 'expected a JSON object with the keys text, target, named_items, scenario');
  }
  const fields = record as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!(RELEASE_KEYS as readonly string[]).includes(key)) {
      throw new RecordError(key, 'unexpected key; a release line has exactly text, target, named_items and scenario');
    }
  }
  for (const key of RELEASE_KEYS) if (!(key in fields)) throw new RecordError(key, 'missing');

  const { text, target, named_items: named, scenario } = fields;
  if (typeof text !== 'string') throw new RecordError('text', 'expected a string');
  if (typeof scenario !== 'string' || scenario.trim() === '') throw new RecordError('scenario', 'expected a non-empty string');
  const targetAsin = Array.isArray(target) && target.length === 1 ? bareId(target[0]) : undefined;
  if (targetAsin === undefined) throw new RecordError('target', 'expected an array of one item tag, e.g. ["<id_B0FAKE0003>"]');
  if (!Array.isArray(named)) throw new RecordError('named_items', 'expected an array of item tags');
  const namedAsins: string[] = [];
  named.forEach((tag, i) => {
    const asin = bareId(tag);
    if (asin === undefined) throw new RecordError('named_items', `element ${i} is not an item tag like "<id_B0FAKE0003>": ${JSON.stringify(tag)}`);
    if (!namedAsins.includes(asin)) namedAsins.push(asin);
  });

  let chat;
  try {
    chat = parseChatTemplate(text);
  } catch (error) {
    if (error instanceof ChatTemplateError) throw new RecordError('text', `not a Llama-3.1 chat string: ${error.message}`, 'INVALID_CHAT_TEMPLATE');
    throw error;
  }
  if (chat.generationPrompt) {
    throw new RecordError('text', 'ends with an open assistant header; a released dialogue ends with the last message', 'INVALID_CHAT_TEMPLATE');
  }
  const secondSystem = chat.messages.findIndex((m) => m.role === 'system');
  if (secondSystem >= 0) throw new RecordError('text', `message ${secondSystem + 1} is a second system message`, 'INVALID_CHAT_TEMPLATE');
  if (chat.messages.length === 0) throw new RecordError('text', 'no user or assistant messages', 'INVALID_CHAT_TEMPLATE');

  const titles: TitleCandidate[] = [];
  for (const asin of namedAsins) {
    const title = catalogue.title(asin);
    // The catalogue may hold raw or cleaned titles; cleaning is idempotent.
    if (title !== undefined && title.trim() !== '') titles.push({ key: asin, title: cleanTitle(title) });
  }
  // Longest first; equal lengths keep named_items order (the first listed wins a tie).
  const byLength = [...titles].sort((a, b) => b.title.length - a.title.length);

  const unresolvedMarkerTurns: number[] = [];
  const unexpectedMarkerTurns: number[] = [];
  const unknownIds: string[] = [];
  const turns: ReleaseTurn[] = chat.messages.map((message, index) => {
    const role = message.role === 'user' ? 'USER' : 'ASSISTANT';
    const content = message.content;
    let turnText = content;
    const mentions: Array<Omit<ReleaseMention, 'isFirstMention'>> = [];
    if (role === 'ASSISTANT') {
      const resolved = resolveMarkers(content, byLength);
      turnText = resolved.text;
      mentions.push(...resolved.mentions);
      if (resolved.unresolved > 0) unresolvedMarkerTurns.push(index);
    } else if (content.includes(RECOMMENDATION_MARKER)) {
      unexpectedMarkerTurns.push(index);
    }

    const tagSpans: Array<{ start: number; end: number }> = [];
    for (const m of turnText.matchAll(TAGS)) {
      const rawId = m[1];
      const known = catalogue.title(rawId) !== undefined;
      if (!known && !unknownIds.includes(rawId)) unknownIds.push(rawId);
      const span = { start: m.index, end: m.index + m[0].length };
      tagSpans.push(span);
      mentions.push({ rawId, asin: known ? rawId : null, ...span, isRecommendation: role === 'ASSISTANT' });
    }

    if (role === 'USER') {
      for (const m of findTitleMentions(turnText, titles)) {
        if (tagSpans.some((t) => m.start < t.end && t.start < m.end)) continue;
        mentions.push({ rawId: m.key, asin: m.key, start: m.start, end: m.end, isRecommendation: false });
      }
    }
    mentions.sort((a, b) => a.start - b.start);
    return {
      index,
      role,
      text: turnText,
      rawText: turnText === content ? null : content,
      mentions: mentions.map((m) => ({ ...m, isFirstMention: false })),
    };
  });

  const seen = new Set<string>();
  for (const turn of turns) {
    for (const mention of turn.mentions) {
      if (mention.asin === null || seen.has(mention.asin)) continue;
      seen.add(mention.asin);
      mention.isFirstMention = true;
    }
  }

  const warnings: ReleaseWarning[] = [];
  if (unresolvedMarkerTurns.length > 0) {
    const count = turns.reduce((n, t) => n + t.mentions.filter((m) => m.isRecommendation && m.rawId === '').length, 0);
    warnings.push({
      code: 'UNRESOLVED_MARKER',
      severity: 'warning',
      detail: `${count} recommendation marker${count === 1 ? ' is' : 's are'} not followed by the title of a named item (turn${unresolvedMarkerTurns.length === 1 ? '' : 's'} ${unresolvedMarkerTurns.join(', ')})`,
    });
  }
  if (unknownIds.length > 0) {
    warnings.push({ code: 'UNKNOWN_ITEM_ID', severity: 'warning', detail: `item ids not in the catalogue: ${unknownIds.join(', ')}` });
  }
  if (unexpectedMarkerTurns.length > 0) {
    warnings.push({
      code: 'UNEXPECTED_MARKER',
      severity: 'warning',
      detail: `recommendation marker in a user turn, kept as text (turn${unexpectedMarkerTurns.length === 1 ? '' : 's'} ${unexpectedMarkerTurns.join(', ')})`,
    });
  }

  return {
    systemMessage: chat.system,
    scenario,
    targetAsin,
    namedAsins,
    turns,
    unresolvedItemIds: unknownIds,
    warnings,
  };
}

interface TitleCandidate {
  key: string;
  title: string;
}

/**
 * Replaces every resolvable `marker + space + title` by the title and records a recommendation
 * mention over it; an unresolvable marker stays in the text and gets a mention over the marker
 * with no item, so that a later re-resolution can find it.
 */
function resolveMarkers(
  content: string,
  candidates: TitleCandidate[],
): { text: string; mentions: Array<Omit<ReleaseMention, 'isFirstMention'>>; unresolved: number } {
  const mentions: Array<Omit<ReleaseMention, 'isFirstMention'>> = [];
  let text = '';
  let unresolved = 0;
  let from = 0;
  for (let at = content.indexOf(RECOMMENDATION_MARKER); at >= 0; at = content.indexOf(RECOMMENDATION_MARKER, from)) {
    text += content.slice(from, at);
    const afterMarker = at + RECOMMENDATION_MARKER.length;
    const titleAt = afterMarker + 1;
    const match = content[afterMarker] === ' ' ? matchTitleAt(content, titleAt, candidates) : undefined;
    if (match) {
      const start = text.length;
      text += content.slice(titleAt, titleAt + match.length);
      mentions.push({ rawId: match.key, asin: match.key, start, end: text.length, isRecommendation: true });
      from = titleAt + match.length;
    } else {
      const start = text.length;
      text += RECOMMENDATION_MARKER;
      mentions.push({ rawId: '', asin: null, start, end: text.length, isRecommendation: true });
      unresolved++;
      from = afterMarker;
    }
  }
  text += content.slice(from);
  return { text, mentions, unresolved };
}

type Matcher = (text: string, at: number, title: string) => number | undefined;

const exact: Matcher = (text, at, title) => (text.startsWith(title, at) ? title.length : undefined);

const sticky = (source: string, text: string, at: number): number | undefined => {
  const re = new RegExp(source, 'iuy');
  re.lastIndex = at;
  const m = re.exec(text);
  return m ? m[0].length : undefined;
};

const caseInsensitive: Matcher = (text, at, title) => sticky(escapeRegExp(title), text, at);

const whitespaceCollapsed: Matcher = (text, at, title) =>
  sticky(title.trim().split(/\s+/).map(escapeRegExp).join('\\s+'), text, at);

/**
 * The named item whose cleaned title starts at `at`: stage by stage (exact, case-insensitive,
 * whitespace runs collapsed), the longest title that matches wins. A match that ends at a word
 * boundary is preferred, so that `Paddington 2` does not claim the start of `Paddington 20…`;
 * only if no title ends at a boundary is one that ends inside a word accepted (a tag followed
 * by letters, like `<id_X>s`, produced such text).
 */
function matchTitleAt(text: string, at: number, byLength: TitleCandidate[]): { key: string; length: number } | undefined {
  for (const needBoundary of [true, false]) {
    for (const matcher of [exact, caseInsensitive, whitespaceCollapsed]) {
      for (const candidate of byLength) {
        const length = matcher(text, at, candidate.title);
        if (length === undefined || length === 0) continue;
        if (needBoundary && !isWordBounded(text, at, at + length)) continue;
        return { key: candidate.key, length };
      }
    }
  }
  return undefined;
}
