/**
 * Recommendation predictions (docs/formats.md §10.1): JSON Lines, one object per scored turn,
 *
 *   {"dialogueId": "RGlhbG9ndWU6MTIz", "turnIndex": 3, "ranked": ["B0FAKE0003", "B0FAKE0001"]}
 *
 * `dialogueId` is the dialogue's GraphQL global id, or recdial's numeric database id (a JSON
 * number or a string of digits: the number inside the global id). Optional `scores` (aligned with
 * `ranked`), `gold` and `context` (parent_asins; `gold` makes the line self-contained), `role`
 * (`Seeker`/`Recommender`). Parsing is line by line; every problem names the line and the field.
 */
import { rankByTitles, TitleIndex } from '../../generator';
import { ImportError, RecordError } from '../ingest/errors';
import { parseJsonLine } from '../ingest/lines';
import { fromGlobalId } from '../pagination/global-id';
import { ItemList, rankByScores, type Ranking } from './recommendation';
import type { TurnRoleValue } from '../dialogues/vocabulary';

export type RankedBy = 'asin' | 'title';

export interface PredictionRecord {
  dialogueId: number;
  turnIndex: number;
  ranked: string[];
  scores?: number[];
  gold?: string[];
  context?: string[];
  role?: 'Seeker' | 'Recommender';
}

/** One parsed line with its ranking in item-list positions. */
export interface Prediction {
  line: number;
  dialogueId: number;
  turnIndex: number;
  ranking: Ranking;
  /** Titles only, with the 2×2 grid on: the ranking without the distance filter (docs/metrics.md §2 step 5 off). */
  unfilteredRanking?: Ranking;
  /** Ranked entries that named no item of the item list (ASINs) or matched none (titles). */
  unmatched: number;
  gold?: string[];
  context?: string[];
  role?: TurnRoleValue;
}

function stringArray(value: unknown, field: string, options: { nonEmpty?: boolean } = {}): string[] {
  if (!Array.isArray(value)) throw new RecordError(field, `must be an array of strings, got ${describe(value)}`);
  value.forEach((v, i) => {
    if (typeof v !== 'string') throw new RecordError(`${field}[${i}]`, `must be a string, got ${describe(v)}`);
    if (v.trim() === '') throw new RecordError(`${field}[${i}]`, 'must not be empty');
  });
  if (options.nonEmpty && value.length === 0) throw new RecordError(field, 'must list at least one item');
  return value as string[];
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"` : `${typeof value} ${JSON.stringify(value)}`;
}

/** A numeric database id, or the id inside a Dialogue global id. */
export function parseDialogueId(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 2_147_483_647) return value;
    throw new RecordError('dialogueId', `must be a positive integer id or a Dialogue global id, got ${value}`);
  }
  if (typeof value !== 'string' || value === '') throw new RecordError('dialogueId', `must be a Dialogue global id or a numeric id, got ${describe(value)}`);
  if (/^\d{1,10}$/.test(value) && Number(value) >= 1 && Number(value) <= 2_147_483_647) return Number(value);
  const parsed = fromGlobalId(value);
  if (!parsed || !/^\d{1,10}$/.test(parsed.id) || Number(parsed.id) > 2_147_483_647) {
    throw new RecordError('dialogueId', `"${value}" is neither a Dialogue global id nor a numeric dialogue id`);
  }
  if (parsed.type !== 'Dialogue') throw new RecordError('dialogueId', `"${value}" is a ${parsed.type} id, expected a Dialogue id`);
  return Number(parsed.id);
}

/** Validates one decoded JSON value; problems throw RecordError(field, problem). */
export function parsePredictionRecord(value: unknown, rankedBy: RankedBy = 'asin'): PredictionRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RecordError('(record)', `must be a JSON object, got ${describe(value)}`);
  const r = value as Record<string, unknown>;
  if (r.dialogueId === undefined) throw new RecordError('dialogueId', 'is required');
  const dialogueId = parseDialogueId(r.dialogueId);
  if (r.turnIndex === undefined) throw new RecordError('turnIndex', 'is required');
  if (typeof r.turnIndex !== 'number' || !Number.isInteger(r.turnIndex) || r.turnIndex < 0) {
    throw new RecordError('turnIndex', `must be a non-negative integer, got ${describe(r.turnIndex)}`);
  }
  if (r.ranked === undefined) throw new RecordError('ranked', 'is required');
  const ranked = stringArray(r.ranked, 'ranked');
  const record: PredictionRecord = { dialogueId, turnIndex: r.turnIndex, ranked };
  if (r.scores !== undefined && r.scores !== null) {
    if (rankedBy === 'title') throw new RecordError('scores', 'cannot be used with titles (fuzzy matching drops and merges entries); give the titles best first');
    if (!Array.isArray(r.scores)) throw new RecordError('scores', `must be an array of numbers, got ${describe(r.scores)}`);
    r.scores.forEach((s, i) => {
      if (typeof s !== 'number' || !Number.isFinite(s)) throw new RecordError(`scores[${i}]`, `must be a finite number, got ${describe(s)}`);
    });
    if (r.scores.length !== ranked.length) throw new RecordError('scores', `has ${r.scores.length} entries but ranked has ${ranked.length}; they must be aligned`);
    record.scores = r.scores as number[];
  }
  if (r.gold !== undefined && r.gold !== null) record.gold = stringArray(r.gold, 'gold', { nonEmpty: true });
  if (r.context !== undefined && r.context !== null) record.context = stringArray(r.context, 'context');
  if (r.role !== undefined && r.role !== null) {
    if (r.role !== 'Seeker' && r.role !== 'Recommender') throw new RecordError('role', `must be "Seeker" or "Recommender", got ${describe(r.role)}`);
    record.role = r.role;
  }
  return record;
}

/** Maps `ranked` entries to item-list positions: ASINs directly, titles by docs/metrics.md §2. */
export class RankedResolver {
  private titleIndex: TitleIndex<number> | null = null;
  /** Candidate titles that several items share (each maps to the earliest), for the report. */
  ambiguousTitles = 0;

  constructor(
    private readonly items: ItemList,
    private readonly rankedBy: RankedBy,
    private readonly titles: readonly string[] = [],
    /** Also resolve titles without the distance filter (He et al.'s grid, docs/metrics.md §2.1). */
    private readonly unfiltered = false,
  ) {}

  resolve(record: PredictionRecord): { ranking: Ranking; unmatched: number; unfilteredRanking?: Ranking } {
    if (this.rankedBy === 'title') {
      this.titleIndex ??= new TitleIndex(this.titles.map((title, key) => ({ key, title })));
      this.ambiguousTitles = this.titleIndex.ambiguousTitles;
      // One numbered entry per title, so that commas inside a title do not split it (§2 step 1).
      const answer = record.ranked.map((t, i) => `${i + 1}. ${t.replace(/\s+/g, ' ')}`).join('\n');
      const result = rankByTitles(answer, this.titleIndex);
      const unfilteredRanking = this.unfiltered ? { ranked: rankByTitles(answer, this.titleIndex, { filter: false }).ranking } : undefined;
      return { ranking: { ranked: result.ranking }, unmatched: result.entries.filter((e) => !e.kept).length, unfilteredRanking };
    }
    const positions: number[] = [];
    const scores: number[] = [];
    const seen = new Set<number>();
    let unmatched = 0;
    record.ranked.forEach((asin, i) => {
      const p = this.items.position.get(asin);
      if (p === undefined) unmatched++;
      // A repeated item keeps its first (best) place.
      else if (!seen.has(p)) {
        seen.add(p);
        positions.push(p);
        if (record.scores) scores.push(record.scores[i]);
      }
    });
    return { ranking: record.scores ? rankByScores(positions, scores) : { ranked: positions }, unmatched };
  }
}

export interface PredictionSet {
  /** dialogue id → turn index → prediction. */
  byDialogue: Map<number, Map<number, Prediction>>;
  lines: number;
  unmatched: number;
}

/** The lines of a string (GraphQL upload), numbered from 1, as `readLines` numbers a file's. */
export function* stringLines(text: string): Generator<{ line: number; text: string }> {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) yield { line: i + 1, text: lines[i].replace(/\r$/, '') };
}

type TextLines = AsyncIterable<{ line: number; text: string }> | Iterable<{ line: number; text: string }>;

/**
 * The records of a JSON Lines file keyed by dialogue and turn (blank lines skipped). The first
 * bad line throws `ImportError(file, line, field, problem)`; so does a second record for a turn.
 */
export async function readTurnRecords<T extends { dialogueId: number; turnIndex: number }, R extends { line: number }>(
  lines: TextLines,
  file: string,
  parse: (value: unknown) => T,
  build: (record: T, line: number) => R,
): Promise<{ byDialogue: Map<number, Map<number, R>>; lines: number }> {
  const byDialogue = new Map<number, Map<number, R>>();
  let count = 0;
  for await (const l of lines) {
    if (l.text.trim() === '') continue;
    let record: T;
    try {
      record = parse(parseJsonLine(l.text, file, l.line));
    } catch (error) {
      if (error instanceof RecordError) throw error.at(file, l.line);
      throw error;
    }
    let turns = byDialogue.get(record.dialogueId);
    if (!turns) byDialogue.set(record.dialogueId, (turns = new Map()));
    const earlier = turns.get(record.turnIndex);
    if (earlier) {
      // Named as the file names it (a global id or a number), not by the database id it resolved to.
      const given = (JSON.parse(l.text) as { dialogueId: unknown }).dialogueId;
      throw new ImportError(file, l.line, 'turnIndex', `a second prediction for dialogue ${given} turn ${record.turnIndex} (the first is on line ${earlier.line})`);
    }
    turns.set(record.turnIndex, build(record, l.line));
    count++;
  }
  return { byDialogue, lines: count };
}

/** Reads recommendation predictions, resolving each ranking to item-list positions. */
export async function readPredictions(lines: TextLines, file: string, resolver: RankedResolver, rankedBy: RankedBy): Promise<PredictionSet> {
  let unmatched = 0;
  const { byDialogue, lines: count } = await readTurnRecords(
    lines,
    file,
    (value) => parsePredictionRecord(value, rankedBy),
    (record, line): Prediction => {
      const resolved = resolver.resolve(record);
      unmatched += resolved.unmatched;
      return {
        line,
        dialogueId: record.dialogueId,
        turnIndex: record.turnIndex,
        ranking: resolved.ranking,
        unfilteredRanking: resolved.unfilteredRanking,
        unmatched: resolved.unmatched,
        gold: record.gold,
        context: record.context,
        role: record.role === undefined ? undefined : record.role === 'Seeker' ? 'USER' : 'ASSISTANT',
      };
    },
  );
  return { byDialogue, lines: count, unmatched };
}
