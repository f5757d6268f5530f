import { Arg, Ctx, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import type { Context } from '../../server/context';
import { notFound } from '../../server/errors';
import { GenEvaluationInput, InteractiveEvaluationInput, RecEvaluationInput } from './evaluation.inputs';
import { getEvaluation, listEvaluations, startGenerationEvaluation, startInteractiveEvaluation, startRecommendationEvaluation } from './evaluation.service';
import { Evaluation, EvaluationConnection, toEvaluation } from './evaluation.type';

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

  @Mutation(() => Evaluation, {
    description: 'Hit/MRR/NDCG@k of uploaded predictions or a built-in baseline, computed in the background; follow it with evaluationUpdated. Needs an operator key.',
  })
  async evaluateRecommendations(@Ctx() ctx: Context, @Arg('input', () => RecEvaluationInput) input: RecEvaluationInput): Promise<Evaluation> {
    const id = await startRecommendationEvaluation(ctx.manager, ctx.evaluations, input, { principal: ctx.principal, maxPredictionBytes: ctx.config.maxPredictionBytes });
    return load(ctx, id);
  }

  @Mutation(() => Evaluation, { description: 'BLEU@1–4, F1 and Dist@1–4 of uploaded responses, computed in the background. Needs an operator key.' })
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
