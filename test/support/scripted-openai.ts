/**
 * A scripted OpenAI-compatible HTTP server (the subset of vLLM's API that recdial uses), for tests
 * and benchmarks. It speaks the real protocol so the production code path (the `openai` SDK) is
 * the same as against vLLM, and it can be told to be slow, fail, rate-limit, drop connections or
 * return malformed output. Only `node:http`: no dependency beyond Node.
 *
 * Answers are built from the prompt (docs/pipeline.md §4 profile prompts, §11.6 goal-template prompts)
 * and are deterministic in (seed, prompt text), so the same request always gets the same text.
 * A request with `response_format: { type: 'json_schema' }` is answered as a judge would
 * (`judgeAnswer`): scores derived from the dialogue text (`scriptedJudgeScore`), following the schema.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ACCEPT_CUE, SEEKER_MARKER } from '../../generator/interactive/seeker';

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'slow'; ms: number }
  /** Never answers; the request ends when the client gives up (or at close()). */
  | { kind: 'timeout' }
  /** An error status (429, 500, 503, 400 …) with an OpenAI-style error JSON body. */
  /** `body`: sent as is (e.g. FastAPI's `{"detail": …}` or a plain-text page) instead of the OpenAI error JSON. */
  | { kind: 'status'; status: number; retryAfterSeconds?: number; message?: string; body?: string }
  /** A reply with no [USR]/[AI] markers. */
  | { kind: 'malformed' }
  /** A valid dialogue whose assistant recommends <id_B0NOTREAL9> instead of the target. */
  | { kind: 'hallucinate' }
  /** A valid dialogue that writes the items as quoted titles with a year (`"Title" (2017)`) instead of tags, as teachers sometimes do. */
  | { kind: 'titles' }
  /** finish_reason "length", text cut mid-sentence. */
  | { kind: 'truncate' }
  /** Destroys the socket after a partial status line, so the client's fetch itself fails. */
  | { kind: 'drop' }
  | { kind: 'text'; content: string; finishReason?: string }
  /** A valid dialogue with a U+0000 and a lone surrogate in its first utterance, as small fine-tuned models sometimes emit. */
  | { kind: 'garble' }
  /** Interactive evaluation: a seeker utterance that names `title` (the target the seeker must never name), to test leak redaction. */
  | { kind: 'leak'; title: string };

export interface RecordedRequest {
  path: string;
  model: string;
  body: Record<string, any>;
  headers: { authorization?: string };
  /** Chat: the messages' contents joined by '\n'; completions: the prompt string. */
  prompt: string;
  receivedAt: number;
  /** The behaviour applied (set once the request has been matched). */
  behaviour?: Behaviour;
  /** How it ended: the HTTP status ('200', '429' …), 'dropped' or 'aborted' (client gave up). */
  outcome?: string;
}

export type Match = string | RegExp | ((req: RecordedRequest) => boolean);

export interface ScriptedOpenAI {
  baseUrl: string;
  /** Behaviours for requests whose prompt matches (string = substring, '' = every request), consumed `times` times (default: forever); first matching rule wins; otherwise the default. */
  rule(match: Match, behaviour: Behaviour, times?: number): void;
  setDefault(b: Behaviour): void;
  setLatency(ms: number): void;
  setModels(models: string[]): void;
  /** The model name put in answers instead of the requested one (transformers serve answers `name@main`); null: the requested one. */
  setResponseModel(name: string | null): void;
  /** Back to the start options: no rules, default 'ok', initial latency and models, no recorded requests, zeroed counters. */
  reset(): void;
  /** Generation requests only (not GET /v1/models), in arrival order. The array is cleared in place by reset(). */
  requests: RecordedRequest[];
  stats(): { inFlight: number; maxInFlight: number; completed: number; byStatus: Record<string, number> };
  close(): Promise<void>;
  /** Stops listening (connections are then refused, ECONNREFUSED) without forgetting rules or requests; `up()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
}

/**
 * A `fetch` to give the OpenAI client in jest tests. Under jest the SDK runs in a sandbox realm
 * while undici's abort errors are DOMExceptions of the outer realm: they fail `instanceof Error`,
 * lose their name in the SDK's castToError, and the client's own timeouts then surface as a plain
 * APIConnectionError instead of APIConnectionTimeoutError. Re-throwing them as same-realm Errors
 * (name kept) restores the real classification; outside jest it changes nothing.
 */
export const realmSafeFetch: typeof fetch = (input, init) =>
  fetch(input, init).catch((e) => {
    if (e instanceof Error || typeof e !== 'object' || e === null) throw e;
    throw Object.assign(new Error(String(e.message), { cause: e.cause }), { name: e.name });
  });

const KINDS = ['ok', 'slow', 'timeout', 'status', 'malformed', 'hallucinate', 'titles', 'truncate', 'drop', 'text', 'garble', 'leak'];
const FAKE_ASIN = 'B0NOTREAL9';
const ERROR_TYPES: Record<number, string> = {
  400: 'BadRequestError', 401: 'AuthenticationError', 403: 'PermissionDeniedError', 404: 'NotFoundError',
  409: 'ConflictError', 422: 'UnprocessableEntityError', 429: 'RateLimitError', 500: 'InternalServerError',
  502: 'BadGatewayError', 503: 'ServiceUnavailableError', 504: 'GatewayTimeoutError',
};

export async function startScriptedOpenAI(
  options: { port?: number; models?: string[]; latencyMs?: number } = {},
): Promise<ScriptedOpenAI> {
  const initialModels = options.models ?? ['teacher-model'];
  let models = [...initialModels];
  let latency = options.latencyMs ?? 0;
  let responseModel: string | null = null;
  let fallback: Behaviour = { kind: 'ok' };
  let rules: { match: Match; behaviour: Behaviour; left: number }[] = [];
  const requests: RecordedRequest[] = [];
  const counters = { inFlight: 0, maxInFlight: 0, completed: 0, byStatus: {} as Record<string, number> };
  const timers = new Set<NodeJS.Timeout>();
  const created = Math.floor(Date.now() / 1000);

  const api: ScriptedOpenAI = {
    baseUrl: '',
    requests,
    rule(match, behaviour, times = Infinity) { rules.push({ match, behaviour: checkBehaviour(behaviour), left: times }); },
    setDefault(b) { fallback = checkBehaviour(b); },
    setLatency(ms) { latency = ms; },
    setModels(m) { models = [...m]; },
    setResponseModel(name) { responseModel = name; },
    reset() {
      rules = []; fallback = { kind: 'ok' }; latency = options.latencyMs ?? 0; models = [...initialModels]; responseModel = null;
      requests.length = 0;
      Object.assign(counters, { maxInFlight: counters.inFlight, completed: 0, byStatus: {} });
    },
    stats: () => ({ ...counters, byStatus: { ...counters.byStatus } }),
    async close() {
      for (const t of timers) clearTimeout(t);
      // Hanging ('timeout') requests and keep-alive sockets would otherwise keep close() — and jest — waiting.
      server.closeAllConnections();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    async down() {
      await api.close();
    },
    async up() {
      await listen(port);
    },
  };

  function choose(req: RecordedRequest): Behaviour {
    const i = rules.findIndex(({ match }) => typeof match === 'string' ? req.prompt.includes(match)
      : match instanceof RegExp ? ((match.lastIndex = 0), match.test(req.prompt)) // lastIndex: /g regexes are stateful
      : match(req));
    if (i < 0) return fallback;
    const r = rules[i];
    if (--r.left <= 0) rules.splice(i, 1);
    return r.behaviour;
  }

  function generate(req: IncomingMessage, res: ServerResponse, path: string, raw: string) {
    let body: Record<string, any>;
    try { body = JSON.parse(raw); } catch { return sendJson(res, 400, errorBody('Invalid JSON body', 400)); }
    const chat = path === '/v1/chat/completions';
    if (chat ? !Array.isArray(body.messages) : body.prompt === undefined) {
      return sendJson(res, 400, errorBody(chat ? '`messages` is required' : '`prompt` is required', 400));
    }
    const model: string = body.model ?? models[0];
    const prompt = chat ? body.messages.map((m: any) => contentText(m.content)).join('\n') : String(body.prompt);
    const rec: RecordedRequest = { path, model, body, headers: { authorization: req.headers.authorization }, prompt, receivedAt: Date.now() };
    requests.push(rec);

    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    let timer: NodeJS.Timeout | undefined;
    res.on('close', () => {
      if (timer) { clearTimeout(timer); timers.delete(timer); }
      rec.outcome ??= 'aborted'; // closed before we answered: the client gave up, or close()
      counters.inFlight--; counters.completed++;
      counters.byStatus[rec.outcome] = (counters.byStatus[rec.outcome] ?? 0) + 1;
    });

    // As vLLM: an unknown model is refused before anything else (and consumes no rule).
    const b: Behaviour = models.includes(model)
      ? choose(rec)
      : { kind: 'status', status: 404, message: `The model \`${model}\` does not exist.` };
    rec.behaviour = b;
    if (b.kind === 'timeout') return;

    const answer = () => {
      if (b.kind === 'status') {
        rec.outcome = String(b.status);
        const headers: Record<string, string> = b.retryAfterSeconds !== undefined ? { 'retry-after': String(b.retryAfterSeconds) } : {};
        if (b.body !== undefined) {
          res.writeHead(b.status, { 'content-type': b.body.trimStart().startsWith('{') ? 'application/json' : 'text/plain', ...headers });
          return res.end(b.body);
        }
        return sendJson(res, b.status, errorBody(b.message ?? `Scripted ${b.status} error`, b.status), headers);
      }
      if (b.kind === 'drop') {
        // Headers left unfinished: the client's fetch fails (the SDK's APIConnectionError), rather than
        // a 200 whose body read fails later (a plain TypeError the SDK does not wrap).
        rec.outcome = 'dropped';
        res.socket?.write('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n');
        res.socket?.destroy();
        return;
      }
      const judging = chat && body.response_format?.type === 'json_schema';
      const { content, finishReason } = judging ? judgeReply(b, body) : reply(b, prompt, body.seed, chat ? body.messages : undefined);
      rec.outcome = '200';
      const id = `${chat ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '')}`;
      const now = Math.floor(Date.now() / 1000);
      const usage = { prompt_tokens: words(prompt), completion_tokens: words(content), total_tokens: words(prompt) + words(content) };
      if (body.stream) return stream(res, { id, created: now, model }, chat, content, finishReason, body.stream_options?.include_usage ? usage : undefined);
      const choice = chat
        ? { index: 0, message: { role: 'assistant', content, tool_calls: [] }, logprobs: null, finish_reason: finishReason, stop_reason: null }
        : { index: 0, text: content, logprobs: null, finish_reason: finishReason, stop_reason: null };
      sendJson(res, 200, { id, object: chat ? 'chat.completion' : 'text_completion', created: now, model: responseModel ?? model, choices: [choice], usage });
    };
    timer = setTimeout(() => { timers.delete(timer!); timer = undefined; answer(); }, latency + (b.kind === 'slow' ? b.ms : 0));
    timers.add(timer);
  }

  /**
   * `/v1/embeddings`: one deterministic vector per input (a hashed bag of lower-cased words, see
   * `bagOfWordsVector`), so equal texts embed equally. Rules match the inputs joined by '\n';
   * 'status', 'drop', 'slow' and 'timeout' apply, anything else answers normally.
   */
  function embeddings(req: IncomingMessage, res: ServerResponse, path: string, raw: string) {
    let body: Record<string, any>;
    try { body = JSON.parse(raw); } catch { return sendJson(res, 400, errorBody('Invalid JSON body', 400)); }
    const inputs: unknown[] = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input : [];
    if (!inputs.length || inputs.some((i) => typeof i !== 'string')) return sendJson(res, 400, errorBody('`input` must be a string or an array of strings', 400));
    const model: string = body.model ?? models[0];
    const rec: RecordedRequest = { path, model, body, headers: { authorization: req.headers.authorization }, prompt: inputs.join('\n'), receivedAt: Date.now() };
    requests.push(rec);
    const b: Behaviour = models.includes(model) ? choose(rec) : { kind: 'status', status: 404, message: `The model \`${model}\` does not exist.` };
    rec.behaviour = b;
    if (b.kind === 'timeout') return;
    const answer = () => {
      if (b.kind === 'status') { rec.outcome = String(b.status); return sendJson(res, b.status, errorBody(b.message ?? `Scripted ${b.status} error`, b.status)); }
      if (b.kind === 'drop') { rec.outcome = 'dropped'; res.socket?.destroy(); return; }
      rec.outcome = '200';
      const data = (inputs as string[]).map((text, index) => ({ object: 'embedding', index, embedding: bagOfWordsVector(text) }));
      const tokens = (inputs as string[]).reduce((n, t) => n + words(t), 0);
      sendJson(res, 200, { object: 'list', model, data, usage: { prompt_tokens: tokens, total_tokens: tokens } });
    };
    const timer = setTimeout(() => { timers.delete(timer); answer(); }, latency + (b.kind === 'slow' ? b.ms : 0));
    timers.add(timer);
  }

  function control(req: IncomingMessage, res: ServerResponse, path: string, raw: string) {
    if (req.method === 'GET' && path === '/_control/stats') return sendJson(res, 200, api.stats());
    if (req.method === 'GET' && path === '/_control/requests') return sendJson(res, 200, requests);
    if (req.method !== 'POST') return sendJson(res, 404, { detail: 'Not Found' });
    try {
      const body = raw.trim() ? JSON.parse(raw) : {};
      switch (path) {
        case '/_control/rule': {
          // match: a substring, or {"regex": "...", "flags": "i"}; predicates exist only in-process.
          const m = body.match ?? '';
          api.rule(typeof m === 'string' ? m : new RegExp(m.regex, m.flags), body.behaviour, body.times ?? Infinity);
          break;
        }
        case '/_control/default': api.setDefault(body.behaviour ?? body); break;
        case '/_control/latency': api.setLatency(Number(body.ms)); break;
        case '/_control/models': api.setModels(body.models); break;
        case '/_control/reset': api.reset(); break;
        default: return sendJson(res, 404, { detail: 'Not Found' });
      }
      sendJson(res, 200, { ok: true });
    } catch (e) {
      sendJson(res, 400, errorBody((e as Error).message, 400));
    }
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const raw = Buffer.concat(chunks).toString('utf8');
      if (path.startsWith('/_control/')) return control(req, res, path, raw);
      if (req.method === 'GET' && path === '/v1/models') {
        return sendJson(res, 200, {
          object: 'list',
          data: models.map((id) => ({ id, object: 'model', created, owned_by: 'vllm', root: id, parent: null, max_model_len: 8192, permission: [] })),
        });
      }
      if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/v1/completions')) return generate(req, res, path, raw);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddings(req, res, path, raw);
      sendJson(res, 404, { detail: 'Not Found' }); // FastAPI's answer for an unknown route, as vLLM gives
    });
  });
  const listen = (p: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(options.port ?? 0);
  const port = (server.address() as AddressInfo).port;
  api.baseUrl = `http://127.0.0.1:${port}/v1`;
  return api;
}

function checkBehaviour(b: Behaviour): Behaviour {
  if (!b || !KINDS.includes(b.kind)) throw new Error(`unknown behaviour ${JSON.stringify(b)}`);
  return b;
}

function errorBody(message: string, status: number) {
  return { error: { message, type: ERROR_TYPES[status] ?? 'APIError', param: null, code: status } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Server-sent events as vLLM sends them: a role chunk, content chunks, a finish chunk, optional usage, [DONE]. */
function stream(res: ServerResponse, head: { id: string; created: number; model: string }, chat: boolean,
  content: string, finishReason: string, usage?: object) {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  const object = chat ? 'chat.completion.chunk' : 'text_completion';
  const send = (data: unknown) => res.write(`data: ${JSON.stringify(data)}\n\n`);
  const choice = (text: string | undefined, finish: string | null, role = false) => chat
    ? { index: 0, delta: text === undefined ? {} : { ...(role ? { role: 'assistant' } : {}), content: text }, logprobs: null, finish_reason: finish }
    : { index: 0, text: text ?? '', logprobs: null, finish_reason: finish };
  if (chat) send({ ...head, object, choices: [choice('', null, true)] });
  for (const piece of content.match(/\s*\S+/g) ?? []) send({ ...head, object, choices: [choice(piece, null)] });
  send({ ...head, object, choices: [choice(undefined, finishReason)] });
  if (usage) send({ ...head, object, choices: [], usage });
  res.end('data: [DONE]\n\n');
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** The scripted embedding of a text: counts of its lower-cased words hashed (FNV-1a) into 16 buckets. */
export function bagOfWordsVector(text: string, dimensions = 16): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    vector[(h >>> 0) % dimensions]++;
  }
  return vector;
}

// ---------------------------------------------------------------------------------------------
// Judge answers (issue 15)

/**
 * The scripted judge's score of a text on a criterion: min + (words(text) + criterion length) mod
 * the number of scale points. Deterministic and cheap to recompute in a test from the stored turns.
 */
export function scriptedJudgeScore(criterion: string, text: string, min: number, max: number): number {
  return min + ((words(text) + criterion.length) % (max - min + 1));
}

/** The utterances of a judge prompt ("[i] Seeker: …" lines; a text may span lines). */
function judgedUtterances(section: string): string[] {
  const body = section.slice(section.indexOf('\n') + 1);
  return body.split(/\n(?=\[\d+\] (?:Seeker|Recommender): )/).filter((u) => /^\[\d+\] /.test(u)).map((u) => u.replace(/^\[\d+\] (?:Seeker|Recommender): /, ''));
}

/** Answers a judge request from its JSON schema: per-utterance scores, dialogue scores, or a pairwise verdict (the longer dialogue wins). */
export function judgeAnswer(body: Record<string, any>): string {
  const schema = body.response_format?.json_schema?.schema ?? {};
  const user = String((body.messages as any[]).filter((m) => m.role === 'user').map((m) => contentText(m.content)).join('\n'));
  const props = schema.properties ?? {};
  if (props.winners) {
    const [first, second] = user.split(/\n\nDialogue 2:\n/);
    const w1 = judgedUtterances(first).reduce((n, u) => n + words(u), 0);
    const w2 = judgedUtterances(`x\n${second ?? ''}`).reduce((n, u) => n + words(u), 0);
    const verdict = w1 > w2 ? '1' : w2 > w1 ? '2' : 'tie';
    const winners = Object.fromEntries(Object.keys(props.winners.properties ?? {}).map((k) => [k, verdict]));
    return JSON.stringify({ winners, rationale: `Dialogue 1 has ${w1} words, dialogue 2 has ${w2}.` });
  }
  const scoreSchema = props.scores ?? props.utterances?.items?.properties?.scores ?? { properties: {} };
  const criteria = Object.entries(scoreSchema.properties ?? {}) as Array<[string, { minimum: number; maximum: number }]>;
  const scoresOf = (text: string) => Object.fromEntries(criteria.map(([k, c]) => [k, scriptedJudgeScore(k, text, c.minimum, c.maximum)]));
  const utterances = judgedUtterances(user);
  if (props.utterances) {
    return JSON.stringify({ utterances: utterances.map((u, turn) => ({ turn, scores: scoresOf(u) })), rationale: 'Scored by the scripted judge.' });
  }
  return JSON.stringify({ scores: scoresOf(utterances.join('\n')), rationale: 'Scored by the scripted judge.' });
}

/** 'malformed' under response_format: JSON cut off mid-object, as a judge hitting a token limit writes. */
function judgeReply(b: Behaviour, body: Record<string, any>): { content: string; finishReason: string } {
  if (b.kind === 'text') return { content: b.content, finishReason: b.finishReason ?? 'stop' };
  if (b.kind === 'malformed') return { content: '{"scores": {"fluency": 2, "informa', finishReason: 'length' };
  return { content: judgeAnswer(body), finishReason: 'stop' };
}

// ---------------------------------------------------------------------------------------------
// Answers

function reply(b: Behaviour, prompt: string, seed: unknown, messages?: Array<{ role: string; content: unknown }>): { content: string; finishReason: string } {
  const rng = makeRng(`${seed ?? ''}\u0000${prompt}`);
  if (b.kind === 'ok' || b.kind === 'slow' || b.kind === 'leak') {
    const seeker = seekerAnswer(messages, b.kind === 'leak' ? b.title : null);
    if (seeker !== null) return { content: seeker, finishReason: 'stop' };
  }
  switch (b.kind) {
    case 'text': return { content: b.content, finishReason: b.finishReason ?? 'stop' };
    case 'malformed':
      return { content: 'Sure! Here is a conversation between a user looking for a film and a helpful assistant, who talks about a few options and finally suggests one.', finishReason: 'stop' };
    case 'hallucinate': return { content: dialogue(parseProfile(prompt), rng, `<id_${FAKE_ASIN}>`), finishReason: 'stop' };
    case 'titles': return { content: dialogue(parseProfile(prompt), rng, undefined, true), finishReason: 'stop' };
    case 'garble': {
      const text = goalTemplateAnswer(prompt) ?? dialogue(parseProfile(prompt), rng);
      const at = text.indexOf(' ', 10);
      return { content: `${text.slice(0, at)}\u0000\ud800${text.slice(at)}`, finishReason: 'stop' };
    }
    case 'truncate': {
      // Cut inside the final assistant utterance, halfway through its words: no closing punctuation.
      const text = goalTemplateAnswer(prompt) ?? dialogue(parseProfile(prompt), rng);
      const start = Math.max(text.lastIndexOf('[AI]'), text.lastIndexOf('Agent:'), 0);
      const tail = text.slice(start).split(' ');
      return { content: text.slice(0, start) + tail.slice(0, Math.max(3, Math.floor(tail.length / 2))).join(' ').replace(/[.,!?:;]+$/, ''), finishReason: 'length' };
    }
    default: return { content: goalTemplateAnswer(prompt) ?? dialogue(parseProfile(prompt), rng), finishReason: 'stop' };
  }
}

/**
 * Plays the simulated seeker of interactive evaluation (generator/interactive/seeker.ts): a chat
 * whose system message starts with SEEKER_MARKER. Deterministic in the prompt: the n-th seeker
 * utterance asks for the target's genre and its n-th keyword (and an actor when the prompt lists
 * them); after the accept cue it accepts. `leakTitle`: the utterance names that title as well.
 * Null when the request is not a seeker's.
 */
function seekerAnswer(messages: Array<{ role: string; content: unknown }> | undefined, leakTitle: string | null): string | null {
  const system = messages?.[0]?.role === 'system' ? contentText(messages[0].content) : '';
  if (!system.startsWith(SEEKER_MARKER)) return null;
  const last = contentText(messages![messages!.length - 1].content);
  if (last.includes(ACCEPT_CUE)) return 'That sounds perfect, I will watch it tonight. Thank you!';
  const field = (name: string) => {
    const m = new RegExp(`^${name}: (.*)$`, 'm').exec(system.slice(system.indexOf('The movie you are hoping to find')));
    return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
  };
  const genres = field('Genres').map((g) => g.toLowerCase());
  const keywords = field('Keywords');
  const actors = field('Actors');
  const n = messages!.filter((m) => m.role === 'assistant').length;
  const genre = genres[n % Math.max(1, genres.length)] ?? 'good';
  const keyword = keywords.length ? keywords[n % keywords.length] : 'a memorable story';
  let text = n === 0
    ? `Hi! I'm in the mood for a ${genre} movie, ideally something with ${keyword}.`
    : `Not quite what I had in mind. I'd like ${genre} with ${keyword}${keywords.length > 1 ? ` and ${keywords[(n + 1) % keywords.length]}` : ''}${actors.length ? `, maybe with ${actors[n % actors.length]}` : ''}.`;
  if (leakTitle) text += ` I think it might be called ${leakTitle}.`;
  return text;
}

/** FNV-1a of the key, then mulberry32: a small deterministic generator. */
function makeRng(key: string) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof makeRng>;

interface PromptItem { title: string; asin: string; genres: string[]; keywords: string[] }
interface Profile { liked: PromptItem[]; disliked: PromptItem[]; target?: PromptItem }

/** Reads the item blocks of a §4 profile prompt (chat message or raw template string alike). */
function parseProfile(prompt: string): Profile {
  const profile: Profile = { liked: [], disliked: [] };
  let section: 'liked' | 'disliked' | 'target' = 'liked';
  let last: PromptItem | undefined;
  // Raw mode: the template's <|…|> tokens glue onto the first and last lines of the profile prompt.
  for (const line of prompt.replace(/<\|[^|]*\|>/g, '\n').split('\n').map((l) => l.trim())) {
    if (line.startsWith('User liked the following items')) section = 'liked';
    else if (line.startsWith('User disliked the following items')) section = 'disliked';
    else if (line.startsWith('Consider the following one the target item')) section = 'target';
    const item = /^Item: (.*), ID: <id_([^<>\s]+)>$/.exec(line);
    const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
    if (item) {
      last = { title: item[1], asin: item[2], genres: [], keywords: [] };
      if (section === 'target') profile.target = last; else profile[section].push(last);
    } else if (last && line.startsWith('Genres: ')) last.genres = list(line.slice(8));
    else if (last && line.startsWith('Keywords: ')) last.keywords = list(line.slice(10));
  }
  return profile;
}

/**
 * A DistillRecDial-style dialogue (docs/formats.md §3.5): 6–8 alternating utterances from [USR]; the
 * user cites a liked history item by tag, the assistant asks questions and ends by recommending
 * the target by tag with a reason from its genres/keywords. Only tags of the prompt appear
 * (or `recommendTag`, for the 'hallucinate' behaviour); with a hidden target nothing is tagged.
 */
function dialogue(p: Profile, rng: Rng, recommendTag?: string, asTitles = false): string {
  const tag = (i: PromptItem) => (asTitles ? `"${i.title}" (2017)` : `<id_${i.asin}>`);
  const liked = p.liked.length ? rng.pick(p.liked) : undefined;
  const disliked = p.disliked.length ? rng.pick(p.disliked) : undefined;
  const genres = (p.target?.genres.length ? p.target.genres : liked?.genres ?? []).map((g) => g.toLowerCase());
  const keywords = p.target?.keywords.length ? p.target.keywords : liked?.keywords ?? [];
  const genre = genres.length ? rng.pick(genres) : 'feel-good';
  const keyword = keywords.length ? rng.pick(keywords) : 'a memorable story';
  const n = 6 + Math.floor(rng.next() * 3);

  const u: string[] = [];
  u.push(liked
    ? rng.pick([`Hi! I really enjoyed ${tag(liked)} recently. Can you suggest something along those lines?`,
      `Hello, I loved ${tag(liked)} and I'm looking for my next favourite.`,
      `Hey! ${tag(liked)} was great. Do you have anything similar for me?`])
    : rng.pick([`Hi! I'm looking for something new to watch this weekend.`,
      `Hello, can you help me find something to watch tonight?`,
      `Hey, I need a good recommendation, I have no idea what to pick.`]));
  u.push(rng.pick([`Of course! Are you in the mood for something ${genre}, or would you rather try a different style?`,
    `Happy to help. What do you usually enjoy the most in a story?`,
    `Sure thing. Do you prefer something light, or something more intense?`]));
  u.push(`I'm in the mood for ${genre}, especially anything with ${keyword}.`
    + (disliked ? rng.pick([` I didn't care for ${tag(disliked)}, though.`, ` Please nothing like ${tag(disliked)}, that one was not for me.`]) : ''));
  u.push(rng.pick([`Good to know. Would you mind something a little older?`,
    `Noted. Are you watching on your own or with company?`,
    `Got it. How do you feel about a bit of adventure mixed in?`]));
  u.push(rng.pick([`Sure, that sounds fine to me.`, `I'm open to anything as long as it's good.`, `That works, surprise me!`]));
  if (n === 8) {
    u.push(rng.pick([`Great. Is a longer running time a problem for you?`, `One more thing: do you like a touch of humour?`]));
    u.push(rng.pick([`Not at all, I have the whole evening free.`, `Yes, a bit of humour always helps.`]));
  }
  const rec = recommendTag ?? (p.target && tag(p.target));
  const reason = `${genres.slice(0, 2).join(' and ') || 'great'} pick` + (keywords.length ? ` with ${keywords.slice(0, 2).join(' and ')}` : '');
  u.push(rec
    ? `Then I'd recommend ${rec}: it's ${/^[aeiou]/.test(reason) ? 'an' : 'a'} ${reason}` + rng.pick([`, and I think you'll love it.`, `, just what you described.`, `. It should suit you well.`])
    : `Then I'd suggest looking for ${/^[aeiou]/.test(reason) ? 'an' : 'a'} ${reason}; it matches what you described.`);
  if (n === 7) u.push(rng.pick([`Perfect, I'll watch it tonight!`, `Sounds great, thanks for the tip!`, `Thanks, I'll give it a try.`]));
  return u.map((text, i) => `${i % 2 ? '[AI]' : '[USR]'}: ${text}`).join('\n');
}

/**
 * Answers a goal-template prompt (docs/pipeline.md §11.6): one `User: …`/`Agent: …` utterance per
 * numbered template line `{n}. {User|Agent} — {descriptions}`, blank lines between, at most 60
 * words each, echoing the line's quoted titles. Null when the prompt has no such lines.
 */
function goalTemplateAnswer(prompt: string): string | null {
  const lines = [...prompt.matchAll(/^\s*\d+\.\s+(User|Agent) — (.+)$/gm)];
  if (!lines.length) return null;
  return lines.map(([, speaker, desc]) => {
    const d = desc.toLowerCase();
    const titles = [...desc.matchAll(/"([^"]+)"/g)]
      // A quoted passage after "review:" (or any colon) is a review to paraphrase, not a title.
      .filter((m) => !/(:|review|says|wrote)\s*$/i.test(desc.slice(0, m.index)))
      .map((m) => `"${m[1]}"`);
    const t = titles.join(' and ');
    const has = (re: RegExp) => re.test(d);
    let text: string;
    if (speaker === 'User') {
      if (has(/greet|\bopens?\b/)) text = t ? (has(/dislik/) ? `Hi! I recently tried ${t} and honestly did not enjoy it.` : `Hi! I recently tried ${t} and really liked it.`) : 'Hi there!';
      else if (has(/reject|declin|turn.*down|seen/)) text = `Thanks, but I have already seen ${t || 'that one'}, so I will pass on it.`;
      else if (has(/accept/)) text = `That sounds great, I will definitely try ${t || 'it'}. Thank you!`;
      else if (has(/ask/) && has(/recommend/)) text = 'Could you recommend something I might enjoy?';
      else if (has(/detail|ask/)) text = `Can you tell me a bit more about ${t || 'it'}?`;
      else if (has(/interest/)) text = `Oh, ${t || 'that'} sounds interesting!`;
      else if (has(/thank/)) text = 'Thank you so much for your help!';
      else if (has(/\bend\b|clos/)) text = `I think that is all I need for now${t ? `, ${t} included` : ''}.`;
      else text = `I have been looking for something new to enjoy lately${t ? `, a bit like ${t}` : ''}.`;
    } else {
      if (has(/recommend/) && t) text = `I think you would enjoy ${t}. Other customers say it is well worth your time.`;
      else if (has(/review/)) text = `Other customers describe ${t || 'it'} as engaging and well made.`;
      else if (has(/\bmore\b/)) text = 'Would you like another recommendation?';
      else if (has(/prefer|ask/)) text = 'What kind of things do you usually enjoy?';
      else if (has(/\bend\b|clos/)) text = "You're welcome, enjoy and have a great day!";
      else text = `That makes sense${t ? `, and ${t} is a good reference` : ''}.`;
    }
    if (words(text) > 60) text = t; // only absurdly long titles get here
    return `${speaker}: ${text}`;
  }).join('\n\n');
}
