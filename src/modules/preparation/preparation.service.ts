import type { EntityManager } from 'typeorm';
import { Preparation, PREPARATION_COLUMNS, PreparationRow, PreparationStrategy, toPreparation } from './preparation.type';

/** `recdial prepare` runs, newest first, optionally of one domain and strategy. */
export async function listPreparations(manager: EntityManager, filter: { domain: string | null; strategy: PreparationStrategy | null }): Promise<Preparation[]> {
  const rows: PreparationRow[] = await manager.query(
    `SELECT ${PREPARATION_COLUMNS} FROM preparations p
      WHERE ($1::text IS NULL OR p.domain = $1) AND ($2::text IS NULL OR p.strategy = $2)
      ORDER BY p.id DESC`,
    [filter.domain, filter.strategy],
  );
  return rows.map(toPreparation);
}
