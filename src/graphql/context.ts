import { DataSource, EntityManager } from 'typeorm';
import { Config } from '../config/config';
import type { Principal } from '../modules/api-key/api-key.service';
import type { GenerationQueue } from '../modules/generation/generation.queue';
import type { EvaluationJobs } from '../modules/evaluation/evaluation.jobs';
import type { ExportJobs } from '../modules/export/export.jobs';
import type { CorpusCache } from '../modules/statistics/corpus-cache';
import { createGenerationLoaders } from '../modules/generation/generation.loaders';
import { createDialogueLoaders } from '../modules/dialogue/dialogue.loaders';
import { createJudgeLoaders } from '../modules/judge/judge.loaders';
import { createItemLoaders } from '../modules/item/item.loaders';
import { createPreparationLoaders } from '../modules/preparation/preparation.loaders';
import { createPromptLoaders } from '../modules/prompt/prompt.loaders';
import { createStereotypeLoaders } from '../modules/stereotype/stereotype.loaders';
import { createUserLoaders } from '../modules/user/user.loaders';
import { primeFromDialogueRow } from '../modules/dialogue/dialogue.prefetch';
import type { ReadHints } from '../graphql/read-hints';

export function createLoaders(manager: EntityManager, hints: ReadHints = {}) {
  const loaders = {
    ...createItemLoaders(manager, hints),
    ...createStereotypeLoaders(manager),
    ...createUserLoaders(manager),
    // Dialogue rows may carry their turns, mentions and items (dialogue.prefetch.ts): they prime the loaders here.
    ...createDialogueLoaders(manager, hints, (row) => primeFromDialogueRow(loaders, row)),
    ...createPreparationLoaders(manager),
    ...createPromptLoaders(manager),
    ...createGenerationLoaders(manager),
    ...createJudgeLoaders(manager),
  };
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Per request: fresh loaders (resolvers are singletons, so no request state lives on them). */
export interface Context {
  manager: EntityManager;
  loaders: Loaders;
  /**
   * What this request's document reads, for the loaders and dialogue pages (src/graphql/read-hints.ts).
   * Filled in place by the fast lane before it executes; empty (every column, no prefetch) otherwise.
   */
  hints: ReadHints;
  config: Readonly<Config>;
  /** The caller's API key (src/graphql/auth.ts checks it, src/server/auth.ts finds it), or null when none was sent. */
  principal: Principal | null;
  /** The generation queue and run events of this server process. */
  generation: GenerationQueue;
  /** The export jobs this process runs, and export events. */
  exports: ExportJobs;
  /** The evaluations this process computes, and evaluation events. */
  evaluations: EvaluationJobs;
  /** Whole-corpus results (datasetStatistics, diversity) per selection, until the dataset changes. */
  statistics: CorpusCache;
}

/** The long-lived parts of one API process that every request's context carries. */
export type ServerServices = Pick<Context, 'generation' | 'exports' | 'evaluations' | 'statistics'>;

export function createContext(
  dataSource: DataSource,
  config: Readonly<Config>,
  services: ServerServices,
  principal: Principal | null = null,
): Context {
  const manager = dataSource.manager;
  const hints: ReadHints = {};
  return { manager, loaders: createLoaders(manager, hints), hints, config, principal, ...services };
}
