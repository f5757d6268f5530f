import { Field, Float, ID, InputType, Int } from 'type-graphql';
import { UserFilter } from '../user/user.type';
import { DialogueFilter } from '../dialogue/dialogue.type';
import { EvaluationGroup, EvaluationMode, ModelFamily, RankedBy, RecBaseline, TieBreak } from './evaluation.type';

@InputType({ description: 'Predictions (JSON Lines of docs/formats.md §10.1) or a built-in baseline, never both.' })
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
    description: 'Catalogue coverage, Gini of exposure, ARP, long-tail share, novelty and intra-list diversity at each k (docs/metrics.md §10), as Evaluation.beyondAccuracy.',
  })
  beyondAccuracy?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: false,
    description:
      'rankedBy TITLE only: He et al.’s 2×2 grid in one run (docs/metrics.md §2.1): rows for models predictions (filtered, seen kept), predictions:unfiltered, predictions:exclude-seen and predictions:unfiltered+exclude-seen.',
  })
  titleGrid?: boolean | null;
}

@InputType({ description: 'Generated responses (JSON Lines of docs/formats.md §10.3).' })
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

@InputType({
  description:
    'The conversational recommender under test: an OpenAI-compatible chat model (baseUrl + model), or an HTTP endpoint taking POST {"context": [{"role", "text"}], "message"} and answering {"text", "items"?} (the UserSimCRS convention). Give one of the two.',
})
export class SystemUnderTestInput {
  @Field(() => String, { nullable: true, description: 'OpenAI-compatible base URL including /v1, e.g. http://crs:8000/v1.' })
  baseUrl?: string | null;

  @Field(() => String, { nullable: true, description: 'The chat model to talk to at baseUrl.' })
  model?: string | null;

  @Field(() => String, { nullable: true, description: 'A plain HTTP CRS endpoint URL.' })
  httpEndpoint?: string | null;

  @Field(() => Int, { nullable: true, description: 'Per system call, default 60000.' })
  timeoutMs?: number | null;
}

@InputType({ description: 'Sampling of the simulated seeker (the SIMULATOR endpoint).' })
export class SimulatorInput {
  @Field(() => Float, { nullable: true, description: 'Default 0.7.' })
  temperature?: number | null;

  @Field(() => Float, { nullable: true, description: 'Default 0.9.' })
  topP?: number | null;

  @Field(() => Int, { nullable: true, description: 'Per seeker utterance, default 256.' })
  maxTokens?: number | null;
}

@InputType({ description: 'An interactive evaluation: a simulated seeker per prepared user talks to the system under test until it recommends the user’s target or maxRounds pass.' })
export class InteractiveEvaluationInput {
  @Field(() => SystemUnderTestInput)
  system: SystemUnderTestInput;

  @Field(() => UserFilter, { nullable: true, description: 'Which prepared users (domain, stereotype); default every user `recdial prepare` gave a target.' })
  users?: UserFilter | null;

  @Field(() => [ID], { nullable: true, description: 'Exactly these users (with `users`, those of them that match it).' })
  userIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'At most this many users, in user order.' })
  limit?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 5, description: 'Rounds (seeker utterance + system reply) before a conversation counts as a failure; 1–50.' })
  maxRounds?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 10, description: 'Recall@k is taken on the last list the system recommended.' })
  k?: number | null;

  @Field(() => Int, { nullable: true, defaultValue: 42, description: 'Base seed: each seeker and system request gets a keyed sub-stream value.' })
  seed?: number | null;

  @Field(() => SimulatorInput, { nullable: true })
  simulator?: SimulatorInput | null;

  @Field(() => String, { nullable: true, defaultValue: 'simulated', description: 'The `dataset` of the stored SIMULATED dialogues.' })
  dataset?: string | null;

  @Field(() => Int, { nullable: true, defaultValue: 0, description: 'Queue priority of the conversations (higher first).' })
  priority?: number | null;
}
