import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { Stereotype, STEREOTYPE_COLUMNS, StereotypeRow, toStereotype } from './stereotype.type';

export function createStereotypeLoaders(manager: EntityManager) {
  // Five rows: one query fetches them all, once per request.
  let all: Promise<Stereotype[]> | null = null;
  const allStereotypes = () =>
    (all ??= manager
      .query(`SELECT ${STEREOTYPE_COLUMNS} FROM stereotypes ORDER BY id`)
      .then((rows: StereotypeRow[]) => rows.map(toStereotype)));
  return {
    allStereotypes,
    stereotypeById: new DataLoader<number, Stereotype | null>(async (ids) => {
      const byId = new Map((await allStereotypes()).map((s) => [s.dbId, s]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    dialogueCountByStereotype: new DataLoader<number, number>(async (ids) => {
      const rows: Array<{ stereotype_id: number; n: number }> = await manager.query(
        `SELECT stereotype_id, count(*)::int AS n FROM dialogues WHERE status = 'ACCEPTED' AND stereotype_id = ANY($1) GROUP BY stereotype_id`,
        [ids],
      );
      const counts = new Map(rows.map((r) => [r.stereotype_id, r.n]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
