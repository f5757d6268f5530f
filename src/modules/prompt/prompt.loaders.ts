import DataLoader from 'dataloader';
import { EntityManager } from 'typeorm';
import { PromptKindValue } from '../../db/schema/prompt-version.entity';
import { activePromptsOf, PromptVersionRecord } from './prompt.service';

export function createPromptLoaders(manager: EntityManager) {
  return {
    /** The active system prompt per stereotype key: all five stereotypes in one query. */
    activeStereotypePrompt: activePromptLoader(manager, 'STEREOTYPE_SYSTEM'),
  };
}

function activePromptLoader(manager: EntityManager, kind: PromptKindValue) {
  return new DataLoader<string, PromptVersionRecord>((keys) => activePromptsOf(manager, kind, keys));
}
