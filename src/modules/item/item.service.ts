import { EntityManager } from 'typeorm';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { ITEM_COLUMNS, Item, ItemFilter, ItemRole, ItemRow, toItem } from './item.type';
import { DialogueScope } from '../dialogue/dialogue.service';

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
    where.push(`to_tsvector('simple', i.title) @@ websearch_to_tsquery('simple', $${params.length})`);
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
export function itemDialogueScope(itemId: number, role: ItemRole | null): DialogueScope {
  const target = 'd.target_item_id = $1';
  const mention = 'EXISTS (SELECT 1 FROM turn_mentions m WHERE m.dialogue_id = d.id AND m.item_id = $1)';
  const condition = role === ItemRole.TARGET ? target : role === ItemRole.MENTION ? mention : `${target} OR ${mention}`;
  return { where: [condition], params: [itemId] };
}
