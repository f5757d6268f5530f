import type { StreamedDialogue, StreamedTurn } from '../../dialogues/stream';
import { getTokenizer, whitespaceTokens, wordTokens } from '../../text/tokenizers';
import { toGlobalId } from '../../pagination/global-id';
import type { CrslabEntity, CrslabEntityTable } from './entities';
import { EntityMatcher } from './entity-matcher';
import type { CrslabOptions } from './options';
import { WORD_UNKNOWN } from './vocabulary';

const CONCEPT_WORD = /[\p{L}\p{N}]/u;

export interface CrslabUtterance {
  utt_id: number;
  role: 'Seeker' | 'Recommender';
  text: string[];
  movies: string[];
  entity: string[];
  word: string[];
}

/** One conversation as a data file holds it (docs/formats.md §8.2, §8.3). */
export type CrslabRecord =
  | { conv_id: number; dialog: CrslabUtterance[] }
  | { conv_id: string; conv: Array<Omit<CrslabUtterance, never>> };

export interface SelfCheckOffender {
  check: 'R1' | 'R2' | 'R3' | 'R4' | 'R5' | 'R6' | 'R7';
  /** Where: `dialogue 12 turn 3`, a file name … */
  where: string;
  problem: string;
}

/** An utterance's text with the item mentions written the `--item-text` way. */
export interface DisplayText {
  text: string;
  /** Pieces of `text`; `placeholder` pieces are `@1xxxxx` item tokens (at-index). */
  segments: Array<{ text: string; placeholder: boolean }>;
  /** The stored text with item mentions blanked out, where KG entities are looked for. */
  masked: string;
  /** Resolved items of the utterance in order (repeats included). */
  items: CrslabEntity[];
  /** Mentions that name no item. */
  unresolved: number;
  /** ASINs of mentioned items outside the universe. */
  outside: string[];
}

/** An utterance's text with the item mentions written the `--item-text` way (docs/formats.md §8.7). */
export function displayText(turn: StreamedTurn, table: CrslabEntityTable, itemText: CrslabOptions['itemText']): DisplayText {
  const segments: DisplayText['segments'] = [];
  let masked = '';
  let at = 0;
  const result: DisplayText = { text: '', segments, masked: '', items: [], unresolved: 0, outside: [] };
  for (const m of turn.mentions) {
    if (m.start < at || m.end > turn.text.length) continue; // overlapping or out of range: keep the text
    if (m.itemId === null) {
      result.unresolved++;
      continue;
    }
    const entity = table.byItemId.get(m.itemId);
    if (!entity) {
      result.outside.push(m.asin ?? m.rawId);
      continue;
    }
    result.items.push(entity);
    segments.push({ text: turn.text.slice(at, m.start), placeholder: false });
    if (itemText === 'at-index') segments.push({ text: `@${100000 + entity.id}`, placeholder: true });
    else segments.push({ text: itemText === 'asin' ? entity.key.slice('item:'.length) : entity.baseName, placeholder: false });
    masked += turn.text.slice(at, m.start) + ' '.repeat(m.end - m.start);
    at = m.end;
  }
  segments.push({ text: turn.text.slice(at), placeholder: false });
  result.masked = masked + turn.text.slice(at);
  result.text = segments.map((s) => s.text).join('');
  return result;
}

/** `word` tokens of the display text (`@1xxxxx` placeholders stay whole), case per `--lowercase`. */
export function wordTokensOf(display: DisplayText, lowercase: boolean): string[] {
  const tokens = display.segments.some((s) => s.placeholder)
    ? display.segments.flatMap((s) => (s.placeholder ? [s.text] : wordTokens(s.text)))
    : wordTokens(display.text);
  return lowercase ? tokens.map((t) => t.toLowerCase()) : tokens;
}

/** Candidate concept words of an utterance: lower-cased `word` tokens with a letter or digit. */
export function conceptWordsOf(display: DisplayText): string[] {
  return wordTokens(display.text)
    .filter((t) => CONCEPT_WORD.test(t))
    .map((t) => t.toLowerCase());
}

/** Counts the report shows. */
export interface ConversionCounts {
  utterances: number;
  goldItems: number;
  repeatedItemsRemoved: number;
  unresolvedMentions: number;
  entityMentions: number;
  unknownTokensReplaced: number;
}

/**
 * Turns streamed dialogues into CRSLab conversation records. Keeps the counts and the offenders
 * of the checks it can make per utterance (R1, R2, R5); holds nothing per dialogue after it.
 */
export class CrslabConverter {
  readonly counts: ConversionCounts = { utterances: 0, goldItems: 0, repeatedItemsRemoved: 0, unresolvedMentions: 0, entityMentions: 0, unknownTokensReplaced: 0 };
  readonly offenders: SelfCheckOffender[] = [];
  offenderCount = 0;
  private readonly tokenize: (text: string) => string[];
  private readonly movieIds: Set<number>;

  constructor(
    private readonly options: CrslabOptions,
    private readonly table: CrslabEntityTable,
    /** token2id; for `word` the vocabulary built from the data, for gpt2/bert the tokenizer's. */
    private readonly tokens: Map<string, number>,
    /** concept2id (upstream), whose keys the `word` field lists. */
    private readonly concepts: Map<string, number> | null,
  ) {
    this.movieIds = new Set(table.movieIds);
    this.tokenize = getTokenizer(options.tokenize).tokenize;
  }

  private offend(offender: SelfCheckOffender): void {
    this.offenderCount++;
    if (this.offenders.length < 100) this.offenders.push(offender);
  }

  convert(dialogue: StreamedDialogue, convIndex: number): CrslabRecord {
    const where = (turn: StreamedTurn) => `dialogue ${toGlobalId('Dialogue', dialogue.id)} turn ${turn.index}`;
    const displays = dialogue.turns.map((turn) => {
      const display = displayText(turn, this.table, this.options.itemText);
      this.counts.unresolvedMentions += display.unresolved;
      for (const asin of display.outside) {
        this.offend({ check: 'R1', where: where(turn), problem: `item ${asin} is mentioned but is not in the item universe (--item-universe ${this.options.itemUniverse})` });
      }
      return display;
    });
    let matcher: EntityMatcher | null = null;
    if (this.options.entities === 'kg') {
      const itemIds = new Set(displays.flatMap((d) => d.items.map((e) => e.sourceId)));
      if (dialogue.targetItemId !== null) itemIds.add(dialogue.targetItemId);
      matcher = new EntityMatcher([...itemIds].flatMap((id) => this.table.linkedEntities.get(id) ?? []));
    }
    const seen = new Set<CrslabEntity>();
    const utterances = dialogue.turns.map((turn, position): CrslabUtterance => {
      const display = displays[position];
      const role = turn.role === 'USER' ? 'Seeker' : 'Recommender';
      const movies: CrslabEntity[] = [];
      for (const item of display.items) {
        if (movies.includes(item)) continue;
        // A Recommender naming an item again is not recommending something new (§8.7).
        if (role === 'Recommender' && seen.has(item) && !this.options.keepRepeatedItems) {
          this.counts.repeatedItemsRemoved++;
          continue;
        }
        movies.push(item);
      }
      for (const item of display.items) seen.add(item);
      for (const item of movies) {
        if (!this.movieIds.has(item.id)) this.offend({ check: 'R1', where: where(turn), problem: `"${item.name}" is not in movie_ids.json` });
        if (this.table.byName.get(item.name) !== item) this.offend({ check: 'R1', where: where(turn), problem: `"${item.name}" does not resolve to its entity` });
      }
      const entities = matcher ? matcher.find(display.masked) : [];
      for (const e of entities) {
        if (this.table.byName.get(e.name) !== e) this.offend({ check: 'R2', where: where(turn), problem: `entity "${e.name}" does not resolve to its entity` });
      }
      this.counts.utterances++;
      this.counts.goldItems += movies.length;
      this.counts.entityMentions += entities.length;
      return {
        utt_id: position,
        role,
        text: this.textTokens(display, where(turn)),
        movies: movies.map((e) => e.name),
        entity: entities.map((e) => e.name),
        word: this.words(display),
      };
    });
    if (this.options.flavor === 'upstream') return { conv_id: convIndex, dialog: utterances };
    // The fork's utterances list their fields in this order.
    return {
      conv_id: String(convIndex),
      conv: utterances.map((u) => ({ utt_id: u.utt_id, role: u.role, movies: u.movies, entity: u.entity, word: u.word, text: u.text })),
    };
  }

  private textTokens(display: DisplayText, where: string): string[] {
    if (this.options.tokenize === 'word') {
      // Tokens outside token2id (valid/test words with --vocab-from train) are what the loader
      // reads as unknown anyway; writing __unk__ keeps every token a key of token2id (R5).
      return wordTokensOf(display, this.options.lowercase).map((t) => {
        if (this.tokens.has(t)) return t;
        this.counts.unknownTokensReplaced++;
        return WORD_UNKNOWN;
      });
    }
    const tokens = this.tokenize(display.text);
    for (const t of tokens) {
      if (!this.tokens.has(t)) this.offend({ check: 'R5', where, problem: `token ${JSON.stringify(t)} is not in token2id.json` });
    }
    return tokens;
  }

  private words(display: DisplayText): string[] {
    // The fork wrote whitespace-split words; upstream looks words up in concept2id.json.
    if (this.options.flavor === 'distillrecdial') return whitespaceTokens(display.text);
    return conceptWordsOf(display).filter((t) => this.concepts!.has(t));
  }
}
