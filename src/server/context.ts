import { DataSource, EntityManager } from 'typeorm';
import { Config } from '../config/config';
import type { Principal } from '../modules/api-key/api-key.service';
import type { GenerationAccess } from '../modules/generation/generation.access';
import type { EvaluationAccess } from '../modules/evaluation/evaluation.access';
import type { ExportAccess } from '../modules/export/export.access';
import type { CorpusCache } from '../modules/statistics/corpus-cache';
import { createGenerationLoaders } from '../modules/generation/generation.loaders';
import { createDialogueLoaders } from '../modules/dialogue/dialogue.loaders';
import { createJudgeLoaders } from '../modules/judge/judge.loaders';
import { createItemLoaders } from '../modules/item/item.loaders';
import { createPreparationLoaders } from '../modules/preparation/preparation.loaders';
import { createPromptLoaders } from '../modules/prompt/prompt.loaders';
import { createStereotypeLoaders } from '../modules/stereotype/stereotype.loaders';
import { createUserLoaders } from '../modules/user/user.loaders';

export function createLoaders(manager: EntityManager) {
  return {
    ...createItemLoaders(manager),
    ...createStereotypeLoaders(manager),
    ...createUserLoaders(manager),
    ...createDialogueLoaders(manager),
    ...createPreparationLoaders(manager),
    ...createPromptLoaders(manager),
    ...createGenerationLoaders(manager),
    ...createJudgeLoaders(manager),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Per request: fresh loaders (resolvers are singletons, so no request state lives on them). */
export interface Context {
  manager: EntityManager;
  loaders: Loaders;
  config: Readonly<Config>;
  /** The caller's API key (src/server/auth.ts), or null when none was sent. */
  principal: Principal | null;
  /** The generation queue and run events of this server process. */
  generation: GenerationAccess;
  /** The export jobs this process runs, and export events. */
  exports: ExportAccess;
  /** The evaluations this process computes, and evaluation events. */
  evaluations: EvaluationAccess;
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
  return { manager, loaders: createLoaders(manager), config, principal, ...services };
}
