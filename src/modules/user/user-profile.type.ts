import { Field, ObjectType } from 'type-graphql';
import type { StrategyValue } from '../../db/schema/preparation.entity';

export interface UserProfileRow {
  user_id: number;
  strategy: StrategyValue;
  preparation_id: number | null;
  stereotype_id: number | null;
  target_item_id: number | null;
  history_item_ids: number[];
  liked_item_ids: number[];
  disliked_item_ids: number[];
  might_like_item_ids: number[];
}

export const PROFILE_COLUMNS =
  'p.user_id, p.strategy, p.preparation_id, p.stereotype_id, p.target_item_id, p.history_item_ids, p.liked_item_ids, p.disliked_item_ids, p.might_like_item_ids';

@ObjectType({ description: 'The LLM-REDIAL view of a user (docs/pipeline.md §11.1): from `recdial prepare --strategy goal-template` or an LLM-REDIAL import.' })
export class GoalProfile {
  row: UserProfileRow;

  @Field({ description: 'prepare (computed here) or llm-redial (as the dataset ships it).' })
  source: string;
}
