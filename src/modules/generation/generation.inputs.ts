import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { DialogueFilter } from '../dialogue/dialogue.type';
import { GenerationStrategy, ModelRole, UnknownItemPolicy } from './generation.type';

@InputType({ description: 'Sampling for every request of a run; defaults: temperature 0.7, topP 0.9, maxTokens 2048, seed 42.' })
export class SamplingInput {
  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Float, { nullable: true })
  topP?: number | null;

  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Int, { nullable: true, description: 'Base seed; each request’s seed is a keyed sub-stream value (docs/pipeline.md §12.3).' })
  seed?: number | null;
}

export enum TitleMatching {
  EXACT = 'exact',
  FUZZY = 'fuzzy',
}
registerEnumType(TitleMatching, { name: 'TitleMatching', description: 'How the title normaliser finds titles in model output.' });

@InputType({ description: 'Validation options (docs/pipeline.md §8.3); defaults reject unknown ids and accept 5–20 utterances.' })
export class ValidationInput {
  @Field(() => UnknownItemPolicy, { nullable: true })
  unknownItemPolicy?: UnknownItemPolicy | null;

  @Field(() => Int, { nullable: true })
  minUtterances?: number | null;

  @Field(() => Int, { nullable: true })
  maxUtterances?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Merge consecutive utterances of one role (a warning) instead of rejecting.' })
  mergeSameRole?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'Rewrite titles of prompt items into tags in student output too (docs/pipeline.md §6.4; default true, teacher output always).' })
  normaliseStudentTitles?: boolean | null;

  @Field(() => TitleMatching, { nullable: true, description: 'EXACT (default) or FUZZY: also token-level matching (similarity ≥ 0.9) of titles of 3+ words.' })
  titleMatching?: TitleMatching | null;
}

@InputType()
export class GenerationInput {
  @Field(() => ModelRole)
  role: ModelRole;

  @Field(() => GenerationStrategy, { nullable: true, defaultValue: GenerationStrategy.STEREOTYPE })
  strategy: GenerationStrategy;

  @Field(() => String, { nullable: true, description: 'Only users of this Amazon domain.' })
  domain?: string | null;

  @Field(() => [String], { nullable: true, description: 'Only users whose seeded stereotype is one of these keys (default: every stereotype, each user with their own).' })
  stereotypes?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Render every selected user as this stereotype instead of their seeded one.' })
  asStereotype?: string | null;

  @Field(() => [ID], { nullable: true })
  userIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Only users whose target is one of these items.' })
  targetItemIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'At most this many dialogues (users in user-id order).' })
  limit?: number | null;

  @Field(() => Float, { nullable: true, description: 'Teacher sample: this fraction of each stereotype’s users, seeded (docs/pipeline.md §6.1).' })
  teacherFraction?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 42 })
  teacherSeed: number;

  @Field(() => String, { nullable: true, description: 'Name the teacher sample is stored under (see `userSample`); default `teacher-<run id>`. Needs teacherFraction.' })
  sampleName?: string | null;

  @Field(() => String, { nullable: true, description: 'Leave out the users of this stored sample, e.g. a student run over everyone but the teacher sample.' })
  excludeSample?: string | null;

  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description: "STUDENT only: descriptive metadata of the served adapter, stored with the run (docs/pipeline.md §7.1), e.g. the adapter_meta.json generator/finetune writes (base_model, rank, alpha, epochs, data_sha256).",
  })
  adapter?: Record<string, unknown> | null;

  @Field(() => SamplingInput, { nullable: true })
  sampling?: SamplingInput | null;

  @Field(() => ValidationInput, { nullable: true })
  validation?: ValidationInput | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Reproduce the original prompts without Actors/Directors lines (docs/pipeline.md §14 D1).' })
  legacyFeatureKeys: boolean;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Show the Fully Expressive Seeker its own review of the target.' })
  includeTargetReview: boolean;

  @Field(() => Int, { nullable: true, defaultValue: 0, description: 'Higher runs first.' })
  priority: number;
}

@InputType()
export class RegenerationInput {
  @Field(() => [ID], { nullable: true })
  dialogueIds?: string[] | null;

  @Field(() => DialogueFilter, { nullable: true, description: 'Regenerate every dialogue the filter matches (e.g. { status: REJECTED, generationRunId: … }).' })
  filter?: DialogueFilter | null;

  @Field(() => ModelRole)
  role: ModelRole;

  @Field()
  reason: string;

  @Field(() => SamplingInput, { nullable: true })
  sampling?: SamplingInput | null;

  @Field(() => ValidationInput, { nullable: true })
  validation?: ValidationInput | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false })
  legacyFeatureKeys: boolean;

  @Field(() => Boolean, { nullable: true, defaultValue: true })
  includeTargetReview: boolean;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  priority: number;
}

@InputType({ description: 'Which FAILED jobs to requeue: every failed job of one run, or jobs by id (JobError.jobId). Give exactly one.' })
export class RetryFailedJobsInput {
  @Field(() => ID, { nullable: true })
  runId?: string | null;

  @Field(() => [Int], { nullable: true })
  jobIds?: number[] | null;
}
