import { parseMarkedTurns } from '../../../../generator/output/parse-turns';

// docs/formats.md §3.5.
const CLEAN = [
  '[USR]: Hi! I want something light and funny for the weekend.',
  '[AI]: Happy to help. Do you like adventure mixed into your comedy?',
  '[USR]: Yes, and I loved <id_B0FAKE0001>.',
  '[AI]: Then <id_B0FAKE0003> is a great pick: a warm comedy-adventure with the same bear.',
  "[USR]: Perfect, I'll watch it tonight!",
].join('\n');

const codes = (r: ReturnType<typeof parseMarkedTurns>) => r.issues.map((i) => i.code);

describe('parseMarkedTurns (docs/pipeline.md §8.1)', () => {
  it('parses the docs/formats.md §3.5 example into five alternating utterances without issues', () => {
    const r = parseMarkedTurns(CLEAN);
    expect(r.issues).toEqual([]);
    expect(r.utterances.map((u) => u.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER']);
    expect(r.utterances[2].text).toBe('Yes, and I loved <id_B0FAKE0001>.');
    expect(r.utterances[4].text).toBe("Perfect, I'll watch it tonight!");
  });

  it('normalises line endings and keeps multi-line utterances', () => {
    const r = parseMarkedTurns('[USR]: Hello\r\nthere\r[AI]: Hi!\r\n');
    expect(r.utterances).toEqual([
      { role: 'USER', text: 'Hello\nthere' },
      { role: 'ASSISTANT', text: 'Hi!' },
    ]);
  });

  it.each([
    ['[usr] hi [Ai]: hello', ['hi', 'hello']],
    ['**[USR]:** hi\n**[AI]**: hello', ['hi', 'hello']],
    ['*[USR]* hi\n*[AI]:* hello', ['hi', 'hello']],
    ['[USR]:hi[AI]:hello', ['hi', 'hello']],
  ])('accepts the marker variants of %j', (response, texts) => {
    const r = parseMarkedTurns(response);
    expect(r.issues).toEqual([]);
    expect(r.utterances.map((u) => u.text)).toEqual(texts);
    expect(r.utterances.map((u) => u.role)).toEqual(['USER', 'ASSISTANT']);
  });

  it('strips trailing template tokens with a warning', () => {
    const r = parseMarkedTurns(`${CLEAN}<|eot_id|>\n`);
    expect(codes(r)).toEqual(['TEMPLATE_TOKEN_STRIPPED']);
    expect(r.issues[0].detail).toContain('<|eot_id|>');
    expect(r.utterances[4].text).toBe("Perfect, I'll watch it tonight!");
    const both = parseMarkedTurns(`${CLEAN}<|eot_id|><|end_of_text|>`);
    expect(both.issues[0].detail).toContain('<|eot_id|><|end_of_text|>');
    expect(both.utterances).toHaveLength(5);
  });

  it('discards a preamble with a warning that quotes it', () => {
    const r = parseMarkedTurns(`Here is the conversation:\n\n${CLEAN}`);
    expect(codes(r)).toEqual(['PREAMBLE']);
    expect(r.issues[0]).toMatchObject({ severity: 'warning' });
    expect(r.issues[0].detail).toContain('Here is the conversation:');
    expect(r.utterances).toHaveLength(5);
    expect(codes(parseMarkedTurns(`  \n${CLEAN}`))).toEqual([]);
  });

  it('drops a trailing empty turn with a warning', () => {
    const r = parseMarkedTurns(`${CLEAN}\n[AI]:  \n`);
    expect(codes(r)).toEqual(['TRAILING_EMPTY_TURN']);
    expect(r.utterances).toHaveLength(5);
  });

  it('reports an empty turn in the middle as an error with its index', () => {
    const r = parseMarkedTurns('[USR]: hi\n[AI]:\n[USR]: hello?\n[AI]: sorry');
    expect(r.issues).toEqual([{ code: 'EMPTY_TURN', severity: 'error', detail: 'empty utterance at turn 1' }]);
    expect(r.utterances).toHaveLength(4);
  });

  it('reports NO_TURNS when there is no marker', () => {
    const r = parseMarkedTurns('User: hi\nAgent: hello');
    expect(r.utterances).toEqual([]);
    expect(r.issues).toEqual([expect.objectContaining({ code: 'NO_TURNS', severity: 'error' })]);
    expect(codes(parseMarkedTurns(''))).toEqual(['NO_TURNS']);
  });
});
