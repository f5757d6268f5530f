import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { readKeyed } from '../../db/read-query';
import type { ReadHints } from '../../graphql/read-hints';
import { ITEM_COLUMNS, Item, ItemRow, toItem } from './item.type';

/** `hints.itemColumns`: only the columns this request's document reads (fast lane); every column otherwise. */
export function createItemLoaders(manager: EntityManager, hints: ReadHints = {}) {
  return {
    itemById: new DataLoader<number, Item | null>(async (ids) => {
      const rows: ItemRow[] = await readKeyed<ItemRow>(
        manager,
        `SELECT ${hints.itemColumns ?? ITEM_COLUMNS} FROM items i WHERE $KEY`,
        'i.id',
        ids,
        (r) => r.id,
      );
      const byId = new Map(rows.map((r) => [r.id, toItem(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    itemByAsin: new DataLoader<string, Item | null>(async (asins) => {
      const rows: ItemRow[] = await readKeyed<ItemRow>(
        manager,
        `SELECT ${hints.itemColumns ?? ITEM_COLUMNS} FROM items i WHERE $KEY`,
        'i.asin',
        asins,
        (r) => r.asin,
      );
      const byAsin = new Map(rows.map((r) => [r.asin, toItem(r)]));
      return asins.map((asin) => byAsin.get(asin) ?? null);
    }),
  };
}
