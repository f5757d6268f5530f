import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { renderChatTemplate } from '../../src/ingest/chat-template';
import { reviewWordCount } from '../../src/prepare/review-words';
import { buildGoalTemplateInstance, isSkipped, type GoalItem, type GoalTemplateInstance, type ReviewText } from '../goal-template/instance';
import { renderGoalTemplatePrompt } from '../goal-template/prompt';
import { TEMPLATE_LIBRARY } from '../goal-template/templates';
import type { ChatMessage, HistoryEntry, PromptItem } from '../types';
import { renderProfilePrompt, stereotypeMessages } from './profile-prompt';
import type { WritingStrategy } from '../../src/dialogues/vocabulary';
import { selectListAs } from '../../src/db/columns';
import { ItemEntity } from '../../src/db/schema/item.entity';
import { StereotypeEntity } from '../../src/db/schema/stereotype.entity';

/** The instruction text a run uses for a stereotype or for the goal-template strategy, with its version. */
export interface PromptText {
  version: number;
  sha256: string;
  content: string;
}

export interface GenerationOptions {
  legacyFeatureKeys: boolean;
  includeTargetReview: boolean;
}

/** Exactly what a model receives for one dialogue, plus what post-processing needs to check it. */
export interface BuiltPrompt {
  strategy: WritingStrategy;
  stereotypeId: number | null;
  stereotypeKey: string | null;
  messages: ChatMessage[];
  /** The Llama-3 rendering with a generation prompt (docs/formats.md §3.2 `text`). */
  rendered: string;
  sha256: string;
  promptVersion: number;
  targetItemId: number | null;
  targetAsin: string | null;
  targetHidden: boolean;
  promptAsins: string[];
  /** Goal-template strategy: the instance (template, bindings, gold). */
  instance?: GoalTemplateInstance;
}

export class PromptInputError extends Error {
  constructor(
    readonly code: 'NOT_PREPARED' | 'NO_TARGET' | 'UNKNOWN_STEREOTYPE' | 'NO_TEMPLATE' | 'NO_INSTANCE',
    message: string,
  ) {
    super(message);
  }
}

const STEREOTYPE_PROPS = ['id', 'key', 'features'] as const;
const STEREOTYPE_COLUMNS = selectListAs(StereotypeEntity, '', STEREOTYPE_PROPS);
type StereotypeRow = Pick<StereotypeEntity, (typeof STEREOTYPE_PROPS)[number]>;

export async function loadStereotypes(manager: EntityManager): Promise<StereotypeRow[]> {
  return manager.query(`SELECT ${STEREOTYPE_COLUMNS} FROM stereotypes ORDER BY id`);
}

/** What a prompt shows of an item, keyed as PromptItem (src/db/columns.ts derives the list from the entity). */
const ITEM_PROPS = ['id', 'asin', 'title', 'cleanedTitle', 'genres', 'keywords', 'cast', 'directors', 'overview', 'collection', 'visualCaption'] as const;
const ITEM_COLUMNS = selectListAs(ItemEntity, 'i', ITEM_PROPS);

type ItemRow = Pick<ItemEntity, (typeof ITEM_PROPS)[number]> & { rating: number | null; reviewTitle: string | null; reviewText: string | null };

/** Items with the user's own rating and review of each (null when the user has none). */
async function loadUserItems(manager: EntityManager, userId: number, itemIds: number[]): Promise<Map<number, ItemRow>> {
  if (itemIds.length === 0) return new Map();
  const rows: ItemRow[] = await manager.query(
    `SELECT ${ITEM_COLUMNS}, x.rating, x.review_title AS "reviewTitle", x.review_text AS "reviewText"
       FROM items i LEFT JOIN interactions x ON x.item_id = i.id AND x.user_id = $1
      WHERE i.id = ANY($2)`,
    [userId, itemIds],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

function promptItem(row: ItemRow): PromptItem {
  return {
    asin: row.asin,
    title: row.title,
    cleanedTitle: row.cleanedTitle,
    genres: row.genres,
    keywords: row.keywords,
    cast: row.cast,
    directors: row.directors,
    overview: row.overview,
    collection: row.collection,
    visualCaption: row.visualCaption,
    review: row.reviewText || row.reviewTitle ? { title: row.reviewTitle, text: row.reviewText } : null,
  };
}

function finish(messages: ChatMessage[]): Pick<BuiltPrompt, 'messages' | 'rendered' | 'sha256'> {
  const rendered = renderChatTemplate(messages, { generationPrompt: true });
  return { messages, rendered, sha256: createHash('sha256').update(rendered, 'utf8').digest('hex') };
}

/** docs/pipeline.md §4: the stereotype system prompt plus the profile prompt rendered from the user's prepared history and target. */
export async function buildStereotypePrompt(
  manager: EntityManager,
  input: { userId: number; stereotype: StereotypeRow; systemPrompt: PromptText; options: GenerationOptions },
): Promise<BuiltPrompt> {
  const [profile]: Array<{ targetItemId: number | null; historyItemIds: number[] }> = await manager.query(
    `SELECT target_item_id AS "targetItemId", history_item_ids AS "historyItemIds"
       FROM user_profiles WHERE user_id = $1 AND strategy = 'STEREOTYPE'`,
    [input.userId],
  );
  if (!profile) throw new PromptInputError('NOT_PREPARED', 'the user has no prepared profile: run `recdial prepare` first');
  if (profile.targetItemId === null) throw new PromptInputError('NO_TARGET', 'the user has no target item');
  const items = await loadUserItems(manager, input.userId, [...profile.historyItemIds, profile.targetItemId]);
  const history: HistoryEntry[] = profile.historyItemIds
    .map((id) => items.get(id))
    .filter((row): row is ItemRow => row !== undefined)
    .map((row) => ({ ...promptItem(row), rating: row.rating ?? 0 }));
  const targetRow = items.get(profile.targetItemId)!;
  const features = input.stereotype.features;
  const profilePrompt = renderProfilePrompt({
    features,
    history,
    target: promptItem(targetRow),
    legacyFeatureKeys: input.options.legacyFeatureKeys,
    includeTargetReview: input.options.includeTargetReview,
  });
  const targetHidden = features.targetVisibility === 'hidden';
  const shown = new Set<string>(features.historyBlock ? history.map((h) => h.asin) : []);
  if (!targetHidden) shown.add(targetRow.asin);
  return {
    strategy: 'STEREOTYPE',
    stereotypeId: input.stereotype.id,
    stereotypeKey: input.stereotype.key,
    ...finish(stereotypeMessages(input.systemPrompt.content, profilePrompt)),
    promptVersion: input.systemPrompt.version,
    targetItemId: targetRow.id,
    targetAsin: targetRow.asin,
    targetHidden,
    promptAsins: [...shown],
  };
}

/** Other customers' kept reviews (20–400 words) per item; a deterministic sample of at most this many per item. */
const OTHER_REVIEWS_PER_ITEM = 100;

/** docs/pipeline.md §11: the k-th dialogue instance of a user's goal profile, and its prompt. */
export async function buildGoalTemplatePrompt(
  manager: EntityManager,
  input: { userId: number; k: number; seed: number; instructions: PromptText },
): Promise<BuiltPrompt> {
  const [profile]: Array<{ sourceId: string; domain: string; liked: number[]; disliked: number[]; mightLike: number[] }> = await manager.query(
    `SELECT u.source_id AS "sourceId", u.domain, p.liked_item_ids AS liked, p.disliked_item_ids AS disliked, p.might_like_item_ids AS "mightLike"
       FROM user_profiles p JOIN users u ON u.id = p.user_id
      WHERE p.user_id = $1 AND p.strategy = 'GOAL_TEMPLATE'`,
    [input.userId],
  );
  if (!profile) throw new PromptInputError('NOT_PREPARED', 'the user has no goal-template profile: run `recdial prepare --strategy goal-template` first');
  const ids = [...profile.liked, ...profile.disliked, ...profile.mightLike];
  const items = await loadUserItems(manager, input.userId, ids);
  const others: Array<{ asin: string; title: string | null; text: string }> = await manager.query(
    `SELECT r.asin, r.title, r.text FROM (
       SELECT i.asin, x.review_title AS title, x.review_text AS text,
              row_number() OVER (PARTITION BY x.item_id ORDER BY u.source_id, x.id) AS n
         FROM interactions x JOIN items i ON i.id = x.item_id JOIN users u ON u.id = x.user_id
        WHERE x.item_id = ANY($1) AND x.user_id <> $2 AND x.review_text IS NOT NULL) r
      WHERE r.n <= $3`,
    [ids, input.userId, OTHER_REVIEWS_PER_ITEM * 2],
  );
  const reviewsByAsin = new Map<string, ReviewText[]>();
  for (const r of others) {
    const words = reviewWordCount(r.text);
    if (words < 20 || words > 400) continue;
    const list = reviewsByAsin.get(r.asin) ?? [];
    if (list.length < OTHER_REVIEWS_PER_ITEM) list.push({ title: r.title, text: r.text });
    reviewsByAsin.set(r.asin, list);
  }
  const goalItem = (id: number): GoalItem | null => {
    const row = items.get(id);
    if (!row) return null;
    return { asin: row.asin, title: row.cleanedTitle, ownReview: row.reviewText ? { title: row.reviewTitle, text: row.reviewText } : null };
  };
  const list = (xs: number[]) => xs.map(goalItem).filter((x): x is GoalItem => x !== null);
  const mightLikes = list(profile.mightLike);
  if (input.k > mightLikes.length) throw new PromptInputError('NO_INSTANCE', `the user has no might-like item number ${input.k}`);
  const found = buildGoalTemplateInstance({
    userKey: profile.sourceId,
    seed: input.seed,
    likes: list(profile.liked),
    dislikes: list(profile.disliked),
    mightLikes,
    otherReviews: (asin) => reviewsByAsin.get(asin) ?? [],
    templates: TEMPLATE_LIBRARY,
  }, input.k);
  if (isSkipped(found)) throw new PromptInputError('NO_TEMPLATE', 'no template of the library can be filled from this user’s data');
  const gold = found.gold;
  const goldRow = [...items.values()].find((r) => r.asin === gold.asin)!;
  const boundAsins = new Set<string>([...found.userLikes, ...found.userDislikes, gold.asin]);
  return {
    strategy: 'GOAL_TEMPLATE',
    stereotypeId: null,
    stereotypeKey: null,
    ...finish(renderGoalTemplatePrompt(found, { domain: profile.domain, instructions: input.instructions.content })),
    promptVersion: input.instructions.version,
    targetItemId: goldRow.id,
    targetAsin: gold.asin,
    targetHidden: false,
    promptAsins: [...boundAsins],
    instance: found,
  };
}
