import { Arg, Ctx, FieldResolver, Float, ID, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { decodeId } from '../../pagination/global-id';
import type { Context } from '../../graphql/context';
import { badInput, notFound } from '../../errors';
import { listDialogues } from '../dialogue/dialogue.service';
import { Dialogue, DialogueConnection, DialogueStatus } from '../dialogue/dialogue.type';
import { Item } from '../item/item.type';
import { Stereotype } from '../stereotype/stereotype.type';
import { GenerationInput, RegenerationInput, RetryFailedJobsInput } from './generation.inputs';
import {
  acceptanceRate,
  cancelGenerationRun,
  enqueueGeneration,
  getRun,
  listRuns,
  previewPrompt,
  regenerateDialogues,
  rejectionsByCode,
  retryFailedJobs,
  runErrors,
} from './generation.service';
import { GenerationProvenance, GenerationRun, GenerationRunConnection, GenerationStrategy, JobError, Prompt, RejectionCount, RetryFailedJobsPayload, RunCounts } from './generation.type';

function runId(id: string, argument = 'id'): number {
  return decodeId(argument, id, 'GenerationRun');
}

async function loadRun(ctx: Context, id: number): Promise<GenerationRun> {
  const run = await getRun(ctx.manager, id);
  if (!run) throw new Error(`generation run ${id} vanished`);
  return run;
}

@Resolver(() => GenerationRun)
export class GenerationRunResolver {
  @Query(() => GenerationRun, { nullable: true })
  generationRun(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<GenerationRun | null> {
    return ctx.loaders.generationRunById.load(runId(id));
  }

  @Query(() => GenerationRunConnection, { description: 'Generation runs, newest first.' })
  async generationRuns(
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<GenerationRunConnection> {
    return new GenerationRunConnection(await listRuns(ctx.manager, { first, after }, ctx.config.pageCap));
  }

  @Query(() => Prompt, { description: 'Exactly the messages a model would receive for this user, with the prompts in force now.' })
  async promptPreview(
    @Ctx() ctx: Context,
    @Arg('userId', () => ID) userId: string,
    @Arg('stereotype', () => String, { nullable: true, description: 'Default: the user’s seeded stereotype.' }) stereotype: string | null,
    @Arg('strategy', () => GenerationStrategy, { nullable: true, defaultValue: GenerationStrategy.STEREOTYPE }) strategy: GenerationStrategy,
    @Arg('instance', () => Int, { nullable: true, description: 'Goal-template strategy: which might-like item (1-based).' }) instance: number | null,
    @Arg('legacyFeatureKeys', () => Boolean, { nullable: true, defaultValue: false }) legacyFeatureKeys: boolean,
    @Arg('includeTargetReview', () => Boolean, { nullable: true, defaultValue: true }) includeTargetReview: boolean,
    @Arg('seed', () => Int, { nullable: true, defaultValue: 42, description: 'Goal-template strategy: the seed of template choice and slot filling.' }) seed: number,
  ): Promise<Prompt> {
    if (instance !== null && instance < 1) throw badInput('instance', 'must be 1 or more');
    return previewPrompt(ctx.manager, { userId: decodeId('userId', userId, 'User'), stereotype, strategy, instance, legacyFeatureKeys, includeTargetReview, seed });
  }

  @Mutation(() => GenerationRun, { description: 'Creates a run and one queued job per dialogue, in one transaction. Needs an operator key.' })
  async enqueueGeneration(@Ctx() ctx: Context, @Arg('input', () => GenerationInput) input: GenerationInput): Promise<GenerationRun> {
    return loadRun(ctx, await enqueueGeneration(ctx.generation.queue, input, ctx.principal));
  }

  @Mutation(() => GenerationRun, { description: 'Writes new versions of dialogues; each supersedes its original, which stays queryable. Needs an operator key.' })
  async regenerateDialogues(@Ctx() ctx: Context, @Arg('input', () => RegenerationInput) input: RegenerationInput): Promise<GenerationRun> {
    return loadRun(ctx, await regenerateDialogues(ctx.generation.queue, input, ctx.principal));
  }

  @Mutation(() => GenerationRun, { description: 'Cancels the jobs that have not started; running ones finish and are stored. Needs an operator key.' })
  async cancelGenerationRun(@Ctx() ctx: Context, @Arg('id', () => ID) id: string): Promise<GenerationRun> {
    const dbId = runId(id);
    await cancelGenerationRun(ctx.generation.queue, dbId);
    return loadRun(ctx, dbId);
  }

  @Mutation(() => RetryFailedJobsPayload, {
    description:
      'Requeues FAILED jobs (of a run, or by id) with a new set of attempts; their runs go back to RUNNING and settle again. Needs an operator key.',
  })
  async retryFailedJobs(@Ctx() ctx: Context, @Arg('input', () => RetryFailedJobsInput) input: RetryFailedJobsInput): Promise<RetryFailedJobsPayload> {
    const runDbId = input.runId != null ? runId(input.runId, 'input.runId') : null;
    const { requeued, runIds } = await retryFailedJobs(ctx.generation.queue, { runId: runDbId, jobIds: input.jobIds ?? null });
    return Object.assign(new RetryFailedJobsPayload(), { requeued, runs: await Promise.all(runIds.map((id) => loadRun(ctx, id))) });
  }

  @Subscription(() => GenerationRun, {
    description: 'The run now and after every change (throttled), until it finishes.',
    subscribe: async ({ args, context }) => {
      const id = runId(args.id as string);
      if (!(await getRun((context as Context).manager, id))) throw notFound('id', `no such generation run "${args.id}"`);
      return (context as Context).generation.events.watch(id);
    },
  })
  generationRunUpdated(@Root() id: number, @Ctx() ctx: Context, @Arg('id', () => ID) _id: string): Promise<GenerationRun> {
    // A subscription is one operation with one context: forget what its loaders cached for the last event.
    for (const loader of Object.values(ctx.loaders)) if ('clearAll' in loader) loader.clearAll();
    return loadRun(ctx, id);
  }

  @FieldResolver(() => RunCounts)
  counts(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<RunCounts> {
    return ctx.loaders.runCounts.load(run.dbId);
  }

  @FieldResolver(() => Int)
  async accepted(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.runCounts.load(run.dbId)).accepted;
  }

  @FieldResolver(() => Int)
  async rejected(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.runCounts.load(run.dbId)).rejected;
  }

  @FieldResolver(() => Int, { description: 'Jobs whose last attempt failed.' })
  async failed(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.runCounts.load(run.dbId)).failed;
  }

  @FieldResolver(() => Int, { description: 'Jobs queued, waiting for a retry, or running.' })
  async pending(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<number> {
    return (await ctx.loaders.runCounts.load(run.dbId)).pending;
  }

  @FieldResolver(() => Float, { nullable: true, description: 'Accepted among stored dialogues, with every filter of docs/pipeline.md §8.3.' })
  async acceptanceRate(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<number | null> {
    return acceptanceRate(await ctx.loaders.runCounts.load(run.dbId));
  }

  @FieldResolver(() => [RejectionCount], { description: 'Rejections by check code × stereotype (a dialogue counts once per failed check).' })
  rejectionsByCode(@Root() run: GenerationRun, @Ctx() ctx: Context): Promise<RejectionCount[]> {
    return rejectionsByCode(ctx.manager, run.dbId);
  }

  @FieldResolver(() => DialogueConnection, { description: 'The run’s dialogues; every status unless `status` is given.' })
  async dialogues(
    @Root() run: GenerationRun,
    @Ctx() ctx: Context,
    @Arg('first', () => Int, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Arg('status', () => DialogueStatus, { nullable: true }) status: DialogueStatus | null,
  ): Promise<DialogueConnection> {
    const value = await listDialogues(ctx.manager, {
      // An omitted argument arrives as undefined, which listDialogues reads as ACCEPTED; here it means every status.
      filter: { status: status ?? null },
      args: { first, after },
      cap: ctx.config.pageCap,
      scope: { where: ['d.generation_run_id = $1'], params: [run.dbId] },
    });
    return new DialogueConnection(value);
  }

  @FieldResolver(() => [JobError], { description: 'Failed attempts and skipped jobs, newest first.' })
  errors(@Root() run: GenerationRun, @Ctx() ctx: Context, @Arg('first', () => Int, { nullable: true, defaultValue: 20 }) first: number): Promise<JobError[]> {
    if (first < 1 || first > ctx.config.pageCap) throw badInput('first', `must be between 1 and ${ctx.config.pageCap}`);
    return runErrors(ctx.manager, run.dbId, first);
  }
}

@Resolver(() => Prompt)
export class PromptPreviewResolver {
  @FieldResolver(() => Stereotype, { nullable: true })
  stereotype(@Root() p: Prompt, @Ctx() ctx: Context): Promise<Stereotype | null> | null {
    return p.stereotypeId === null ? null : ctx.loaders.stereotypeById.load(p.stereotypeId);
  }

  @FieldResolver(() => Item, { nullable: true, description: 'The target (stereotype strategy) or gold item (goal template).' })
  targetItem(@Root() p: Prompt, @Ctx() ctx: Context): Promise<Item | null> | null {
    return p.targetItemId === null ? null : ctx.loaders.itemById.load(p.targetItemId);
  }
}

@Resolver(() => Dialogue)
export class DialogueGenerationResolver {
  @FieldResolver(() => GenerationProvenance, { nullable: true, description: 'How a generated dialogue was made; null for imported dialogues.' })
  provenance(@Root() d: Dialogue, @Ctx() ctx: Context): Promise<GenerationProvenance | null> | null {
    return d.source === 'IMPORTED' ? null : ctx.loaders.provenanceByDialogueId.load(d.dbId);
  }
}

@Resolver(() => GenerationProvenance)
export class ProvenanceResolver {
  @FieldResolver(() => GenerationRun)
  async run(@Root() p: GenerationProvenance, @Ctx() ctx: Context): Promise<GenerationRun> {
    return (await ctx.loaders.generationRunById.load(p.runId))!;
  }
}
