/**
 * LLM-REDIAL (docs/formats.md §4): per-user records in `final_data.jsonl`, dialogue texts in
 * `Conversation.txt`, titles in `item_map.json`. The text carries no item annotations, so mentions
 * are recovered by finding the titles of the items the record names for the dialogue.
 */
import type { StagedDialogue, StagedMention, StagedTurn } from './dialogue-staging';
import { RecordError } from './errors';
import { DialogueWarning, markFirstMentions, PEER_TITLE_MATCHING, warning } from './minted-items';
import { findTitleMentions, titleCandidates } from './titles';
import type { TurnRoleValue } from '../dialogues/vocabulary';

export interface LlmRedialConversation {
  /** The k of the record's `conversation_k` key. */
  k: number;
  conversationId: number;
  likes: string[];
  dislikes: string[];
  recItem: string;
}

/** One line (record) of `final_data.jsonl`. */
export interface LlmRedialUser {
  userId: string;
  history: string[];
  mightLike: string[];
  conversations: LlmRedialConversation[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function itemIds(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((id) => typeof id === 'string' && id !== '')) {
    throw new RecordError(field, 'expected an array of item id strings');
  }
  return value as string[];
}

/** `{"<user id>": {history_interaction, user_might_like, Conversation}}`, already JSON-decoded. */
export function parseFinalDataRecord(record: unknown): LlmRedialUser {
  const keys = isObject(record) ? Object.keys(record) : [];
  if (!isObject(record) || keys.length !== 1) throw new RecordError('(record)', 'expected an object with exactly one key, the user id');
  const userId = keys[0];
  const body = record[userId];
  if (!isObject(body)) throw new RecordError(userId, 'expected an object with history_interaction, user_might_like and Conversation');
  const history = itemIds(body.history_interaction, `${userId}.history_interaction`);
  const mightLike = itemIds(body.user_might_like, `${userId}.user_might_like`);
  if (!Array.isArray(body.Conversation)) throw new RecordError(`${userId}.Conversation`, 'expected an array of {"conversation_k": {…}} objects');
  const conversations = body.Conversation.map((entry, i): LlmRedialConversation => {
    const field = `${userId}.Conversation[${i}]`;
    const entryKeys = isObject(entry) ? Object.keys(entry) : [];
    const k = entryKeys.length === 1 ? /^conversation_(\d+)$/.exec(entryKeys[0])?.[1] : undefined;
    if (!isObject(entry) || k === undefined) throw new RecordError(field, `expected an object with one key "conversation_${i + 1}"`);
    const at = `${field}.${entryKeys[0]}`;
    const conversation = entry[entryKeys[0]];
    if (!isObject(conversation)) throw new RecordError(at, 'expected an object with conversation_id, user_likes, user_dislikes, rec_item');
    const conversationId = conversation.conversation_id;
    if (!Number.isSafeInteger(conversationId) || (conversationId as number) < 0) {
      throw new RecordError(`${at}.conversation_id`, 'expected a non-negative integer');
    }
    const rec = itemIds(conversation.rec_item, `${at}.rec_item`);
    if (rec.length !== 1) throw new RecordError(`${at}.rec_item`, `expected an array of one item id, got ${rec.length}`);
    return {
      k: Number(k),
      conversationId: conversationId as number,
      likes: itemIds(conversation.user_likes, `${at}.user_likes`),
      dislikes: itemIds(conversation.user_dislikes, `${at}.user_dislikes`),
      recItem: rec[0],
    };
  });
  return { userId, history, mightLike, conversations };
}

/** `item_map.json` entry: the title of an item id. */
export function itemMapTitle(itemId: string, title: unknown): string {
  if (typeof title !== 'string') throw new RecordError(itemId, 'expected a title string');
  return title;
}

/** `user_ids.json` / `user_map.json` entry: the user's integer index. */
export function userMapIndex(userId: string, index: unknown): number {
  if (!Number.isSafeInteger(index)) throw new RecordError(userId, 'expected an integer index');
  return index as number;
}

const unique = (ids: string[]) => [...new Set(ids)];

/** The GOAL_TEMPLATE profile of a user: likes and dislikes are the unions over the user's dialogues, first seen first. */
export function userProfile(user: LlmRedialUser): { history: string[]; liked: string[]; disliked: string[]; mightLike: string[] } {
  return {
    history: user.history,
    liked: unique(user.conversations.flatMap((c) => c.likes)),
    disliked: unique(user.conversations.flatMap((c) => c.dislikes)),
    mightLike: user.mightLike,
  };
}

/** What the importer keeps of a conversation of `final_data.jsonl` until its text arrives. */
export interface ConversationMeta extends LlmRedialConversation {
  userId: string;
  /** Line of the user's record in final_data.jsonl. */
  line: number;
  warnings: DialogueWarning[];
}

/** Warnings for the data quirks docs/formats.md §4.2 says to tolerate. */
function conversationWarnings(user: LlmRedialUser, c: LlmRedialConversation, hasItem: (id: string) => boolean): DialogueWarning[] {
  const warnings: DialogueWarning[] = [];
  const alsoIn = [user.history.includes(c.recItem) && 'history_interaction', c.likes.includes(c.recItem) && 'user_likes'].filter(Boolean);
  if (alsoIn.length) warnings.push(warning('REC_ITEM_IN_HISTORY', `rec_item ${c.recItem} is also in ${alsoIn.join(' and ')}`));
  const unknown = unique([...c.likes, ...c.dislikes, c.recItem]).filter((id) => !hasItem(id));
  if (unknown.length) warnings.push(warning('UNKNOWN_ITEM_ID', `item ids not in item_map.json: ${unknown.join(', ')}`));
  return warnings;
}

/** A dialogue of `Conversation.txt` as written, before it is matched to final_data.jsonl. */
export interface ConversationText {
  /** Line of the header. */
  line: number;
  /** `42` names the conversation by id; `Conversation_<n>:` by position, `position` being the 0-based count of such headers before it. */
  header: { id: number } | { position: number; label: string };
  turns: Array<{ role: TurnRoleValue; text: string }>;
}

const ID_HEADER = /^\d+$/;
const POSITION_HEADER = /^Conversation_\d+:$/;
const TURN = /^(User|Agent):/;

/**
 * Cuts `Conversation.txt` into dialogues, line by line (docs/formats.md §4.3). `push` returns the
 * dialogue a header line completes; `end` the last one. A bad line throws a RecordError and drops
 * the dialogue it belongs to (its other lines are consumed silently up to the next header).
 */
export class ConversationTextParser {
  private current: ConversationText | null = null;
  /** A line of the current dialogue was bad: its lines up to the next header are dropped. */
  private broken = false;
  private afterBlank = true; // the start of the file counts as after a blank line
  private positions = 0;

  push(line: { line: number; text: string }): ConversationText | null {
    try {
      return this.take(line.line, line.text.trim());
    } catch (error) {
      this.broken = true;
      throw error;
    }
  }

  end(): ConversationText | null {
    const done = this.broken ? null : this.current;
    this.current = null;
    this.broken = false;
    return done;
  }

  private take(lineNo: number, text: string): ConversationText | null {
    const afterBlank = this.afterBlank;
    this.afterBlank = text === '';
    if (text === '') return null;
    const positional = POSITION_HEADER.test(text);
    if (positional || (afterBlank && ID_HEADER.test(text))) {
      const done = this.end();
      const header = positional ? { position: this.positions++, label: text } : { id: Number(text) };
      this.current = { line: lineNo, header, turns: [] };
      return done;
    }
    if (this.broken) return null;
    if (!this.current) throw new RecordError('(header)', 'expected a conversation header (an id such as 42, or Conversation_1:) before any text');
    const turns = this.current.turns;
    const turn = TURN.exec(text);
    if (turn) {
      turns.push({ role: turn[1] === 'User' ? 'USER' : 'ASSISTANT', text: text.slice(turn[0].length).trim() });
    } else if (turns.length) {
      const last = turns[turns.length - 1];
      last.text = last.text ? `${last.text} ${text}` : text;
    } else {
      throw new RecordError('(turn)', `text before the first "User:" or "Agent:" line of the conversation that starts on line ${this.current.line}`);
    }
    return null;
  }
}

/**
 * The conversations of `final_data.jsonl` (ids and item ids only, bounded by the dialogue count),
 * matched to the texts of `Conversation.txt` by id or, for `Conversation_<n>:` headers, by position.
 */
export class LlmRedialConversations {
  private readonly byPosition: ConversationMeta[] = [];
  private readonly byId = new Map<number, ConversationMeta>();
  private readonly users = new Set<string>();
  private readonly matched = new Set<ConversationMeta>();
  private style: 'id' | 'position' | null = null;

  /** Adds a user's conversations; a duplicate user or conversation id rejects the whole record. */
  add(user: LlmRedialUser, line: number, hasItem: (id: string) => boolean): void {
    if (this.users.has(user.userId)) throw new RecordError('(record)', `duplicate user "${user.userId}"; the first record wins`);
    const ids = new Set<number>();
    user.conversations.forEach((c, i) => {
      if (this.byId.has(c.conversationId) || ids.has(c.conversationId)) {
        throw new RecordError(`${user.userId}.Conversation[${i}].conversation_${c.k}.conversation_id`, `duplicate conversation_id ${c.conversationId}`);
      }
      ids.add(c.conversationId);
    });
    this.users.add(user.userId);
    for (const c of user.conversations) {
      const meta = { ...c, userId: user.userId, line, warnings: conversationWarnings(user, c, hasItem) };
      this.byPosition.push(meta);
      this.byId.set(c.conversationId, meta);
    }
  }

  get size(): number {
    return this.byPosition.length;
  }

  /** Conversations no text was matched to (so far). */
  get withoutText(): number {
    return this.byPosition.length - this.matched.size;
  }

  /** The conversation a text belongs to; problems are RecordErrors for the text's header line. */
  match(text: ConversationText): ConversationMeta {
    const style = 'id' in text.header ? 'id' : 'position';
    this.style ??= style;
    if (style !== this.style) {
      throw new RecordError('(header)', this.style === 'id' ? 'a Conversation_<n>: header in a file whose headers are conversation ids' : 'a conversation id header in a file whose headers are Conversation_<n>:');
    }
    let meta: ConversationMeta | undefined;
    if ('id' in text.header) {
      meta = this.byId.get(text.header.id);
      if (!meta) throw new RecordError('(header)', `conversation ${text.header.id} is not in final_data.jsonl`);
    } else {
      meta = this.byPosition[text.header.position];
      if (!meta) throw new RecordError('(header)', `${text.header.label} is dialogue ${text.header.position + 1} but final_data.jsonl holds only ${this.size} conversations`);
    }
    if (this.matched.has(meta)) throw new RecordError('(header)', `a second text for conversation ${meta.conversationId}`);
    if (!text.turns.length) throw new RecordError('turns', `conversation ${meta.conversationId} has no "User:" or "Agent:" turn`);
    this.matched.add(meta);
    return meta;
  }
}

/**
 * A matched text as the stager takes it. Mentions are the titles (full or cleaned, quoted or not,
 * longest first) of the dialogue's likes, dislikes and rec_item; the rec_item in an Agent turn is a
 * recommendation. Where two of these items share a title, Agent turns credit the rec_item and
 * User turns the liked or disliked one.
 */
export function llmRedialDialogue(
  domain: string,
  text: ConversationText,
  meta: ConversationMeta,
  titleOf: (id: string) => string | undefined,
  userIndex: number | null,
): StagedDialogue {
  const named = unique([...meta.likes, ...meta.dislikes, meta.recItem]);
  const userTitles = titleCandidates(named, titleOf);
  const agentTitles = titleCandidates(unique([meta.recItem, ...named]), titleOf);
  const turns: StagedTurn[] = text.turns.map((turn, index) => ({
    index,
    role: turn.role,
    text: turn.text,
    rawText: null,
    mentions: findTitleMentions(turn.text, turn.role === 'ASSISTANT' ? agentTitles : userTitles, PEER_TITLE_MATCHING).map(
      (m): StagedMention => ({
        asin: m.key,
        rawId: m.key,
        start: m.start,
        end: m.end,
        isRecommendation: turn.role === 'ASSISTANT' && m.key === meta.recItem,
        isFirstMention: false,
      }),
    ),
  }));
  markFirstMentions(turns);
  return {
    key: `llm-redial:${domain}:${meta.conversationId}`,
    dataset: 'llm-redial',
    domain,
    split: null,
    stereotypeKey: null,
    strategy: 'GOAL_TEMPLATE',
    userSourceId: meta.userId,
    targetAsin: meta.recItem,
    namedAsins: named,
    warnings: meta.warnings,
    provenance: {
      format: 'llm-redial',
      file: 'Conversation.txt',
      line: text.line,
      ...('label' in text.header ? { header: text.header.label } : {}),
      conversationId: meta.conversationId,
      conversation: meta.k,
      finalDataLine: meta.line,
      userIndex,
      userLikes: meta.likes,
      userDislikes: meta.dislikes,
      recItem: meta.recItem,
    },
    turns,
  };
}
