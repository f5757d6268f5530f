/**
 * The goal-template prompt (docs/pipeline.md §11.6): static instructions as the system message; the
 * concretised template and the user information as the user message.
 *
 * Template lines have exactly the form `{n}. {User|Agent} — {descriptions joined by "; "}`, n from
 * 1, with bound titles in straight double quotes; a quoted review always follows `review: `, so a
 * reader (the scripted test server, a person) can tell titles from reviews. Straight double
 * quotes inside titles and reviews are written as single quotes to keep that unambiguous.
 */
import { cleanReviewText } from '../../src/prepare/review-words';
import type { ChatMessage } from '../types';
import type { SubGoalKey } from './goals';
import type { GoalTemplateInstance, ReviewText, SlotBinding } from './instance';

/**
 * recdial's instructions. `{domainNoun}` and `{utteranceCount}` are filled at render time; an
 * operator's edited copy may use the same placeholders.
 */
export const DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS = [
  'You write a conversation between a user ("User") and a recommendation agent ("Agent") about {domainNoun} recommendations.',
  '',
  'Follow the template exactly: write one utterance per template line, with the speaker of that line and in the same order, and make each utterance carry out every goal listed on its line.',
  "Use the titles and reviews supplied to make the conversation specific and consistent with the user's real history. Paraphrase the reviews in your own words; never copy their sentences.",
  'Refer to every {domainNoun} by its title.',
  'Keep every utterance to at most 60 words.',
  'Never output slot names, goal names, template numbering or brackets.',
  'Output exactly {utteranceCount} utterances, each starting with "User: " or "Agent: ", separated by blank lines, and nothing else.',
].join('\n');

/** §11.9: Movies_and_TV (and LLM-REDIAL's Movie/Movies) → movie, Books → book, anything else → product. */
export function domainNoun(domain: string): string {
  const d = domain.trim().toLowerCase();
  if (d === 'movies_and_tv' || d === 'movies' || d === 'movie') return 'movie';
  if (d === 'books' || d === 'book') return 'book';
  return 'product';
}

/** How one comes to know an item of the domain: "already seen / read / used it". */
function experienced(noun: string): string {
  return noun === 'movie' ? 'seen' : noun === 'book' ? 'read' : 'used';
}

const quoted = (text: string) => `"${text.replace(/"/g, "'").replace(/\s+/g, ' ').trim()}"`;

/** A review as one line of text: its title (if any) and text, markup removed, whitespace collapsed. */
export function reviewLine(review: ReviewText): string {
  const text = cleanReviewText(review.text).replace(/\s+/g, ' ').trim();
  const title = (review.title ?? '').replace(/\s+/g, ' ').trim();
  if (title === '') return text;
  return /[.!?…]$/.test(title) ? `${title} ${text}` : `${title}. ${text}`;
}

/**
 * What the speaker of a template line has to do for one sub-goal, with its bound values.
 * `namedBefore`: items already named earlier on the same line (so "introduce it" can point back).
 */
function describe(goal: SubGoalKey, slots: SlotBinding[], noun: string, namedBefore: ReadonlySet<string>): string {
  const item = slots.find((s) => s.review === null);
  const review = slots.find((s) => s.review !== null);
  const title = quoted(item?.title ?? review?.title ?? '');
  const text = review?.review ? quoted(reviewLine(review.review)) : '""';
  const seen = experienced(noun);
  switch (goal) {
    case 'greet_likes':
      return `greet the agent and talk about ${title}, a ${noun} they liked, in the spirit of their own review: ${text}`;
    case 'greet_dislikes':
      return `greet the agent and talk about ${title}, a ${noun} they disliked, in the spirit of their own review: ${text}`;
    case 'ask_recommendation':
      return 'ask for a recommendation';
    case 'ask_item_detail':
      return `ask for details about the ${noun} under discussion`;
    case 'ask_preference':
      return "ask about the user's preferences";
    case 'ask_more':
      return 'ask whether the user wants more recommendations';
    case 'respond_other_review':
      return `answer using another customer's review of ${title}: ${text}`;
    case 'respond_simple':
      return 'answer briefly and politely, without sounding stiff';
    case 'respond_detail':
      return 'answer in detail';
    case 'respond_mood':
      return "answer in tune with the user's mood";
    case 'recommend_might_like':
    case 'recommend_his_like':
    case 'recommend_his_dislike':
      return `recommend ${title}`;
    case 'accept_no_reason':
      return 'accept the recommendation without giving a reason';
    case 'accept_with_reason':
      return 'accept the recommendation and say why';
    case 'express_interest':
      return `show interest in the ${noun}`;
    case 'reject_no_reason':
      return 'decline the recommendation without giving a reason';
    case 'reject_with_reason':
      return 'decline the recommendation and say why';
    case 'chit_chat':
      return 'make some small talk to keep the conversation going';
    case 'lead_to_recommend':
      return 'steer the conversation toward a recommendation';
    case 'lead_to_end':
      return 'steer the conversation toward its close';
    case 'introduce_other_dislikes_review':
    case 'introduce_other_likes_review':
    case 'introduce_other_mightlikes_review':
      return `introduce ${review && namedBefore.has(review.asin) ? 'it' : title} using another customer's review: ${text}`;
    case 'accept_thanks':
      return 'accept the recommendation and thank the agent';
    case 'reject_thanks':
      return 'decline the recommendation and thank the agent';
    case 'thanks':
      return 'thank the agent';
    case 'end_reasonably':
      return 'close the conversation appropriately';
    case 'seen_before_dislike':
      return `decline ${title} because they have already ${seen} it and did not like it, echoing their own review: ${text}`;
    case 'seen_before_like':
      return `decline ${title} because they have already ${seen} it and liked it, echoing their own review: ${text}`;
  }
}

/** The concretised template: one line per utterance, `{n}. {User|Agent} — {descriptions}`. */
export function concretiseTemplate(instance: GoalTemplateInstance, domain: string): string[] {
  const noun = domainNoun(domain);
  return instance.template.utterances.map((u, i) => {
    const named = new Set<string>();
    const descriptions = u.goals.map((goal) => {
      const slots = instance.bindings.filter((b) => b.utterance === i && b.goal === goal);
      const description = describe(goal, slots, noun, named);
      for (const s of slots) if (s.review === null) named.add(s.asin);
      return description;
    });
    return `${i + 1}. ${u.speaker === 'user' ? 'User' : 'Agent'} — ${descriptions.join('; ')}`;
  });
}

export interface GoalTemplateUserInformation {
  liked: Array<{ title: string; own_review: string | null }>;
  disliked: Array<{ title: string; own_review: string | null }>;
  to_recommend: Array<{ slot: string; title: string; other_review?: string }>;
}

/**
 * The user information block: the liked and disliked items the dialogue talks about, each with
 * the user's own review, and each recommendation in order with its slot and (when the template
 * binds one) another customer's review.
 */
export function userInformation(instance: GoalTemplateInstance): GoalTemplateUserInformation {
  const items = new Map(instance.boundItems.map((i) => [i.asin, i]));
  const own = (asin: string) => {
    const review = items.get(asin)?.ownReview;
    return review ? reviewLine(review) : null;
  };
  const entry = (asin: string) => ({ title: items.get(asin)!.title, own_review: own(asin) });
  const otherReview = (asin: string) => instance.bindings.find((b) => b.asin === asin && b.slot.startsWith('OTHER_') && b.review)?.review;
  return {
    liked: instance.userLikes.map(entry),
    disliked: instance.userDislikes.map(entry),
    to_recommend: instance.bindings
      .filter((b) => b.goal.startsWith('recommend_') && b.review === null)
      .map((b) => {
        const other = otherReview(b.asin);
        return { slot: b.slot, title: b.title, ...(other ? { other_review: reviewLine(other) } : {}) };
      }),
  };
}

export interface GoalTemplatePromptOptions {
  /** The run's domain (Amazon category), for the domain noun. */
  domain: string;
  /** The active instructions (an operator's stored version); default DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS. */
  instructions?: string;
}

/** Fills `{domainNoun}` and `{utteranceCount}`; other braces are left as written. */
export function renderInstructions(instructions: string, domain: string, utteranceCount: number): string {
  return instructions.replaceAll('{domainNoun}', domainNoun(domain)).replaceAll('{utteranceCount}', String(utteranceCount));
}

/**
 * Two messages: system = the filled instructions; user = `Template:`, the numbered template
 * lines, a blank line, `User information:` and the information as indented JSON. Keeping the
 * instructions in the system message lets operators version them separately from the data.
 */
export function renderGoalTemplatePrompt(instance: GoalTemplateInstance, options: GoalTemplatePromptOptions): ChatMessage[] {
  const instructions = renderInstructions(options.instructions ?? DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS, options.domain, instance.template.utterances.length);
  const user = ['Template:', ...concretiseTemplate(instance, options.domain), '', 'User information:', JSON.stringify(userInformation(instance), null, 2)].join('\n');
  return [
    { role: 'system', content: instructions.trim() },
    { role: 'user', content: user },
  ];
}
