/**
 * The generator's public entry: what src/ may use of it (docs/architecture.md; the dependency rule
 * refuses an import of any other generator file from src/). Tests may reach inside.
 */
export { cancelRun, enqueueGeneration, regenerateDialogues, retryFailedJobs, type QueueAccess } from './enqueue';
export { type EnqueueGenerationInput, type RegenerateDialoguesInput, type SamplingOptions, type ValidationOptions } from './request';
export { startBoss } from './queue/boss';
export { startWorker } from './worker/worker';
export { classifyModelError, publicEndpoint } from './models/clients';
export { buildGoalTemplatePrompt, buildStereotypePrompt, loadStereotypes, PromptInputError } from './prompts/load';
export {
  activePrompt,
  activePrompts,
  activePromptsOf,
  builtInPrompt,
  checkPromptKey,
  DEFAULT_PROMPT_KEY,
  PROMPT_VERSION_COLUMNS,
  type PromptVersionRecord,
  type PromptVersionRow,
  sha256Hex,
  toPromptVersionRecord,
} from './prompts/versions';
export { rankByTitles, TitleIndex } from './goal-template/fuzzy-title';
export { enqueueInteractive } from './interactive/enqueue';
export { describeSystem, type SystemSpec } from './interactive/system-client';
export { BUILT_IN_RUBRICS, builtInRubric, RUBRIC_KEY, type RubricDefinition, rubricProblems, rubricSha256, type RubricVersionRecord } from './judge/rubrics';
export { enqueueComparison, enqueueJudging } from './judge/enqueue';
export { type CompareRunConfig, DEFAULT_JUDGE_SAMPLING, type JudgeSampling } from './judge/processor';
