import { EntityManager } from 'typeorm';
import { badInput } from '../../errors';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { Interaction, INTERACTION_COLUMNS, InteractionRow, toInteraction } from '../interaction/interaction.type';
import { toUser, User, USER_COLUMNS, UserFilter, UserRow } from './user.type';

const USERS_BY_ID: KeysetOrder = { name: 'id', direction: 'ASC', columns: [{ expr: 'u.id', cast: 'int' }] };
const CHRONOLOGICAL: KeysetOrder = {
  name: 'time',
  direction: 'ASC',
  columns: [{ expr: 'x.timestamp_ms', cast: 'bigint' }, { expr: 'x.id', cast: 'int' }],
};

export async function listUsers(manager: EntityManager, filter: UserFilter | null, args: PageArgs, cap: number): Promise<ConnectionValue<User>> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter?.domain != null) {
    params.push(filter.domain);
    where.push(`u.domain = $${params.length}`);
  }
  if (filter?.hasDialogues != null) {
    where.push(`${filter.hasDialogues ? '' : 'NOT '}EXISTS (SELECT 1 FROM dialogues d WHERE d.user_id = u.id)`);
  }
  if (filter?.stereotype != null) {
    const [row] = await manager.query('SELECT id FROM stereotypes WHERE key = $1', [filter.stereotype]);
    if (!row) throw badInput('filter.stereotype', `unknown stereotype "${filter.stereotype}"`);
    params.push(row.id);
    where.push(`EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = u.id AND p.strategy = 'STEREOTYPE' AND p.stereotype_id = $${params.length})`);
  }
  if (filter?.prepared != null) {
    where.push(`${filter.prepared ? '' : 'NOT '}EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = u.id AND p.strategy = 'STEREOTYPE')`);
  }
  return paginate<UserRow & Record<string, unknown>, User>(manager, {
    columns: USER_COLUMNS,
    from: 'users u',
    where,
    params,
    order: USERS_BY_ID,
    args,
    cap,
    map: toUser,
  });
}

/** A user's interactions in chronological order. */
export function listInteractions(manager: EntityManager, userId: number, args: PageArgs, cap: number): Promise<ConnectionValue<Interaction>> {
  return paginate<InteractionRow & Record<string, unknown>, Interaction>(manager, {
    columns: INTERACTION_COLUMNS,
    from: 'interactions x',
    where: ['x.user_id = $1'],
    params: [userId],
    order: CHRONOLOGICAL,
    args,
    cap,
    map: toInteraction,
  });
}

/** The user with this source id (in `domain`, when given); several domains and no `domain` is BAD_USER_INPUT naming `domain`. */
export async function userIdBySourceId(manager: EntityManager, sourceId: string, domain: string | null): Promise<number | null> {
  const rows: Array<{ id: number; domain: string }> = await manager.query(
    'SELECT id, domain FROM users WHERE source_id = $1 AND ($2::text IS NULL OR domain = $2) ORDER BY domain',
    [sourceId, domain],
  );
  if (rows.length > 1) throw badInput('domain', `source id "${sourceId}" exists in several domains (${rows.map((r) => r.domain).join(', ')}); give one`);
  return rows.length ? rows[0].id : null;
}
