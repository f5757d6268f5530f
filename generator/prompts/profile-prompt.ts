/**
 * The user message of a stereotype prompt (docs/pipeline.md §4): the user's history and the target,
 * rendered with the compat lines of §4.1 so that teacher and student prompts stay byte-identical
 * to what a student adapter was trained on. Whitespace is significant (§4.3).
 */
import type { ChatMessage } from '../../src/ingest/chat-template';
import type { HistoryEntry, PromptItem, StereotypeFeatures } from '../types';

export const HISTORY_HEADER = 'The user has interacted with the following items:';
export const LIKED_HEADER = 'User liked the following items:';
export const DISLIKED_HEADER = 'User disliked the following items:';
export const TARGET_HEADER = 'Consider the following one the target item to recommend:';

export interface ProfilePromptInput {
  features: StereotypeFeatures;
  /** Chronological. */
  history: HistoryEntry[];
  target: PromptItem | null;
  /** true reproduces the original's missing Actors/Directors lines (§14 D1). */
  legacyFeatureKeys?: boolean;
  /** Review lines of the target (default true). */
  includeTargetReview?: boolean;
  /** Liked when rating > likedThreshold (default 3). */
  likedThreshold?: number;
}

export function renderProfilePrompt(input: ProfilePromptInput): string {
  const { features, history, target } = input;
  const legacy = input.legacyFeatureKeys ?? false;
  const threshold = input.likedThreshold ?? 3;
  let out = '';

  if (features.historyBlock && history.length > 0) {
    out += `${HISTORY_HEADER}\n`;
    const liked = history.filter((h) => h.rating > threshold);
    const disliked = history.filter((h) => h.rating <= threshold);
    for (const [header, items] of [[LIKED_HEADER, liked], [DISLIKED_HEADER, disliked]] as const) {
      if (items.length === 0) continue;
      out += `${header}\n`;
      for (const item of items) out += `${itemBlock(item, features.historyFeatures, legacy, true)}\n`;
      out += '\n';
    }
  }

  if (target !== null && features.targetVisibility !== 'hidden') {
    const targetFeatures = features.targetVisibility === 'full' ? features.targetFeatures : [];
    out += `\n${TARGET_HEADER}\n${itemBlock(target, targetFeatures, legacy, input.includeTargetReview ?? true)}`;
  }
  return out.trim();
}

/** The chat messages of a stereotype prompt: system = the stereotype prompt, user = the profile prompt. */
export function stereotypeMessages(systemPrompt: string, profilePrompt: string): ChatMessage[] {
  return [
    { role: 'system', content: systemPrompt },
    { role: 'user', content: profilePrompt },
  ];
}

/** The item line and the selected feature lines, in the fixed order of §4.2, each ending with `\n`. */
function itemBlock(item: PromptItem, selected: readonly string[], legacy: boolean, includeReview: boolean): string {
  const has = (feature: string) => selected.includes(feature);
  const lines = [`Item: ${item.title}, ID: <id_${item.asin}>`];
  if (has('Genres') && item.genres.length > 0) lines.push(`Genres: ${item.genres.join(', ')}`);
  if (has('Keywords') && item.keywords.length > 0) lines.push(`Keywords: ${item.keywords.join(', ')}`);
  if (!legacy && has('Actors') && item.cast.length > 0) lines.push(`Actors: ${item.cast.join(', ')}`);
  if (!legacy && has('Directors') && item.directors.length > 0) lines.push(`Directors: ${item.directors.join(', ')}`);
  if (has('Collection') && longEnough(item.collection)) lines.push(`Collection: ${item.collection}`);
  if (has('Overview') && longEnough(item.overview)) lines.push(`Overview: ${item.overview}`);
  if (has('Visual Caption') && longEnough(item.visualCaption)) lines.push(`Visual Caption: ${item.visualCaption}`);
  if (includeReview && has('Review') && item.review && longEnough(item.review.text)) {
    lines.push(`User Review Title: ${item.review.title ?? ''}`, `User Review: ${item.review.text}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The "more than 2 characters" condition of §4.2. */
function longEnough(text: string | null | undefined): text is string {
  return text != null && text.length > 2;
}
