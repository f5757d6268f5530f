import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type { BuiltPrompt } from '../../../../generator/prompts/load';
import type { ProcessedDialogue } from '../../../../generator/types';
import { generatedDialogue, type GeneratedParts, markGarbled, requestSampling, storableAnswer } from '../../../../generator/worker/provenance';

// A generated dialogue's provenance (docs/pipeline.md §13), assembled without database, queue or model.

const RUN: GeneratedParts['run'] = { id: 7, role: 'TEACHER', strategy: 'STEREOTYPE', model: 'teacher-model', endpoint: 'http://model/v1', servedModels: ['other', 'teacher-model'] };
const PROMPT: BuiltPrompt = {
  strategy: 'STEREOTYPE', stereotypeId: 2, stereotypeKey: 'Fully Expressive Seeker', messages: [{ role: 'system', content: 'be a seeker' }, { role: 'user', content: 'hi' }],
  rendered: 'hi', sha256: 'abc', promptVersion: 3, targetItemId: 11, targetAsin: 'B0TARGET', targetHidden: false, promptAsins: ['B0TARGET'],
};
const ACCEPTED: ProcessedDialogue = { status: 'ACCEPTED', turns: [], mentions: [], unresolvedItemIds: [], issues: [], namedAsins: [], contentHash: 'h' };

function completion(content: string | null, extra: Partial<OpenAI.Chat.Completions.ChatCompletion> = {}): OpenAI.Chat.Completions.ChatCompletion {
  return {
    id: 'c', object: 'chat.completion', created: 0, model: 'teacher-model@main',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
    ...extra,
  };
}

function parts(answerText: string, over: Partial<GeneratedParts> = {}): GeneratedParts {
  const c = completion(answerText, { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } });
  return {
    run: RUN, row: { id: 42, attempts: 2 }, prompt: PROMPT, sampling: requestSampling({ temperature: 0.7, topP: 0.9, maxTokens: 2048, seed: 42 }, 'user:5'),
    completion: c, answer: storableAnswer(c), processed: ACCEPTED, domain: 'Movies_and_TV', latencyMs: 123, workerId: 'w-1', ...over,
  };
}

test('the request seed is the keyed sub-stream value of docs/pipeline.md §12.3: SHA-256 of "seed:request:key", first 4 bytes, modulo 2^31', () => {
  const expected = createHash('sha256').update('42:request:user:5', 'utf8').digest().readUInt32BE(0) % 2 ** 31;
  expect(requestSampling({ temperature: 0.7, topP: 0.9, maxTokens: 2048, seed: 42 }, 'user:5')).toEqual({ temperature: 0.7, top_p: 0.9, max_tokens: 2048, seed: expected });
  // Another job, or another base seed, asks with another seed; the same job always with the same.
  const seeds = ['user:5', 'user:6', 'supersede:9'].map((k) => requestSampling({ temperature: 0, topP: 1, maxTokens: 16, seed: 42 }, k).seed);
  expect(new Set(seeds).size).toBe(3);
  expect(requestSampling({ temperature: 0, topP: 1, maxTokens: 16, seed: 43 }, 'user:5').seed).not.toBe(expected);
  expect(requestSampling({ temperature: 0, topP: 1, maxTokens: 16, seed: 42 }, 'user:5').seed).toBe(expected);
});

test('the provenance records the run, job, model, prompt, seed, answer and timing', () => {
  const p = parts('[USR] hi [AI] hello');
  const d = generatedDialogue(p);
  expect(d).toMatchObject({ domain: 'Movies_and_TV', source: 'TEACHER', strategy: 'STEREOTYPE', model: 'teacher-model', stereotypeId: 2, targetItemId: 11, targetAsin: 'B0TARGET', processed: ACCEPTED });
  expect(d.provenance).toEqual({
    runId: 7,
    jobId: 42,
    role: 'TEACHER',
    // What was asked for, and the server's own spelling of it.
    model: 'teacher-model',
    responseModel: 'teacher-model@main',
    endpoint: 'http://model/v1',
    servedModels: ['other', 'teacher-model'],
    strategy: 'STEREOTYPE',
    sampling: { temperature: 0.7, topP: 0.9, maxTokens: 2048 },
    seed: p.sampling.seed,
    promptVersion: 3,
    promptSha256: 'abc',
    messages: PROMPT.messages,
    template: null,
    rawResponse: '[USR] hi [AI] hello',
    finishReason: 'stop',
    usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
    latencyMs: 123,
    attempts: 2,
    worker: 'w-1',
  });
});

test('a goal-template dialogue records its template, instance number and slot bindings', () => {
  const instance = { k: 2, template: { id: 'T07' }, bindings: [{ slot: 'USER_HIS_LIKES', value: 'B0LIKE' }] } as unknown as NonNullable<BuiltPrompt['instance']>;
  const d = generatedDialogue(parts('x', { prompt: { ...PROMPT, strategy: 'GOAL_TEMPLATE', stereotypeId: null, instance } }));
  expect(d.provenance.template).toEqual({ id: 'T07', k: 2, bindings: [{ slot: 'USER_HIS_LIKES', value: 'B0LIKE' }] });
  expect(d.stereotypeId).toBeNull();
});

test('an answer PostgreSQL cannot store: replaced, REJECTED as GARBLED_TEXT, the original kept as a JSON string', () => {
  const raw = 'a\u0000b\udc00c';
  const c = completion(raw, { model: 'm\u0000' });
  const answer = storableAnswer(c);
  expect(answer).toEqual({ raw, text: 'a\ufffdb\ufffdc', replaced: { 'U+0000': 1, 'U+DC00': 1 }, finishReason: 'stop' });
  const d = generatedDialogue(parts(raw, { completion: c, answer }));
  expect(d.processed.status).toBe('REJECTED');
  expect(d.processed.issues).toEqual([expect.objectContaining({ code: 'GARBLED_TEXT', severity: 'error', detail: expect.stringContaining('1 × U+0000, 1 × U+DC00') })]);
  expect(d.provenance.rawResponse).toBe('a\ufffdb\ufffdc');
  expect(JSON.parse(d.provenance.rawResponseEscaped as string)).toBe(raw);
  expect(d.provenance.responseModel).toBe('m\ufffd');
  // A clean answer has no escaped copy.
  expect(generatedDialogue(parts('fine')).provenance).not.toHaveProperty('rawResponseEscaped');
});

test('an answer without content is the empty string; a GARBLED_TEXT issue already there gets the detail appended', () => {
  expect(storableAnswer(completion(null))).toEqual({ raw: '', text: '', replaced: {}, finishReason: 'stop' });
  expect(storableAnswer({ ...completion('x'), choices: [] })).toEqual({ raw: '', text: '', replaced: {}, finishReason: null });
  const already: ProcessedDialogue = { ...ACCEPTED, status: 'REJECTED', issues: [{ code: 'GARBLED_TEXT', severity: 'error', detail: 'mojibake' }] };
  const marked = markGarbled(already, { 'U+0000': 2 });
  expect(marked.issues).toHaveLength(1);
  expect(marked.issues[0].detail).toMatch(/^mojibake; the answer held 2 × U\+0000/);
});
