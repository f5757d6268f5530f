import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { readKeyed } from '../../db/read-query';
import type { ReadHints } from '../../graphql/read-hints';
import { ITEM_COLUMNS, Item, ItemRow, toItem } from './item.type';

/** `hints.itemColumns`: only the columns this request's document reads (fast lane); every column otherwise. */
export function createItemLoaders(manager: EntityManager, hints: ReadHints = {}) {
  const select = `SELECT ${hints.itemColumns ?? ITEM_COLUMNS} FROM items i WHERE $KEY`;
  /** A loader of items by one unique column, null for a key no item has. */
  function itemsBy<K extends number | string>(column: string, keyOf: (row: ItemRow) => K): DataLoader<K, Item | null> {
    return new DataLoader<K, Item | null>(async (keys) => {
      const rows = await readKeyed<ItemRow>(manager, select, column, keys, keyOf);
      const byKey = new Map(rows.map((r) => [keyOf(r), toItem(r)]));
      return keys.map((key) => byKey.get(key) ?? null);
    });
  }
  return {
    itemById: itemsBy<number>('i.id', (r) => r.id),
    itemByAsin: itemsBy<string>('i.asin', (r) => r.asin),
  };
}
