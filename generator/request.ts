import { GENERATING_ROLES, type ModelRole } from '../src/config/generation';
import type { GenerationStrategy } from '../src/dialogues/vocabulary';
import { badInput } from '../src/errors';
import { DEFAULT_SAMPLING, DEFAULT_VALIDATION, type RunConfig, type SamplingConfig, type Strategy, type TitleMatching, type UnknownItemPolicy, type ValidationConfig } from './run-config';

/**
 * What a caller asks of `enqueueGeneration` and `regenerateDialogues` (generator/enqueue.ts), as
 * plain objects named like the API's inputs (GenerationInput, RegenerationInput): the GraphQL
 * mutations pass their input as it is, any other caller builds one. Every field the caller may
 * leave out is optional; the defaults and checks are here, once, and each error names the
 * argument path the API shows (`input.sampling.topP`), which the CLI turns into a flag name.
 * The checks in this file need no database; generator/enqueue.ts does the rest.
 */

export interface SamplingOptions {
  temperature?: number | null;
  topP?: number | null;
  maxTokens?: number | null;
  seed?: number | null;
}

export interface ValidationOptions {
  unknownItemPolicy?: UnknownItemPolicy | null;
  minUtterances?: number | null;
  maxUtterances?: number | null;
  mergeSameRole?: boolean | null;
  normaliseStudentTitles?: boolean | null;
  titleMatching?: TitleMatching | null;
}

interface WritingOptions {
  role: ModelRole;
  sampling?: SamplingOptions | null;
  validation?: ValidationOptions | null;
  /** Reproduce the original prompts without Actors/Directors lines (docs/pipeline.md §14 D1). */
  legacyFeatureKeys?: boolean | null;
  includeTargetReview?: boolean | null;
  /** Higher runs first; default 0. */
  priority?: number | null;
}

export interface EnqueueGenerationInput extends WritingOptions {
  strategy?: `${GenerationStrategy}` | null;
  domain?: string | null;
  /** Stereotype keys. */
  stereotypes?: string[] | null;
  asStereotype?: string | null;
  /** The ids the API shows (`User` global ids). */
  userIds?: string[] | null;
  /** The ids the API shows (`Item` global ids). */
  targetItemIds?: string[] | null;
  limit?: number | null;
  teacherFraction?: number | null;
  teacherSeed?: number | null;
  sampleName?: string | null;
  excludeSample?: string | null;
  adapter?: Record<string, unknown> | null;
}

export interface RegenerateDialoguesInput<Filter extends object = object> extends WritingOptions {
  reason: string;
  /** The ids the API shows (`Dialogue` global ids). */
  dialogueIds?: string[] | null;
  /** A dialogue selection, resolved by `QueueAccess.findDialogues`. */
  filter?: Filter | null;
}

/** The teacher sample's seed when none is given (docs/pipeline.md §6.1). */
export const DEFAULT_TEACHER_SEED = 42;

/** adapter_meta.json is a few hundred bytes; this only keeps a pasted file of another kind out. */
export const MAX_ADAPTER_BYTES = 16 * 1024;

export function samplingOf(input: SamplingOptions | null | undefined): SamplingConfig {
  const s = { ...DEFAULT_SAMPLING };
  if (input?.temperature != null) {
    if (!(input.temperature >= 0 && input.temperature <= 2)) throw badInput('input.sampling.temperature', 'must be between 0 and 2');
    s.temperature = input.temperature;
  }
  if (input?.topP != null) {
    if (!(input.topP > 0 && input.topP <= 1)) throw badInput('input.sampling.topP', 'must be in (0, 1]');
    s.topP = input.topP;
  }
  if (input?.maxTokens != null) {
    if (!(input.maxTokens >= 16)) throw badInput('input.sampling.maxTokens', 'must be at least 16 (a dialogue needs room)');
    s.maxTokens = input.maxTokens;
  }
  if (input?.seed != null) {
    if (input.seed < 0) throw badInput('input.sampling.seed', 'must be a non-negative integer');
    s.seed = input.seed;
  }
  return s;
}

export function validationOf(input: ValidationOptions | null | undefined): ValidationConfig {
  const v = { ...DEFAULT_VALIDATION };
  if (input?.unknownItemPolicy != null) v.unknownItemPolicy = input.unknownItemPolicy;
  if (input?.minUtterances != null) v.minUtterances = input.minUtterances;
  if (input?.maxUtterances != null) v.maxUtterances = input.maxUtterances;
  if (input?.mergeSameRole != null) v.mergeSameRole = input.mergeSameRole;
  if (input?.normaliseStudentTitles != null) v.normaliseStudentTitles = input.normaliseStudentTitles;
  if (input?.titleMatching != null) v.titleMatching = input.titleMatching;
  if (v.minUtterances < 1) throw badInput('input.validation.minUtterances', 'must be at least 1');
  if (v.maxUtterances < v.minUtterances) throw badInput('input.validation.maxUtterances', `must be at least minUtterances (${v.minUtterances})`);
  return v;
}

export function promptOptionsOf(input: WritingOptions): RunConfig['promptOptions'] {
  return { legacyFeatureKeys: input.legacyFeatureKeys ?? false, includeTargetReview: input.includeTargetReview ?? true };
}

/**
 * Only TEACHER and STUDENT write dialogues: JUDGE scores them (judgeDialogues, compareDatasets)
 * and SIMULATOR plays the seeker of evaluateInteractively.
 */
function checkWritingRole(role: ModelRole): void {
  if (role === 'JUDGE') throw badInput('input.role', 'the JUDGE role scores dialogues (judgeDialogues, compareDatasets); dialogues are written by TEACHER or STUDENT');
  if (!GENERATING_ROLES.includes(role)) throw badInput('input.role', `${role} plays the seeker of evaluateInteractively; generate with ${GENERATING_ROLES.join(' or ')}`);
}

/** JUDGE and COMPARE mark judge runs; a generation run writes with STEREOTYPE (the default) or GOAL_TEMPLATE. */
export function writingStrategy(strategy: `${GenerationStrategy}` | null | undefined): Strategy {
  if (strategy === 'JUDGE' || strategy === 'COMPARE') throw badInput('input.strategy', 'JUDGE and COMPARE mark judge runs; use STEREOTYPE or GOAL_TEMPLATE');
  return strategy ?? 'STEREOTYPE';
}

export function positiveInt(argument: string, value: number | null | undefined): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || value < 1) throw badInput(argument, 'must be a positive integer');
  return value;
}

/** The checks of EnqueueGenerationInput that come before any database read, in the order the API has always reported them. */
export function checkGenerationInput(input: EnqueueGenerationInput): void {
  checkWritingRole(input.role);
  if (input.teacherFraction != null && !(input.teacherFraction > 0 && input.teacherFraction <= 1)) {
    throw badInput('input.teacherFraction', 'must be in (0, 1], e.g. 0.1 for a 10 % teacher sample');
  }
  if (input.adapter != null) {
    if (input.role !== 'STUDENT') throw badInput('input.adapter', 'describes the student’s adapter; give it with role STUDENT');
    if (JSON.stringify(input.adapter).length > MAX_ADAPTER_BYTES) throw badInput('input.adapter', `must be at most ${MAX_ADAPTER_BYTES} bytes of JSON (descriptive metadata, not weights)`);
  }
}

/** The checks of RegenerateDialoguesInput that come before any database read; returns the trimmed reason. */
export function checkRegenerationInput(input: RegenerateDialoguesInput): string {
  checkWritingRole(input.role);
  if (!input.reason.trim()) throw badInput('input.reason', 'say why the dialogues are regenerated (it is recorded with the run)');
  if (!input.dialogueIds && !input.filter) throw badInput('input', 'give dialogueIds or a filter');
  return input.reason.trim();
}
