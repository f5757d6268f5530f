import { subGoal } from '../../../../generator/goal-template/goals';
import {
  buildGoalTemplateInstance,
  buildGoalTemplateInstances,
  isSkipped,
  type GoalTemplateInstance,
  type InstanceResult,
} from '../../../../generator/goal-template/instance';
import { loadTemplateLibrary, TEMPLATE_LIBRARY, type Template } from '../../../../generator/goal-template/templates';
import { keyedRandom } from '../../../../src/random/python-random';
import { instanceWith, item, otherReviews, template, user } from '../../goal-template/fixtures';

const instances = (results: InstanceResult[]) => results.filter((r): r is GoalTemplateInstance => !isSkipped(r));
const slotsOf = (t: Template) => t.utterances.flatMap((u) => u.goals.flatMap((g) => subGoal(g).slots));

describe('dialogue instances (docs/pipeline.md §11.4)', () => {
  test('one dialogue per MIGHT_LIKES item, k = 1 … m, gold = the k-th, rec_item = [gold]', () => {
    const results = instances(buildGoalTemplateInstances(user()));
    expect(results.map((r) => [r.k, r.gold.asin, r.recItem])).toEqual([
      [1, 'B0M1', ['B0M1']],
      [2, 'B0M2', ['B0M2']],
    ]);
    expect(buildGoalTemplateInstances(user({ mightLikes: [] }))).toEqual([]);
    expect(() => buildGoalTemplateInstance(user(), 3)).toThrow(RangeError);
  });

  test('deterministic, and independent of processing order: keyed by (user, k) only', () => {
    const a = user();
    const b = user({ userKey: 'AFAKEUSER0002', likes: a.likes.slice(0, 2) });
    const alone = buildGoalTemplateInstances(a);
    // Among other users, in another order, dialogue by dialogue in reverse: the same result.
    const amongOthers = [b, a, b].map(buildGoalTemplateInstances)[1];
    const reversed = [2, 1].map((k) => buildGoalTemplateInstance(a, k)).reverse();
    expect(amongOthers).toEqual(alone);
    expect(reversed).toEqual(alone);
    expect(buildGoalTemplateInstances(user())).toEqual(alone);
  });

  test('the template is drawn from the `template` sub-stream of {seed}:template:{user}:{k} (§12.3) among the eligible ones', () => {
    const input = user();
    const [first] = instances(buildGoalTemplateInstances(input));
    // With two dislikes, four likes and reviews everywhere, every template is eligible.
    const index = keyedRandom(42, 'template', 'AFAKEUSER0001:1').choiceIndex(TEMPLATE_LIBRARY.length);
    expect(first.template.id).toBe(TEMPLATE_LIBRARY[index].id);
    // Another seed or user draws from other streams.
    const others = ['U1', 'U2', 'U3', 'U4', 'U5', 'U6'].map((userKey) => (buildGoalTemplateInstance(user({ userKey }), 1) as GoalTemplateInstance).template.id);
    expect(new Set(others).size).toBeGreaterThan(1);
  });

  test('every template is reachable: over many users each is chosen at least once', () => {
    const chosen = new Set<string>();
    for (let i = 0; i < 600; i++) chosen.add((buildGoalTemplateInstance(user({ userKey: `U${i}` }), 1) as GoalTemplateInstance).template.id);
    expect(chosen.size).toBe(TEMPLATE_LIBRARY.length);
  });
});

describe('eligibility (§11.5 step 1)', () => {
  const many = (overrides: Parameters<typeof user>[0]) =>
    instances(Array.from({ length: 200 }, (_, i) => buildGoalTemplateInstances(user({ userKey: `U${i}`, ...overrides }))).flat());

  test('no dislikes → never a template with a USER_HIS_DISLIKES* slot', () => {
    const results = many({ dislikes: [] });
    expect(results.length).toBe(400);
    for (const r of results) expect(slotsOf(r.template).filter((s) => s.startsWith('USER_HIS_DISLIKES'))).toEqual([]);
    expect(results.every((r) => r.userDislikes.length === 0)).toBe(true);
  });

  test('one like → no template that needs two liked items', () => {
    for (const r of many({ likes: [item('B0L1', 'Paddington')], dislikes: [] })) {
      expect(slotsOf(r.template).filter((s) => s === 'USER_HIS_LIKES').length).toBe(1);
      expect(r.userLikes).toEqual(['B0L1']);
    }
  });

  test('NO_TEMPLATE when no template fits', () => {
    const dislikeOnly = loadTemplateLibrary([template('r1-09-dislikes-a')]);
    expect(buildGoalTemplateInstances(user({ dislikes: [], templates: dislikeOnly }))).toEqual([
      { k: 1, skipped: 'NO_TEMPLATE' },
      { k: 2, skipped: 'NO_TEMPLATE' },
    ]);
    expect(buildGoalTemplateInstances(user({ templates: [] }))).toEqual([
      { k: 1, skipped: 'NO_TEMPLATE' },
      { k: 2, skipped: 'NO_TEMPLATE' },
    ]);
  });

  test('an OTHER_* slot needs a kept review (20–400 words) by another customer of its item', () => {
    const goldReviewed = [template('r1-09-dislikes-a')]; // introduce_other_mightlikes_review
    expect(buildGoalTemplateInstance(user({ templates: goldReviewed, otherReviews: otherReviews(['B0M1']) }), 1)).toEqual({ k: 1, skipped: 'NO_TEMPLATE' });
    expect(isSkipped(buildGoalTemplateInstance(user({ templates: goldReviewed, otherReviews: otherReviews(['B0M1']) }), 2))).toBe(false);
    // r2-02 introduces the recommended liked item through another review: only B0L3 has one.
    for (let i = 0; i < 30; i++) {
      const r = instanceWith(template('r2-02-likes-b'), { userKey: `U${i}`, otherReviews: otherReviews(['B0L1', 'B0L2', 'B0L4']) });
      expect(r.bindings.find((b) => b.goal === 'recommend_his_like')!.asin).toBe('B0L3');
    }
  });

  test("other customers' reviews are only fetched for items a template needs them for, once per item", () => {
    const asked: string[] = [];
    const fetch = (asin: string) => (asked.push(asin), otherReviews()(asin));
    buildGoalTemplateInstances(user({ templates: [template('r2-04-likes-d')], otherReviews: fetch }));
    expect(asked).toEqual([]);
    buildGoalTemplateInstances(user({ templates: [template('r1-08-likes-a'), template('r2-02-likes-b')], otherReviews: fetch }));
    expect(asked.length).toBe(new Set(asked).size);
  });

  test("an own-review slot needs the user's review of the item; items without one fill other slots", () => {
    const likes = [item('B0L1', 'Paddington', null), item('B0L2', 'Chicken Run')];
    for (let i = 0; i < 30; i++) {
      // greet_likes needs an own review; recommend_his_like + reject_with_reason does not.
      const r = instanceWith(template('r2-04-likes-d'), { userKey: `U${i}`, likes });
      expect(r.bindings.filter((b) => b.slot === 'USER_HIS_LIKES').map((b) => [b.goal, b.asin])).toEqual([
        ['greet_likes', 'B0L2'],
        ['recommend_his_like', 'B0L1'],
      ]);
    }
    expect(isSkipped(buildGoalTemplateInstance(user({ templates: [template('r2-01-likes-a')], likes }), 1))).toBe(true); // two own reviews needed
  });
});

describe('slot filling (§11.5 steps 2–5)', () => {
  test('likes and dislikes drawn without replacement, never the gold; user_likes / user_dislikes recorded', () => {
    for (let i = 0; i < 50; i++) {
      const r = instanceWith(template('r3-01-likes-a'), { userKey: `U${i}`, likes: [...user().likes, item('B0M1', 'Paddington 2')] });
      const likes = r.bindings.filter((b) => b.slot === 'USER_HIS_LIKES').map((b) => b.asin);
      expect(new Set(likes).size).toBe(2);
      expect(likes).not.toContain('B0M1');
      expect(r.userLikes).toEqual(likes);
      expect(r.userDislikes).toEqual(r.bindings.filter((b) => b.slot === 'USER_HIS_DISLIKES').map((b) => b.asin));
      expect(r.bindings.find((b) => b.slot === 'USER_MIGHT_LIKES')!.asin).toBe('B0M1');
    }
  });

  test('own reviews belong to the nearest preceding item of their kind; other reviews are kept reviews of the bound item', () => {
    const input = user();
    const r = instanceWith(template('r2-01-likes-a'), {}, 1);
    const [greet, rec] = r.bindings.filter((b) => b.slot === 'USER_HIS_LIKES');
    const own = r.bindings.filter((b) => b.slot === 'USER_HIS_LIKES_REVIEW');
    expect(own.map((b) => [b.goal, b.asin])).toEqual([
      ['greet_likes', greet.asin],
      ['seen_before_like', rec.asin],
    ]);
    expect(own[1].review).toEqual(input.likes.find((l) => l.asin === rec.asin)!.ownReview);
    // respond_other_review (after recommend_might_like) is about the gold, one of its kept reviews.
    const other = r.bindings.find((b) => b.slot === 'OTHER_REVIEW')!;
    expect(other.asin).toBe('B0M1');
    expect(otherReviews()('B0M1').slice(0, 2)).toContainEqual(other.review);
  });

  test('bindings follow utterance order and the example template binds as in §11.3', () => {
    const r = instanceWith(template('r1-08-likes-a'));
    expect(r.bindings.map((b) => [b.utterance, b.goal, b.slot])).toEqual([
      [0, 'greet_likes', 'USER_HIS_LIKES'],
      [0, 'greet_likes', 'USER_HIS_LIKES_REVIEW'],
      [1, 'respond_other_review', 'OTHER_REVIEW'],
      [3, 'recommend_might_like', 'USER_MIGHT_LIKES'],
      [3, 'introduce_other_mightlikes_review', 'OTHER_MIGHTLIKES_REVIEW'],
    ]);
    expect(r.bindings[2].asin).toBe(r.bindings[0].asin); // the item most recently bound
    expect(r.boundItems.map((i) => i.asin)).toEqual([r.bindings[0].asin, 'B0M1']);
    expect(r.recItem).toEqual(['B0M1']);
  });
});
