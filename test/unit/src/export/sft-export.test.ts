import { resolveTags } from '../../../../generator/output/tags';
import type { StreamedDialogue, StreamedMention, StreamedTurn } from '../../../../src/dialogues/stream';
import { canonicalDialogue, normalisedResponse, sftLine, sftRecord, turnWithTags } from '../../../../src/export/sft';

const catalogue = new Map([
  ['B0FAKE0001', { id: 1, asin: 'B0FAKE0001', cleanedTitle: 'Paddington' }],
  ['B0FAKE0003', { id: 3, asin: 'B0FAKE0003', cleanedTitle: 'Paddington 2' }],
]);

/** Turns as the worker stores them (titles substituted by generator/output/tags.ts) and as the stream reads them back. */
function storedTurns(utterances: Array<{ role: 'USER' | 'ASSISTANT'; text: string }>, policy: 'reject' | 'keep' | 'strip' = 'reject'): StreamedTurn[] {
  const resolved = resolveTags(utterances, catalogue, policy);
  return resolved.turns.map((t, i) => ({
    index: i,
    role: t.role,
    text: t.text,
    rawText: t.rawText,
    mentions: resolved.mentions
      .filter((m) => m.turn === i)
      .map((m): StreamedMention => ({ itemId: m.itemId, asin: m.itemId ? m.asin : null, rawId: m.rawId, start: m.start, end: m.end, isRecommendation: m.isRecommendation, isFirstMention: m.isFirstMention })),
  }));
}

const conversation = [
  { role: 'USER' as const, text: 'Hi! I loved <id_B0FAKE0001> and <id_B0FAKE0001> again.' },
  { role: 'ASSISTANT' as const, text: 'Try <id_B0FAKE0003>, the sequel to <id_B0FAKE0001>!' },
  { role: 'USER' as const, text: 'Thanks, no tags here.' },
];

test('the stored turn text has titles; turnWithTags puts the tags back at the mentions’ offsets', () => {
  const turns = storedTurns(conversation);
  expect(turns[1].text).toBe('Try Paddington 2, the sequel to Paddington!');
  expect(turnWithTags(turns[1])).toBe('Try <id_B0FAKE0003>, the sequel to <id_B0FAKE0001>!');
  expect(turnWithTags(turns[0])).toBe('Hi! I loved <id_B0FAKE0001> and <id_B0FAKE0001> again.');
});

test('canonicalDialogue: [USR]/[AI] lines with tags, joined by \\n', () => {
  expect(canonicalDialogue(storedTurns(conversation))).toBe(
    '[USR]: Hi! I loved <id_B0FAKE0001> and <id_B0FAKE0001> again.\n' +
      '[AI]: Try <id_B0FAKE0003>, the sequel to <id_B0FAKE0001>!\n' +
      '[USR]: Thanks, no tags here.',
  );
});

test('an unknown tag kept verbatim (policy keep) stays as written', () => {
  const turns = storedTurns([{ role: 'ASSISTANT', text: 'Maybe <id_B0NOTREAL9> or <id_B0FAKE0003>.' }], 'keep');
  expect(turns[0].text).toBe('Maybe <id_B0NOTREAL9> or Paddington 2.');
  expect(canonicalDialogue(turns)).toBe('[AI]: Maybe <id_B0NOTREAL9> or <id_B0FAKE0003>.');
});

function dialogue(overrides: Partial<StreamedDialogue> = {}): StreamedDialogue {
  return {
    id: 7, dataset: 'generated', domain: 'Movies_and_TV', source: 'TEACHER' as StreamedDialogue['source'], status: 'ACCEPTED' as StreamedDialogue['status'],
    split: null, strategy: 'STEREOTYPE', model: 'teacher', stereotype: 'History + Hint Seeker', userId: 3, userSourceId: 'AUSER1', targetItemId: 3,
    targetAsin: 'B0FAKE0003', namedItemIds: [], generationRunId: 2, rejectionReasons: [], warnings: [],
    version: 1, supersedesId: null, splitPosition: null, importKey: null, contentHash: null, createdAt: new Date('2025-01-01T00:00:00Z'),
    provenance: {
      messages: [
        { role: 'system', content: 'You simulate a dialogue.\n' },
        { role: 'user', content: 'Profile of the user.' },
      ],
      rawResponse: '  [USR]: Hi! I loved "Paddington".\n[AI]: Try <id_B0FAKE0003>!  ',
    },
    turns: storedTurns(conversation),
    ...overrides,
  };
}

test('sftRecord: system and user are the prompts as sent (trimmed), assistant the canonical dialogue', () => {
  const r = sftRecord(dialogue());
  if ('skipped' in r) throw new Error(r.skipped);
  expect(r.messages).toEqual([
    { role: 'system', content: 'You simulate a dialogue.' },
    { role: 'user', content: 'Profile of the user.' },
    { role: 'assistant', content: canonicalDialogue(storedTurns(conversation)) },
  ]);
  expect(JSON.parse(sftLine(r, 'messages'))).toEqual({ messages: r.messages, dialogueId: 7, user: 'AUSER1', stereotype: 'History + Hint Seeker', generationRunId: 2 });
});

test('rawText keeps the stored response (trimmed) as the assistant message', () => {
  const r = sftRecord(dialogue(), { rawText: true });
  if ('skipped' in r) throw new Error(r.skipped);
  expect(r.messages[2].content).toBe('[USR]: Hi! I loved "Paddington".\n[AI]: Try <id_B0FAKE0003>!');
});

test('rawText applies the title normaliser’s logged rewrites to the stored response, right to left', () => {
  // docs/pipeline.md §6.4's example: offsets into the unmodified response.
  const raw = '[AI]: Try "Paddington 2" (2017), a sequel to <ID_B0FAKE0001>.';
  const rewrites = [
    { start: 10, end: 31, before: '"Paddington 2" (2017)', after: '<id_B0FAKE0003>' },
    { start: 45, end: 60, before: '<ID_B0FAKE0001>', after: '<id_B0FAKE0001>' },
  ];
  expect(normalisedResponse(raw, rewrites)).toBe('[AI]: Try <id_B0FAKE0003>, a sequel to <id_B0FAKE0001>.');
  const r = sftRecord(dialogue({ provenance: { ...dialogue().provenance, rawResponse: raw, titleRewrites: rewrites } }), { rawText: true });
  if ('skipped' in r) throw new Error(r.skipped);
  expect(r.messages[2].content).toBe('[AI]: Try <id_B0FAKE0003>, a sequel to <id_B0FAKE0001>.');
});

test('the text format is the single-text Llama-3 rendering of docs/formats.md §3.4, without a generation prompt', () => {
  const r = sftRecord(dialogue());
  if ('skipped' in r) throw new Error(r.skipped);
  const line = JSON.parse(sftLine(r, 'text'));
  expect(Object.keys(line)).toEqual(['text']);
  expect(line.text).toBe(
    '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n' +
      'You simulate a dialogue.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nProfile of the user.<|eot_id|>' +
      '<|start_header_id|>assistant<|end_header_id|>\n\n[USR]: Hi! I loved <id_B0FAKE0001> and <id_B0FAKE0001> again.\n' +
      '[AI]: Try <id_B0FAKE0003>, the sequel to <id_B0FAKE0001>!\n[USR]: Thanks, no tags here.<|eot_id|>',
  );
});

test('a dialogue without prompt messages (an imported one) is skipped with a reason', () => {
  expect(sftRecord(dialogue({ provenance: { file: 'x.jsonl', line: 3 } }))).toEqual({ skipped: 'no prompt messages in its provenance' });
});
