import { parseAgentTurns } from '../../../../generator/goal-template/parse';

const codes = (r: ReturnType<typeof parseAgentTurns>) => r.issues.map((i) => `${i.code}:${i.severity}`);

describe('parseAgentTurns (docs/pipeline.md §11.7)', () => {
  test('User:/Agent: lines separated by blank lines', () => {
    const r = parseAgentTurns('User: Hi! I loved "Paddington".\n\nAgent: Then try "Paddington 2".\n\nUser: Great, thank you!');
    expect(r.utterances).toEqual([
      { role: 'USER', text: 'Hi! I loved "Paddington".' },
      { role: 'ASSISTANT', text: 'Then try "Paddington 2".' },
      { role: 'USER', text: 'Great, thank you!' },
    ]);
    expect(r.issues).toEqual([]);
  });

  test('markers wrapped in ** (colon inside or outside), numbered, any case, CRLF', () => {
    const r = parseAgentTurns('**User:** Hello\r\n**Agent**: Hi\r\n1. User: One\r\n2. **Agent:** Two\r\nUSER: shout\r\n  agent :  spaced  ');
    expect(r.utterances.map((u) => [u.role, u.text])).toEqual([
      ['USER', 'Hello'],
      ['ASSISTANT', 'Hi'],
      ['USER', 'One'],
      ['ASSISTANT', 'Two'],
      ['USER', 'shout'],
      ['ASSISTANT', 'spaced'],
    ]);
  });

  test('other non-blank lines continue the previous utterance, joined by one space', () => {
    const r = parseAgentTurns('User:\nI want something\n  funny.\n\nAgent: Try this one,\n\nit is great.');
    expect(r.utterances).toEqual([
      { role: 'USER', text: 'I want something funny.' },
      { role: 'ASSISTANT', text: 'Try this one, it is great.' },
    ]);
  });

  test('a preamble is dropped with a warning', () => {
    const r = parseAgentTurns('Here is the conversation:\n\nUser: Hi\n\nAgent: Hello');
    expect(r.utterances).toHaveLength(2);
    expect(codes(r)).toEqual(['PREAMBLE:warning']);
    expect(r.issues[0].detail).toContain('Here is the conversation:');
  });

  test('no speaker line → NO_TURNS', () => {
    expect(codes(parseAgentTurns('I cannot write that conversation.'))).toEqual(['NO_TURNS:error']);
    expect(parseAgentTurns('').utterances).toEqual([]);
    // A template line echoed back has no colon after the speaker: not an utterance.
    expect(codes(parseAgentTurns('1. User — ask for a recommendation'))).toEqual(['NO_TURNS:error']);
  });

  test('empty utterances: a trailing one is dropped (warning), others are EMPTY_TURN', () => {
    expect(codes(parseAgentTurns('User: Hi\nAgent: Hello\nUser:'))).toEqual(['TRAILING_EMPTY_TURN:warning']);
    const r = parseAgentTurns('User: Hi\nAgent:\nUser: Hello?\nAgent: Sorry');
    expect(codes(r)).toEqual(['EMPTY_TURN:error']);
    expect(r.issues[0].detail).toBe('empty utterance at turn 1');
  });

  test('a trailing chat-template token is stripped with a warning', () => {
    const r = parseAgentTurns('User: Hi\n\nAgent: Hello<|eot_id|>\n');
    expect(r.utterances[1].text).toBe('Hello');
    expect(codes(r)).toEqual(['TEMPLATE_TOKEN_STRIPPED:warning']);
  });
});
