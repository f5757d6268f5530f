import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { ITEM_COLUMNS, Item, ItemRow, toItem } from './item.type';

export function createItemLoaders(manager: EntityManager) {
  return {
    itemById: new DataLoader<number, Item | null>(async (ids) => {
      const rows: ItemRow[] = await manager.query(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toItem(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    itemByAsin: new DataLoader<string, Item | null>(async (asins) => {
      const rows: ItemRow[] = await manager.query(`SELECT ${ITEM_COLUMNS} FROM items i WHERE i.asin = ANY($1)`, [asins]);
      const byAsin = new Map(rows.map((r) => [r.asin, toItem(r)]));
      return asins.map((asin) => byAsin.get(asin) ?? null);
    }),
  };
}
