import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { DialogueFilter, SplitName } from '../dialogue/dialogue.type';
import { Stereotype } from '../stereotype/stereotype.type';

@ObjectType()
export class StereotypeCount {
  @Field(() => Stereotype)
  stereotype: Stereotype;

  @Field(() => Int)
  count: number;
}

@ObjectType({ simpleResolvers: true })
export class SplitRatios {
  @Field(() => Float)
  train: number;

  @Field(() => Float)
  valid: number;

  @Field(() => Float)
  test: number;
}

@ObjectType({ simpleResolvers: true, description: 'A finding of a split assignment, e.g. SMALL_STRATUM: a stereotype with fewer than 3 users went entirely to train.' })
export class SplitWarning {
  @Field()
  code: string;

  @Field({ description: 'The stereotype key (or "(none)").' })
  stratum: string;

  @Field(() => Int, { description: 'Units (users) in the stratum.' })
  units: number;
}

@ObjectType({ simpleResolvers: true, description: 'One assignSplits call, as recorded (docs/pipeline.md §9, §13).' })
export class SplitAssignment {
  @Field(() => Int)
  id: number;

  @Field(() => Int)
  seed: number;

  @Field(() => SplitRatios)
  ratios: SplitRatios;

  @Field(() => Int, { description: 'Dialogues assigned.' })
  populationSize: number;

  @Field(() => Int, { description: 'Units: users, and dialogues without a user.' })
  units: number;

  @Field(() => [SplitWarning])
  warnings: SplitWarning[];

  @Field()
  createdAt: Date;
}

@ObjectType({ description: 'A dataset split with its accepted dialogues.' })
export class Split {
  @Field(() => SplitName)
  name: SplitName;

  @Field(() => Int)
  dialogueCount: number;

  @Field(() => [StereotypeCount])
  byStereotype: StereotypeCount[];

  @Field(() => SplitAssignment, { nullable: true, description: 'From assignSplits: the assignment these counts belong to; null in `splits`.' })
  assignment?: SplitAssignment | null;
}

@InputType()
export class SplitRatiosInput {
  @Field(() => Float)
  train: number;

  @Field(() => Float)
  valid: number;

  @Field(() => Float)
  test: number;
}

@InputType({ description: 'Which ACCEPTED dialogues to split (at least one of generationRunId and filter) and how.' })
export class SplitInput {
  @Field(() => ID, { nullable: true, description: 'The accepted dialogues of this run (docs/pipeline.md §9: the student run).' })
  generationRunId?: string | null;

  @Field(() => DialogueFilter, { nullable: true, description: 'Further conditions (combined with generationRunId); the status is always ACCEPTED.' })
  filter?: DialogueFilter | null;

  @Field(() => Int, { nullable: true, defaultValue: 42 })
  seed: number;

  @Field(() => SplitRatiosInput, { nullable: true, description: 'Default 0.8 / 0.1 / 0.1; must sum to 1.' })
  ratios?: SplitRatiosInput | null;
}
