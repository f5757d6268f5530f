import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { paginate } from '../../pagination/keyset';
import type { Context } from '../../graphql/context';
import { CORPUS_FIELD_COST } from '../../graphql/costs';
import { notFound } from '../../errors';
import { GenEvaluationInput, InteractiveEvaluationInput, RecEvaluationInput } from './evaluation.inputs';
import { getEvaluation, listEvaluations, startGenerationEvaluation, startInteractiveEvaluation, startRecommendationEvaluation } from './evaluation.service';
import { checkResamples, compareSides, SAMPLE_COLUMNS, storedSide, StoredSampleRow, toStoredSample } from './evaluation-samples.service';
import { Evaluation, EvaluationComparison, EvaluationConnection, EvaluationMode, EvaluationSample, EvaluationSampleConnection, toEvaluation } from './evaluation.type';
import { badInput } from '../../errors';

function evaluationId(id: string): number {
  return decodeId('id', id, 'Evaluation');
}

async function load(ctx: Context, id: number): Promise<Evaluation> {
  const row = await getEvaluation(ctx.manager, id);
  if (!row) throw new Error(`evaluation ${id} vanished`);
  return toEvaluation(row);
}

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Query(() => Evaluation, { nullable: true })
  async evaluation(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<Evaluation | null> {
    const row = await getEvaluation(ctx.manager, evaluationId(id));
    return row && toEvaluation(row);
  }

  @Query(() => EvaluationConnection, { description: 'Evaluations, newest first.' })
  async evaluations(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<EvaluationConnection> {
    return new EvaluationConnection(await listEvaluations(ctx.manager, { first, after }, ctx.config.pageCap));
  }

  @FieldResolver(() => EvaluationSampleConnection, {
    description: 'Per-sample rows (docs/metrics.md §9.2), in row then scoring order; JSON Lines of all of them: GET /evaluations/{id}/samples.jsonl or `recdial eval samples`.',
  })
  async samples(
    @Root() evaluation: Evaluation,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('model', () => String, { nullable: true }) model: string | null,
    @Arg('mode', () => EvaluationMode, { nullable: true }) mode: EvaluationMode | null,
  ): Promise<EvaluationSampleConnection> {
    const params: unknown[] = [evaluation.dbId];
    const where = ['evaluation_id = $1'];
    if (model !== null && model !== undefined) where.push(`model = $${params.push(model)}`);
    if (mode !== null && mode !== undefined) where.push(`mode = $${params.push(mode)}`);
    const page = await paginate(ctx.manager, {
      columns: SAMPLE_COLUMNS,
      from: 'evaluation_samples',
      where,
      params,
      order: { name: 'seq', direction: 'ASC', columns: [{ expr: 'seq', cast: 'int' }] },
      args: { first, after },
      cap: ctx.config.pageCap,
      map: (r: StoredSampleRow & Record<string, unknown>) => toStoredSample(r) as EvaluationSample,
    });
    return new EvaluationSampleConnection(page);
  }

  @Query(() => EvaluationComparison, {
    // The bootstrap and permutation loops cost like a whole-corpus field: priced and capped as one.
    complexity: CORPUS_FIELD_COST,
    description:
      'B − A over the samples two stored evaluations share, per mode and metric: the difference, a percentile-bootstrap 95 % interval and a paired permutation p-value (docs/metrics.md §9.3). Samples only one side has are listed.',
  })
  async compareEvaluations(
    @Ctx() ctx: Context,
    @Arg('a', () => ID) a: string,
    @Arg('b', () => ID) b: string,
    @Arg('modelA', () => String, { nullable: true, description: 'Default: predictions, or the only model.' }) modelA: string | null,
    @Arg('modelB', () => String, { nullable: true }) modelB: string | null,
    @Arg('metrics', () => [String], { nullable: true, description: 'Default: every metric both have.' }) metrics: string[] | null,
    @Arg('resamples', () => Int, { nullable: true, defaultValue: 10000 }) resamples: number,
    @Arg('seed', () => Int, { nullable: true, defaultValue: 42 }) seed: number,
  ): Promise<EvaluationComparison> {
    const [idA, idB] = [decodeId('a', a, 'Evaluation'), decodeId('b', b, 'Evaluation')];
    const n = checkResamples(resamples, 'resamples', 100_000);
    if (!Number.isInteger(seed) || seed < 0) throw badInput('seed', `must be a non-negative integer, got ${seed}`);
    for (const [argument, id] of [['a', idA], ['b', idB]] as const) {
      const row = await getEvaluation(ctx.manager, id);
      if (!row) throw notFound(argument, 'no such evaluation');
      if (row.status !== 'COMPLETED') throw badInput(argument, `evaluation is ${row.status}; compare it once COMPLETED`);
    }
    const result = compareSides(await storedSide(ctx.manager, idA, { model: modelA }, 'a'), await storedSide(ctx.manager, idB, { model: modelB }, 'b'), { resamples: n, seed, metrics });
    return {
      modelA: result.modelA,
      modelB: result.modelB,
      resamples: result.resamples,
      seed: result.seed,
      intervalMethod: result.method.interval,
      testMethod: result.method.test,
      modes: result.modes.map((m) => ({ ...m, mode: m.mode as EvaluationMode })),
    };
  }

  @Mutation(() => Evaluation, {
    complexity: CORPUS_FIELD_COST,
    description: 'Hit/MRR/NDCG@k of uploaded predictions or a built-in baseline, computed in the background; follow it with evaluationUpdated. Needs an operator key.',
  })
  async evaluateRecommendations(@Ctx() ctx: Context, @Arg('input', () => RecEvaluationInput) input: RecEvaluationInput): Promise<Evaluation> {
    const id = await startRecommendationEvaluation(ctx.manager, ctx.evaluations, input, { principal: ctx.principal, maxPredictionBytes: ctx.config.maxPredictionBytes });
    return load(ctx, id);
  }

  @Mutation(() => Evaluation, { complexity: CORPUS_FIELD_COST, description: 'BLEU@1–4, F1 and Dist@1–4 of uploaded responses, computed in the background. Needs an operator key.' })
  async evaluateGeneration(@Ctx() ctx: Context, @Arg('input', () => GenEvaluationInput) input: GenEvaluationInput): Promise<Evaluation> {
    const id = await startGenerationEvaluation(ctx.manager, ctx.evaluations, input, { principal: ctx.principal, maxPredictionBytes: ctx.config.maxPredictionBytes });
    return load(ctx, id);
  }

  @Mutation(() => Evaluation, {
    description:
      'Interactive evaluation of a conversational recommender: per prepared user, a simulated seeker (the SIMULATOR endpoint, prompted from the user’s stereotype persona, history and the target’s attributes, never its title) talks to the system until it recommends the target or maxRounds pass. One queue job per user on the workers; each conversation is stored as a SIMULATED dialogue; follow the results with evaluationUpdated. Needs an operator key.',
  })
  async evaluateInteractively(@Ctx() ctx: Context, @Arg('input', () => InteractiveEvaluationInput) input: InteractiveEvaluationInput): Promise<Evaluation> {
    return load(ctx, await startInteractiveEvaluation(ctx.manager, ctx.generation.queue, input, ctx.principal));
  }

  @Subscription(() => Evaluation, {
    description: 'The evaluation now and after every change (its rows grow per split × stereotype), until it finishes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const id = evaluationId(args.id as string);
      if (!(await getEvaluation(ctx.manager, id))) throw notFound('id', `no such evaluation "${args.id}"`);
      return ctx.evaluations.events.watch(id);
    },
  })
  evaluationUpdated(@Root() id: number, @Ctx() ctx: Context, @Arg('id', () => ID) _id: string): Promise<Evaluation> {
    return load(ctx, id);
  }
}
