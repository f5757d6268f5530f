import { GraphQLError } from 'graphql';
import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { computeDiversity, embedderFor, EmbeddingEndpointError } from '../../evaluation/diversity';
import { computeDatasetStatistics } from '../../evaluation/statistics';
import { Context } from '../../server/context';
import { badInput, ErrorCode } from '../../server/errors';
import { DialogueFilter } from '../dialogue/dialogue.type';
import { DatasetStatistics, Diversity, DiversityMethod, StatisticsGroup, StatisticsTokenizer } from './statistics.type';

export const MAX_PER_TURN_LIMIT = 10_000;
export const MAX_TURN_LIMIT = 100;

/** Range checks shared by the resolver and the CLI; the message names the argument. */
export function diversityLimitProblem(maxPerTurn: number, maxTurn: number): { argument: string; problem: string } | null {
  if (!Number.isInteger(maxPerTurn) || maxPerTurn < 2 || maxPerTurn > MAX_PER_TURN_LIMIT) {
    return { argument: 'maxPerTurn', problem: `must be an integer from 2 to ${MAX_PER_TURN_LIMIT}, got ${maxPerTurn}` };
  }
  if (!Number.isInteger(maxTurn) || maxTurn < 1 || maxTurn > MAX_TURN_LIMIT) {
    return { argument: 'maxTurn', problem: `must be an integer from 1 to ${MAX_TURN_LIMIT}, got ${maxTurn}` };
  }
  return null;
}

@Resolver()
export class StatisticsResolver {
  @Query(() => DatasetStatistics, {
    description: 'Corpus statistics (metrics.md §4) of the dialogues a filter selects (default ACCEPTED), overall and per group, computed on request by streaming.',
  })
  async datasetStatistics(
    @Ctx() ctx: Context,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
    @Arg('groupBy', () => [StatisticsGroup], { nullable: true }) groupBy: StatisticsGroup[] | null,
    @Arg('tokenize', () => StatisticsTokenizer, { nullable: true, defaultValue: StatisticsTokenizer.WHITESPACE }) tokenize: StatisticsTokenizer,
  ): Promise<DatasetStatistics> {
    const result = await computeDatasetStatistics(ctx.manager, { filter, groupBy: groupBy ?? [], tokenizer: tokenize });
    return result as unknown as DatasetStatistics;
  }

  @Query(() => Diversity, {
    description: 'Mean pairwise cosine similarity of utterances by turn position (metrics.md §5) with distinct-n and an SVG chart; embeddings when EMBEDDINGS_BASE_URL is configured, else TF-IDF.',
  })
  async diversity(
    @Ctx() ctx: Context,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
    @Arg('maxPerTurn', () => Int, { defaultValue: 1000 }) maxPerTurn: number,
    @Arg('maxTurn', () => Int, { defaultValue: 10 }) maxTurn: number,
    @Arg('seed', () => Int, { defaultValue: 42, description: 'Seed of the keyed sampling sub-streams.' }) seed: number,
  ): Promise<Diversity> {
    const problem = diversityLimitProblem(maxPerTurn, maxTurn);
    if (problem) throw badInput(problem.argument, problem.problem);
    if (seed < 0) throw badInput('seed', `must be a non-negative integer, got ${seed}`);
    try {
      const result = await computeDiversity(ctx.manager, { filter, maxPerTurn, maxTurn, seed, embedder: embedderFor(ctx.config.embeddings) });
      return { ...result, method: result.method as DiversityMethod };
    } catch (error) {
      if (error instanceof EmbeddingEndpointError) {
        throw new GraphQLError(error.message, { extensions: { code: ErrorCode.MODEL_ENDPOINT_UNAVAILABLE } });
      }
      throw error;
    }
  }
}
