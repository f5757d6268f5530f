import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import { requireOperator } from '../../graphql/auth';
import type { Context } from '../../graphql/context';
import { badInput } from '../../errors';
import { CORPUS_FIELD_COST } from '../../graphql/costs';
import { Dialogue, DialogueFilter } from '../dialogue/dialogue.type';
import { GenerationRun } from '../generation/generation.type';
import { CompareDatasetsInput, JudgeDialoguesInput, UpdateRubricInput } from './judge.inputs';
import { compareDatasets, comparisonReport, judgeAgreement, judgeDialogues, judgementStatistics } from './judge.service';
import { Comparison, Judgement, JudgeAgreement, JudgementGroupBy, JudgementStatistic, Rubric, toRubric } from './judge.type';
import { activeRubrics, rubricHistory, updateRubric } from './rubric.service';

async function loadRun(ctx: Context, id: number): Promise<GenerationRun> {
  const run = await ctx.loaders.generationRunById.load(id);
  if (!run) throw new Error(`run ${id} vanished`);
  return run;
}

@Resolver(() => Judgement)
export class JudgeResolver {
  @Query(() => [Rubric], { description: 'The active version of every rubric: the built-in LLM_REDIAL and DISTILLRECDIAL, then stored ones.' })
  async rubrics(@Ctx() ctx: Context): Promise<Rubric[]> {
    return (await activeRubrics(ctx.manager)).map(toRubric);
  }

  @Query(() => [Rubric], { description: 'Every version of a rubric, newest first (down to the built-in version 0).' })
  async rubricVersions(@Ctx() ctx: Context, @Arg('key') key: string): Promise<Rubric[]> {
    return (await rubricHistory(ctx.manager, key)).map(toRubric);
  }

  @Mutation(() => Rubric, { description: 'Stores a new version of a rubric (or a new rubric) and makes it active. Needs an operator key.' })
  async updateRubric(@Ctx() ctx: Context, @Arg('input', () => UpdateRubricInput) input: UpdateRubricInput): Promise<Rubric> {
    const principal = requireOperator(ctx);
    const { key, note, ...definition } = input;
    return toRubric(await updateRubric(ctx.manager, key, definition, note ?? null, principal.name));
  }

  @Mutation(() => GenerationRun, { description: 'Queues one JUDGE job per matching dialogue (kind JUDGE, role JUDGE): the configured judge scores it on the rubric. Needs an operator key.' })
  async judgeDialogues(@Ctx() ctx: Context, @Arg('input', () => JudgeDialoguesInput) input: JudgeDialoguesInput): Promise<GenerationRun> {
    const principal = requireOperator(ctx);
    return loadRun(ctx, await judgeDialogues(ctx.manager, ctx.generation.queue, input, principal));
  }

  @Mutation(() => GenerationRun, { description: 'Queues a head-to-head comparison (kind COMPARE): seeded random pairs, display order randomised per pair; read the result with `comparison`. Needs an operator key.' })
  async compareDatasets(@Ctx() ctx: Context, @Arg('input', () => CompareDatasetsInput) input: CompareDatasetsInput): Promise<GenerationRun> {
    const principal = requireOperator(ctx);
    return loadRun(ctx, await compareDatasets(ctx.manager, ctx.generation.queue, input, principal));
  }

  @Query(() => Comparison, { nullable: true, description: 'Win/tie/loss per criterion (Wilson intervals) and Bradley–Terry strengths of a compareDatasets run, from the verdicts stored so far.' })
  async comparison(@Ctx() ctx: Context, @Arg('runId', () => ID) runId: string): Promise<Comparison | null> {
    const id = decodeId('runId', runId, 'GenerationRun');
    const report = await comparisonReport(ctx.manager, id);
    if (!report && (await ctx.loaders.generationRunById.load(id))) throw badInput('runId', 'is not a compareDatasets run');
    return report;
  }

  @Query(() => [JudgementStatistic], { complexity: CORPUS_FIELD_COST, description: 'Mean, standard error and n per criterion of each dialogue’s latest judgement on the rubric, per group (or over all when groupBy is null).' })
  judgementStatistics(
    @Ctx() ctx: Context,
    @Arg('rubric') rubric: string,
    @Arg('groupBy', () => JudgementGroupBy, { nullable: true }) groupBy: JudgementGroupBy | null,
    @Arg('filter', () => DialogueFilter, { nullable: true }) filter: DialogueFilter | null,
  ): Promise<JudgementStatistic[]> {
    return judgementStatistics(ctx.manager, rubric, groupBy, filter);
  }

  @Query(() => [JudgeAgreement], { complexity: CORPUS_FIELD_COST, description: 'Spearman and Kendall (tau-b) between imported human ratings and the judge, per criterion, at dialogue and source level, with seeded bootstrap intervals.' })
  judgeAgreement(
    @Ctx() ctx: Context,
    @Arg('rubric') rubric: string,
    @Arg('seed', () => Int, { nullable: true, defaultValue: 42 }) seed: number,
    @Arg('resamples', () => Int, { nullable: true, defaultValue: 1000 }) resamples: number,
  ): Promise<JudgeAgreement[]> {
    return judgeAgreement(ctx.manager, rubric, seed, resamples);
  }

  @FieldResolver(() => GenerationRun, { nullable: true, description: 'The JUDGE run that wrote it.' })
  run(@Root() j: Judgement, @Ctx() ctx: Context): Promise<GenerationRun | null> | null {
    return j.runId === null ? null : ctx.loaders.generationRunById.load(j.runId);
  }
}

@Resolver(() => Dialogue)
export class DialogueJudgementResolver {
  @FieldResolver(() => [Judgement], { description: 'The judges’ scores of this dialogue, newest first.' })
  async judgements(@Root() d: Dialogue, @Ctx() ctx: Context, @Arg('rubric', () => String, { nullable: true }) rubric: string | null): Promise<Judgement[]> {
    const all = await ctx.loaders.judgementsByDialogueId.load(d.dbId);
    return rubric == null ? all : all.filter((j) => j.rubric === rubric);
  }
}
