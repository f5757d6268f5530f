/**
 * PEARL (docs/formats.md §6): each file one JSON array of dialogues written by persona- and
 * knowledge-augmented LLM simulators. Movies are named by title only, so items are minted from
 * titles (`pearl:` + normalised title) and mentions are recovered by searching the turns for the
 * titles the record lists (gold and seen movies) and for those a Recommender writes as
 * `Title (Year)`.
 */
import { createHash } from 'node:crypto';
import type { StagedTurn } from './dialogue-staging';
import { RecordError } from './errors';
import { DialogueTitles, DialogueWarning, markFirstMentions, normaliseTitle, PEER_TITLE_MATCHING, warning } from './minted-items';
import { findTitleMentions } from './titles';

export interface ParsedPearlDialogue {
  /** `data_id` as a string; null when the record has none. */
  dataId: string | null;
  /** `user_id` as a string; null when the record has none. */
  userId: string | null;
  turns: StagedTurn[];
  /** Every title the dialogue names (gold, seen, then those a Recommender wrote), minted. */
  titles: Array<{ key: string; title: string }>;
  /** The gold movie's key; null when `gt_movie_title` is empty. */
  targetKey: string | null;
  warnings: DialogueWarning[];
  /** The persona, the listed titles, and every other key of the record under `extra`. */
  provenance: Record<string, unknown>;
}

const REQUIRED_KEYS = ['dialogue', 'user_persona', 'gt_movie_title', 'seen_movie_titles'];
const PREFIX = /^\s*(Seeker|Recommender):[ \t]*/;

// Years from 1880 to 2099 in parentheses: what PEARL's simulators append to a title.
const YEAR = String.raw`\((?:1[89]|20)\d\d\)`;
// A quoted title, the year inside the quotes (`"Heat (1995)"`) or just after them (`"Heat" (1995)`).
const QUOTED_TITLE = new RegExp(String.raw`["“](?:([^"“”\n]{1,200}?\s*${YEAR})["”]|([^"“”\n]{1,200}?)["”]\s*(${YEAR}))`, 'gu');
// An unquoted title: capitalised words (small words such as "of" or "the" between them) right
// before the year. Where the sentence begins with a lead-in word ("Try The Iron Giant (1999)"),
// the title starts after it; any other capitalised word just before a title joins it, hence the
// check against the titles already known in titlesWrittenWithYear.
const WORD = String.raw`[\p{Lu}\p{N}][\p{L}\p{N}\p{M}'’&:-]*(?:\.[\p{L}\p{N}]+)*`;
const SMALL_WORD = String.raw`(?:a|an|and|at|by|de|del|der|des|di|du|el|en|for|from|in|into|la|le|les|of|on|or|the|to|vs\.?|with)`;
const LEAD_IN = String.raw`(?:Absolutely|Additionally|Also|Alternatively|And|But|Check|Consider|Definitely|Enjoy|Especially|Finally|Honestly|Lastly|Maybe|Oh|Or|Otherwise|Perhaps|Personally|Plus|Revisit|Rewatch|So|Sure|Then|Try|Watch)`;
const BARE_TITLE = new RegExp(
  String.raw`(?<![\p{L}\p{N}\p{M}])(?!${LEAD_IN}\s)${WORD}(?:\s+(?:${SMALL_WORD}\s+)*${WORD})*[!?]?\s?${YEAR}`,
  'gu',
);

/**
 * The `Title (Year)` titles written in `text`, in order. An unquoted one that ends with a title
 * already known, or is the end of one (`Dear Paddington 2 (2017)`, `No Evil (2006)` when
 * `Paddington 2 (2017)` and `See No Evil (2006)` are known), is that title and is left out; so
 * is one inside a quoted title.
 */
export function titlesWrittenWithYear(text: string, known: DialogueTitles): string[] {
  const found: Array<{ start: number; end: number; title: string }> = [];
  for (const m of text.matchAll(QUOTED_TITLE)) {
    found.push({ start: m.index, end: m.index + m[0].length, title: m[1] ?? `${m[2].trim()} ${m[3]}` });
  }
  const quoted = [...found];
  const knownTitles = known.entries().map((e) => normaliseTitle(e.title));
  for (const m of text.matchAll(BARE_TITLE)) {
    const start = m.index;
    const end = start + m[0].length;
    if (quoted.some((q) => start < q.end && q.start < end)) continue;
    const written = normaliseTitle(m[0]);
    if (knownTitles.some((k) => written === k || written.endsWith(` ${k}`) || k.endsWith(` ${written}`))) continue;
    found.push({ start, end, title: m[0] });
  }
  return found.sort((a, b) => a.start - b.start).map((f) => f.title);
}

/** Parses one element of a PEARL file (already JSON-decoded); problems name the key. */
export function parsePearlRecord(record: unknown): ParsedPearlDialogue {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new RecordError('(record)', `expected a JSON object with the keys ${REQUIRED_KEYS.join(', ')}`);
  }
  const fields = record as Record<string, unknown>;
  for (const key of REQUIRED_KEYS) if (!(key in fields)) throw new RecordError(key, 'missing');
  const { dialogue, user_persona: persona, gt_movie_title: gold, seen_movie_titles: seen } = fields;
  if (!Array.isArray(dialogue)) throw new RecordError('dialogue', 'expected an array of strings');
  if (typeof persona !== 'string') throw new RecordError('user_persona', 'expected a string');
  if (typeof gold !== 'string') throw new RecordError('gt_movie_title', 'expected a string ("" when the dialogue has no gold movie)');
  if (!Array.isArray(seen)) throw new RecordError('seen_movie_titles', 'expected an array of strings');
  seen.forEach((title, i) => {
    if (typeof title !== 'string') throw new RecordError(`seen_movie_titles[${i}]`, 'expected a string');
  });

  const utterances: Array<Pick<StagedTurn, 'role' | 'text' | 'rawText'>> = [];
  dialogue.forEach((line, i) => {
    if (typeof line !== 'string') throw new RecordError(`dialogue[${i}]`, 'expected a string');
    if (line.trim() === '') return; // the released files hold empty strings between turns
    const prefix = PREFIX.exec(line);
    if (!prefix) throw new RecordError(`dialogue[${i}]`, `expected the prefix "Seeker: " or "Recommender: ", got ${excerpt(line)}`);
    const text = line.slice(prefix[0].length);
    if (text.trim() === '') return;
    utterances.push({ role: prefix[1] === 'Seeker' ? 'USER' : 'ASSISTANT', text, rawText: line });
  });
  if (utterances.length === 0) throw new RecordError('dialogue', 'no utterances: every string is empty');

  const titles = new DialogueTitles('pearl');
  const targetKey = titles.add(gold);
  for (const title of seen as string[]) titles.add(title);
  for (const u of utterances) if (u.role === 'ASSISTANT') for (const title of titlesWrittenWithYear(u.text, titles)) titles.add(title);

  const candidates = titles.candidates();
  const turns: StagedTurn[] = utterances.map((u, index) => ({
    index,
    ...u,
    mentions: findTitleMentions(u.text, candidates, PEER_TITLE_MATCHING).map((m) => ({
      asin: m.key,
      rawId: titles.title(m.key),
      start: m.start,
      end: m.end,
      isRecommendation: u.role === 'ASSISTANT' && m.key === targetKey,
      isFirstMention: false,
    })),
  }));
  markFirstMentions(turns);

  const warnings: DialogueWarning[] = [];
  if (targetKey !== null && !turns.some((t) => t.mentions.some((m) => m.isRecommendation))) {
    warnings.push(warning('TARGET_NOT_RECOMMENDED', `the gold movie ${JSON.stringify(gold)} is not named in any Recommender turn`));
  }
  return {
    dataId: optionalId(fields, 'data_id'),
    userId: optionalId(fields, 'user_id'),
    turns,
    titles: titles.entries(),
    targetKey,
    warnings,
    provenance: {
      persona,
      gtMovieTitle: gold,
      seenMovieTitles: seen,
      extra: Object.fromEntries(Object.entries(fields).filter(([key]) => !REQUIRED_KEYS.includes(key))),
    },
  };
}

/** An optional id: a non-empty string or a number; absent or null means none. */
function optionalId(fields: Record<string, unknown>, key: string): string | null {
  const value = fields[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw new RecordError(key, `expected a non-empty string or a number, got ${excerpt(value)}`);
}

function excerpt(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 57)}…` : json;
}

/**
 * SHA-256 of the record's canonical JSON (object keys sorted at every level): the identity of a
 * record without `data_id`, the same however the file orders or spaces its keys.
 */
export function pearlRecordDigest(record: unknown): string {
  const canonical = JSON.stringify(record, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((k) => [k, (value as Record<string, unknown>)[k]]))
      : value,
  );
  return createHash('sha256').update(canonical).digest('hex');
}
