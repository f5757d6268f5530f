/** The scripted OpenAI-compatible server, driven through the real `openai` SDK as production code is. */
import OpenAI from 'openai';
import { realmSafeFetch, startScriptedOpenAI, type ScriptedOpenAI } from '../../../support/scripted-openai';

// docs/pipeline.md §4.4 (History + Hint Seeker).
const PROFILE = [
  'The user has interacted with the following items:',
  'User liked the following items:',
  'Item: Paddington, ID: <id_B0FAKE0001>', 'Genres: Comedy, Family', 'Keywords: bear, london', '',
  'Item: Shaun the Sheep Movie, ID: <id_B0FAKE0004>', 'Genres: Animation, Comedy', 'Keywords: sheep, farm', '', '',
  'User disliked the following items:',
  'Item: The Haunting Hour, ID: <id_B0FAKE0002>', 'Genres: Horror', 'Keywords: haunted house', '', '', '', '',
  'Consider the following one the target item to recommend:',
  'Item: Paddington 2, ID: <id_B0FAKE0003>', 'Genres: Comedy, Adventure', 'Keywords: bear, prison',
].join('\n');
const SYSTEM = 'You write conversations between a user ([USR]) and a recommender ([AI]).';

let server: ScriptedOpenAI;
let client: OpenAI;

beforeAll(async () => {
  server = await startScriptedOpenAI();
  client = new OpenAI({ baseURL: server.baseUrl, apiKey: 'x', maxRetries: 0, timeout: 5000 });
});
afterEach(() => server.reset());
afterAll(() => server.close());

const chat = (user = PROFILE, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}, c = client) =>
  c.chat.completions.create({
    model: 'teacher-model', seed: 7, temperature: 0.7,
    messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: user }], ...extra,
  });

test('lists the configured models', async () => {
  const list = await client.models.list();
  expect(list.data.map((m) => m.id)).toEqual(['teacher-model']);
  server.setModels(['a', 'b']);
  expect((await client.models.list()).data.map((m) => m.id)).toEqual(['a', 'b']);
});

test('answers a profile prompt with a [USR]/[AI] dialogue that recommends the target by tag', async () => {
  const res = await chat();
  expect(res.object).toBe('chat.completion');
  expect(res.id).toMatch(/^chatcmpl-/);
  expect(res.choices[0].finish_reason).toBe('stop');
  expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + res.usage!.completion_tokens);
  const text = res.choices[0].message.content!;
  const turns = text.split('\n');
  expect(turns.length).toBeGreaterThanOrEqual(6);
  expect(turns.length).toBeLessThanOrEqual(8);
  turns.forEach((t, i) => expect(t.startsWith(i % 2 ? '[AI]: ' : '[USR]: ')).toBe(true));
  expect(turns[0]).toMatch(/<id_B0FAKE000[14]>/); // a liked history item
  expect(turns.filter((t) => t.startsWith('[AI]')).pop()).toContain('<id_B0FAKE0003>');
  for (const [, asin] of text.matchAll(/<id_([^<>\s]+)>/g)) expect(['B0FAKE0001', 'B0FAKE0002', 'B0FAKE0003', 'B0FAKE0004']).toContain(asin);

  const req = server.requests[0];
  expect(req).toMatchObject({ path: '/v1/chat/completions', model: 'teacher-model', headers: { authorization: 'Bearer x' }, behaviour: { kind: 'ok' }, outcome: '200' });
  expect(req.prompt).toBe(`${SYSTEM}\n${PROFILE}`);
  expect(req.body.seed).toBe(7);
});

test('is deterministic in seed and prompt, and varies across users', async () => {
  const a = (await chat()).choices[0].message.content;
  expect((await chat()).choices[0].message.content).toBe(a);
  const other = PROFILE.replace(/B0FAKE0003/g, 'B0OTHER003').replace('Paddington 2', 'Wallace & Gromit');
  const b = (await chat(other)).choices[0].message.content!;
  expect(b).not.toBe(a);
  expect(b).toContain('<id_B0OTHER003>');
});

test('raw completions and streaming speak the same protocol', async () => {
  const raw = `<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\n${PROFILE}<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n`;
  const completion = await client.completions.create({ model: 'teacher-model', prompt: raw, seed: 1 });
  expect(completion.object).toBe('text_completion');
  expect(completion.choices[0].text).toMatch(/^\[USR\]: [^]*<id_B0FAKE0003>/);

  let streamed = '';
  let finish: string | null = null;
  for await (const chunk of await client.chat.completions.create({
    model: 'teacher-model', seed: 7, stream: true, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: PROFILE }],
  })) {
    streamed += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  expect(streamed).toBe((await chat()).choices[0].message.content);
  expect(finish).toBe('stop');
});

test('an unknown model is a 404 with an OpenAI-style body', async () => {
  const err = await chat(PROFILE, { model: 'nope' }).catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.NotFoundError);
  expect(err.error).toMatchObject({ message: 'The model `nope` does not exist.', type: 'NotFoundError', code: 404 });
});

test('429 surfaces as RateLimitError with retry-after; 500 as InternalServerError', async () => {
  server.rule('', { kind: 'status', status: 429, retryAfterSeconds: 3 }, 1);
  server.rule('', { kind: 'status', status: 500, message: 'engine died' }, 1);
  const limited = await chat().catch((e) => e);
  expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
  expect(limited.headers.get('retry-after')).toBe('3');
  const failed = await chat().catch((e) => e);
  expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
  expect(failed.message).toContain('engine died');
  expect((await chat()).choices[0].finish_reason).toBe('stop'); // both rules used up
  expect(server.stats().byStatus).toEqual({ 429: 1, 500: 1, 200: 1 });
});

test('timeout never answers: the client times out and the request counts as aborted', async () => {
  server.setDefault({ kind: 'timeout' });
  // realmSafeFetch: without it, jest's realms make the SDK report its timeout as a plain APIConnectionError.
  const quick = new OpenAI({ baseURL: server.baseUrl, apiKey: 'x', maxRetries: 0, timeout: 200, fetch: realmSafeFetch });
  await expect(chat(PROFILE, {}, quick)).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  await waitFor(() => server.stats().inFlight === 0);
  expect(server.stats().byStatus).toEqual({ aborted: 1 });
});

test('drop surfaces as APIConnectionError', async () => {
  server.setDefault({ kind: 'drop' });
  const err = await chat().catch((e) => e);
  expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
  expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  await waitFor(() => server.stats().inFlight === 0);
  expect(server.stats().byStatus).toEqual({ dropped: 1 });
});

test('malformed, truncate, hallucinate and text', async () => {
  server.rule('B0FAKE0003', { kind: 'malformed' }, 1);
  server.rule(/Paddington 2/, { kind: 'truncate' }, 1);
  server.rule((r) => r.body.seed === 7, { kind: 'hallucinate' }, 1);
  server.rule('', { kind: 'text', content: '[USR]: hi', finishReason: 'length' }, 1);

  expect((await chat()).choices[0].message.content).not.toMatch(/\[USR\]|\[AI\]/);
  const cut = (await chat()).choices[0];
  expect(cut.finish_reason).toBe('length');
  expect(cut.message.content).toMatch(/^\[USR\]: /);
  expect(cut.message.content).not.toMatch(/[.!?]$/);
  const fake = (await chat()).choices[0].message.content!;
  expect(fake).toContain('<id_B0NOTREAL9>');
  expect(fake).not.toContain('<id_B0FAKE0003>');
  expect((await chat()).choices[0]).toMatchObject({ message: { content: '[USR]: hi' }, finish_reason: 'length' });
  expect((await chat()).choices[0].message.content).toContain('<id_B0FAKE0003>'); // back to the default
  expect(server.requests.map((r) => r.behaviour!.kind)).toEqual(['malformed', 'truncate', 'hallucinate', 'text', 'ok']);
});

test('counts concurrent requests: 10 slow requests are all in flight at once', async () => {
  server.setDefault({ kind: 'slow', ms: 300 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => chat(`${PROFILE}\n#${i}`)));
  expect(server.stats()).toEqual({ inFlight: 0, maxInFlight: 10, completed: 10, byStatus: { 200: 10 } });
});

test('answers a goal-template prompt with one User/Agent utterance per template line', async () => {
  const prompt = [
    'Write a conversation between "User" and "Agent" about movie recommendations that follows the template exactly.',
    'Output exactly 6 utterances as `User: …` / `Agent: …` lines separated by blank lines and nothing else.',
    '',
    '1. User — open by talking about "Paddington", which they liked, in the spirit of their own review: "Sweet, funny and beautifully shot, a film I would watch again with the whole family any day of the week."',
    '2. Agent — ask about the user\'s preferences',
    '3. User — ask for a recommendation',
    '4. Agent — recommend "Paddington 2"; introduce it using another customer\'s review: "Even warmer than the first film."',
    '5. User — accept and thank',
    '6. Agent — close the conversation appropriately',
    '',
    '{"liked": [{"title": "Paddington"}], "to_recommend": [{"title": "Paddington 2"}]}',
  ].join('\n');
  const text = (await chat(prompt)).choices[0].message.content!;
  const utterances = text.split('\n\n');
  expect(utterances.map((u) => u.split(':')[0])).toEqual(['User', 'Agent', 'User', 'Agent', 'User', 'Agent']);
  expect(utterances[0]).toContain('"Paddington"');
  expect(utterances[0]).not.toContain('Sweet, funny'); // a review is not echoed
  expect(utterances[3]).toContain('"Paddington 2"');
  for (const u of utterances) expect(u.split(/\s+/).length).toBeLessThanOrEqual(61);
  expect(text).not.toMatch(/\[USR\]|\[AI\]|<id_/);
});

test('the HTTP control API mirrors the methods', async () => {
  const root = server.baseUrl.replace(/\/v1$/, '');
  const post = (path: string, body: unknown) =>
    fetch(`${root}/_control/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect((await post('rule', { match: { regex: 'paddington 2', flags: 'i' }, behaviour: { kind: 'status', status: 503 }, times: 1 })).status).toBe(200);
  expect((await post('default', { behaviour: { kind: 'malformed' } })).status).toBe(200);
  expect((await post('latency', { ms: 10 })).status).toBe(200);
  expect((await post('default', { behaviour: { kind: 'nonsense' } })).status).toBe(400);

  await expect(chat()).rejects.toBeInstanceOf(OpenAI.APIError);
  expect((await chat()).choices[0].message.content).not.toContain('[USR]');
  const stats = await (await fetch(`${root}/_control/stats`)).json();
  expect(stats).toMatchObject({ inFlight: 0, completed: 2, byStatus: { 503: 1, 200: 1 } });
  const requests = (await (await fetch(`${root}/_control/requests`)).json()) as { behaviour: { kind: string } }[];
  expect(requests.map((r) => r.behaviour.kind)).toEqual(['status', 'malformed']);

  await post('reset', {});
  expect(server.requests).toHaveLength(0);
  expect((await chat()).choices[0].message.content).toContain('[USR]');
});

test('close() ends requests that would hang forever', async () => {
  const own = await startScriptedOpenAI({ models: ['m'] });
  own.setDefault({ kind: 'timeout' });
  const c = new OpenAI({ baseURL: own.baseUrl, apiKey: 'x', maxRetries: 0, timeout: 60_000 });
  const pending = c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
  await waitFor(() => own.stats().inFlight === 1);
  await own.close();
  expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
});

async function waitFor(cond: () => boolean, ms = 2000) {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new Error('condition not met in time');
  }
}
