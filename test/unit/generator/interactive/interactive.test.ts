import { converse, type ConversationPorts } from '../../../../generator/interactive/conversation';
import { redactTitle } from '../../../../generator/interactive/leak';
import { aggregateOutcomes, interactiveRows, mean, proportion } from '../../../../generator/interactive/metrics';
import { Catalogue, readRecommendations } from '../../../../generator/interactive/recommended';
import { ACCEPT_CUE, seekerMessages, seekerSystemPrompt } from '../../../../generator/interactive/seeker';

const catalogue = new Catalogue([
  { id: 1, asin: 'B001', title: 'Blade Runner' },
  { id: 2, asin: 'B002', title: 'Blade Runner 2049' },
  { id: 3, asin: 'B003', title: 'Amélie' },
  { id: 4, asin: 'B004', title: 'The Shining' },
]);

describe('leak redaction', () => {
  test('exact and misspelt titles are blanked and counted; a longer history title that contains the target is kept', () => {
    expect(redactTitle('I think it is called Amélie, or so.', 'Amélie')).toMatchObject({ text: 'I think it is called […], or so.', found: 1, distances: [0] });
    expect(redactTitle('Maybe "The Shinning"? Or the shining again', 'The Shining')).toMatchObject({ found: 2 });
    expect(redactTitle('Maybe "The Shinning"? Or the shining again', 'The Shining').text).not.toMatch(/shin/i);
    expect(redactTitle('I loved Blade Runner 2049.', 'Blade Runner', undefined, { keep: ['Blade Runner 2049'] })).toMatchObject({ found: 0, text: 'I loved Blade Runner 2049.' });
    expect(redactTitle('I loved Blade Runner 2049, is it Blade Runner?', 'Blade Runner', undefined, { keep: ['Blade Runner 2049'] }).text).toBe('I loved Blade Runner 2049, is it […]?');
    expect(redactTitle('Something about Paris, please.', 'Amélie')).toMatchObject({ found: 0 });
  });
});

describe('seeker prompt', () => {
  const brief = {
    stereotypeKey: 'Fully Expressive Seeker',
    features: { historyBlock: true, historyFeatures: [], targetVisibility: 'full' as const, targetFeatures: ['Genres', 'Keywords', 'Actors', 'Overview'] },
    history: [{ title: 'Paddington', rating: 5 }, { title: 'The Shining', rating: 1 }],
    target: { title: 'Amélie', genres: ['Comedy'], keywords: ['paris'], cast: ['Audrey Tautou'], directors: [], overview: 'Amélie, a shy waitress, meddles in lives.' },
  };
  test('holds the persona, history and target attributes, never the target title (the overview is blanked)', () => {
    const p = seekerSystemPrompt(brief);
    expect(p).toContain('The user knows exactly what they like');
    expect(p).toContain('Liked: Paddington');
    expect(p).toContain('Disliked: The Shining');
    expect(p).toContain('Keywords: paris');
    expect(p).toContain('Actors: Audrey Tautou');
    expect(p).toContain('the film, a shy waitress');
    expect(p).not.toContain('Amélie');
  });
  test('a stereotype that sees only the title gets genres and keywords, not the cast or overview', () => {
    const p = seekerSystemPrompt({ ...brief, features: { ...brief.features, targetVisibility: 'titleAndId' } });
    expect(p).toContain('Genres: Comedy');
    expect(p).not.toContain('Audrey Tautou');
    expect(p).not.toContain('waitress');
  });
  test('the seeker speaks as the assistant; the closing cue is appended to the system reply', () => {
    const m = seekerMessages('SYS', [{ role: 'USER', text: 'hi' }, { role: 'ASSISTANT', text: 'Try Amélie' }], true);
    expect(m.map((x) => x.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(m[3].content).toBe(`Try Amélie\n\n${ACCEPT_CUE}`);
  });
});

describe('recommendations read from a reply', () => {
  test('listed ids (ASINs or global ids) win; unknown ids are reported', () => {
    const global = Buffer.from('Item:3').toString('base64');
    expect(readRecommendations({ text: 'whatever', items: ['B004', global, 'NOPE'] }, catalogue)).toEqual({ itemIds: [4, 3], by: 'ids', unknownIds: ['NOPE'] });
  });
  test('otherwise titles in the text, in order, the longest title first; a numbered list matches fuzzily', () => {
    expect(readRecommendations({ text: 'You could try Blade Runner 2049 or The Shining.', items: null }, catalogue).itemIds).toEqual([2, 4]);
    expect(readRecommendations({ text: 'Here you go:\n1. Amelie (2001)\n2. The Shinning', items: null }, catalogue).itemIds).toEqual([3, 4]);
    expect(readRecommendations({ text: 'Tell me more about your taste.', items: null }, catalogue).itemIds).toEqual([]);
  });
});

describe('a conversation', () => {
  function ports(script: { seeker: string[]; recommend: number[][] }): ConversationPorts & { heard: string[] } {
    let s = 0;
    let r = 0;
    const heard: string[] = [];
    return {
      heard,
      seeker: async () => ({ text: script.seeker[s++] ?? 'ok', model: 'seeker', usage: null, latencyMs: 1 }),
      system: async (_context, message) => {
        heard.push(message);
        return { text: `reply ${r}`, items: null, latencyMs: 1, model: 'crs' };
      },
      recommend: () => ({ itemIds: script.recommend[r++] ?? [], by: 'titles' as const, unknownIds: [] }),
    };
  }
  test('stops when the target is recommended, then the seeker accepts; leaks are redacted before the system hears them', async () => {
    const p = ports({ seeker: ['I want something like Amélie', 'more romance', 'Yes, thanks!'], recommend: [[4], [2, 3]] });
    const result = await converse(p, { seekerSystem: 'S', targetTitle: 'Amélie', targetItemId: 3, maxRounds: 5, k: 1 });
    expect(result.outcome).toMatchObject({ rounds: 2, successRound: 2, lastList: [2, 3], recallAtK: 0, seekerUtterances: 2, leakedUtterances: 1 });
    expect(p.heard).toEqual(['I want something like […]', 'more romance']);
    expect(result.turns.map((t) => t.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER']);
    expect(result.turns.at(-1)!.text).toBe('Yes, thanks!');
    expect(result.rawSeeker[0]).toBe('I want something like Amélie');
  });
  test('runs maxRounds without success; recall is taken on the last non-empty list', async () => {
    const result = await converse(ports({ seeker: [], recommend: [[3], [], []] }), { seekerSystem: 'S', targetTitle: 'Zzz Qqq', targetItemId: 9, maxRounds: 3, k: 10 });
    expect(result.outcome).toMatchObject({ rounds: 3, successRound: null, lastList: [3], recallAtK: 0 });
    expect(result.turns).toHaveLength(6);
  });
});

describe('interactive metrics', () => {
  test('Wilson interval for rates, normal for means, checked by hand', () => {
    const p = proportion(3, 10);
    expect(p.mean).toBeCloseTo(0.3, 12);
    expect(p.standardError).toBeCloseTo(Math.sqrt(0.021), 12);
    // Wilson 95 % for 3/10: 0.1078 – 0.6032.
    expect(p.low).toBeCloseTo(0.1078, 3);
    expect(p.high).toBeCloseTo(0.6032, 3);
    expect(proportion(0, 5).low).toBe(0);
    expect(proportion(0, 0).mean).toBeNull();
    const m = mean([2, 4, 6]);
    expect(m.mean).toBe(4);
    expect(m.standardError).toBeCloseTo(2 / Math.sqrt(3), 12);
    expect(m.high! - m.mean!).toBeCloseTo(1.959964 * (2 / Math.sqrt(3)), 5);
  });
  test('success@r, recall@k, rounds to success (successes only) and leak rate over conversations, overall and per stereotype', () => {
    const o = (successRound: number | null, recallAtK: 0 | 1, leaked: number, rounds = successRound ?? 3) => ({ rounds, maxRounds: 3, k: 5, successRound, lastList: [], recallAtK, seekerUtterances: rounds, leakedUtterances: leaked });
    const metrics = aggregateOutcomes([o(1, 1, 0), o(3, 1, 1), o(null, 0, 0)], { maxRounds: 3, k: 5 });
    expect(metrics['success'].mean).toBeCloseTo(2 / 3, 12);
    expect(metrics['success@1'].mean).toBeCloseTo(1 / 3, 12);
    expect(metrics['success@2'].mean).toBeCloseTo(1 / 3, 12);
    expect(metrics['success@3'].mean).toBeCloseTo(2 / 3, 12);
    expect(metrics['recall@5'].mean).toBeCloseTo(2 / 3, 12);
    expect(metrics['rounds_to_success']).toMatchObject({ mean: 2, n: 2 });
    expect(metrics['leak_rate'].mean).toBeCloseTo((0 + 1 / 3 + 0) / 3, 12);
    expect(metrics['leaked_conversations'].mean).toBeCloseTo(1 / 3, 12);
    const rows = interactiveRows([{ stereotype: 'B', outcome: o(1, 1, 0) }, { stereotype: 'A', outcome: o(null, 0, 0) }], { maxRounds: 3, k: 5, stereotypeOrder: ['B', 'A'] });
    expect(rows.map((r) => [r.stereotype, r.conversations])).toEqual([[null, 2], ['B', 1], ['A', 1]]);
  });
});
