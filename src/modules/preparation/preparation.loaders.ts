import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { Preparation, PREPARATION_COLUMNS, PreparationRow, toPreparation } from './preparation.type';

export function createPreparationLoaders(manager: EntityManager) {
  return {
    preparationById: new DataLoader<number, Preparation | null>(async (ids) => {
      const rows: PreparationRow[] = await manager.query(`SELECT ${PREPARATION_COLUMNS} FROM preparations p WHERE p.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toPreparation(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
