import { SUB_GOAL_KEYS, SUB_GOALS } from '../../../../generator/goal-template/goals';
import {
  loadTemplateLibrary,
  TEMPLATE_LIBRARY,
  TEMPLATE_LIBRARY_VERSION,
  templateLibraryVersion,
  templateSlots,
  TemplateLibraryError,
  validateTemplate,
  type Template,
} from '../../../../generator/goal-template/templates';
import shipped from '../../../../generator/goal-template/templates.json';

describe('sub-goals (docs/pipeline.md §11.2)', () => {
  test('30 sub-goals in eight primary goals, keys unique', () => {
    expect(SUB_GOALS).toHaveLength(30);
    expect(new Set(SUB_GOAL_KEYS).size).toBe(30);
    expect(new Set(SUB_GOALS.map((g) => g.primary))).toEqual(new Set(['Greeting', 'Ask', 'Respond', 'Recommend', 'Feedback', 'Chit-Chat', 'Talk', 'Reason']));
    expect(SUB_GOALS.find((g) => g.key === 'greet_likes')).toMatchObject({ speaker: 'user', slots: ['USER_HIS_LIKES', 'USER_HIS_LIKES_REVIEW'] });
    expect(SUB_GOALS.find((g) => g.key === 'chit_chat')!.speaker).toBe('either');
    expect(SUB_GOALS.find((g) => g.key === 'introduce_other_likes_review')!.slots).toEqual(['OTHER_HISLIKES_REVIEW']);
  });
});

describe('the shipped template library (§11.3)', () => {
  test('every template validates and the library loads', () => {
    for (const t of shipped) expect([t.id, validateTemplate(t)]).toEqual([t.id, []]);
    expect(TEMPLATE_LIBRARY).toHaveLength(shipped.length);
  });

  test('at least 30 templates covering 1, 2 and 3 recommendations and both greetings; every sub-goal used', () => {
    expect(TEMPLATE_LIBRARY.length).toBeGreaterThanOrEqual(30);
    for (const n of [1, 2, 3]) {
      for (const greeting of ['greet_likes', 'greet_dislikes']) {
        expect([n, greeting, TEMPLATE_LIBRARY.some((t) => t.recommendations === n && t.utterances[0].goals.includes(greeting as never))]).toEqual([n, greeting, true]);
      }
    }
    const used = new Set(TEMPLATE_LIBRARY.flatMap((t) => t.utterances.flatMap((u) => u.goals)));
    expect(SUB_GOAL_KEYS.filter((k) => !used.has(k))).toEqual([]);
    expect(TEMPLATE_LIBRARY.find((t) => t.id === 'r1-08-likes-a')!.utterances[3].goals).toEqual(['recommend_might_like', 'introduce_other_mightlikes_review']);
  });

  test('the version is the SHA-256 of the canonical JSON: stable, and order-sensitive (order decides the draw)', () => {
    expect(TEMPLATE_LIBRARY_VERSION).toMatch(/^[0-9a-f]{64}$/);
    expect(templateLibraryVersion(loadTemplateLibrary(JSON.parse(JSON.stringify(shipped))))).toBe(TEMPLATE_LIBRARY_VERSION);
    expect(templateLibraryVersion([...TEMPLATE_LIBRARY].reverse())).not.toBe(TEMPLATE_LIBRARY_VERSION);
  });

  test('review slots refer to the nearest preceding item slot of their kind', () => {
    const slots = templateSlots(TEMPLATE_LIBRARY.find((t) => t.id === 'r2-01-likes-a')!);
    const seen = slots.find((s) => s.slot === 'USER_HIS_LIKES_REVIEW' && s.goal === 'seen_before_like')!;
    expect(slots[seen.refersTo!]).toMatchObject({ goal: 'recommend_his_like', slot: 'USER_HIS_LIKES' });
    const other = slots.find((s) => s.slot === 'OTHER_REVIEW')!;
    expect(slots[other.refersTo!]).toMatchObject({ goal: 'recommend_might_like' });
  });
});

const U = (...goals: string[]) => ({ speaker: 'user', goals });
const S = (...goals: string[]) => ({ speaker: 'system', goals });
const valid = (): any => ({
  id: 'test-ok',
  recommendations: 1,
  utterances: [U('greet_likes'), S('ask_preference'), U('ask_recommendation'), S('recommend_might_like'), U('accept_thanks'), S('end_reasonably')],
});

describe('validateTemplate: each constraint refuses with a reason', () => {
  test('a minimal valid template has no reasons', () => {
    expect(validateTemplate(valid())).toEqual([]);
  });

  const cases: Array<[string, (t: any) => void, RegExp]> = [
    ['utterances not an array', (t) => Object.assign(t, { utterances: 'x' }), /utterances must be a non-empty array/],
    ['bad id', (t) => (t.id = ''), /id must be/],
    ['1: three sub-goals', (t) => (t.utterances[1].goals = ['ask_preference', 'respond_simple', 'respond_mood']), /utterance 2: has 3 sub-goals/],
    ['1: no sub-goal', (t) => (t.utterances[1].goals = []), /utterance 2: has 0 sub-goals/],
    ['1: unknown sub-goal', (t) => (t.utterances[1].goals = ['ask_weather']), /unknown sub-goal "ask_weather"/],
    ['1: wrong speaker for a sub-goal', (t) => (t.utterances[1].goals = ['ask_recommendation']), /sub-goal ask_recommendation is uttered by the user, not the system/],
    ['2: no alternation', (t) => t.utterances.splice(1, 0, U('chit_chat')), /speakers must alternate starting with the user; utterance 2/],
    ['2: system first', (t) => t.utterances.unshift(S('chit_chat')), /utterance 1 is by the system/],
    ['2: no greeting first', (t) => (t.utterances[0].goals = ['ask_recommendation']), /first utterance must contain a greeting/],
    ['3: count differs', (t) => (t.recommendations = 2), /recommendations is 2 but the template has 1/],
    ['3: out of range', (t) => (t.recommendations = 4), /recommendations must be 1, 2 or 3/],
    ['3: last is not might_like', (t) => (t.utterances[3].goals = ['recommend_his_like']), /last recommendation must be recommend_might_like/],
    ['4: final recommendation rejected', (t) => (t.utterances[4].goals = ['reject_no_reason', 'accept_thanks']), /must not contain a rejection/],
    ['4: never accepted', (t) => (t.utterances[4].goals = ['thanks']), /must accept/],
    ['5: too short', (t) => t.utterances.splice(4, 2, U('accept_thanks')), /5 utterances; a template with 1 recommendation\(s\) needs 6 to 10/],
  ];
  test.each(cases)('%s', (_name, mutate, reason) => {
    const t = valid();
    mutate(t);
    const reasons = validateTemplate(t);
    expect(reasons.join('\n')).toMatch(reason);
  });

  test('a review slot with nothing before it to refer to', () => {
    const t = valid();
    t.utterances[1].goals = ['introduce_other_likes_review'];
    t.utterances[0].goals = ['greet_dislikes'];
    expect(validateTemplate(t)).toEqual(['utterance 2: [OTHER_HISLIKES_REVIEW] of introduce_other_likes_review has no [USER_HIS_LIKES] slot before it or in its utterance to refer to']);
  });

  test('4: an earlier recommendation must be rejected, with a rejection or the matching seen_before_*', () => {
    const two = (reply: string): any => ({
      id: 'two',
      recommendations: 2,
      utterances: [U('greet_likes'), S('ask_preference'), U('ask_recommendation'), S('recommend_his_dislike'), U(reply), S('recommend_might_like'), U('accept_thanks'), S('end_reasonably')],
    });
    expect(validateTemplate(two('seen_before_dislike'))).toEqual([]);
    expect(validateTemplate(two('reject_thanks'))).toEqual([]);
    expect(validateTemplate(two('seen_before_like')).join('\n')).toMatch(/utterance 4: the user utterance after recommend_his_dislike must contain a rejection/);
    expect(validateTemplate(two('express_interest')).join('\n')).toMatch(/must contain a rejection/);
  });

  test('5: the length bounds are configurable', () => {
    expect(validateTemplate(valid(), { lengths: { 1: [8, 10], 2: [8, 14], 3: [10, 16] } })).toEqual(['6 utterances; a template with 1 recommendation(s) needs 8 to 10']);
  });
});

describe('loadTemplateLibrary', () => {
  test('refuses the library naming each invalid template and its reasons', () => {
    const bad = valid();
    bad.id = 'r1-99-bad';
    bad.utterances[0].goals = ['ask_recommendation'];
    let error: unknown;
    try {
      loadTemplateLibrary([valid(), bad, 'nonsense']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TemplateLibraryError);
    const problems = (error as TemplateLibraryError).problems;
    expect(problems.map((p) => p.id)).toEqual(['r1-99-bad', '#2']);
    expect((error as Error).message).toContain('template r1-99-bad: the first utterance must contain a greeting');
  });

  test('refuses duplicate ids and returns clean copies of valid templates in order', () => {
    expect(() => loadTemplateLibrary([valid(), valid()])).toThrow(/template test-ok: duplicate template id "test-ok"/);
    const extra = { ...valid(), id: 'b', comment: 'ignored' };
    const loaded: Template[] = loadTemplateLibrary([extra, valid()]);
    expect(loaded.map((t) => t.id)).toEqual(['b', 'test-ok']);
    expect(loaded[0]).not.toHaveProperty('comment');
  });
});
