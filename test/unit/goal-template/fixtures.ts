/** Small users for the goal-template tests (not a test file: no `.test.ts`). */
import type { GoalItem, GoalTemplateInstance, GoalTemplateUserInput, ReviewText } from '../../../generator/goal-template/instance';
import { buildGoalTemplateInstance, isSkipped } from '../../../generator/goal-template/instance';
import { TEMPLATE_LIBRARY, type Template } from '../../../generator/goal-template/templates';

/** A review text of `words` words (the kept range is 20–400). */
export function words(n: number, word = 'good'): string {
  return Array.from({ length: n }, () => word).join(' ');
}

export function review(text: string, title: string | null = null): ReviewText {
  return { title, text };
}

export function item(asin: string, title: string, own: ReviewText | null = review(`I enjoyed ${title}. ${words(25)}`)): GoalItem {
  return { asin, title, ownReview: own };
}

/** Other customers' reviews: every item has two kept ones and one too short to keep, unless listed in `without`. */
export function otherReviews(without: string[] = []): (asin: string) => ReviewText[] {
  return (asin) =>
    without.includes(asin)
      ? [review('too short to keep')]
      : [review(`Another customer liked ${asin} a lot. ${words(22, 'nice')}`, 'Great'), review(`A second opinion on ${asin}. ${words(30, 'fine')}`), review('too short')];
}

export function user(overrides: Partial<GoalTemplateUserInput> = {}): GoalTemplateUserInput {
  return {
    userKey: 'AFAKEUSER0001',
    seed: 42,
    likes: [item('B0L1', 'Paddington'), item('B0L2', 'Shaun the Sheep Movie'), item('B0L3', 'Chicken Run'), item('B0L4', 'Wallace & Gromit')],
    dislikes: [item('B0D1', 'The Haunting Hour'), item('B0D2', 'Saw')],
    mightLikes: [item('B0M1', 'Paddington 2'), item('B0M2', 'Early Man')],
    otherReviews: otherReviews(),
    templates: TEMPLATE_LIBRARY,
    ...overrides,
  };
}

/** The instance of dialogue k under one fixed template. */
export function instanceWith(template: Template, overrides: Partial<GoalTemplateUserInput> = {}, k = 1): GoalTemplateInstance {
  const result = buildGoalTemplateInstance(user({ templates: [template], ...overrides }), k);
  if (isSkipped(result)) throw new Error(`template ${template.id} is not eligible`);
  return result;
}

export function template(id: string): Template {
  const t = TEMPLATE_LIBRARY.find((x) => x.id === id);
  if (!t) throw new Error(`no template ${id}`);
  return t;
}
