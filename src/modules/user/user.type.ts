import { Field, ID, ObjectType, InputType } from 'type-graphql';
import { RowOf, selectList } from '../../db/columns';
import { UserEntity } from '../../db/schema/user.entity';
import { Connection } from '../../graphql/connection.type';
import { toGlobalId } from '../../pagination/global-id';
import { Node } from '../../graphql/node.type';

@ObjectType({ implements: Node, description: 'A user of the source dataset (an Amazon reviewer, or a peer dataset\'s seeker).' })
export class User extends Node {
  dbId: number;

  @Field(() => ID)
  declare id: string;

  @Field({ description: 'The id in the source dataset (Amazon user_id).' })
  sourceId: string;

  @Field()
  domain: string;
}

@ObjectType()
export class UserConnection extends Connection(User, 'User') {}

@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true })
  domain?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only users with (true) or without (false) dialogues.' })
  hasDialogues?: boolean | null;

  @Field(() => String, { nullable: true, description: 'Users whose seeded stereotype assignment is this key, e.g. "History-Only Explorer".' })
  stereotype?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only users `recdial prepare` gave (true) or did not give (false) a history and target.' })
  prepared?: boolean | null;
}

const USER_PROPS = ['id', 'sourceId', 'domain'] as const;

export type UserRow = RowOf<UserEntity, (typeof USER_PROPS)[number]>;

export const USER_COLUMNS = selectList(UserEntity, 'u', USER_PROPS);

export function toUser(row: UserRow): User {
  return Object.assign(new User(), { dbId: row.id, id: toGlobalId('User', row.id), sourceId: row.source_id, domain: row.domain });
}
