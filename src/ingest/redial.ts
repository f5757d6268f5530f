/**
 * The raw ReDial release (docs/formats.md §5): one conversation per JSON line, movies written as
 * `@<movieId>` in the messages and named in `movieMentions`. Parsing mints the items, renders each
 * `@id` as the movie's cleaned title and records it as a mention over that title.
 */
import type { StagedDialogue, StagedItem, StagedMention, StagedTurn } from './dialogue-staging';
import { RecordError } from './errors';
import { DialogueWarning, markFirstMentions, mintedItem, Split, warning } from './minted-items';
import { cleanTitle } from './titles';

/** One side's answers about one movie; 2 = "did not say". */
export interface RedialAnswer {
  suggested: 0 | 1;
  seen: 0 | 1 | 2;
  liked: 0 | 1 | 2;
}

export interface RedialRecordOptions {
  split: Split;
  domain: string;
  /** Flag every movie mention in a Recommender message as a recommendation, not only the suggested ones. */
  allRecommenderMentions: boolean;
  /** Where the record was read, for provenance. */
  file: string;
  line: number;
}

export interface ParsedRedialRecord {
  conversationId: string;
  dialogue: StagedDialogue;
  /** One item per `movieMentions` entry, in the record's order. */
  items: StagedItem[];
}

/** The item key of a ReDial movie. */
const redialAsin = (movieId: string) => `redial:${movieId}`;

const MOVIE_REF = /@(\d+)/g;

/**
 * Parses one ReDial conversation (already JSON-decoded). A record whose shape is wrong is a
 * RecordError naming the key; an `@id` missing from `movieMentions` is a warning.
 */
export function parseRedialRecord(record: unknown, options: RedialRecordOptions): ParsedRedialRecord {
  if (!isObject(record)) throw new RecordError('(record)', 'expected a JSON object (one conversation)');
  const conversationId = idString(record.conversationId, 'conversationId');
  const initiator = workerId(record.initiatorWorkerId, 'initiatorWorkerId');
  const respondent = workerId(record.respondentWorkerId, 'respondentWorkerId');
  const titles = movieMentions(record.movieMentions);
  const initiatorAnswers = answers(record.initiatorQuestions, 'initiatorQuestions');
  const respondentAnswers = answers(record.respondentQuestions, 'respondentQuestions');
  // The respondent's answer wins; the initiator's stands in where the respondent gave none.
  const answer = (movieId: string) => respondentAnswers.get(movieId) ?? initiatorAnswers.get(movieId);

  if (!Array.isArray(record.messages) || record.messages.length === 0) throw new RecordError('messages', 'expected a non-empty array of messages');
  const unknownIds: string[] = [];
  let targetAsin: string | null = null;
  const messageMeta: Array<{ messageId: unknown; timeOffset: unknown }> = [];
  const turns: StagedTurn[] = [];
  for (const [index, message] of record.messages.entries()) {
    const field = `messages[${index}]`;
    if (!isObject(message)) throw new RecordError(field, 'expected an object with messageId, text, senderWorkerId, timeOffset');
    if (typeof message.text !== 'string') throw new RecordError(`${field}.text`, 'expected a string');
    const sender = workerId(message.senderWorkerId, `${field}.senderWorkerId`);
    messageMeta.push({ messageId: message.messageId ?? null, timeOffset: message.timeOffset ?? null });
    const role = sender === initiator ? 'USER' : 'ASSISTANT';

    const raw = message.text;
    const mentions: StagedMention[] = [];
    let text = '';
    let from = 0;
    for (const ref of raw.matchAll(MOVIE_REF)) {
      const movieId = ref[1];
      const title = titles.get(movieId);
      text += raw.slice(from, ref.index);
      const start = text.length;
      text += title === undefined ? ref[0] : cleanTitle(title);
      from = ref.index + ref[0].length;
      if (title === undefined && !unknownIds.includes(movieId)) unknownIds.push(movieId);
      const asin = title === undefined ? null : redialAsin(movieId);
      const isRecommendation = role === 'ASSISTANT' && (options.allRecommenderMentions || answer(movieId)?.suggested === 1);
      // The target is the last recommendation the seeker liked.
      if (isRecommendation && asin !== null && answer(movieId)?.liked === 1) targetAsin = asin;
      mentions.push({ asin, rawId: redialAsin(movieId), start, end: text.length, isRecommendation, isFirstMention: false });
    }
    text += raw.slice(from);
    turns.push({ index, role, text, rawText: text === raw ? null : raw, mentions });
  }
  markFirstMentions(turns);

  const warnings: DialogueWarning[] = unknownIds.length ? [warning('UNKNOWN_ITEM_ID', `movie ids not in movieMentions: ${unknownIds.join(', ')}`)] : [];
  const items: StagedItem[] = [...titles].map(([movieId, title]) => mintedItem('redial', options.domain, redialAsin(movieId), title));
  return {
    conversationId,
    items,
    dialogue: {
      key: `redial:${options.split}:${conversationId}`,
      dataset: 'redial',
      domain: options.domain,
      split: options.split,
      stereotypeKey: null,
      strategy: 'CROWDSOURCED',
      userSourceId: `redial:${initiator}`,
      targetAsin,
      namedAsins: items.map((i) => i.asin),
      warnings,
      provenance: {
        format: 'redial',
        file: options.file,
        line: options.line,
        conversationId,
        initiatorWorkerId: initiator,
        respondentWorkerId: respondent,
        initiatorQuestions: Object.fromEntries(initiatorAnswers),
        respondentQuestions: Object.fromEntries(respondentAnswers),
        messages: messageMeta,
      },
      turns,
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A movie or conversation id: a non-empty string or a non-negative integer, as a string. */
function idString(value: unknown, field: string): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (Number.isSafeInteger(value) && (value as number) >= 0) return String(value);
  throw new RecordError(field, 'expected a non-empty string or a non-negative integer');
}

function workerId(value: unknown, field: string): number {
  if (!Number.isSafeInteger(value)) throw new RecordError(field, 'expected an integer worker id');
  return value as number;
}

/** `{movieId: title}` or `[{movieId, movieName}]` → titles by movie id, in the record's order. */
function movieMentions(value: unknown): Map<string, string> {
  const titles = new Map<string, string>();
  const add = (movieId: string, title: unknown, field: string) => {
    if (typeof title !== 'string' || title.trim() === '') throw new RecordError(field, 'expected a non-empty title string');
    if (!titles.has(movieId)) titles.set(movieId, title);
  };
  if (Array.isArray(value)) {
    value.forEach((entry, i) => {
      const field = `movieMentions[${i}]`;
      if (!isObject(entry)) throw new RecordError(field, 'expected an object {movieId, movieName}');
      add(idString(entry.movieId, `${field}.movieId`), entry.movieName, `${field}.movieName`);
    });
  } else if (isObject(value)) {
    for (const [movieId, title] of Object.entries(value)) add(movieId, title, `movieMentions.${movieId}`);
  } else {
    throw new RecordError('movieMentions', 'expected an object {movieId: title} or a list of {movieId, movieName}');
  }
  return titles;
}

/** `{movieId: {suggested, seen, liked}}`, or `[]` when that side answered nothing. */
function answers(value: unknown, field: string): Map<string, RedialAnswer> {
  const out = new Map<string, RedialAnswer>();
  if (Array.isArray(value) && value.length === 0) return out;
  if (!isObject(value)) throw new RecordError(field, 'expected an object {movieId: {suggested, seen, liked}} or []');
  for (const [movieId, entry] of Object.entries(value)) {
    if (!isObject(entry)) throw new RecordError(`${field}.${movieId}`, 'expected an object {suggested, seen, liked}');
    const flag = (key: keyof RedialAnswer, max: number) => {
      const v = entry[key];
      if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > max) {
        throw new RecordError(`${field}.${movieId}.${key}`, `expected ${max === 1 ? '0 or 1' : '0, 1 or 2'}, got ${JSON.stringify(v)}`);
      }
      return v as number;
    };
    out.set(movieId, { suggested: flag('suggested', 1), seen: flag('seen', 2), liked: flag('liked', 2) } as RedialAnswer);
  }
  return out;
}
