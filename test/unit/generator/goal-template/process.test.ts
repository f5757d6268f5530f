import { processGoalTemplateOutput, recoverMentions } from '../../../../generator/goal-template/process';
import { contentHash } from '../../../../generator/output/checks';
import type { CatalogueItem } from '../../../../generator/types';
import { instanceWith, item, template } from '../../goal-template/fixtures';

// r1-08-likes-a with a single liked item, so the bindings are known: Paddington, then the gold Paddington 2.
const instance = instanceWith(template('r1-08-likes-a'), { likes: [item('B0L1', 'Paddington (2014)')], dislikes: [] });
const catalogue = new Map<string, CatalogueItem>([
  ['B0L1', { id: 11, asin: 'B0L1', cleanedTitle: 'Paddington' }],
  ['B0M1', { id: 21, asin: 'B0M1', cleanedTitle: 'Paddington 2' }],
]);

const CLEAN = [
  'User: Hi! I watched "Paddington" recently and adored the warm humour and the lovely London setting.',
  'Agent: Other viewers also praise Paddington for its gentle jokes and its big heart.',
  'User: Could you recommend something similar for a family evening?',
  'Agent: You might enjoy "Paddington 2"; a customer called it even warmer than the first film.',
  'User: What is the story about?',
  'Agent: The bear takes odd jobs to buy a special pop-up book and ends up in prison, where he wins everyone over.',
  'User: That sounds perfect, I will watch it tonight. Thank you!',
  'Agent: You are welcome, enjoy the film and have a lovely evening!',
];

const run = (lines: string[], finishReason: string | null = 'stop', extra = {}) =>
  processGoalTemplateOutput(lines.join('\n\n'), finishReason, instance, { catalogue, ...extra });
const codes = (r: ReturnType<typeof run>) => r.issues.map((i) => i.code);
const replace = (i: number, line: string) => CLEAN.map((l, j) => (j === i ? line : l));

describe('processGoalTemplateOutput (docs/pipeline.md §11.7–§11.8)', () => {
  test('a clean dialogue is accepted, text stored as written, mentions recovered from the bound titles', () => {
    const r = run(CLEAN);
    expect(r.issues).toEqual([]);
    expect(r.status).toBe('ACCEPTED');
    expect(r.turns.map((t) => t.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
    expect(r.turns[0]).toEqual({ role: 'USER', text: CLEAN[0].slice('User: '.length), rawText: null });
    expect(r.mentions).toEqual([
      { turn: 0, asin: 'B0L1', itemId: 11, rawId: 'B0L1', start: 15, end: 25, isRecommendation: false, isFirstMention: true },
      { turn: 1, asin: 'B0L1', itemId: 11, rawId: 'B0L1', start: 26, end: 36, isRecommendation: false, isFirstMention: false },
      { turn: 3, asin: 'B0M1', itemId: 21, rawId: 'B0M1', start: 17, end: 29, isRecommendation: true, isFirstMention: true },
    ]);
    expect([r.turns[0].text.slice(15, 25), r.turns[1].text.slice(26, 36), r.turns[3].text.slice(17, 29)]).toEqual(['Paddington', 'Paddington', 'Paddington 2']);
    expect(r.namedAsins).toEqual(['B0L1', 'B0M1']);
    expect(r.unresolvedItemIds).toEqual([]);
    expect(r.contentHash).toBe(contentHash(r.turns.map((t) => ({ role: t.role, text: t.text }))));
    expect(run(CLEAN.map((l) => l.toUpperCase().replace(/^USER/, 'User').replace(/^AGENT/, 'Agent'))).contentHash).toBe(r.contentHash);
  });

  test('UTTERANCE_TOO_LONG: more than 60 words', () => {
    const words = (n: number) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
    expect(codes(run(replace(4, `User: ${words(60)}`)))).toEqual([]);
    const r = run(replace(4, `User: ${words(61)}`));
    expect(codes(r)).toEqual(['UTTERANCE_TOO_LONG']);
    expect(r.issues[0]).toEqual({ code: 'UTTERANCE_TOO_LONG', severity: 'error', detail: 'turn 4: 61 words (limit 60)' });
    expect(r.status).toBe('REJECTED');
  });

  test('TEMPLATE_LENGTH_MISMATCH: utterance count or speaker sequence', () => {
    const short = run(CLEAN.slice(0, 7));
    expect(codes(short)).toEqual(['TEMPLATE_LENGTH_MISMATCH']);
    expect(short.issues[0].detail).toBe('7 utterances, template r1-08-likes-a has 8');
    const swapped = run(CLEAN.map((l) => (l.startsWith('User:') ? l.replace('User:', 'Agent:') : l.replace('Agent:', 'User:'))));
    expect(codes(swapped)).toContain('TEMPLATE_LENGTH_MISMATCH');
    expect(swapped.issues.find((i) => i.code === 'TEMPLATE_LENGTH_MISMATCH')!.detail).toMatch(/^speaker sequence differs from template r1-08-likes-a: turn 0 is ASSISTANT, template says USER/);
  });

  test('GOLD_NOT_RECOMMENDED: no Agent utterance names the gold, exactly or within 2 edits', () => {
    const missing = run(replace(3, 'Agent: You might enjoy the sequel to Paddington; a customer called it even warmer.'));
    expect(codes(missing)).toEqual(['GOLD_NOT_RECOMMENDED']);
    expect(missing.issues[0].detail).toBe('no Agent utterance names the gold B0M1 "Paddington 2"');
    // Named by the user only.
    expect(codes(run(replace(3, 'Agent: You might enjoy a bear sequel.').map((l, i) => (i === 4 ? 'User: Do you mean Paddington 2?' : l))))).toEqual(['GOLD_NOT_RECOMMENDED']);
    // A misspelling within 2 edits is accepted (no mention: mentions are exact).
    const fuzzy = run(replace(3, 'Agent: You might enjoy "Padington 2"; a customer called it even warmer.'));
    expect(codes(fuzzy)).toEqual([]);
    expect(fuzzy.mentions.some((m) => m.asin === 'B0M1')).toBe(false);
  });

  test('the shared checks run too (GT flavour): TRUNCATED, LEFTOVER_TEMPLATE, ROLE_ALTERNATION', () => {
    expect(codes(run(CLEAN, 'length'))).toEqual(['TRUNCATED']);
    expect(codes(run(replace(2, 'User: [USER_HIS_LIKES] Could you recommend something?')))).toEqual(['LEFTOVER_TEMPLATE']);
    const doubled = [...CLEAN.slice(0, 2), 'Agent: And another thing about it.', ...CLEAN.slice(2)];
    expect(codes(run(doubled))).toEqual(['ROLE_ALTERNATION', 'TEMPLATE_LENGTH_MISMATCH']);
    const merged = run(doubled, 'stop', { mergeSameRole: true });
    expect(merged.issues.map((i) => `${i.code}:${i.severity}`)).toEqual(['ROLE_ALTERNATION:warning']);
    expect(merged.turns).toHaveLength(8);
    expect(merged.turns[1].text).toBe(`${CLEAN[1].slice('Agent: '.length)}\nAnd another thing about it.`);
  });

  test('NO_TURNS stops the GT checks; an empty response is EMPTY_RESPONSE too', () => {
    const none = processGoalTemplateOutput('I am sorry, I cannot help.', 'stop', instance, { catalogue });
    expect(none.issues.map((i) => i.code)).toEqual(['NO_TURNS']);
    expect(none).toMatchObject({ status: 'REJECTED', turns: [], mentions: [] });
    expect(processGoalTemplateOutput('  ', 'stop', instance, { catalogue }).issues.map((i) => i.code)).toEqual(['NO_TURNS', 'EMPTY_RESPONSE']);
  });

  test('parser warnings are kept on accepted dialogues', () => {
    const r = processGoalTemplateOutput(`Sure! Here it is.\n\n${CLEAN.map((l, i) => `${i + 1}. **${l.replace(':', ':**')}`).join('\n\n')}`, 'stop', instance, { catalogue });
    expect(r.issues.map((i) => `${i.code}:${i.severity}`)).toEqual(['PREAMBLE:warning']);
    expect(r.status).toBe('ACCEPTED');
  });

  test('mentions: longest title first, quoted or not; a shared title goes to the gold in Agent turns and to the history item in User turns', () => {
    const same = instanceWith(template('r1-08-likes-a'), { likes: [item('B0L1', 'Heat')], mightLikes: [item('B0M1', 'Heat')], dislikes: [] });
    const mentions = recoverMentions(
      [
        { role: 'USER', text: 'I loved Heat.' },
        { role: 'ASSISTANT', text: 'Then "Heat" is for you.' },
      ],
      same,
      new Map(),
    );
    expect(mentions.map((m) => [m.turn, m.asin, m.itemId, m.isRecommendation])).toEqual([
      [0, 'B0L1', null, false],
      [1, 'B0M1', null, true],
    ]);
  });
});
