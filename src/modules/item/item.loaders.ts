import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { keyCondition, readQuery } from '../../db/read-query';
import type { ReadHints } from '../../graphql/read-hints';
import { ITEM_COLUMNS, Item, ItemRow, toItem } from './item.type';

/** `hints.itemColumns`: only the columns this request's document reads (fast lane); every column otherwise. */
export function createItemLoaders(manager: EntityManager, hints: ReadHints = {}) {
  return {
    itemById: new DataLoader<number, Item | null>(async (ids) => {
      const key = keyCondition('i.id', ids);
      const rows: ItemRow[] = await readQuery(manager, `SELECT ${hints.itemColumns ?? ITEM_COLUMNS} FROM items i WHERE ${key.sql}`, key.values);
      const byId = new Map(rows.map((r) => [r.id, toItem(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    itemByAsin: new DataLoader<string, Item | null>(async (asins) => {
      const key = keyCondition('i.asin', asins);
      const rows: ItemRow[] = await readQuery(manager, `SELECT ${hints.itemColumns ?? ITEM_COLUMNS} FROM items i WHERE ${key.sql}`, key.values);
      const byAsin = new Map(rows.map((r) => [r.asin, toItem(r)]));
      return asins.map((asin) => byAsin.get(asin) ?? null);
    }),
  };
}
