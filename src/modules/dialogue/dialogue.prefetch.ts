/**
 * A dialogue's children read in the statement that reads the dialogue (issue 13): when a request's
 * document selects turns, mentions or items (src/graphql/read-hints.ts), the dialogue statements
 * (a page, dialogueById) add json_agg sub-selects of them, and the rows prime the per-request
 * loaders, so that the field resolvers find them there and send no statement of their own. The
 * rows have the shape the loaders' own statements return, so one mapping serves both.
 */
import type { ReadHints } from '../../graphql/read-hints';
import { ITEM_COLUMNS, ItemRow, toItem } from '../item/item.type';
import type { Item } from '../item/item.type';
import type DataLoader from 'dataloader';
import { DIALOGUE_COLUMNS } from './dialogue.type';
import { DialogueMentions, MENTION_COLUMNS, MentionRow, toMentions, TURN_COLUMNS } from './dialogue.rows';
import type { Turn } from './dialogue.type';

/** The loaders a dialogue row can prime. */
export interface PrimeTargets {
  turnsByDialogueId: DataLoader<number, Turn[]>;
  mentionsByDialogueId: DataLoader<number, DialogueMentions>;
  itemById: DataLoader<number, Item | null>;
}

export const TURN_SELECT = `SELECT ${TURN_COLUMNS} FROM turns t`;
// turn_idx and m.id order the mentions (turn order, then offset, then insertion).
export const MENTION_SELECT = `SELECT ${MENTION_COLUMNS}, t.idx AS turn_idx, m.id FROM turn_mentions m JOIN turns t ON t.id = m.turn_id`;

/** The select list of a dialogue statement on alias `d`: the hinted columns and the prefetched children. */
export function dialogueSelectList(hints: ReadHints | undefined): string {
  let list = hints?.dialogueColumns ?? DIALOGUE_COLUMNS;
  const p = hints?.prefetch;
  if (!p) return list;
  const items = hints?.itemColumns ?? ITEM_COLUMNS;
  // Turns come as four parallel JSON arrays (ids, indexes, roles, texts), not as an array of
  // objects: PostgreSQL builds a JSON array of scalars at a fraction of the cost of one object per
  // turn (json_build_object / row_to_json look up the type of every value of every turn): the
  // 50-dialogue page of the read benchmark took ~1.5 ms to execute with objects, ~0.8 ms with the
  // arrays, and `pg` parses less JSON text. The aggregates share one ORDER BY, so the turns
  // index's order serves all four without a sort. A dialogue without turns gives four nulls.
  if (p.turns) {
    list +=
      ', (SELECT json_build_array(json_agg(t.id ORDER BY t.idx), json_agg(t.idx ORDER BY t.idx), json_agg(t.role ORDER BY t.idx), json_agg(t.text ORDER BY t.idx)) FROM turns t WHERE t.dialogue_id = d.id) AS "__turns"';
  }
  if (p.mentions) {
    list += `, (SELECT json_agg(x ORDER BY x.turn_idx, x.start_offset, x.id) FROM (${MENTION_SELECT} WHERE m.dialogue_id = d.id) x) AS "__mentions"`;
  }
  if (p.targetItem) list += `, (SELECT to_json(x) FROM (SELECT ${items} FROM items i WHERE i.id = d.target_item_id) x) AS "__target"`;
  if (p.mentionItems) {
    list += `, (SELECT json_agg(x) FROM (SELECT ${items} FROM items i WHERE i.id IN (SELECT m.item_id FROM turn_mentions m WHERE m.dialogue_id = d.id)) x) AS "__items"`;
  }
  return list;
}

/** `__turns` of dialogueSelectList: [ids, indexes, roles, texts], or nulls for a dialogue without turns. */
type TurnColumns = [number[], number[], Turn['role'][], string[]] | [null, null, null, null];

function turnsOf(dialogueId: number, [ids, indexes, roles, texts]: TurnColumns): Turn[] {
  if (ids === null) return [];
  const turns = new Array<Turn>(ids.length);
  for (let k = 0; k < ids.length; k++) turns[k] = { dbId: ids[k], dialogueId, index: indexes![k], role: roles![k], text: texts![k] };
  return turns;
}

/** Primes the loaders with what dialogueSelectList fetched for one dialogue row. */
export function primeFromDialogueRow(loaders: PrimeTargets, row: Record<string, unknown>): void {
  const id = row.id as number;
  if ('__turns' in row) loaders.turnsByDialogueId.prime(id, turnsOf(id, row.__turns as TurnColumns));
  if ('__mentions' in row) loaders.mentionsByDialogueId.prime(id, toMentions((row.__mentions as MentionRow[] | null) ?? []));
  if (row.__target) {
    const item = row.__target as ItemRow;
    loaders.itemById.prime(item.id, toItem(item));
  }
  if (row.__items) for (const item of row.__items as ItemRow[]) loaders.itemById.prime(item.id, toItem(item));
}
