import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { toUser, User, UserRow } from './user.type';

export function createUserLoaders(manager: EntityManager) {
  return {
    userById: new DataLoader<number, User | null>(async (ids) => {
      const rows: UserRow[] = await manager.query('SELECT id, source_id, domain FROM users WHERE id = ANY($1)', [ids]);
      const byId = new Map(rows.map((r) => [r.id, toUser(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
