/**
 * INSPIRED (docs/formats.md §7): tab-separated files, one row per sentence-level utterance, the rows of
 * a dialogue consecutive. Movies are named by title in the `movies` column of the row that
 * mentions them and in the dialogue-wide `movie_dict`; items are minted from those titles
 * (`inspired:` + normalised title) and each row's text is searched for the titles its own row
 * lists (searching it for every title of the dialogue would turn words such as "it" or "up" into
 * mentions of films).
 */
import type { StagedMention, StagedTurn } from './dialogue-staging';
import { RecordError } from './errors';
import { DialogueTitles, DialogueWarning, markFirstMentions, PEER_TITLE_MATCHING, warning } from './minted-items';
import { parsePythonLiteral } from './python-literal';
import { findTitleMentions } from './titles';

export const INSPIRED_COLUMNS = [
  'dialog_id', 'utt_id', 'speaker', 'turn_id', 'text', 'text_with_placeholder', 'movies', 'genres', 'people_names',
  'movie_dict', 'genre_dict', 'actor_dict', 'director_dict', 'others_dict',
  'expert_label', 'second_label', 'fine_label', 'coarse_label', 'movie_id',
] as const;

export type InspiredColumn = (typeof INSPIRED_COLUMNS)[number];
/** Position of each column in the file's rows. */
export type InspiredColumns = Record<InspiredColumn, number>;

const DICT_COLUMNS = ['movie_dict', 'genre_dict', 'actor_dict', 'director_dict', 'others_dict'] as const;
type DictColumn = (typeof DICT_COLUMNS)[number];

/** How the dialogue-wide dicts other than movie_dict are kept in provenance. */
const DICT_NAMES: Record<Exclude<DictColumn, 'movie_dict'>, string> = {
  genre_dict: 'genres',
  actor_dict: 'actors',
  director_dict: 'directors',
  others_dict: 'others',
};

/** The labels and annotations of one row, kept per turn in provenance.turnLabels. */
export interface InspiredRowLabels {
  uttId: number;
  turnId: number;
  expertLabel: string | null;
  secondLabel: string | null;
  fineLabel: string | null;
  coarseLabel: string | null;
  /** YouTube trailer id of the recommended movie, not an item id. */
  movieId: string | null;
  movies: string[];
  genres: string[];
  peopleNames: string[];
}

export interface InspiredRow {
  dialogId: string;
  speaker: 'SEEKER' | 'RECOMMENDER';
  /** The utterance with `QUOTATION_MARK` replaced by `"`. */
  text: string;
  /** The `text` column as written. */
  rawText: string;
  /** The Python-literal dicts as written; null when empty or `nan`. */
  dicts: Record<DictColumn, string | null>;
  labels: InspiredRowLabels;
}

export interface ParsedInspiredDialogue {
  turns: StagedTurn[];
  /** Every title the dialogue names: movie_dict's in index order, then the rows' in order of listing. */
  titles: Array<{ key: string; title: string }>;
  /** When the outcome (coarse_label) is accept_new: the last movie a Recommender introduced; else null. */
  targetKey: string | null;
  warnings: DialogueWarning[];
  provenance: Record<string, unknown>;
}

/** The source's stand-in for a double quote (the files are written without quoting). */
const unquote = (text: string) => text.replaceAll('QUOTATION_MARK', '"');

/** Checks the header line and returns where each column is. */
export function parseInspiredHeader(line: string): InspiredColumns {
  const names = line.split('\t');
  const expected: readonly string[] = INSPIRED_COLUMNS;
  const missing = INSPIRED_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length === INSPIRED_COLUMNS.length) {
    throw new RecordError('(header)', `the first line must be the header naming the ${INSPIRED_COLUMNS.length} columns (${INSPIRED_COLUMNS.join(', ')})`);
  }
  const unexpected = names.filter((n) => !expected.includes(n));
  const repeated = names.filter((n, i) => expected.includes(n) && names.indexOf(n) !== i);
  const problems = [
    missing.length ? `missing columns: ${missing.join(', ')}` : '',
    unexpected.length ? `unexpected columns: ${unexpected.map((n) => JSON.stringify(n)).join(', ')}` : '',
    repeated.length ? `repeated columns: ${repeated.join(', ')}` : '',
  ].filter(Boolean);
  if (problems.length) throw new RecordError('(header)', `${problems.join('; ')} (an INSPIRED file has exactly the ${INSPIRED_COLUMNS.length} columns ${INSPIRED_COLUMNS.join(', ')})`);
  return Object.fromEntries(INSPIRED_COLUMNS.map((c) => [c, names.indexOf(c)])) as InspiredColumns;
}

/** Parses one row, already split on tabs; problems name the column. */
export function parseInspiredRow(fields: string[], columns: InspiredColumns): InspiredRow {
  if (fields.length !== INSPIRED_COLUMNS.length) {
    throw new RecordError('(row)', `expected ${INSPIRED_COLUMNS.length} tab-separated columns, found ${fields.length}`);
  }
  const raw = (column: InspiredColumn) => fields[columns[column]];
  // Empty cells and pandas' `nan` both mean "no value".
  const cell = (column: InspiredColumn) => {
    const value = raw(column).trim();
    return value === '' || value === 'nan' ? null : value;
  };
  const list = (column: InspiredColumn) => (cell(column) ?? '').split(';').map((v) => unquote(v.trim())).filter((v) => v !== '');
  const positive = (column: InspiredColumn) => {
    const value = raw(column).trim();
    if (!/^[1-9]\d*$/.test(value)) throw new RecordError(column, `expected a positive integer, got ${JSON.stringify(value)}`);
    return Number(value);
  };

  const dialogId = raw('dialog_id').trim();
  if (dialogId === '') throw new RecordError('dialog_id', 'empty');
  const uttId = positive('utt_id');
  const speaker = raw('speaker').trim();
  if (speaker !== 'SEEKER' && speaker !== 'RECOMMENDER') throw new RecordError('speaker', `expected SEEKER or RECOMMENDER, got ${JSON.stringify(speaker)}`);
  const turnId = positive('turn_id');
  return {
    dialogId,
    speaker,
    text: unquote(raw('text')),
    rawText: raw('text'),
    dicts: Object.fromEntries(DICT_COLUMNS.map((c) => [c, cell(c)])) as Record<DictColumn, string | null>,
    labels: {
      uttId,
      turnId,
      expertLabel: cell('expert_label'),
      secondLabel: cell('second_label'),
      fineLabel: cell('fine_label'),
      coarseLabel: cell('coarse_label'),
      movieId: cell('movie_id'),
      movies: list('movies'),
      genres: list('genres'),
      peopleNames: list('people_names'),
    },
  };
}

/** The names of a `{name: index}` dict literal in index order, or why it cannot be read. */
function dictNames(literal: string): { names: string[] } | { code: string; problem: string } {
  let value: unknown;
  try {
    value = parsePythonLiteral(literal);
  } catch (error) {
    return { code: 'UNPARSEABLE_LITERAL', problem: `not a Python literal: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { code: 'INVALID_FIELD', problem: `expected a dict {name: index}, got ${Array.isArray(value) ? 'a list' : JSON.stringify(value)}` };
  }
  // Sort by index: JavaScript would list integer-like names ("300") first otherwise.
  const entries = Object.entries(value as Record<string, unknown>);
  const index = (v: unknown) => (typeof v === 'number' ? v : Infinity);
  return { names: entries.sort((a, b) => index(a[1]) - index(b[1])).map(([name]) => unquote(name)) };
}

interface Utterance {
  role: StagedTurn['role'];
  labels: InspiredRowLabels;
  text: string;
  rawText: string;
  mentions: StagedMention[];
}

/**
 * Builds one dialogue from its rows, in file order. Each row is one turn; with `mergeTurns`,
 * consecutive rows of the same speaker and turn_id become one turn, joined by a space.
 */
export function buildInspiredDialogue(rows: InspiredRow[], { mergeTurns = false }: { mergeTurns?: boolean } = {}): ParsedInspiredDialogue {
  const titles = new DialogueTitles('inspired');
  const warnings: DialogueWarning[] = [];
  const extra: Record<string, string[]> = {};
  const names: Record<string, string[]> = {};
  for (const column of DICT_COLUMNS) {
    const found = new Set<string>();
    // The dicts describe the whole dialogue and repeat on every row: read each spelling once.
    for (const literal of new Set(rows.map((r) => r.dicts[column]))) {
      if (literal === null) continue;
      const read = dictNames(literal);
      if ('names' in read) {
        read.names.forEach((n) => found.add(n));
      } else {
        warnings.push(warning(read.code, `${column}: ${read.problem}; the raw value is kept in provenance.extra`));
        (extra[column] ??= []).push(literal);
      }
    }
    if (column === 'movie_dict') found.forEach((title) => titles.add(title));
    else names[DICT_NAMES[column]] = [...found];
  }

  const notFound: string[] = [];
  const empty: number[] = [];
  const utterances: Utterance[] = [];
  for (const row of rows) {
    const listed = row.labels.movies.map((title) => ({ title, key: titles.add(title)! }));
    if (row.text.trim() === '') {
      empty.push(row.labels.uttId);
      continue;
    }
    const found = findTitleMentions(row.text, titles.candidates(new Set(listed.map((l) => l.key))), PEER_TITLE_MATCHING);
    for (const { title, key } of listed) {
      if (!found.some((m) => m.key === key)) notFound.push(`${JSON.stringify(title)} (utt_id ${row.labels.uttId})`);
    }
    utterances.push({
      role: row.speaker === 'SEEKER' ? 'USER' : 'ASSISTANT',
      labels: row.labels,
      text: row.text,
      rawText: row.rawText,
      // Every title found is one the row lists; listed in a Recommender's row, it is recommended.
      mentions: found.map((m) => ({
        asin: m.key,
        rawId: titles.title(m.key),
        start: m.start,
        end: m.end,
        isRecommendation: row.speaker === 'RECOMMENDER',
        isFirstMention: false,
      })),
    });
  }
  if (utterances.length === 0) throw new RecordError('text', 'every row of the dialogue has an empty text');
  if (notFound.length) warnings.push(warning('TITLE_NOT_IN_TEXT', `movies listed in a row but not found in its text (still named by the dialogue): ${notFound.join(', ')}`));
  if (empty.length) warnings.push(warning('EMPTY_UTTERANCE', `rows with an empty text, not imported: utt_id ${empty.join(', ')}`));

  const turns: StagedTurn[] = [];
  const rawTexts: string[] = [];
  const turnLabels: InspiredRowLabels[][] = [];
  utterances.forEach((u, i) => {
    const previous = utterances[i - 1];
    const turn = turns[turns.length - 1];
    if (mergeTurns && previous && previous.role === u.role && previous.labels.turnId === u.labels.turnId) {
      const offset = turn.text.length + 1;
      turn.text += ` ${u.text}`;
      rawTexts[turn.index] += ` ${u.rawText}`;
      turn.mentions.push(...u.mentions.map((m) => ({ ...m, start: m.start + offset, end: m.end + offset })));
      turnLabels[turn.index].push(u.labels);
    } else {
      turns.push({ index: turns.length, role: u.role, text: u.text, rawText: null, mentions: u.mentions });
      rawTexts.push(u.rawText);
      turnLabels.push([u.labels]);
    }
  });
  for (const turn of turns) if (rawTexts[turn.index] !== turn.text) turn.rawText = rawTexts[turn.index];
  markFirstMentions(turns);

  // The outcome is a dialogue-level label repeated on every row; the last value given counts.
  // accept_new means the seeker took a movie new to the conversation: the last one a Recommender
  // introduced (recommended at its first mention), not one the seeker named before.
  const outcome = rows.map((r) => r.labels.coarseLabel).filter((l) => l !== null).pop() ?? null;
  const introduced = turns.flatMap((t) => t.mentions).filter((m) => m.isRecommendation && m.isFirstMention);
  const targetKey = outcome === 'accept_new' ? (introduced.pop()?.asin ?? null) : null;

  return {
    turns,
    titles: titles.entries(),
    targetKey,
    warnings,
    provenance: { dialogId: rows[0].dialogId, outcome, ...names, turnLabels, extra },
  };
}
