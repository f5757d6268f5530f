import { processStereotypeOutput, type StereotypeOutputContext } from '../../../../generator/output/process-stereotype';
import { extractTagIds, resolveTags } from '../../../../generator/output/tags';
import type { CatalogueItem, ProcessedDialogue } from '../../../../generator/types';

// docs/formats.md §3.5.
const CLEAN = [
  '[USR]: Hi! I want something light and funny for the weekend.',
  '[AI]: Happy to help. Do you like adventure mixed into your comedy?',
  '[USR]: Yes, and I loved <id_B0FAKE0001>.',
  '[AI]: Then <id_B0FAKE0003> is a great pick: a warm comedy-adventure with the same bear.',
  "[USR]: Perfect, I'll watch it tonight!",
].join('\n');

const ITEMS: CatalogueItem[] = [
  { id: 1, asin: 'B0FAKE0001', cleanedTitle: 'Paddington' },
  { id: 2, asin: 'B0FAKE0002', cleanedTitle: 'The Haunting Hour' },
  { id: 3, asin: 'B0FAKE0003', cleanedTitle: 'Paddington 2' },
  { id: 4, asin: 'B0FAKE0004', cleanedTitle: 'Shaun the Sheep Movie' },
  { id: 9, asin: 'B0OTHER009', cleanedTitle: 'Amélie' },
];
const CATALOGUE = new Map(ITEMS.map((i) => [i.asin, i]));

/** What the worker does: look up only the tags of the response. */
function process(response: string, ctx: Partial<StereotypeOutputContext> = {}, finishReason: string | null = 'stop'): ProcessedDialogue {
  const catalogue = new Map(extractTagIds(response).flatMap((id) => (CATALOGUE.has(id) ? [[id, CATALOGUE.get(id)!] as const] : [])));
  return processStereotypeOutput(response, finishReason, {
    catalogue,
    promptAsins: new Set(['B0FAKE0001', 'B0FAKE0002', 'B0FAKE0003', 'B0FAKE0004']),
    targetAsin: 'B0FAKE0003',
    targetHidden: false,
    ...ctx,
  });
}
const codes = (d: ProcessedDialogue) => d.issues.map((i) => i.code);
const issue = (d: ProcessedDialogue, code: string) => d.issues.find((i) => i.code === code);

/** The clean dialogue with line `index` replaced. */
function withLine(index: number, line: string): string {
  return CLEAN.split('\n').map((l, i) => (i === index ? line : l)).join('\n');
}

describe('extractTagIds', () => {
  it('lists distinct tag values in order of first appearance', () => {
    expect(extractTagIds('<id_B2> and <id_A1>, again <id_B2>; broken <id_ X> <id_C3')).toEqual(['B2', 'A1']);
    expect(extractTagIds(CLEAN)).toEqual(['B0FAKE0001', 'B0FAKE0003']);
  });
});

describe('resolveTags (docs/pipeline.md §8.2)', () => {
  it('replaces valid tags by cleaned titles with offsets into the new text', () => {
    const r = resolveTags(
      [
        { role: 'USER', text: 'I loved <id_B0FAKE0001> and <id_B0OTHER009>.' },
        { role: 'ASSISTANT', text: '<id_B0OTHER009> fans like <id_B0FAKE0003>!' },
      ],
      CATALOGUE,
    );
    expect(r.turns).toEqual([
      { role: 'USER', text: 'I loved Paddington and Amélie.', rawText: 'I loved <id_B0FAKE0001> and <id_B0OTHER009>.' },
      { role: 'ASSISTANT', text: 'Amélie fans like Paddington 2!', rawText: '<id_B0OTHER009> fans like <id_B0FAKE0003>!' },
    ]);
    for (const m of r.mentions) expect(r.turns[m.turn].text.slice(m.start, m.end)).toBe(CATALOGUE.get(m.asin)!.cleanedTitle);
    expect(r.mentions.map((m) => [m.turn, m.asin, m.itemId, m.isRecommendation, m.isFirstMention])).toEqual([
      [0, 'B0FAKE0001', 1, false, true],
      [0, 'B0OTHER009', 9, false, true],
      [1, 'B0OTHER009', 9, true, false],
      [1, 'B0FAKE0003', 3, true, true],
    ]);
    expect(r.namedAsins).toEqual(['B0FAKE0001', 'B0OTHER009', 'B0FAKE0003']);
    expect(r.issues).toEqual([]);
  });

  it('keeps rawText null when nothing was replaced', () => {
    expect(resolveTags([{ role: 'USER', text: 'Hello' }], CATALOGUE).turns[0].rawText).toBeNull();
  });

  const unknown = [
    { role: 'USER' as const, text: 'Hi there.' },
    { role: 'ASSISTANT' as const, text: 'Try <id_B0FAKE0003> (<id_B0NOTREAL9>) or <id_B0NOTREAL8>.' },
    { role: 'USER' as const, text: '<id_B0NOTREAL9> sounds odd, but <id_B0FAKE0001> was great.' },
  ];

  it('reject: an error listing the values and turns; the tags stay in the text', () => {
    const r = resolveTags(unknown, CATALOGUE, 'reject');
    expect(r.issues).toEqual([
      { code: 'UNKNOWN_ITEM_ID', severity: 'error', detail: '2 tag values not in the catalogue: B0NOTREAL9 (turn 1, 2), B0NOTREAL8 (turn 1)' },
    ]);
    expect(r.turns[1].text).toBe('Try Paddington 2 (<id_B0NOTREAL9>) or <id_B0NOTREAL8>.');
    expect(r.unresolvedItemIds).toEqual(['B0NOTREAL9', 'B0NOTREAL8']);
  });

  it('strip: removes the tags and their brackets, with a warning; offsets still point at titles', () => {
    const r = resolveTags(unknown, CATALOGUE, 'strip');
    expect(r.issues).toEqual([expect.objectContaining({ code: 'UNKNOWN_ITEM_ID', severity: 'warning' })]);
    expect(r.turns.map((t) => t.text)).toEqual(['Hi there.', 'Try Paddington 2 or.', 'sounds odd, but Paddington was great.']);
    expect(r.unresolvedItemIds).toEqual(['B0NOTREAL9', 'B0NOTREAL8']);
    expect(r.mentions.map((m) => r.turns[m.turn].text.slice(m.start, m.end))).toEqual(['Paddington 2', 'Paddington']);
  });

  it('keep: leaves the tags verbatim as item-less mentions, with a warning', () => {
    const r = resolveTags(unknown, CATALOGUE, 'keep');
    expect(r.issues).toEqual([expect.objectContaining({ code: 'UNKNOWN_ITEM_ID', severity: 'warning' })]);
    expect(r.turns[1].text).toBe('Try Paddington 2 (<id_B0NOTREAL9>) or <id_B0NOTREAL8>.');
    const kept = r.mentions.filter((m) => m.itemId === null);
    expect(kept.map((m) => [m.turn, m.rawId, r.turns[m.turn].text.slice(m.start, m.end), m.isFirstMention])).toEqual([
      [1, 'B0NOTREAL9', '<id_B0NOTREAL9>', true],
      [1, 'B0NOTREAL8', '<id_B0NOTREAL8>', true],
      [2, 'B0NOTREAL9', '<id_B0NOTREAL9>', false],
    ]);
    expect(r.namedAsins).toEqual(['B0FAKE0003', 'B0FAKE0001']);
  });
});

describe('processStereotypeOutput (docs/pipeline.md §8)', () => {
  it('accepts the docs/formats.md §3.5 example', () => {
    const d = process(CLEAN);
    expect(d.issues).toEqual([]);
    expect(d.status).toBe('ACCEPTED');
    expect(d.turns.map((t) => t.text)).toEqual([
      'Hi! I want something light and funny for the weekend.',
      'Happy to help. Do you like adventure mixed into your comedy?',
      'Yes, and I loved Paddington.',
      'Then Paddington 2 is a great pick: a warm comedy-adventure with the same bear.',
      "Perfect, I'll watch it tonight!",
    ]);
    expect(d.turns[2].rawText).toBe('Yes, and I loved <id_B0FAKE0001>.');
    expect(d.turns[0].rawText).toBeNull();
    expect(d.mentions).toEqual([
      { turn: 2, asin: 'B0FAKE0001', itemId: 1, rawId: 'B0FAKE0001', start: 17, end: 27, isRecommendation: false, isFirstMention: true },
      { turn: 3, asin: 'B0FAKE0003', itemId: 3, rawId: 'B0FAKE0003', start: 5, end: 17, isRecommendation: true, isFirstMention: true },
    ]);
    expect(d.namedAsins).toEqual(['B0FAKE0001', 'B0FAKE0003']);
    expect(d.unresolvedItemIds).toEqual([]);
    expect(d.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records warnings on an accepted dialogue', () => {
    const d = process(`Sure! Here is the conversation:\n${CLEAN}\n[AI]:<|eot_id|>`);
    expect(d.status).toBe('ACCEPTED');
    expect(codes(d)).toEqual(['TEMPLATE_TOKEN_STRIPPED', 'PREAMBLE', 'TRAILING_EMPTY_TURN']);
  });

  it('NO_TURNS stops the other checks', () => {
    const d = process('User: Hi!\nAgent: Try Paddington 2.');
    expect(d.status).toBe('REJECTED');
    expect(codes(d)).toEqual(['NO_TURNS']);
    expect(d.turns).toEqual([]);
  });

  it('EMPTY_RESPONSE and TRUNCATED', () => {
    expect(codes(process('   '))).toEqual(['NO_TURNS', 'EMPTY_RESPONSE']);
    const cut = process(`${CLEAN}\n[AI]: You could also`, {}, 'length');
    expect(cut.status).toBe('REJECTED');
    expect(codes(cut)).toEqual(['TRUNCATED']);
  });

  it('TURN_COUNT: fewer than 5 or more than 20 utterances', () => {
    const short = CLEAN.split('\n').slice(0, 4).join('\n');
    expect(issue(process(short), 'TURN_COUNT')).toEqual({ code: 'TURN_COUNT', severity: 'error', detail: '4 utterances, allowed 5–20' });
    expect(codes(process(short, { minUtterances: 4 }))).toEqual([]);
    const chatter = Array.from({ length: 8 }, (_, i) => `[USR]: Question number ${i} about it?\n[AI]: Answer number ${i} for you.`).join('\n');
    expect(codes(process(`${CLEAN}\n[AI]: Enjoy!\n${chatter}`))).toEqual(['TURN_COUNT']);
  });

  it('FIRST_SPEAKER and ROLE_ALTERNATION; merging same-role turns', () => {
    expect(codes(process(`[AI]: Hello! What are you in the mood for?\n${CLEAN}`))).toEqual(['FIRST_SPEAKER']);
    expect(codes(process(`[AI]: Hello!\n[AI]: What are you in the mood for?\n${CLEAN}`))).toEqual(['FIRST_SPEAKER', 'ROLE_ALTERNATION']);
    const doubled = `${CLEAN.split('\n').slice(0, 4).join('\n')}\n[AI]: It also has a great soundtrack.\n[USR]: Thanks!`;
    expect(process(doubled).status).toBe('REJECTED');
    const merged = process(doubled, { mergeSameRole: true });
    expect(merged.status).toBe('ACCEPTED');
    expect(codes(merged)).toEqual(['ROLE_ALTERNATION']);
    expect(merged.turns).toHaveLength(5);
    expect(merged.turns[3].text).toBe('Then Paddington 2 is a great pick: a warm comedy-adventure with the same bear.\nIt also has a great soundtrack.');
  });

  it('UNKNOWN_ITEM_ID by policy', () => {
    const response = withLine(3, '[AI]: Then <id_B0FAKE0003> is a great pick, or maybe <id_B0NOTREAL9>.');
    const rejected = process(response);
    expect(rejected.status).toBe('REJECTED');
    expect(codes(rejected)).toEqual(['UNKNOWN_ITEM_ID']);
    expect(rejected.issues[0].detail).toContain('B0NOTREAL9 (turn 3)');
    const stripped = process(response, { unknownItemPolicy: 'strip' });
    expect(stripped.status).toBe('ACCEPTED');
    expect(stripped.turns[3].text).toBe('Then Paddington 2 is a great pick, or maybe.');
    const kept = process(response, { unknownItemPolicy: 'keep' });
    expect(kept.status).toBe('ACCEPTED');
    expect(kept.turns[3].text).toBe('Then Paddington 2 is a great pick, or maybe <id_B0NOTREAL9>.');
    expect(kept.unresolvedItemIds).toEqual(['B0NOTREAL9']);
  });

  it('EMPTY_TURN when stripping empties an utterance', () => {
    const d = process(withLine(1, '[AI]: <id_B0NOTREAL9>'), { unknownItemPolicy: 'strip' });
    expect(issue(d, 'EMPTY_TURN')?.detail).toContain('turn 1');
  });

  // These forms of a prompt item would be repaired (see the normalisation tests below); here the
  // catalogue holds only the response's well-formed tags, so there is no candidate to repair them.
  it.each([
    ['an unclosed tag', '[AI]: Then <id_B0FAKE0003 is a great pick.', '<id_B0FAKE0003'],
    ['an upper-case tag', '[AI]: Then <ID_B0FAKE0003> is a great pick.', '<ID_B0FAKE0003>'],
    ['a spaced tag', '[AI]: Then <id_ B0FAKE0003> is a great pick.', '<id_ B0FAKE0003>'],
    ['a bracketed id', '[AI]: Then [id_B0FAKE0003] is a great pick.', 'id_B0FAKE0003'],
  ])('MALFORMED_ITEM_TAG: %s', (_, line, evidence) => {
    const d = process(withLine(3, line));
    expect(d.status).toBe('REJECTED');
    const found = issue(d, 'MALFORMED_ITEM_TAG');
    expect(found?.severity).toBe('error');
    expect(found?.detail).toContain('turn 3');
    expect(found?.detail).toContain(evidence);
  });

  it('NO_RECOMMENDATION and TARGET_NOT_RECOMMENDED when the assistant names no catalogue item', () => {
    const d = process(withLine(3, '[AI]: Then the sequel is a great pick: a warm comedy-adventure with the same bear.'));
    expect(d.status).toBe('REJECTED');
    expect(codes(d)).toEqual(['NO_RECOMMENDATION', 'TARGET_NOT_RECOMMENDED']);
    expect(issue(d, 'NO_RECOMMENDATION')?.detail).toContain('1 valid mention in all');
  });

  it('TARGET_NOT_RECOMMENDED alone when the assistant recommends another item; off when the target is hidden', () => {
    const response = withLine(3, '[AI]: Then <id_B0FAKE0004> is a great pick: a warm comedy-adventure.');
    const d = process(response);
    expect(codes(d)).toEqual(['TARGET_NOT_RECOMMENDED']);
    expect(d.issues[0].detail).toContain('B0FAKE0003');
    const hidden = process(response, { targetHidden: true, promptAsins: new Set(['B0FAKE0001', 'B0FAKE0002', 'B0FAKE0004']) });
    expect(hidden.status).toBe('ACCEPTED');
    expect(codes(hidden)).toEqual([]);
  });

  it('TARGET_FIRST_BY_USER: a warning when the user names the target first', () => {
    const d = process(withLine(2, '[USR]: Yes, and I heard <id_B0FAKE0003> is good.'));
    expect(d.status).toBe('ACCEPTED');
    expect(d.issues).toEqual([
      { code: 'TARGET_FIRST_BY_USER', severity: 'warning', detail: 'the user mentions target B0FAKE0003 in turn 2, before the assistant (turn 3)' },
    ]);
    expect(d.mentions.map((m) => [m.turn, m.isFirstMention])).toEqual([
      [2, true],
      [3, false],
    ]);
  });

  it('OUT_OF_PROMPT_ITEM: a catalogue item that was not in the prompt', () => {
    const d = process(withLine(3, '[AI]: Then <id_B0FAKE0003> is a great pick, or <id_B0OTHER009> for a French mood.'));
    expect(d.status).toBe('ACCEPTED');
    expect(d.issues).toEqual([{ code: 'OUT_OF_PROMPT_ITEM', severity: 'warning', detail: 'catalogue items not in the prompt: B0OTHER009 (turn 3)' }]);
    expect(d.namedAsins).toEqual(['B0FAKE0001', 'B0FAKE0003', 'B0OTHER009']);
  });

  it('runs the common checks (LEFTOVER_TEMPLATE, GARBLED_TEXT, REPETITION)', () => {
    expect(codes(process(withLine(3, '[AI]: Then <id_B0FAKE0003> it is.\nGenres: Comedy, Adventure')))).toEqual(['LEFTOVER_TEMPLATE']);
    expect(codes(process(withLine(3, '[AI]: Then <id_B0FAKE0003> is a great pick for a cafÃ© night.')))).toEqual(['GARBLED_TEXT']);
    expect(codes(process(withLine(4, "[USR]: Hi! I want something light and funny for the weekend.")))).toEqual(['REPETITION']);
  });

  it('gives identical dialogues the same contentHash', () => {
    expect(process(CLEAN).contentHash).toBe(process(`${CLEAN.replace(/\n/g, '\r\n')}<|eot_id|>`).contentHash);
    expect(process(CLEAN).contentHash).not.toBe(process(withLine(4, '[USR]: Great, thanks!')).contentHash);
  });
});

describe('processStereotypeOutput: title → tag normalisation (docs/pipeline.md §6.3, §6.4)', () => {
  // What the worker passes: the response's tags and the prompt's items, with their TMDB titles.
  const WITH_TITLES = new Map<string, CatalogueItem & { title: string }>([
    ['B0FAKE0001', { id: 1, asin: 'B0FAKE0001', title: 'Paddington', cleanedTitle: 'Paddington' }],
    ['B0FAKE0002', { id: 2, asin: 'B0FAKE0002', title: 'The Haunting Hour (2012) [DVD]', cleanedTitle: 'The Haunting Hour' }],
    ['B0FAKE0003', { id: 3, asin: 'B0FAKE0003', title: 'Paddington 2', cleanedTitle: 'Paddington 2' }],
    ['B0FAKE0004', { id: 4, asin: 'B0FAKE0004', title: 'Shaun the Sheep Movie', cleanedTitle: 'Shaun the Sheep Movie' }],
  ]);
  const TITLED = [
    '[USR]: Hi! I want something light and funny for the weekend.',
    '[AI]: Happy to help. Do you like adventure mixed into your comedy?',
    '[USR]: Yes, and I loved paddington, but not <ID_B0FAKE0002>.',
    '[AI]: Then "Paddington 2" (2017) is a great pick: a warm comedy-adventure with the same bear.',
    "[USR]: Perfect, I'll watch it tonight!",
  ].join('\n');
  const run = (response: string, ctx: Partial<StereotypeOutputContext> = {}) =>
    processStereotypeOutput(response, 'stop', {
      catalogue: WITH_TITLES,
      promptAsins: new Set(['B0FAKE0001', 'B0FAKE0002']),
      targetAsin: 'B0FAKE0003',
      targetHidden: false,
      ...ctx,
    });

  it('teacher output: titles of history items and the target become mentions, with the log against the raw response', () => {
    const d = run(TITLED, { role: 'TEACHER' });
    expect(d.status).toBe('ACCEPTED');
    expect(d.issues).toEqual([]);
    expect(d.turns[2]).toEqual({ role: 'USER', text: 'Yes, and I loved Paddington, but not The Haunting Hour.', rawText: 'Yes, and I loved <id_B0FAKE0001>, but not <id_B0FAKE0002>.' });
    expect(d.turns[3].text).toBe('Then Paddington 2 is a great pick: a warm comedy-adventure with the same bear.');
    expect(d.mentions.map((m) => [m.turn, m.asin, m.isRecommendation])).toEqual([
      [2, 'B0FAKE0001', false],
      [2, 'B0FAKE0002', false],
      [3, 'B0FAKE0003', true],
    ]);
    expect(d.titleRewrites.map((w) => [w.before, w.itemId, w.method])).toEqual([
      ['paddington', 'B0FAKE0001', 'exact'],
      ['<ID_B0FAKE0002>', 'B0FAKE0002', 'tag-repair'],
      ['"Paddington 2" (2017)', 'B0FAKE0003', 'quoted'],
    ]);
    for (const w of d.titleRewrites) expect(TITLED.slice(w.start, w.end)).toBe(w.before);
    // Identical to the same dialogue written with tags.
    expect(d.contentHash).toBe(run(TITLED.replace('paddington', '<id_B0FAKE0001>').replace('<ID_', '<id_').replace('"Paddington 2" (2017)', '<id_B0FAKE0003>')).contentHash);
  });

  it('student output is normalised by default and left alone with normaliseStudentTitles: false', () => {
    expect(run(TITLED, { role: 'STUDENT' }).titleRewrites).toHaveLength(3);
    const off = run(TITLED, { role: 'STUDENT', normaliseStudentTitles: false });
    expect(off.titleRewrites).toEqual([]);
    expect(off.status).toBe('REJECTED');
    expect(codes(off)).toEqual(['MALFORMED_ITEM_TAG', 'NO_RECOMMENDATION', 'TARGET_NOT_RECOMMENDED']);
    // Teacher output is normalised whatever the switch says.
    expect(run(TITLED, { role: 'TEACHER', normaliseStudentTitles: false }).status).toBe('ACCEPTED');
  });

  it('only items shown in the prompt are candidates: not a hidden target, not other catalogue items', () => {
    const hidden = run(TITLED, { role: 'TEACHER', targetHidden: true, promptAsins: new Set(['B0FAKE0002']) });
    expect(hidden.titleRewrites.map((w) => w.itemId)).toEqual(['B0FAKE0002']);
    expect(hidden.turns[2].text).toBe('Yes, and I loved paddington, but not The Haunting Hour.');
    expect(hidden.turns[3].text).toBe('Then "Paddington 2" (2017) is a great pick: a warm comedy-adventure with the same bear.');
    const other = run(withLine(3, '[AI]: Then <id_B0FAKE0003> or Shaun the Sheep Movie.'), { role: 'TEACHER' });
    expect(other.titleRewrites.map((w) => w.itemId)).not.toContain('B0FAKE0004');
  });

  it('AMBIGUOUS_TITLE: identical titles of two prompt items stay text, with a warning on an accepted dialogue', () => {
    const twins = new Map(WITH_TITLES);
    twins.set('B0FAKE0005', { id: 5, asin: 'B0FAKE0005', title: 'Paddington', cleanedTitle: 'Paddington' });
    const d = run(TITLED, { role: 'TEACHER', catalogue: twins, promptAsins: new Set(['B0FAKE0001', 'B0FAKE0002', 'B0FAKE0005']) });
    expect(d.status).toBe('ACCEPTED');
    expect(d.issues).toEqual([
      { code: 'AMBIGUOUS_TITLE', severity: 'warning', detail: 'titles of several prompt items, left as text: "paddington" at 152–162 (B0FAKE0001, B0FAKE0005)' },
    ]);
    expect(TITLED.slice(152, 162)).toBe('paddington');
    expect(d.turns[2].text).toBe('Yes, and I loved paddington, but not The Haunting Hour.');
  });

  it('fuzzy title matching only with titleMatching: fuzzy', () => {
    const response = withLine(3, '[AI]: Then <id_B0FAKE0003>, or Shaun-the-Sheep Movie.');
    const ctx = { role: 'TEACHER' as const, promptAsins: new Set(['B0FAKE0001', 'B0FAKE0004']) };
    expect(run(response, ctx).titleRewrites).toEqual([]);
    expect(run(response, { ...ctx, titleMatching: 'fuzzy' }).titleRewrites.map((w) => [w.before, w.method])).toEqual([['Shaun-the-Sheep Movie', 'fuzzy']]);
  });
});
