/**
 * The goals and sub-goals of the goal-template strategy (docs/pipeline.md §11.2). Primary goals are
 * labels only; templates and prompts work with sub-goals.
 */

/** Who utters a sub-goal; in a template utterance `speaker` is `user` or `system`. */
export type GoalSpeaker = 'user' | 'system' | 'either';

/** Slots bound to an item. */
export type ItemSlot = 'USER_HIS_LIKES' | 'USER_HIS_DISLIKES' | 'USER_MIGHT_LIKES';
/** Slots bound to a review of an item bound elsewhere in the template. */
export type ReviewSlot =
  | 'USER_HIS_LIKES_REVIEW'
  | 'USER_HIS_DISLIKES_REVIEW'
  | 'OTHER_REVIEW'
  | 'OTHER_HISLIKES_REVIEW'
  | 'OTHER_DISLIKES_REVIEW'
  | 'OTHER_MIGHTLIKES_REVIEW';
export type SlotName = ItemSlot | ReviewSlot;

export interface ReviewSlotInfo {
  /** The item slot whose bound item the review is about; `any` = the most recently bound item. */
  of: ItemSlot | 'any';
  /** `user`: the user's own review of that item; `other`: another customer's. */
  by: 'user' | 'other';
}

/** §11.5 steps 3–4: what each review slot refers to. */
export const REVIEW_SLOTS: Readonly<Record<ReviewSlot, ReviewSlotInfo>> = {
  USER_HIS_LIKES_REVIEW: { of: 'USER_HIS_LIKES', by: 'user' },
  USER_HIS_DISLIKES_REVIEW: { of: 'USER_HIS_DISLIKES', by: 'user' },
  OTHER_REVIEW: { of: 'any', by: 'other' },
  OTHER_HISLIKES_REVIEW: { of: 'USER_HIS_LIKES', by: 'other' },
  OTHER_DISLIKES_REVIEW: { of: 'USER_HIS_DISLIKES', by: 'other' },
  OTHER_MIGHTLIKES_REVIEW: { of: 'USER_MIGHT_LIKES', by: 'other' },
};

export function isReviewSlot(slot: SlotName): slot is ReviewSlot {
  return slot in REVIEW_SLOTS;
}

export type PrimaryGoal = 'Greeting' | 'Ask' | 'Respond' | 'Recommend' | 'Feedback' | 'Chit-Chat' | 'Talk' | 'Reason';

export const SUB_GOAL_KEYS = [
  'greet_likes',
  'greet_dislikes',
  'ask_recommendation',
  'ask_item_detail',
  'ask_preference',
  'ask_more',
  'respond_other_review',
  'respond_simple',
  'respond_detail',
  'respond_mood',
  'recommend_might_like',
  'recommend_his_like',
  'recommend_his_dislike',
  'accept_no_reason',
  'accept_with_reason',
  'express_interest',
  'reject_no_reason',
  'reject_with_reason',
  'chit_chat',
  'lead_to_recommend',
  'lead_to_end',
  'introduce_other_dislikes_review',
  'introduce_other_likes_review',
  'introduce_other_mightlikes_review',
  'accept_thanks',
  'reject_thanks',
  'thanks',
  'end_reasonably',
  'seen_before_dislike',
  'seen_before_like',
] as const;

export type SubGoalKey = (typeof SUB_GOAL_KEYS)[number];

export interface SubGoal {
  key: SubGoalKey;
  primary: PrimaryGoal;
  speaker: GoalSpeaker;
  /** Slots in the order the sub-goal mentions them (an item slot before its review slot). */
  slots: readonly SlotName[];
  /** recdial's wording of the intent (§11.2). */
  intent: string;
}

const goal = (key: SubGoalKey, primary: PrimaryGoal, speaker: GoalSpeaker, slots: SlotName[], intent: string): SubGoal => ({
  key,
  primary,
  speaker,
  slots,
  intent,
});

/** The 30 sub-goals of §11.2, in the table's order. */
export const SUB_GOALS: readonly SubGoal[] = [
  goal('greet_likes', 'Greeting', 'user', ['USER_HIS_LIKES', 'USER_HIS_LIKES_REVIEW'], 'opens by talking about an item they liked, in the spirit of their own review'),
  goal('greet_dislikes', 'Greeting', 'user', ['USER_HIS_DISLIKES', 'USER_HIS_DISLIKES_REVIEW'], 'opens by talking about an item they disliked'),
  goal('ask_recommendation', 'Ask', 'user', [], 'asks for a recommendation'),
  goal('ask_item_detail', 'Ask', 'user', [], 'asks for details about the item under discussion'),
  goal('ask_preference', 'Ask', 'system', [], "asks about the user's preferences"),
  goal('ask_more', 'Ask', 'system', [], 'asks whether the user wants more recommendations'),
  goal('respond_other_review', 'Respond', 'system', ['OTHER_REVIEW'], "answers using another customer's review of the item under discussion"),
  goal('respond_simple', 'Respond', 'system', [], 'answers briefly and politely, without sounding stiff'),
  goal('respond_detail', 'Respond', 'system', [], 'answers in detail'),
  goal('respond_mood', 'Respond', 'system', [], "answers in tune with the user's mood"),
  goal('recommend_might_like', 'Recommend', 'system', ['USER_MIGHT_LIKES'], 'recommends the gold item (it will be accepted)'),
  goal('recommend_his_like', 'Recommend', 'system', ['USER_HIS_LIKES'], 'recommends an item the user already liked (it will be turned down as already seen)'),
  goal('recommend_his_dislike', 'Recommend', 'system', ['USER_HIS_DISLIKES'], 'recommends an item the user disliked (it will be turned down)'),
  goal('accept_no_reason', 'Feedback', 'user', [], 'accepts without giving a reason'),
  goal('accept_with_reason', 'Feedback', 'user', [], 'accepts and says why'),
  goal('express_interest', 'Feedback', 'user', [], 'shows interest in the item'),
  goal('reject_no_reason', 'Feedback', 'user', [], 'declines without a reason'),
  goal('reject_with_reason', 'Feedback', 'user', [], 'declines and says why'),
  goal('chit_chat', 'Chit-Chat', 'either', [], 'small talk that bridges the opening and the end'),
  goal('lead_to_recommend', 'Talk', 'system', [], 'steers the conversation toward recommending'),
  goal('lead_to_end', 'Talk', 'user', [], 'steers the conversation toward closing'),
  goal('introduce_other_dislikes_review', 'Talk', 'system', ['OTHER_DISLIKES_REVIEW'], "presents a disliked item through other customers' reviews"),
  goal('introduce_other_likes_review', 'Talk', 'system', ['OTHER_HISLIKES_REVIEW'], "presents a liked item through other customers' reviews"),
  goal('introduce_other_mightlikes_review', 'Talk', 'system', ['OTHER_MIGHTLIKES_REVIEW'], "presents the gold item through other customers' reviews"),
  goal('accept_thanks', 'Talk', 'user', [], 'accepts and thanks'),
  goal('reject_thanks', 'Talk', 'user', [], 'declines and thanks'),
  goal('thanks', 'Talk', 'user', [], 'thanks'),
  goal('end_reasonably', 'Talk', 'system', [], 'closes the conversation appropriately'),
  goal('seen_before_dislike', 'Reason', 'user', ['USER_HIS_DISLIKES_REVIEW'], 'declines because they have already seen it and did not like it, echoing their review'),
  goal('seen_before_like', 'Reason', 'user', ['USER_HIS_LIKES_REVIEW'], 'declines because they have already seen it (and liked it), echoing their review'),
];

const BY_KEY = new Map<string, SubGoal>(SUB_GOALS.map((g) => [g.key, g]));

export function isSubGoalKey(key: unknown): key is SubGoalKey {
  return typeof key === 'string' && BY_KEY.has(key);
}

export function subGoal(key: SubGoalKey): SubGoal {
  return BY_KEY.get(key)!;
}

export const GREETING_GOALS: readonly SubGoalKey[] = ['greet_likes', 'greet_dislikes'];
export const RECOMMEND_GOALS: readonly SubGoalKey[] = ['recommend_might_like', 'recommend_his_like', 'recommend_his_dislike'];
/** §11.3 constraint 4: rejections after an earlier recommendation (plus the matching `seen_before_*`). */
export const REJECTION_GOALS: readonly SubGoalKey[] = ['reject_no_reason', 'reject_with_reason', 'reject_thanks'];
/** The reason that matches an earlier recommendation. */
export const SEEN_BEFORE_FOR: Readonly<Partial<Record<SubGoalKey, SubGoalKey>>> = {
  recommend_his_like: 'seen_before_like',
  recommend_his_dislike: 'seen_before_dislike',
};
/** `accept_*` of §11.3 constraint 4 (`express_interest` is interest, not acceptance). */
export const ACCEPTANCE_GOALS: readonly SubGoalKey[] = ['accept_no_reason', 'accept_with_reason', 'accept_thanks'];
