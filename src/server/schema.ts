import 'reflect-metadata';
import { GraphQLSchema, isObjectType, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, PubSub } from 'type-graphql';
import { DialogueResolver, ItemMentionResolver, plainFieldResolvers, TurnResolver } from '../modules/dialogue/dialogue.resolver';
import { ExportResolver } from '../modules/export/export.resolver';
import { EvaluationResolver } from '../modules/evaluation/evaluation.resolver';
import { DialogueGenerationResolver, GenerationRunResolver, PromptPreviewResolver, ProvenanceResolver } from '../modules/generation/generation.resolver';
import { DialogueJudgementResolver, JudgeResolver } from '../modules/judge/judge.resolver';
import { ItemResolver } from '../modules/item/item.resolver';
import { SplitResolver } from '../modules/split/split.resolver';
import { StatisticsResolver } from '../modules/statistics/statistics.resolver';
import { UserSampleResolver } from '../modules/sample/sample.resolver';
import { StereotypeResolver } from '../modules/stereotype/stereotype.resolver';
import { PreparationResolver } from '../modules/preparation/preparation.resolver';
import { PromptResolver, StereotypePromptResolver } from '../modules/prompt/prompt.resolver';
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
  StereotypePromptResolver,
  PromptResolver,
  SplitResolver,
  StatisticsResolver,
  UserSampleResolver,
  GenerationRunResolver,
  PromptPreviewResolver,
  DialogueGenerationResolver,
  ProvenanceResolver,
  ExportResolver,
  EvaluationResolver,
  JudgeResolver,
  DialogueJudgementResolver,
] as const;

let built: Promise<GraphQLSchema> | null = null;

/** Built once per process: type-graphql's metadata is global. */
export function getSchema(): Promise<GraphQLSchema> {
  // Validation is by hand in services, so that messages name the argument.
  // Subscriptions bring their own event sources (`subscribe`), fed by PostgreSQL LISTEN/NOTIFY
  // so that workers in other processes reach them; type-graphql still insists on a pubSub.
  const pubSub = {
    publish: () => undefined,
    subscribe: () => {
      throw new Error('recdial subscriptions use `subscribe`, not topics');
    },
  } as unknown as PubSub;
  return (built ??= buildSchema({ resolvers, validate: false, pubSub }).then(withPlainResolvers));
}

/** Replaces type-graphql's wrapper on the hot read fields by plain resolvers (dialogue.resolver.ts says why). */
function withPlainResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const { type, field, resolve } of plainFieldResolvers()) {
    const target = schema.getType(type);
    const definition = isObjectType(target) ? target.getFields()[field] : undefined;
    if (!definition || definition.args.length) throw new Error(`plainFieldResolvers: ${type}.${field} is not a field without arguments`);
    definition.resolve = resolve as typeof definition.resolve;
  }
  return schema;
}

/** The committed SDL (`schema/schema.graphql`), sorted so that diffs stay readable. */
export async function printSdl(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
