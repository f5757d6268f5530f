import type { InteractiveRunConfig } from './interactive/evaluation-sync';
import type { PromptText } from './prompts/load';

import type { UnknownItemPolicyValue, WritingStrategy } from '../src/dialogues/vocabulary';

/** The vocabulary's words as the generator holds them (plain strings): src/dialogues/vocabulary.ts. */
export type Strategy = WritingStrategy;
export type UnknownItemPolicy = UnknownItemPolicyValue;

export interface SamplingConfig {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Base seed: each request's seed is a keyed sub-stream value of it (docs/pipeline.md §12.3). */
  seed: number;
}

/** docs/pipeline.md §0.1 defaults. */
export const DEFAULT_SAMPLING: SamplingConfig = { temperature: 0.7, topP: 0.9, maxTokens: 2048, seed: 42 };

/** Title → tag normalisation (docs/pipeline.md §6.4): exact matching, or exact then token-level fuzzy matching. */
export type TitleMatching = 'exact' | 'fuzzy';

/** Post-processing and validation of each response (docs/pipeline.md §6.4, §8). */
export interface ValidationConfig {
  unknownItemPolicy: UnknownItemPolicy;
  minUtterances: number;
  maxUtterances: number;
  mergeSameRole: boolean;
  /** Teacher output is always normalised; student output only when this is on (compat: false). */
  normaliseStudentTitles: boolean;
  titleMatching: TitleMatching;
}

export const DEFAULT_VALIDATION: ValidationConfig = {
  unknownItemPolicy: 'reject',
  minUtterances: 5,
  maxUtterances: 20,
  mergeSameRole: false,
  normaliseStudentTitles: true,
  titleMatching: 'exact',
};

/** The resolved configuration stored with a run; every job of the run reads it, never the live settings. */
export interface RunConfig {
  recdialVersion: string;
  strategy: Strategy;
  requestMode: 'chat';
  selection: Record<string, unknown>;
  sampling: SamplingConfig;
  validation: ValidationConfig;
  promptOptions: { legacyFeatureKeys: boolean; includeTargetReview: boolean };
  /** Stereotype key (or `goal-template`) → the prompt text in force when the run was created. */
  prompts: Record<string, PromptText>;
  /** STUDENT runs: descriptive metadata of the served adapter (docs/pipeline.md §7.1), when given. */
  adapter?: Record<string, unknown>;
  /** INTERACTIVE runs (issue 15 §5): the system under test and the evaluation the run feeds. */
  interactive?: InteractiveRunConfig;
}

export const GOAL_TEMPLATE_PROMPT_KEY = 'goal-template';
