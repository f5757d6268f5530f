import { ItemMention, Turn, TurnRole } from './dialogue.type';

export interface TurnRow {
  id: number;
  dialogue_id: number;
  idx: number;
  role: TurnRole;
  text: string;
}

export interface MentionRow {
  turn_id: number;
  dialogue_id: number;
  item_id: number | null;
  raw_id: string;
  start_offset: number;
  end_offset: number;
  is_recommendation: boolean;
  is_first_mention: boolean;
}

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
