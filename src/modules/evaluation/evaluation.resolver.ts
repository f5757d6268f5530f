import { Arg, Ctx, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import type { Context } from '../../server/context';
import { CORPUS_FIELD_COST } from '../../server/limits';
import { notFound } from '../../server/errors';
import { GenEvaluationInput, RecEvaluationInput } from './evaluation.inputs';
import { getEvaluation, startGenerationEvaluation, startRecommendationEvaluation } from './evaluation.service';
import { Evaluation, toEvaluation } from './evaluation.type';

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

  @Subscription(() => Evaluation, {
    description: 'The evaluation now and after every change (its rows grow per split × stereotype), until it finishes.',
    subscribe: async ({ args, context }) => {
      const ctx = context as Context;
      const id = evaluationId(args.id as string);
      if (!(await getEvaluation(ctx.manager, id))) throw notFound('id', 'no such evaluation');
      return ctx.evaluations.events.watch(id);
    },
  })
  evaluationUpdated(@Root() id: number, @Ctx() ctx: Context, @Arg('id', () => ID) _id: string): Promise<Evaluation> {
    return load(ctx, id);
  }
}
