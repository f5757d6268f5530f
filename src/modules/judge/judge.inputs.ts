import { Field, Float, InputType, Int } from 'type-graphql';
import { DialogueFilter } from '../dialogue/dialogue.type';
import { RubricScope } from './judge.type';

@InputType({ description: 'Sampling of judge requests; defaults: temperature 0, maxTokens 4096, seed 42.' })
export class JudgeSamplingInput {
  @Field(() => Float, { nullable: true })
  temperature?: number | null;

  @Field(() => Int, { nullable: true })
  maxTokens?: number | null;

  @Field(() => Int, { nullable: true, description: 'Base seed; each request’s seed is a keyed sub-stream value of it.' })
  seed?: number | null;
}

@InputType()
export class JudgeDialoguesInput {
  @Field(() => DialogueFilter, { nullable: true, description: 'Which dialogues (default: every ACCEPTED one).' })
  filter?: DialogueFilter | null;

  @Field({ description: 'The rubric key (LLM_REDIAL, DISTILLRECDIAL or one stored with updateRubric); its active version is used.' })
  rubric: string;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'Leave out dialogues that already have a judgement on this rubric version by the configured judge model.' })
  skipJudged: boolean;

  @Field(() => JudgeSamplingInput, { nullable: true })
  sampling?: JudgeSamplingInput | null;

  @Field(() => Int, { nullable: true, defaultValue: 0, description: 'Higher runs first.' })
  priority: number;
}

@InputType()
export class RubricCriterionInput {
  @Field({ description: 'Lower-case key, e.g. empathy.' })
  key: string;

  @Field()
  description: string;
}

@InputType({ description: 'A new version of a rubric (a new key defines a new rubric); it becomes the active one.' })
export class UpdateRubricInput {
  @Field({ description: 'Upper-case key, e.g. MY_RUBRIC; LLM_REDIAL and DISTILLRECDIAL may be overridden too.' })
  key: string;

  @Field()
  title: string;

  @Field(() => RubricScope)
  scope: RubricScope;

  @Field(() => Int)
  min: number;

  @Field(() => Int)
  max: number;

  @Field(() => [RubricCriterionInput])
  criteria: RubricCriterionInput[];

  @Field()
  instructions: string;

  @Field(() => String, { nullable: true, description: 'Why it changed.' })
  note?: string | null;
}

@InputType()
export class ComparisonEntryInput {
  @Field({ description: 'How the entry is named in the results, e.g. "teacher".' })
  label: string;

  @Field(() => DialogueFilter)
  filter: DialogueFilter;
}

@InputType({ description: 'A head-to-head comparison: give `a` and `b`, or `entries` (two or more; Bradley–Terry scores when more than two).' })
export class CompareDatasetsInput {
  @Field(() => DialogueFilter, { nullable: true })
  a?: DialogueFilter | null;

  @Field(() => DialogueFilter, { nullable: true })
  b?: DialogueFilter | null;

  @Field(() => [ComparisonEntryInput], { nullable: true, description: 'Instead of a and b: the entries to compare, each with a label.' })
  entries?: ComparisonEntryInput[] | null;

  @Field(() => String, { nullable: true, defaultValue: 'DISTILLRECDIAL', description: 'The rubric whose criteria are compared (their descriptions go into the pairwise prompt).' })
  rubric: string;

  @Field(() => [String], { nullable: true, description: 'A subset of the rubric’s criteria (default all).' })
  criteria?: string[] | null;

  @Field(() => Int, { description: 'Pairs to draw (each one judge request).' })
  pairs: number;

  @Field(() => Int, { nullable: true, defaultValue: 42, description: 'Seed of the pair draw and the display order (CPython’s random).' })
  seed: number;

  @Field(() => JudgeSamplingInput, { nullable: true })
  sampling?: JudgeSamplingInput | null;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  priority: number;
}
