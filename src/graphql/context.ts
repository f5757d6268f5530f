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
import { PrimeTargets, primeFromDialogueRow } from '../modules/dialogue/dialogue.prefetch';
import type { ReadHints } from '../graphql/read-hints';

/**
 * The loader groups of a request. Each group is created on the first use of one of its loaders
 * (issue 13): a request uses two or three of the eighteen loaders, and creating them all (a
 * DataLoader, its cache Map and closures each) was a measurable part of a small read's time and
 * garbage. Groups are created whole because their loaders share state (e.g. the stereotypes).
 */
const GROUPS = [
  (manager: EntityManager, hints: ReadHints) => createItemLoaders(manager, hints),
  (manager: EntityManager) => createStereotypeLoaders(manager),
  (manager: EntityManager) => createUserLoaders(manager),
  // Dialogue rows may carry their turns, mentions and items (dialogue.prefetch.ts): they prime the loaders here.
  (manager: EntityManager, hints: ReadHints, loaders: PrimeTargets) => createDialogueLoaders(manager, hints, (row) => primeFromDialogueRow(loaders, row)),
  (manager: EntityManager) => createPreparationLoaders(manager),
  (manager: EntityManager) => createPromptLoaders(manager),
  (manager: EntityManager) => createGenerationLoaders(manager),
  (manager: EntityManager) => createJudgeLoaders(manager),
] as const;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
export type Loaders = UnionToIntersection<ReturnType<(typeof GROUPS)[number]>>;

// Symbols: Object.values(loaders) lists the loaders created so far and nothing else.
const MANAGER = Symbol('manager');
const HINTS = Symbol('hints');

interface LazyLoaders {
  [MANAGER]: EntityManager;
  [HINTS]: ReadHints;
}

/** A getter per loader name on one shared prototype; the first use creates the group as own properties. */
const lazyPrototype: object = (() => {
  const prototype = {};
  GROUPS.forEach((create) => {
    // The names of a group's loaders: from an instance that is never used (the factories only build closures).
    const names = Object.keys(create(undefined as unknown as EntityManager, {}, undefined as unknown as PrimeTargets));
    for (const name of names) {
      Object.defineProperty(prototype, name, {
        configurable: true,
        get(this: LazyLoaders) {
          const group = create(this[MANAGER], this[HINTS], this as unknown as PrimeTargets) as Record<string, unknown>;
          for (const [key, value] of Object.entries(group)) Object.defineProperty(this, key, { value, enumerable: true, configurable: true, writable: true });
          return group[name];
        },
      });
    }
  });
  return prototype;
})();

export function createLoaders(manager: EntityManager, hints: ReadHints = {}): Loaders {
  const loaders = Object.create(lazyPrototype) as LazyLoaders;
  Object.defineProperty(loaders, MANAGER, { value: manager });
  Object.defineProperty(loaders, HINTS, { value: hints });
  return loaders as unknown as Loaders;
}

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
