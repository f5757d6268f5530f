import { Field, InputType, Int } from 'type-graphql';
import { DialogueFilter } from '../dialogue/dialogue.type';
import { EvaluationGroup, EvaluationMode, ModelFamily, RankedBy, RecBaseline, TieBreak } from './evaluation.type';

@InputType({ description: 'Predictions (JSON Lines of formats.md §10.1) or a built-in baseline, never both.' })
export class RecEvaluationInput {
  @Field(() => String, {
    nullable: true,
    description: 'The predictions file’s content, one JSON object per line. Larger files: `recdial eval rec --predictions FILE`.',
  })
  predictions?: string | null;

  @Field(() => RecBaseline, { nullable: true })
  baseline?: RecBaseline | null;

  @Field(() => RankedBy, { nullable: true, defaultValue: RankedBy.ASIN })
  rankedBy?: RankedBy | null;

  @Field(() => ModelFamily, { nullable: true, defaultValue: ModelFamily.RECOMMENDER_TURNS })
  family?: ModelFamily | null;

  @Field(() => [EvaluationMode], { nullable: true, description: 'Default both.' })
  modes?: EvaluationMode[] | null;

  @Field(() => [Int], { nullable: true, description: 'Default 1, 10, 50.' })
  ks?: number[] | null;

  @Field(() => TieBreak, { nullable: true, defaultValue: TieBreak.POSITION })
  ties?: TieBreak | null;

  @Field(() => DialogueFilter, { nullable: true, description: 'Which dialogues; default every ACCEPTED one.' })
  filter?: DialogueFilter | null;

  @Field(() => [EvaluationGroup], { nullable: true, description: 'Default [SPLIT]; [] for one row per model and mode.' })
  groupBy?: EvaluationGroup[] | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'Default false: a scorable turn without a prediction line counts as a miss (like trec_eval -c), with coverage beside the numbers. true: skip such turns (NO_PREDICTION), the behaviour before coverage; rows say missing: "skipped".',
  })
  skipMissing?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: 'Catalogue coverage, Gini of exposure, ARP, long-tail share, novelty and intra-list diversity at each k (metrics.md §10), as Evaluation.beyondAccuracy.',
  })
  beyondAccuracy?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'rankedBy TITLE only: He et al.’s 2×2 grid in one run (metrics.md §2.1): rows for models predictions (filtered, seen kept), predictions:unfiltered, predictions:exclude-seen and predictions:unfiltered+exclude-seen.',
  })
  titleGrid?: boolean | null;
}

@InputType({ description: 'Generated responses (JSON Lines of formats.md §10.3).' })
export class GenEvaluationInput {
  @Field(() => String, { description: 'One {"dialogueId", "turnIndex", "hyp", "ref"?} per line; `ref` defaults to the stored turn.' })
  predictions: string;

  @Field(() => ModelFamily, { nullable: true, defaultValue: ModelFamily.RECOMMENDER_TURNS, description: 'RECOMMENDER_TURNS: assistant turns only.' })
  family?: ModelFamily | null;

  @Field(() => [EvaluationMode], { nullable: true, description: 'Default both.' })
  modes?: EvaluationMode[] | null;

  @Field(() => DialogueFilter, { nullable: true })
  filter?: DialogueFilter | null;

  @Field(() => [EvaluationGroup], { nullable: true, description: 'Default [SPLIT].' })
  groupBy?: EvaluationGroup[] | null;
}
