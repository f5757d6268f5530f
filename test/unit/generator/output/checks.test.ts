import { commonChecks, contentHash, isRejected, mergeSameRoleUtterances } from '../../../../generator/output/checks';
import type { ParsedUtterance, ValidationIssue } from '../../../../generator/types';

const U = (text: string): ParsedUtterance => ({ role: 'USER', text });
const A = (text: string): ParsedUtterance => ({ role: 'ASSISTANT', text });

// docs/formats.md §3.5, parsed.
const CLEAN: ParsedUtterance[] = [
  U('Hi! I want something light and funny for the weekend.'),
  A('Happy to help. Do you like adventure mixed into your comedy?'),
  U('Yes, and I loved <id_B0FAKE0001>.'),
  A('Then <id_B0FAKE0003> is a great pick: a warm comedy-adventure with the same bear.'),
  U("Perfect, I'll watch it tonight!"),
];
const RESPONSE = CLEAN.map((u) => `${u.role === 'USER' ? '[USR]' : '[AI]'}: ${u.text}`).join('\n');

/** The clean dialogue with utterance `index` replaced. */
function withTurn(index: number, text: string): ParsedUtterance[] {
  return CLEAN.map((u, i) => (i === index ? { ...u, text } : u));
}

function run(utterances: ParsedUtterance[], extra: Partial<Parameters<typeof commonChecks>[0]> = {}): ValidationIssue[] {
  return commonChecks({ response: RESPONSE, finishReason: 'stop', utterances, strategy: 'DRD', ...extra });
}
const codes = (issues: ValidationIssue[]) => issues.map((i) => i.code);
const only = (issues: ValidationIssue[], code: string) => {
  expect(codes(issues)).toEqual([code]);
  return issues[0];
};

describe('commonChecks (docs/pipeline.md §8.3)', () => {
  it('passes the clean docs/formats.md §3.5 dialogue for both strategies', () => {
    expect(run(CLEAN)).toEqual([]);
    expect(run(CLEAN, { strategy: 'GT' })).toEqual([]);
    expect(run(CLEAN, { finishReason: null })).toEqual([]);
  });

  it('EMPTY_RESPONSE: whitespace only', () => {
    expect(only(commonChecks({ response: ' \n ', finishReason: 'stop', utterances: [], strategy: 'DRD' }), 'EMPTY_RESPONSE').severity).toBe('error');
  });

  it("TRUNCATED: finish_reason 'length'", () => {
    expect(only(run(CLEAN, { finishReason: 'length' }), 'TRUNCATED').severity).toBe('error');
  });

  it('FIRST_SPEAKER: the assistant opens; severity configurable', () => {
    const swapped = [A('Hello! What are you in the mood for?'), U('Something funny.'), A('Try <id_B0FAKE0003>, a warm comedy.')];
    const issue = only(run(swapped), 'FIRST_SPEAKER');
    expect(issue).toEqual({ code: 'FIRST_SPEAKER', severity: 'error', detail: 'turn 0 is by ASSISTANT, expected USER' });
    expect(only(run(swapped, { firstSpeaker: 'warning' }), 'FIRST_SPEAKER').severity).toBe('warning');
  });

  it('ROLE_ALTERNATION: two consecutive assistant turns; merged as a warning with mergeSameRole', () => {
    const doubled = [...CLEAN.slice(0, 4), A('It also has a great soundtrack.'), U('Sounds good, thanks!')];
    const issue = only(run(doubled), 'ROLE_ALTERNATION');
    expect(issue.severity).toBe('error');
    expect(issue.detail).toContain('turns 3 and 4 (ASSISTANT)');
    expect(only(run(doubled, { mergeSameRole: true }), 'ROLE_ALTERNATION').severity).toBe('warning');
    expect(mergeSameRoleUtterances(doubled)).toHaveLength(5);
    expect(mergeSameRoleUtterances(doubled)[3].text).toBe(`${CLEAN[3].text}\nIt also has a great soundtrack.`);
  });

  it('REPETITION sees merged utterances under mergeSameRole', () => {
    // The same 5-word assistant sentence twice in a row: a repeat when separate, one utterance when merged.
    const twice = [U('Any ideas for tonight?'), A('You should watch a comedy.'), A('You should watch a comedy.'), U('Fine.')];
    expect(codes(run(twice))).toEqual(['ROLE_ALTERNATION', 'REPETITION']);
    expect(codes(run(twice, { mergeSameRole: true }))).toEqual(['ROLE_ALTERNATION']);
  });

  describe('LEFTOVER_TEMPLATE', () => {
    it.each([
      ['a special token', 'Then <id_B0FAKE0003> is a great pick.<|eot_id|>', 'special token'],
      ['the recommendation marker', 'Then <|reserved_special_token_10|> Paddington 2.', 'special token'],
      ['a feature line', 'Then try this one.\nGenres: Comedy, Adventure', 'prompt feature line'],
      ['an item line', 'Item: Paddington 2, ID: <id_B0FAKE0003>', 'prompt feature line'],
      ['a visual caption line', 'Visual Caption: A bear in a striped uniform.', 'prompt feature line'],
      ['a review line', 'Great pick.\nUser Review Title: Even better', 'prompt review line'],
      ['a prompt phrase', 'Since this is the target item to recommend, try <id_B0FAKE0003>.', 'prompt phrase'],
      ['a history phrase', 'The user has interacted with the following items: none.', 'prompt phrase'],
      ['a broken marker', 'Then <id_B0FAKE0003> is a great pick. [USR Sounds fun', 'speaker marker'],
      ['a broken closing marker', 'Then <id_B0FAKE0003> is a great pick.\nAI]: You are welcome.', 'speaker marker'],
      ['a foreign speaker line', 'Then <id_B0FAKE0003> is a great pick.\nUser: Sounds fun!', 'foreign speaker line'],
      ['a bold foreign speaker line', 'Then <id_B0FAKE0003> is a great pick.\n**Agent:** Enjoy!', 'foreign speaker line'],
    ])('DRD: %s', (_, text, pattern) => {
      const issue = only(run(withTurn(3, text)), 'LEFTOVER_TEMPLATE');
      expect(issue.severity).toBe('error');
      expect(issue.detail).toContain('turn 3');
      expect(issue.detail).toContain(pattern);
    });

    it.each([
      ['a complete [USR] marker', 'Try Paddington 2. [USR]: thanks', 'speaker marker'],
      ['an unfilled slot', 'You might like [USER_MIGHT_LIKES].', 'template slot'],
      ['an other-review slot', 'Another customer said: [OTHER_REVIEW]', 'template slot'],
      ['a goal name', 'recommend_might_like: Paddington 2 is lovely.', 'goal name'],
      ['a template line number', 'Sure.\n4. Agent — recommend Paddington 2', 'template line number'],
    ])('GT: %s', (_, text, pattern) => {
      const issue = only(run(withTurn(3, text), { strategy: 'GT' }), 'LEFTOVER_TEMPLATE');
      expect(issue.detail).toContain(pattern);
    });

    it('applies the DRD-only and GT-only patterns to their strategy only', () => {
      expect(run(withTurn(3, 'Sure.\nUser: thanks'), { strategy: 'GT' })).toEqual([]);
      expect(run(withTurn(3, 'You might like [USER_MIGHT_LIKES].'))).toEqual([]);
      expect(run(withTurn(3, 'Watch it with some friends or chit_chat.'))).toEqual([]);
    });

    it('does not flag ordinary text that merely resembles scaffolding', () => {
      expect(run(withTurn(3, 'The genres: comedy and adventure. Thai] food optional. Items: popcorn.'))).toEqual([]);
    });
  });

  describe('GARBLED_TEXT', () => {
    it.each([
      ['U+FFFD', 'Then <id_B0FAKE0003> is a gr\uFFFDat pick.'],
      ['control character', 'Then <id_B0FAKE0003> is a great\u0007 pick.'],
      ['control character', 'Then <id_B0FAKE0003> is a great\u0085 pick.'],
      ['mojibake', 'Then <id_B0FAKE0003> is a great pick for a cafÃ© night.'],
      ['mojibake', 'Then <id_B0FAKE0003> is a great pickâ€”really.'],
      ['character repeated 10+ times', 'Then <id_B0FAKE0003> is a great pick!!!!!!!!!!'],
      ['60-character token', `Then <id_B0FAKE0003> is a ${'a'.repeat(30)}${'b'.repeat(30)} pick.`],
      ['outside the Latin script', 'Тогда смотрите этот фильм, он очень добрый и смешной, правда, обещаю вам всем.'],
    ])('%s', (evidence, text) => {
      const issue = only(run(withTurn(3, text)), 'GARBLED_TEXT');
      expect(issue.severity).toBe('error');
      expect(issue.detail).toContain(evidence);
    });

    it('accepts tabs, URLs, adjacent tags, a short foreign title and nine repeated characters', () => {
      expect(run(withTurn(3, 'Then\t<id_B0FAKE0003> (see https://www.example.com/movies/paddington-2-the-sequel-review) is great!!!!!!!!!'))).toEqual([]);
      expect(run(withTurn(3, 'Try <id_B0FAKE0003>/<id_B0FAKE0001>/<id_B0FAKE0004>/<id_B0FAKE0002> tonight.'))).toEqual([]);
      expect(run(withTurn(3, 'Then <id_B0FAKE0003> is great, or the Japanese classic 東京物語.'))).toEqual([]);
    });

    it('makes the non-Latin share configurable', () => {
      const text = 'Тогда смотрите этот фильм, он очень добрый и смешной, правда, обещаю вам всем.';
      expect(run(withTurn(3, text), { maxNonLatinShare: 0.9 })).toEqual([]);
      expect(run(withTurn(3, text), { maxNonLatinShare: null })).toEqual([]);
    });
  });

  describe('REPETITION', () => {
    it('flags the same utterance of 5+ words twice by the same role, normalised', () => {
      const repeated = [...CLEAN.slice(0, 4), U("Perfect, I'll watch it tonight!"), A('Enjoy it!'), U("perfect,   I'll WATCH it tonight!")];
      const issue = only(run(repeated), 'REPETITION');
      expect(issue.detail).toBe('turn 6 repeats turn 4 (USER, 5 words)');
    });

    it('ignores short repeats and repeats by the other role', () => {
      expect(run([U('Thanks a lot!'), A('You are welcome.'), U('Thanks a lot!'), A('Sure.'), U('Bye.')])).toEqual([]);
      expect(run([U('That sounds like a great pick.'), A('That sounds like a great pick.'), U('Bye now.')])).toEqual([]);
    });

    it('flags a 5-word sequence repeated 4 times within an utterance', () => {
      const loop = 'it is a great movie, '.repeat(4);
      const issue = only(run(withTurn(3, `Then <id_B0FAKE0003>: ${loop}`)), 'REPETITION');
      expect(issue.detail).toContain('turn 3: 5-word sequence "it is a great movie," repeated 4 times');
      expect(run(withTurn(3, `Then <id_B0FAKE0003>: ${'it is a great movie, '.repeat(3)}`))).toEqual([]);
    });
  });
});

describe('contentHash', () => {
  it('is the SHA-256 hex of role + normalised text', () => {
    expect(contentHash(CLEAN)).toMatch(/^[0-9a-f]{64}$/);
    const noisy = CLEAN.map((u) => ({ ...u, text: `  ${u.text.toUpperCase().replace(/ /g, '  \n')} ` }));
    expect(contentHash(noisy)).toBe(contentHash(CLEAN));
    expect(contentHash(withTurn(4, 'Perfect, I will watch it tonight!'))).not.toBe(contentHash(CLEAN));
    expect(contentHash(CLEAN.map((u) => ({ ...u, role: u.role === 'USER' ? 'ASSISTANT' : 'USER' })))).not.toBe(contentHash(CLEAN));
  });
});

describe('isRejected', () => {
  it('is true when any issue is an error', () => {
    expect(isRejected([])).toBe(false);
    expect(isRejected([{ code: 'PREAMBLE', severity: 'warning', detail: '' }])).toBe(false);
    expect(isRejected([{ code: 'PREAMBLE', severity: 'warning', detail: '' }, { code: 'TRUNCATED', severity: 'error', detail: '' }])).toBe(true);
  });
});
