/**
 * The dialogue vocabulary, defined once: every layer (ingest, the generator, export, evaluation,
 * the API, the CLI) uses these words. Plain TypeScript enums, importing nothing: the GraphQL
 * layer registers them as schema enums (src/modules/dialogue/dialogue.type.ts,
 * src/modules/generation/generation.type.ts); the `…Value` types are their string values, for
 * rows and parsed files that hold plain strings.
 */

/** The three splits of a dataset (docs/formats.md). */
export enum SplitName {
  TRAIN = 'train',
  VALID = 'valid',
  TEST = 'test',
}
export type SplitValue = `${SplitName}`;
/** In this order wherever splits are listed. */
export const SPLIT_NAMES: readonly SplitValue[] = Object.values(SplitName);

export enum DialogueSource {
  IMPORTED = 'IMPORTED',
  TEACHER = 'TEACHER',
  STUDENT = 'STUDENT',
  /** A conversation of an interactive evaluation: a simulated seeker talking to a system under test. */
  SIMULATED = 'SIMULATED',
}
export type DialogueSourceValue = `${DialogueSource}`;
export const DIALOGUE_SOURCES: readonly DialogueSourceValue[] = Object.values(DialogueSource);

export enum DialogueStatus {
  ACCEPTED = 'ACCEPTED',
  REJECTED = 'REJECTED',
  SUPERSEDED = 'SUPERSEDED',
}
export type DialogueStatusValue = `${DialogueStatus}`;
export const DIALOGUE_STATUSES: readonly DialogueStatusValue[] = Object.values(DialogueStatus);

/** USER is the seeker, ASSISTANT the recommender. */
export enum TurnRole {
  USER = 'USER',
  ASSISTANT = 'ASSISTANT',
}
export type TurnRoleValue = `${TurnRole}`;

/** Which configured model endpoint works (src/config/generation.ts reads one per role). */
export enum ModelRole {
  TEACHER = 'TEACHER',
  STUDENT = 'STUDENT',
  /** Plays the seeker of interactive evaluation (evaluateInteractively). */
  SIMULATOR = 'SIMULATOR',
  JUDGE = 'JUDGE',
}
export type ModelRoleValue = `${ModelRole}`;

/** How a generation run writes (or a judge run scores) dialogues. */
export enum GenerationStrategy {
  STEREOTYPE = 'STEREOTYPE',
  GOAL_TEMPLATE = 'GOAL_TEMPLATE',
  JUDGE = 'JUDGE',
  COMPARE = 'COMPARE',
}
/** The strategies that write dialogues from a prompt (enqueueGeneration accepts these). */
export type WritingStrategy = `${GenerationStrategy.STEREOTYPE | GenerationStrategy.GOAL_TEMPLATE}`;

/** The status of a long-running job: generation runs, exports, evaluations. */
export enum RunStatus {
  QUEUED = 'QUEUED',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
export type RunStatusValue = `${RunStatus}`;
export const RUN_STATUSES: readonly RunStatusValue[] = Object.values(RunStatus);

export enum RunKind {
  GENERATE = 'GENERATE',
  REGENERATE = 'REGENERATE',
  /** The conversations of an interactive evaluation (evaluateInteractively). */
  INTERACTIVE = 'INTERACTIVE',
  JUDGE = 'JUDGE',
  COMPARE = 'COMPARE',
}
export type RunKindValue = `${RunKind}`;

/** What happens to <id_…> tags that name no catalogue item (docs/pipeline.md §8.2). */
export enum UnknownItemPolicy {
  REJECT = 'reject',
  STRIP = 'strip',
  KEEP = 'keep',
}
export type UnknownItemPolicyValue = `${UnknownItemPolicy}`;
