import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { Context } from '../../graphql/context';
import { SplitName } from '../../dialogues/vocabulary';
import { assignSplits, splitCounts, splitRunId, SplitAssignmentSummary } from './split.service';
import { Split, SplitInput } from './split.type';

const SPLIT_NAMES = [SplitName.TRAIN, SplitName.VALID, SplitName.TEST];

@Resolver(() => Split)
export class SplitResolver {
  @Query(() => [Split], { description: 'TRAIN, VALID and TEST with their accepted dialogues per stereotype.' })
  async splits(@Ctx() ctx: Context): Promise<Split[]> {
    const rows = await splitCounts(ctx.manager);
    const stereotypes = await ctx.loaders.allStereotypes();
    return SPLIT_NAMES.map((name) => {
      const mine = rows.filter((r) => r.split === name);
      return {
        name,
        dialogueCount: mine.reduce((sum, r) => sum + r.n, 0),
        byStereotype: stereotypes.map((stereotype) => ({
          stereotype,
          count: mine.find((r) => r.stereotype_id === stereotype.dbId)?.n ?? 0,
        })),
      };
    });
  }

  @Mutation(() => [Split], {
    description:
      'Splits the selected ACCEPTED dialogues into TRAIN/VALID/TEST (docs/pipeline.md §9: stratified by stereotype, grouped by user, seeded); ' +
      'returns the counts of this assignment. Dialogues outside the selection keep their split. Needs an operator key.',
  })
  async assignSplits(@Ctx() ctx: Context, @Arg('input', () => SplitInput) input: SplitInput): Promise<Split[]> {
    const summary = await assignSplits(ctx.manager, {
      generationRunId: splitRunId(input.generationRunId),
      filter: input.filter ?? null,
      seed: input.seed,
      ratios: input.ratios ?? null,
      createdBy: ctx.principal?.name ?? null,
    });
    return toSplits(summary, await ctx.loaders.allStereotypes());
  }
}

function toSplits(summary: SplitAssignmentSummary, stereotypes: Awaited<ReturnType<Context['loaders']['allStereotypes']>>): Split[] {
  const assignment = { ...summary };
  return SPLIT_NAMES.map((name) => {
    const counts = summary.counts[name];
    return {
      name,
      dialogueCount: Object.values(counts).reduce((a, b) => a + b, 0),
      byStereotype: stereotypes.map((stereotype) => ({ stereotype, count: counts[stereotype.key] ?? 0 })),
      assignment,
    };
  });
}
