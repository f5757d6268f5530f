/**
 * Dialogue instances of the goal-template strategy (docs/pipeline.md §11.4–§11.5): for each of a
 * user's MIGHT_LIKES items, a template and the items and reviews bound to its slots.
 *
 * Every random choice uses a keyed sub-stream (§12.3) keyed by `${userKey}:${k}` — purposes
 * `template`, `slots` and `reviews` — so an instance depends only on the user's own data, never
 * on which users or dialogues were processed before it.
 */
import { keyedRandom, type PythonRandom } from '../../src/random/python-random';
import { reviewWordCount } from '../../src/prepare/review-words';
import { isReviewSlot, REVIEW_SLOTS, type ItemSlot, type SlotName, type SubGoalKey } from './goals';
import { templateSlots, type SlotOccurrence, type Template } from './templates';

export interface ReviewText {
  title: string | null;
  text: string;
}

export interface GoalItem {
  asin: string;
  title: string;
  /** The user's own review of the item (all kept GT interactions are reviews, but be safe). */
  ownReview: ReviewText | null;
}

export interface GoalTemplateUserInput {
  /** The user's source id; with k it keys the sub-streams. */
  userKey: string;
  seed: number;
  likes: GoalItem[];
  dislikes: GoalItem[];
  /** Chronological; dialogue k has gold mightLikes[k − 1]. */
  mightLikes: GoalItem[];
  /** Other users' kept reviews of an item (the 20–400 word rule is applied again here). */
  otherReviews: (asin: string) => ReviewText[];
  templates: readonly Template[];
}

/** One filled slot, in template order (utterance, goal, slot). */
export interface SlotBinding {
  /** 0-based index into `template.utterances`. */
  utterance: number;
  goal: SubGoalKey;
  slot: SlotName;
  /** The bound item, or for a review slot the item the review is about. */
  asin: string;
  title: string;
  /** Review slots: the review (own or another customer's); item slots: null. */
  review: ReviewText | null;
}

export interface GoalTemplateInstance {
  k: number;
  gold: GoalItem;
  template: Template;
  bindings: SlotBinding[];
  /** The distinct items bound to item slots (the gold included), in binding order. */
  boundItems: GoalItem[];
  /** Items bound to `USER_HIS_LIKES`, in binding order (LLM-REDIAL `user_likes`). */
  userLikes: string[];
  /** Items bound to `USER_HIS_DISLIKES`, in binding order (LLM-REDIAL `user_dislikes`). */
  userDislikes: string[];
  /** LLM-REDIAL `rec_item`. */
  recItem: [string];
}

export interface SkippedInstance {
  k: number;
  skipped: 'NO_TEMPLATE';
}

export type InstanceResult = GoalTemplateInstance | SkippedInstance;

export function isSkipped(result: InstanceResult): result is SkippedInstance {
  return 'skipped' in result;
}

const MIN_REVIEW_WORDS = 20;
const MAX_REVIEW_WORDS = 400;

/** What a bound item must have: its own review and/or another customer's (for review slots that refer to it). */
interface Need {
  own: boolean;
  other: boolean;
}

/** A template's slots with what each item slot needs; computed once per template. */
interface SlotPlan {
  slots: SlotOccurrence[];
  needs: Map<number, Need>;
}

function planSlots(template: Template): SlotPlan {
  const slots = templateSlots(template);
  const needs = new Map<number, Need>();
  slots.forEach((s, i) => {
    if (!isReviewSlot(s.slot)) needs.set(i, { own: false, other: false });
  });
  for (const s of slots) {
    if (!isReviewSlot(s.slot) || s.refersTo === null) continue;
    const need = needs.get(s.refersTo)!;
    if (REVIEW_SLOTS[s.slot].by === 'user') need.own = true;
    else need.other = true;
  }
  return { slots, needs };
}

/** The review sources of one user, memoised so each item's other reviews are fetched and counted once. */
class Reviews {
  private readonly others = new Map<string, ReviewText[]>();
  constructor(private readonly fetch: (asin: string) => ReviewText[]) {}

  other(asin: string): ReviewText[] {
    let kept = this.others.get(asin);
    if (kept === undefined) {
      kept = this.fetch(asin).filter((r) => {
        const words = reviewWordCount(r.text);
        return words >= MIN_REVIEW_WORDS && words <= MAX_REVIEW_WORDS;
      });
      this.others.set(asin, kept);
    }
    return kept;
  }

  fits(item: GoalItem, need: Need): boolean {
    return (!need.own || hasOwnReview(item)) && (!need.other || this.other(item.asin).length > 0);
  }
}

function hasOwnReview(item: GoalItem): boolean {
  return item.ownReview !== null && item.ownReview.text.trim() !== '';
}

/**
 * Whether distinct items of `pool` (minus `used`) can fill slots with these needs. An item can
 * fill a slot when it has everything the slot needs, so only the four kinds of need matter and
 * Hall's condition over the sets of kinds decides exactly (no search over items).
 */
function canFill(needs: readonly Need[], pool: readonly GoalItem[], used: ReadonlySet<number>, reviews: Reviews): boolean {
  if (needs.length === 0) return true;
  // The kinds of need present, with their slot counts; reviews are only looked at for these kinds.
  const kinds: Array<{ need: Need; slots: number }> = [];
  for (const n of needs) {
    const kind = kinds.find((k) => k.need.own === n.own && k.need.other === n.other);
    if (kind) kind.slots++;
    else kinds.push({ need: n, slots: 1 });
  }
  const itemFits = pool.flatMap((item, i) => (used.has(i) ? [] : [kinds.map((k) => reviews.fits(item, k.need))]));
  for (let mask = 1; mask < 1 << kinds.length; mask++) {
    const inMask = (k: number) => (mask & (1 << k)) !== 0;
    const slots = kinds.reduce((sum, k, i) => sum + (inMask(i) ? k.slots : 0), 0);
    const items = itemFits.filter((fits) => fits.some((f, k) => f && inMask(k))).length;
    if (slots > items) return false;
  }
  return true;
}

interface Pools {
  USER_HIS_LIKES: GoalItem[];
  USER_HIS_DISLIKES: GoalItem[];
}

function itemSlotNeeds(plan: SlotPlan, kind: ItemSlot): Need[] {
  return plan.slots.flatMap((s, i) => (s.slot === kind ? [plan.needs.get(i)!] : []));
}

/** §11.5 step 1: enough likes and dislikes (with the reviews their slots need), and the gold's reviews. */
function isEligible(plan: SlotPlan, gold: GoalItem, pools: Pools, reviews: Reviews): boolean {
  for (const kind of ['USER_HIS_LIKES', 'USER_HIS_DISLIKES'] as const) {
    if (!canFill(itemSlotNeeds(plan, kind), pools[kind], new Set(), reviews)) return false;
  }
  return itemSlotNeeds(plan, 'USER_MIGHT_LIKES').every((need) => reviews.fits(gold, need));
}

/**
 * §11.5 steps 2–4. Item slots in template order: `USER_MIGHT_LIKES` is the gold; likes and
 * dislikes are drawn uniformly without replacement among the items that have the reviews the
 * slot needs and leave the remaining slots fillable (in practice: all remaining items). Then
 * review slots: own reviews are the bound item's; other customers' reviews are drawn uniformly.
 */
function bind(
  plan: SlotPlan,
  gold: GoalItem,
  pools: Pools,
  reviews: Reviews,
  slotRng: PythonRandom,
  reviewRng: PythonRandom,
): { bindings: SlotBinding[]; boundItems: GoalItem[] } {
  const bound = new Map<number, GoalItem>();
  const used: Record<keyof Pools, Set<number>> = { USER_HIS_LIKES: new Set(), USER_HIS_DISLIKES: new Set() };
  plan.slots.forEach((s, i) => {
    if (isReviewSlot(s.slot)) return;
    if (s.slot === 'USER_MIGHT_LIKES') {
      bound.set(i, gold);
      return;
    }
    const kind = s.slot;
    const pool = pools[kind];
    const need = plan.needs.get(i)!;
    const later = plan.slots.flatMap((t, j) => (j > i && t.slot === kind ? [plan.needs.get(j)!] : []));
    // Whether the later slots stay fillable depends only on which of the reviews they need the taken item has.
    const laterOwn = later.some((n) => n.own);
    const laterOther = later.some((n) => n.other);
    const leavesFillable = new Map<string, boolean>();
    const candidates = pool.flatMap((item, index) => {
      if (used[kind].has(index) || !reviews.fits(item, need)) return [];
      const signature = `${laterOwn && hasOwnReview(item)}:${laterOther && reviews.other(item.asin).length > 0}`;
      let ok = leavesFillable.get(signature);
      if (ok === undefined) {
        ok = canFill(later, pool, new Set([...used[kind], index]), reviews);
        leavesFillable.set(signature, ok);
      }
      return ok ? [index] : [];
    });
    // Eligibility (Hall's condition) guarantees a candidate; an empty list would be a bug here.
    if (candidates.length === 0) throw new Error(`no item left for [${kind}] in utterance ${s.utterance + 1}`);
    const index = candidates[slotRng.choiceIndex(candidates.length)];
    used[kind].add(index);
    bound.set(i, pool[index]);
  });

  const bindings = plan.slots.map((s, i): SlotBinding => {
    if (!isReviewSlot(s.slot)) {
      const item = bound.get(i)!;
      return { utterance: s.utterance, goal: s.goal, slot: s.slot, asin: item.asin, title: item.title, review: null };
    }
    const item = bound.get(s.refersTo!)!;
    let review: ReviewText;
    if (REVIEW_SLOTS[s.slot].by === 'user') review = item.ownReview!;
    else {
      const others = reviews.other(item.asin);
      review = others[reviewRng.choiceIndex(others.length)];
    }
    return { utterance: s.utterance, goal: s.goal, slot: s.slot, asin: item.asin, title: item.title, review };
  });
  const boundItems = [...new Set([...bound.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item))];
  return { bindings, boundItems };
}

const unique = (ids: string[]) => [...new Set(ids)];

/** The instance of dialogue k (1-based) of one user (generation jobs are keyed by (run, user, k)). */
export function buildGoalTemplateInstance(input: GoalTemplateUserInput, k: number): InstanceResult {
  return instanceOf(input, k, new Reviews(input.otherReviews));
}

function instanceOf(input: GoalTemplateUserInput, k: number, reviews: Reviews): InstanceResult {
  const gold = input.mightLikes[k - 1];
  if (gold === undefined) throw new RangeError(`dialogue ${k} of user ${input.userKey}: the user has ${input.mightLikes.length} MIGHT_LIKES items`);
  // LIKES never contain a MIGHT_LIKES item by construction (§11.1); the filter guards the rule "never the gold".
  const pools: Pools = {
    USER_HIS_LIKES: input.likes.filter((i) => i.asin !== gold.asin),
    USER_HIS_DISLIKES: input.dislikes.filter((i) => i.asin !== gold.asin),
  };
  const key = `${input.userKey}:${k}`;
  const eligible = input.templates.map((template) => ({ template, plan: planSlots(template) })).filter((t) => isEligible(t.plan, gold, pools, reviews));
  if (eligible.length === 0) return { k, skipped: 'NO_TEMPLATE' };

  const { template, plan } = eligible[keyedRandom(input.seed, 'template', key).choiceIndex(eligible.length)];
  const { bindings, boundItems } = bind(plan, gold, pools, reviews, keyedRandom(input.seed, 'slots', key), keyedRandom(input.seed, 'reviews', key));
  return {
    k,
    gold,
    template,
    bindings,
    boundItems,
    userLikes: unique(bindings.filter((b) => b.slot === 'USER_HIS_LIKES').map((b) => b.asin)),
    userDislikes: unique(bindings.filter((b) => b.slot === 'USER_HIS_DISLIKES').map((b) => b.asin)),
    recItem: [gold.asin],
  };
}

/** §11.4: one result per MIGHT_LIKES item, k = 1 … m; a user without MIGHT_LIKES gets none. */
export function buildGoalTemplateInstances(input: GoalTemplateUserInput): InstanceResult[] {
  const reviews = new Reviews(input.otherReviews);
  return input.mightLikes.map((_, i) => instanceOf(input, i + 1, reviews));
}
