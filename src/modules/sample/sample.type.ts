import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { RowOf, selectList } from '../../db/columns';
import { UserSampleEntity } from '../../db/schema/sample.entity';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';

@ObjectType({ implements: Node, description: 'A named, seeded set of users, e.g. the teacher sample of a run (docs/pipeline.md §6.1).' })
export class UserSample extends Node {
  dbId: number;
  generationRunId: number | null;
  /** Stereotype id → members, in the order the sample walked the stereotypes. */
  memberCounts: Array<{ stereotypeId: number; count: number }>;

  @Field(() => ID)
  declare id: string;

  @Field()
  name: string;

  @Field({ description: 'TEACHER' })
  kind: string;

  @Field(() => Float, { description: 'The fraction of each stereotype’s users drawn.' })
  fraction: number;

  @Field(() => Int, { description: 'Seed of the Python-compatible generator that shuffled each stratum.' })
  seed: number;

  @Field(() => Int)
  size: number;

  @Field()
  createdAt: Date;
}

const SAMPLE_PROPS = ['id', 'name', 'kind', 'fraction', 'seed', 'stereotypeOrder', 'generationRunId', 'createdAt'] as const;

export type UserSampleRow = RowOf<UserSampleEntity, (typeof SAMPLE_PROPS)[number]> & {
  /** stereotype id (as text) → members */
  counts: Record<string, number> | null;
};

export const USER_SAMPLE_COLUMNS = selectList(UserSampleEntity, 's', SAMPLE_PROPS);

export function toUserSample(row: UserSampleRow): UserSample {
  const counts = row.counts ?? {};
  return Object.assign(new UserSample(), {
    dbId: row.id,
    id: toGlobalId('UserSample', row.id),
    name: row.name,
    kind: row.kind,
    fraction: row.fraction,
    seed: row.seed,
    generationRunId: row.generation_run_id,
    memberCounts: row.stereotype_order.map((s) => ({ stereotypeId: s, count: counts[String(s)] ?? 0 })),
    size: Object.values(counts).reduce((a, b) => a + b, 0),
    createdAt: row.created_at,
  });
}
