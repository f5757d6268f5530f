import { RowOf, selectList } from '../../db/columns';
import { TurnEntity, TurnMentionEntity } from '../../db/schema/turn.entity';
import { ItemMention, Turn, TurnRole } from './dialogue.type';

const TURN_PROPS = ['id', 'dialogueId', 'idx', 'role', 'text'] as const;
export type TurnRow = RowOf<TurnEntity, (typeof TURN_PROPS)[number], { role: TurnRole }>;
/** `t.id, t.dialogue_id, t.idx, t.role, t.text` */
export const TURN_COLUMNS = selectList(TurnEntity, 't', TURN_PROPS);

const MENTION_PROPS = ['turnId', 'dialogueId', 'itemId', 'rawId', 'startOffset', 'endOffset', 'isRecommendation', 'isFirstMention'] as const;
export type MentionRow = RowOf<TurnMentionEntity, (typeof MENTION_PROPS)[number]>;
/** `m.turn_id, m.dialogue_id, m.item_id, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention` */
export const MENTION_COLUMNS = selectList(TurnMentionEntity, 'm', MENTION_PROPS);

export interface DialogueMentions {
  byTurn: Map<number, ItemMention[]>;
  all: ItemMention[];
}

// Turn and ItemMention are plain objects (no class instance per turn and per mention): neither
// type is behind an interface or union, so nothing needs their prototype (issue 13, GC).
export function toTurns(rows: TurnRow[]): Turn[] {
  return rows.map((r) => ({ dbId: r.id, dialogueId: r.dialogue_id, index: r.idx, role: r.role, text: r.text }));
}

/** One dialogue's mention rows (in turn order) grouped by turn. */
export function toMentions(rows: MentionRow[]): DialogueMentions {
  const byTurn = new Map<number, ItemMention[]>();
  const all = rows.map((r) => {
    const mention: ItemMention = {
      itemId: r.item_id,
      rawId: r.raw_id,
      start: r.start_offset,
      end: r.end_offset,
      isRecommendation: r.is_recommendation,
      isFirstMention: r.is_first_mention,
    };
    const list = byTurn.get(r.turn_id);
    if (list) list.push(mention);
    else byTurn.set(r.turn_id, [mention]);
    return mention;
  });
  return { byTurn, all };
}
