import { drawPairs } from '../../../../generator/judge/enqueue';
import { BUILT_IN_RUBRICS, comparisonMessages, JudgeAnswerError, judgementMessages, parseComparison, parseJudgement, rubricProblems } from '../../../../generator/judge/rubrics';
import { judgeAnswer, scriptedJudgeScore } from '../../../support/scripted-openai';

const turns = [
  { index: 0, role: 'USER' as const, text: 'Hi, I loved Heat.' },
  { index: 1, role: 'ASSISTANT' as const, text: 'Then try Collateral, a tense night-time thriller.' },
];

describe('LLM_REDIAL (per utterance, 0–2)', () => {
  const d = BUILT_IN_RUBRICS.LLM_REDIAL;

  test('the dialogue score of a criterion is the mean of its utterances’ scores', () => {
    const answer = JSON.stringify({
      utterances: [
        { turn: 0, scores: { fluency: 2, informativeness: 1, logicality: 2, coherence: 2 } },
        { turn: 1, scores: { fluency: 1, informativeness: 2, logicality: 2, coherence: 1 } },
      ],
      rationale: 'fine',
    });
    const parsed = parseJudgement(d, answer, 2);
    expect(parsed.scores).toEqual({ fluency: 1.5, informativeness: 1.5, logicality: 2, coherence: 1.5 });
    expect(parsed.utteranceScores).toHaveLength(2);
    expect(parsed.rationale).toBe('fine');
  });

  test('answers off the schema are JudgeAnswerErrors naming the field', () => {
    expect(() => parseJudgement(d, '{"utterances": [', 2)).toThrow(JudgeAnswerError);
    expect(() => parseJudgement(d, JSON.stringify({ utterances: [] }), 2)).toThrow(/expected 2 entries/);
    const bad = { utterances: [0, 1].map((turn) => ({ turn, scores: { fluency: 3, informativeness: 1, logicality: 1, coherence: 1 } })) };
    expect(() => parseJudgement(d, JSON.stringify(bad), 2)).toThrow(/utterances\[0\]\.scores\.fluency: expected an integer from 0 to 2, got 3/);
  });

  test('the prompt lists every utterance and asks for a schema with one entry each', () => {
    const m = judgementMessages(d, turns);
    expect(m.messages[1].content).toContain('[1] Recommender: Then try Collateral');
    expect((m.schema as any).properties.utterances.minItems).toBe(2);
  });

  test('the scripted judge answers in the schema with scores derived from the text', () => {
    const m = judgementMessages(d, turns);
    const content = judgeAnswer({ messages: m.messages, response_format: { type: 'json_schema', json_schema: { schema: m.schema } } });
    const parsed = parseJudgement(d, content, 2);
    expect(parsed.utteranceScores![1].scores.fluency).toBe(scriptedJudgeScore('fluency', turns[1].text, 0, 2));
  });
});

describe('pairwise comparison', () => {
  const criteria = BUILT_IN_RUBRICS.DISTILLRECDIAL.criteria;
  test('verdicts are "1", "2" or "tie" per criterion', () => {
    const w = { naturalness: '1', relevance: 'tie', consistency: '2' };
    expect(parseComparison(criteria, JSON.stringify({ winners: w })).winners).toEqual(w);
    expect(() => parseComparison(criteria, JSON.stringify({ winners: { ...w, relevance: 'A' } }))).toThrow(/winners.relevance/);
  });

  test('the scripted judge prefers the longer dialogue, in whichever position', () => {
    const long = [...turns, { index: 2, role: 'USER' as const, text: 'Great, thanks a lot for the tip!' }];
    const ask = (a: typeof turns, b: typeof turns) => {
      const m = comparisonMessages(criteria, a, b);
      return parseComparison(criteria, judgeAnswer({ messages: m.messages, response_format: { type: 'json_schema', json_schema: { schema: m.schema } } })).winners.naturalness;
    };
    expect(ask(long, turns)).toBe('1');
    expect(ask(turns, long)).toBe('2');
  });

  test('pairs are seeded, use both display orders and pair entries uniformly', () => {
    const entries = [{ ids: [1, 2, 3] }, { ids: [10, 11] }, { ids: [20] }];
    const a = drawPairs(entries, 60, 5);
    expect(drawPairs(entries, 60, 5)).toEqual(a);
    expect(drawPairs(entries, 60, 6)).not.toEqual(a);
    expect(new Set(a.map((p) => p.aFirst))).toEqual(new Set([true, false]));
    for (const p of a) {
      expect(p.ea).toBeLessThan(p.eb);
      expect(entries[p.ea].ids).toContain(p.a);
      expect(entries[p.eb].ids).toContain(p.b);
    }
    expect(new Set(a.map((p) => `${p.ea}-${p.eb}`)).size).toBe(3);
  });
});

test('user-defined rubrics are checked field by field', () => {
  expect(rubricProblems(BUILT_IN_RUBRICS.DISTILLRECDIAL)).toEqual([]);
  const bad = { ...BUILT_IN_RUBRICS.DISTILLRECDIAL, min: 3, max: 3, criteria: [{ key: 'Bad Key', description: 'x' }] };
  expect(rubricProblems(bad).map(([f]) => f)).toEqual(['max', 'criteria[0].key']);
});
