import { DataSource, EntityManager } from 'typeorm';
import { Config } from '../config/config';
import { createDialogueLoaders } from '../modules/dialogue/dialogue.loaders';
import { createItemLoaders } from '../modules/item/item.loaders';
import { createPreparationLoaders } from '../modules/preparation/preparation.loaders';
import { createStereotypeLoaders } from '../modules/stereotype/stereotype.loaders';
import { createUserLoaders } from '../modules/user/user.loaders';

export function createLoaders(manager: EntityManager) {
  return {
    ...createItemLoaders(manager),
    ...createStereotypeLoaders(manager),
    ...createUserLoaders(manager),
    ...createDialogueLoaders(manager),
    ...createPreparationLoaders(manager),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/** Per request: fresh loaders (resolvers are singletons, so no request state lives on them). */
export interface Context {
  manager: EntityManager;
  loaders: Loaders;
  config: Readonly<Config>;
}

export function createContext(dataSource: DataSource, config: Readonly<Config>): Context {
  const manager = dataSource.manager;
  return { manager, loaders: createLoaders(manager), config };
}
