import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { DialogueResolver, ItemMentionResolver, TurnResolver } from '../modules/dialogue/dialogue.resolver';
import { ItemResolver } from '../modules/item/item.resolver';
import { SplitResolver } from '../modules/split/split.resolver';
import { StereotypeResolver } from '../modules/stereotype/stereotype.resolver';
import { PreparationResolver } from '../modules/preparation/preparation.resolver';
import { GoalProfileResolver, InteractionResolver, UserProfileResolver, UserResolver } from '../modules/user/user.resolver';
import { NodeResolver } from './node.resolver';

export const resolvers = [
  NodeResolver,
  DialogueResolver,
  TurnResolver,
  ItemMentionResolver,
  ItemResolver,
  UserResolver,
  UserProfileResolver,
  GoalProfileResolver,
  PreparationResolver,
  InteractionResolver,
  StereotypeResolver,
  SplitResolver,
] as const;

let built: Promise<GraphQLSchema> | null = null;

/** Built once per process: type-graphql's metadata is global. */
export function getSchema(): Promise<GraphQLSchema> {
  // Validation is by hand in services, so that messages name the argument.
  return (built ??= buildSchema({ resolvers, validate: false }));
}

/** The committed SDL (`schema/schema.graphql`), sorted so that diffs stay readable. */
export async function printSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
