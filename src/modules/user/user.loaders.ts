import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { Interaction, INTERACTION_COLUMNS, InteractionRow, toInteraction } from '../interaction/interaction.type';
import type { StrategyValue } from '../../db/schema/preparation.entity';
import { PROFILE_COLUMNS, UserProfileRow } from './user-profile.type';
import { toUser, User, USER_COLUMNS, UserRow } from './user.type';

function profileLoader(manager: EntityManager, strategy: StrategyValue) {
  return new DataLoader<number, UserProfileRow | null>(async (userIds) => {
    const rows: UserProfileRow[] = await manager.query(`SELECT ${PROFILE_COLUMNS} FROM user_profiles p WHERE p.strategy = $1 AND p.user_id = ANY($2)`, [
      strategy,
      userIds,
    ]);
    const byUser = new Map(rows.map((r) => [r.user_id, r]));
    return userIds.map((id) => byUser.get(id) ?? null);
  });
}

export function createUserLoaders(manager: EntityManager) {
  return {
    userById: new DataLoader<number, User | null>(async (ids) => {
      const rows: UserRow[] = await manager.query(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toUser(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    stereotypeProfileByUserId: profileLoader(manager, 'STEREOTYPE'),
    goalProfileByUserId: profileLoader(manager, 'GOAL_TEMPLATE'),
    /** A user's interaction with an item (one per pair), keyed `userId:itemId`. */
    interactionByUserItem: new DataLoader<string, Interaction | null>(async (keys) => {
      const pairs = keys.map((k) => k.split(':').map(Number));
      const rows: Array<InteractionRow & { user_id: number }> = await manager.query(
        `SELECT ${INTERACTION_COLUMNS}, x.user_id
           FROM interactions x JOIN unnest($1::int[], $2::int[]) AS k(user_id, item_id) ON x.user_id = k.user_id AND x.item_id = k.item_id`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      const byKey = new Map(rows.map((r) => [`${r.user_id}:${r.item_id}`, toInteraction(r)]));
      return keys.map((k) => byKey.get(k) ?? null);
    }),
  };
}
