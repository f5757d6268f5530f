import type { EntityManager } from 'typeorm';
import { ConnectionValue, KeysetOrder, PageArgs, paginate } from '../../pagination/keyset';
import { toUser, User, USER_COLUMNS, UserRow } from '../user/user.type';
import { toUserSample, USER_SAMPLE_COLUMNS, UserSample, UserSampleRow } from './sample.type';

// Member counts per stereotype in the same statement, so that listing samples costs one query.
const SAMPLE_SELECT = `SELECT ${USER_SAMPLE_COLUMNS},
       (SELECT jsonb_object_agg(c.stereotype_id, c.n) FROM (SELECT m.stereotype_id, count(*)::int AS n FROM user_sample_members m
          WHERE m.sample_id = s.id GROUP BY m.stereotype_id) c) AS counts
  FROM user_samples s`;

/** Newest first. */
export async function listSamples(manager: EntityManager): Promise<UserSample[]> {
  const rows: UserSampleRow[] = await manager.query(`${SAMPLE_SELECT} ORDER BY s.created_at DESC, s.id DESC`);
  return rows.map(toUserSample);
}

export async function sampleByName(manager: EntityManager, name: string): Promise<UserSample | null> {
  const rows: UserSampleRow[] = await manager.query(`${SAMPLE_SELECT} WHERE s.name = $1`, [name]);
  return rows[0] ? toUserSample(rows[0]) : null;
}

export async function sampleById(manager: EntityManager, id: number): Promise<UserSample | null> {
  const rows: UserSampleRow[] = await manager.query(`${SAMPLE_SELECT} WHERE s.id = $1`, [id]);
  return rows[0] ? toUserSample(rows[0]) : null;
}

const MEMBERS_BY_USER_ID: KeysetOrder = { name: 'sample-user', direction: 'ASC', columns: [{ expr: 'u.id', cast: 'int' }] };

export function listSampleUsers(manager: EntityManager, sampleId: number, args: PageArgs, cap: number): Promise<ConnectionValue<User>> {
  return paginate<UserRow & Record<string, unknown>, User>(manager, {
    columns: USER_COLUMNS,
    from: 'users u',
    where: ['EXISTS (SELECT 1 FROM user_sample_members m WHERE m.sample_id = $1 AND m.user_id = u.id)'],
    params: [sampleId],
    order: MEMBERS_BY_USER_ID,
    args,
    cap,
    map: toUser,
  });
}
