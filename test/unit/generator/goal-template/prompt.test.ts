import {
  concretiseTemplate,
  DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS,
  domainNoun,
  renderGoalTemplatePrompt,
  userInformation,
} from '../../../../generator/goal-template/prompt';
import { loadTemplateLibrary } from '../../../../generator/goal-template/templates';
import { instanceWith, item, review, template, user } from '../../goal-template/fixtures';

const LINE = /^(\d+)\. (User|Agent) — (.+)$/;

describe('goal-template prompt (docs/pipeline.md §11.6)', () => {
  test('system = the filled instructions; user = the numbered template lines and the user information', () => {
    const instance = instanceWith(template('r1-08-likes-a'));
    const messages = renderGoalTemplatePrompt(instance, { domain: 'Movies_and_TV' });
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0].content).toContain('about movie recommendations');
    expect(messages[0].content).toContain('Output exactly 8 utterances');
    expect(messages[0].content).not.toMatch(/\{domainNoun\}|\{utteranceCount\}/);
    const [head, ...rest] = messages[1].content.split('\n');
    expect(head).toBe('Template:');
    const lines = rest.slice(0, 8);
    expect(lines.map((l) => LINE.exec(l)?.slice(1, 3))).toEqual(
      instance.template.utterances.map((u, i) => [String(i + 1), u.speaker === 'user' ? 'User' : 'Agent']),
    );
    expect(rest.slice(8, 10)).toEqual(['', 'User information:']);
    expect(JSON.parse(rest.slice(10).join('\n'))).toEqual(userInformation(instance));
  });

  test('template lines: sub-goal descriptions joined by "; ", bound titles and reviews in straight double quotes', () => {
    const instance = instanceWith(template('r1-08-likes-a'));
    const liked = instance.bindings[0];
    const lines = concretiseTemplate(instance, 'Movies_and_TV');
    expect(lines[0]).toBe(
      `1. User — greet the agent and talk about "${liked.title}", a movie they liked, in the spirit of their own review: "I enjoyed ${liked.title}. ${'good '.repeat(25).trim()}"`,
    );
    expect(lines[1]).toMatch(new RegExp(`^2\\. Agent — answer using another customer's review of "${liked.title}": "[^"]+"$`));
    expect(lines[2]).toBe('3. User — ask for a recommendation');
    expect(lines[3]).toMatch(/^4\. Agent — recommend "Paddington 2"; introduce it using another customer's review: "(Great\. Another customer|A second opinion)[^"]*"$/);
    expect(lines[7]).toBe('8. Agent — close the conversation appropriately');
  });

  test('an introduction on its own line names the item; seen_before lines name it and echo the own review', () => {
    const [custom] = loadTemplateLibrary([
      {
        id: 'custom',
        recommendations: 1,
        utterances: [
          { speaker: 'user', goals: ['greet_likes'] },
          { speaker: 'system', goals: ['introduce_other_likes_review'] },
          { speaker: 'user', goals: ['ask_recommendation'] },
          { speaker: 'system', goals: ['recommend_might_like'] },
          { speaker: 'user', goals: ['accept_thanks'] },
          { speaker: 'system', goals: ['end_reasonably'] },
        ],
      },
    ]);
    const introduced = instanceWith(custom);
    expect(concretiseTemplate(introduced, 'Books')[1]).toMatch(new RegExp(`^2\\. Agent — introduce "${introduced.userLikes.map((a) => user().likes.find((l) => l.asin === a)!.title)[0]}" using another customer's review: "[^"]+"$`));
    const lines = concretiseTemplate(instanceWith(template('r2-01-likes-a')), 'Books');
    expect(lines[4]).toMatch(/^5\. User — decline "[^"]+" because they have already read it and liked it, echoing their own review: "I enjoyed [^"]+"$/);
    expect(lines[5]).toMatch(/^6\. Agent — answer in tune with the user's mood; recommend "Paddington 2"$/);
  });

  test('double quotes inside titles and reviews become single quotes; review markup is removed', () => {
    const likes = [item('B0L1', 'The "Burbs', review(`Loved it<br/>so much &amp; more "really" ${'x '.repeat(20)}`, 'Five "stars"'))];
    const lines = concretiseTemplate(instanceWith(template('r1-01-likes-a'), { likes, dislikes: [] }), 'Movies_and_TV');
    expect(lines[0]).toBe(`1. User — greet the agent and talk about "The 'Burbs", a movie they liked, in the spirit of their own review: "Five 'stars'. Loved it so much more 'really' ${'x '.repeat(20).trim()}"`);
  });

  test('domain noun: Movies_and_TV / Movies → movie, Books → book, other → product', () => {
    expect(['Movies_and_TV', 'Movies', 'Movie', 'Books', 'Sports_and_Outdoors', 'Electronics'].map(domainNoun)).toEqual(['movie', 'movie', 'movie', 'book', 'product', 'product']);
    const messages = renderGoalTemplatePrompt(instanceWith(template('r1-01-likes-a')), { domain: 'Electronics' });
    expect(messages[0].content).toContain('about product recommendations');
  });

  test("an operator's instructions are used as given, with the placeholders filled", () => {
    const instance = instanceWith(template('r1-01-likes-a'));
    const [system] = renderGoalTemplatePrompt(instance, { domain: 'Books', instructions: 'Write {utteranceCount} {domainNoun} turns. Keep {other} as is.' });
    expect(system.content).toBe('Write 6 book turns. Keep {other} as is.');
    expect(DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS).toContain('{domainNoun}');
    expect(DEFAULT_GOAL_TEMPLATE_INSTRUCTIONS).toContain('{utteranceCount}');
  });

  test('user information: liked and disliked items talked about with own reviews; recommendations in order with slot and other review', () => {
    const instance = instanceWith(template('r2-02-likes-b'), { userKey: 'U7' });
    const info = userInformation(instance);
    expect(info.liked.map((l) => l.title)).toEqual(instance.userLikes.map((a) => user().likes.find((l) => l.asin === a)!.title));
    expect(info.liked.every((l) => l.own_review!.startsWith('I enjoyed'))).toBe(true);
    expect(info.disliked).toEqual([]);
    expect(info.to_recommend.map((r) => r.slot)).toEqual(['USER_HIS_LIKES', 'USER_MIGHT_LIKES']);
    expect(info.to_recommend[1]).toMatchObject({ title: 'Paddington 2', other_review: expect.any(String) });
  });
});
