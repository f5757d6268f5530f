/**
 * The conversational recommender under test, reached either as an OpenAI-compatible chat model
 * (through the `openai` SDK, like the model roles) or as a plain HTTP endpoint that takes
 * `POST {context, message}` and answers `{text, items?}` (the UserSimCRS convention).
 */
import OpenAI from 'openai';
import { classifyModelError, networkCause, publicEndpoint, type ClassifiedError } from '../models/clients';
import type { ChatMessage } from '../types';
import type { Utterance } from './seeker';

export type SystemSpec = { kind: 'openai'; baseUrl: string; model: string } | { kind: 'http'; url: string };

/** What the chat-model system is told (recorded with every simulated dialogue). */
export const CRS_SYSTEM_PROMPT =
  'You are a conversational movie recommender. Talk with the user to find out what they would like to watch, and recommend movies by their exact titles.';

export interface SystemReply {
  text: string;
  /** Item ids the system listed (HTTP systems only); null: read titles from the text. */
  items: string[] | null;
  latencyMs: number;
  model: string | null;
}

/** A system call that failed; `error.retryable` says whether another attempt of the conversation may help. */
export class SystemError extends Error {
  constructor(readonly error: ClassifiedError) {
    super(error.message);
  }
}

export function describeSystem(spec: SystemSpec): Record<string, unknown> {
  return spec.kind === 'openai' ? { kind: 'openai', endpoint: publicEndpoint(spec.baseUrl), model: spec.model } : { kind: 'http', endpoint: publicEndpoint(spec.url) };
}

/** System failures never close the simulator's gate: the outage is the system's, not the seeker's. */
function asSystemError(c: ClassifiedError): SystemError {
  return new SystemError({ ...c, outcome: `SYSTEM_${c.outcome}`, message: `system under test: ${c.message}`, unreachable: false });
}

export type SystemCall = (context: readonly Utterance[], message: string, seed: number) => Promise<SystemReply>;

export function createSystemClient(spec: SystemSpec, timeoutMs: number, options: { fetch?: typeof fetch } = {}): SystemCall {
  if (spec.kind === 'openai') {
    const client = new OpenAI({ baseURL: spec.baseUrl, apiKey: 'EMPTY', timeout: timeoutMs, maxRetries: 0, ...(options.fetch ? { fetch: options.fetch } : {}) });
    return async (context, message, seed) => {
      const messages: ChatMessage[] = [{ role: 'system', content: CRS_SYSTEM_PROMPT }];
      for (const u of context) messages.push({ role: u.role === 'USER' ? 'user' : 'assistant', content: u.text });
      messages.push({ role: 'user', content: message });
      const started = performance.now();
      let completion: OpenAI.Chat.Completions.ChatCompletion;
      try {
        completion = await client.chat.completions.create({ model: spec.model, messages, seed });
      } catch (error) {
        throw asSystemError(classifyModelError(error));
      }
      const text = completion.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw asSystemError({ outcome: 'BAD_RESPONSE', retryable: false, httpStatus: 200, message: 'the answer has no message content' });
      return { text, items: null, latencyMs: Math.round(performance.now() - started), model: completion.model ?? null };
    };
  }
  const doFetch = options.fetch ?? fetch;
  return async (context, message) => {
    const started = performance.now();
    let response: Response;
    try {
      response = await doFetch(spec.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ context: context.map((u) => ({ role: u.role === 'USER' ? 'user' : 'assistant', text: u.text })), message }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as { name?: string })?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw asSystemError({ outcome: 'TIMEOUT', retryable: true, httpStatus: null, message: `no answer within ${timeoutMs} ms` });
      const cause = networkCause(error);
      throw asSystemError({ outcome: 'CONNECTION', retryable: true, httpStatus: null, message: `connection failed: ${cause.messages.join(' < ')}`, networkCode: cause.code });
    }
    let body: string;
    try {
      body = await response.text();
    } catch (error) {
      // The timeout (or a dropped connection) can strike while the body is read: retry it as such.
      const name = (error as { name?: string })?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw asSystemError({ outcome: 'TIMEOUT', retryable: true, httpStatus: response.status, message: `the answer did not finish within ${timeoutMs} ms` });
      throw asSystemError({ outcome: 'CONNECTION', retryable: true, httpStatus: response.status, message: `the answer was cut off: ${networkCause(error).messages.join(' < ')}` });
    }
    if (!response.ok) {
      const status = response.status;
      const retryable = status >= 500 || status === 429 || status === 408 || status === 409;
      throw asSystemError({ outcome: status === 429 ? 'RATE_LIMITED' : status >= 500 ? 'SERVER_ERROR' : 'CLIENT_ERROR', retryable, httpStatus: status, message: `HTTP ${status}: ${body.slice(0, 300)}` });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw asSystemError({ outcome: 'BAD_RESPONSE', retryable: false, httpStatus: response.status, message: `the answer is not JSON: ${body.slice(0, 120)}` });
    }
    const p = parsed as { text?: unknown; items?: unknown };
    if (typeof p?.text !== 'string') throw asSystemError({ outcome: 'BAD_RESPONSE', retryable: false, httpStatus: response.status, message: 'the answer has no string `text` (expected {"text": …, "items"?: […]})' });
    if (p.items !== undefined && p.items !== null && !(Array.isArray(p.items) && p.items.every((i) => typeof i === 'string' || typeof i === 'number'))) {
      throw asSystemError({ outcome: 'BAD_RESPONSE', retryable: false, httpStatus: response.status, message: '`items` must be an array of item ids' });
    }
    const items = Array.isArray(p.items) ? p.items.map(String) : null;
    return { text: p.text, items, latencyMs: Math.round(performance.now() - started), model: null };
  };
}
