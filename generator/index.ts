/**
 * The generator's public entry: what src/ may use of it (docs/architecture.md; the dependency rule
 * refuses an import of any other generator file from src/). Tests may reach inside.
 */
export { cancelRun, enqueueGeneration, regenerateDialogues, retryFailedJobs, type QueueAccess } from './enqueue';
export { type EnqueueGenerationInput, type RegenerateDialoguesInput, type SamplingOptions, type ValidationOptions } from './request';
export { startBoss } from './queue/boss';
export { startWorker } from './worker/worker';
export { classifyModelError, ModelEndpointError, publicEndpoint } from './models/clients';
export { buildGoalTemplatePrompt, buildStereotypePrompt, loadStereotypes, PromptInputError, type PromptText } from './prompts/load';
export { DEFAULT_SYSTEM_PROMPTS } from './prompts/system-prompts';
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
export { DEFAULT_SAMPLING, DEFAULT_VALIDATION, GOAL_TEMPLATE_PROMPT_KEY, type SamplingConfig, type Strategy, type ValidationConfig } from './run-config';
export { DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS } from './goal-template/prompt';
export { rankByTitles, TitleIndex } from './goal-template/fuzzy-title';
export { enqueueInteractive } from './interactive/enqueue';
export { describeSystem, type SystemSpec } from './interactive/system-client';
export { BUILT_IN_RUBRICS, builtInRubric, RUBRIC_KEY, type RubricDefinition, rubricProblems, rubricSha256, type RubricVersionRecord } from './judge/rubrics';
export { enqueueComparison, enqueueJudging } from './judge/enqueue';
export { type CompareRunConfig, DEFAULT_JUDGE_SAMPLING, type JudgeSampling } from './judge/processor';
