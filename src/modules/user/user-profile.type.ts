import { Field, ObjectType } from 'type-graphql';
import { RowOf, selectList } from '../../db/columns';
import { UserProfileEntity } from '../../db/schema/user-profile.entity';

const PROFILE_PROPS = [
  'userId',
  'strategy',
  'preparationId',
  'stereotypeId',
  'targetItemId',
  'historyItemIds',
  'likedItemIds',
  'dislikedItemIds',
  'mightLikeItemIds',
] as const;

export type UserProfileRow = RowOf<UserProfileEntity, (typeof PROFILE_PROPS)[number]>;

export const PROFILE_COLUMNS = selectList(UserProfileEntity, 'p', PROFILE_PROPS);

@ObjectType({ description: 'The LLM-REDIAL view of a user (docs/pipeline.md §11.1): from `recdial prepare --strategy goal-template` or an LLM-REDIAL import.' })
export class GoalProfile {
  row: UserProfileRow;

  @Field({ description: 'prepare (computed here) or llm-redial (as the dataset ships it).' })
  source: string;
}
