import { Arg, Ctx, Int, Query, Resolver } from 'type-graphql';
import { computeDiversity, embedderFor, EmbeddingEndpointError } from '../../evaluation/diversity';
import { computeDatasetStatistics } from '../../evaluation/statistics';
import { Context } from '../../graphql/context';
import { CORPUS_FIELD_COST } from '../../graphql/costs';
import { cacheKey } from './corpus-cache';
import { badInput, modelEndpointUnavailable, timeout } from '../../errors';
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

/**
 * Runs a whole-corpus computation under a wall-clock budget: it is made of many short statements
 * (so the statement timeout never fires) and CPU work between them; past the budget it is
 * aborted and the field fails with TIMEOUT instead of holding the server for minutes.
 */
async function withinBudget<T>(field: string, budgetMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(budgetMs);
  try {
    return await run(signal);
  } catch (error) {
    if (signal.aborted) {
      throw timeout(
        `${field} took longer than its budget of ${(budgetMs / 1000).toFixed(1)} s (RECDIAL_CORPUS_FIELD_BUDGET_MS); narrow the filter, or use recdial eval on the command line`,
      );
    }
    throw error;
  }
}

@Resolver()
export class StatisticsResolver {
  @Query(() => DatasetStatistics, {
    complexity: CORPUS_FIELD_COST,
    description:
      'Corpus statistics (docs/metrics.md §4) of the dialogues a filter selects (default ACCEPTED), overall and per group, computed on request by streaming and cached per selection until the dialogues change.',
  })
  async datasetStatistics(
    @Ctx() ctx: Context,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
    @Arg('groupBy', () => [StatisticsGroup], { nullable: true }) groupBy: StatisticsGroup[] | null,
    @Arg('tokenize', () => StatisticsTokenizer, { nullable: true, defaultValue: StatisticsTokenizer.WHITESPACE }) tokenize: StatisticsTokenizer,
  ): Promise<DatasetStatistics> {
    const key = cacheKey('datasetStatistics', { filter, groupBy: groupBy ?? [], tokenize });
    const result = await ctx.statistics.get(key, () =>
      withinBudget('datasetStatistics', ctx.config.corpusFieldBudgetMs, (signal) => computeDatasetStatistics(ctx.manager, { filter, groupBy: groupBy ?? [], tokenizer: tokenize, signal })),
    );
    return result as unknown as DatasetStatistics;
  }

  @Query(() => Diversity, {
    complexity: CORPUS_FIELD_COST,
    description: 'Mean pairwise cosine similarity of utterances by turn position (docs/metrics.md §5) with distinct-n and an SVG chart; embeddings when EMBEDDINGS_BASE_URL is configured, else TF-IDF.',
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
      const key = cacheKey('diversity', { filter, maxPerTurn, maxTurn, seed });
      const result = await ctx.statistics.get(key, () =>
        withinBudget('diversity', ctx.config.corpusFieldBudgetMs, (signal) => computeDiversity(ctx.manager, { filter, maxPerTurn, maxTurn, seed, embedder: embedderFor(ctx.config.embeddings), signal })),
      );
      return { ...result, method: result.method as DiversityMethod };
    } catch (error) {
      if (error instanceof EmbeddingEndpointError) {
        throw modelEndpointUnavailable(error.message);
      }
      throw error;
    }
  }
}
