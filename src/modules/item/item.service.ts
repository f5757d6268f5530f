import { EntityManager } from 'typeorm';
import { ConnectionValue, decodeCursor, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { ITEM_COLUMNS, Item, ItemFilter, ItemRole, ItemRow, toItem } from './item.type';
import { DialogueScope } from '../dialogue/dialogue.service';

/** The dialogue id of an `after` cursor of a dialogue page in id order; null when there is none or it is not one (paginate refuses it then). */
function afterId(after: string | null | undefined): number | null {
  if (after == null) return null;
  try {
    const [value] = decodeCursor('after', after, DIALOGUES_BY_ID);
    const id = Number(value);
    return Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

/** dialogue.service.ts's ID_ASC order (same name and columns, so the same cursors). */
const DIALOGUES_BY_ID: KeysetOrder = { name: 'id', direction: 'ASC', columns: [{ expr: 'd.id', cast: 'int' }] };

const BY_ID: KeysetOrder = { name: 'id', direction: 'ASC', columns: [{ expr: 'i.id', cast: 'int' }] };

export function listItems(manager: EntityManager, filter: ItemFilter | null, args: PageArgs, cap: number): Promise<ConnectionValue<Item>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter?.domain != null) {
    params.push(filter.domain);
    where.push(`i.domain = $${params.length}`);
  }
  if (filter?.genre != null) {
    params.push([filter.genre]);
    where.push(`i.genres @> $${params.length}::text[]`);
  }
  if (filter?.search != null) {
    params.push(filter.search);
    // recdial_title: word for word, accents and case folded (migration 1765500000000); the same
    // expression as the title index.
    where.push(`to_tsvector('recdial_title', i.title) @@ websearch_to_tsquery('recdial_title', $${params.length})`);
  }
  return paginate<ItemRow & Record<string, unknown>, Item>(manager, {
    columns: ITEM_COLUMNS,
    from: 'items i',
    where,
    params,
    order: BY_ID,
    args,
    cap,
    map: toItem,
  });
}

/** The dialogues that have the item as target, mention it, or either (no role). */
export function itemDialogueScope(itemId: number, role: ItemRole | null, after?: string | null): DialogueScope {
  const target = 'd.target_item_id = $1';
  let mention = 'EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.item_id = $1)';
  if (role === ItemRole.MENTION) {
    // The dialogues that mention the item, read from the (item_id, dialogue_id) index in id order
    // and deduplicated there, with the page's `after` bound pushed into that probe by hand (the
    // planner does not carry an inequality across the join): a page walks its own index entries,
    // not every accepted dialogue before it (issue 13).
    const bound = afterId(after);
    if (bound !== null) {
      return { where: ['d.id IN (SELECT DISTINCT m.dialogue_id FROM turn_mentions m WHERE m.item_id = $1 AND m.dialogue_id > $2)'], params: [itemId, bound] };
    }
    mention = 'd.id IN (SELECT DISTINCT m.dialogue_id FROM turn_mentions m WHERE m.item_id = $1)';
  }
  const condition = role === ItemRole.TARGET ? target : role === ItemRole.MENTION ? mention : `${target} OR ${mention}`;
  return { where: [condition], params: [itemId] };
}
