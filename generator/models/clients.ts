import OpenAI from 'openai';
import type { ModelEndpointConfig } from '../../src/config/generation';
import { DomainError, ErrorCode } from '../../src/errors';

/**
 * One client per role. Retries are off in the SDK: every attempt is a queue attempt, so it is
 * recorded, backed off by pg-boss and survives a worker crash (docs/pipeline.md §6.2).
 */
export function createModelClient(endpoint: ModelEndpointConfig): OpenAI {
  return new OpenAI({ baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey, timeout: endpoint.timeoutMs, maxRetries: 0, fetch: bodyKeepingFetch });
}

/** How much of an error response's body is kept in the recorded error. */
const ERROR_BODY_CHARS = 300;
const errorBodies = new WeakMap<Headers, string>();

/**
 * The SDK keeps only the `error` member of a JSON error body, so an answer such as FastAPI's
 * `{"detail": "…"}` becomes "500 status code (no body)". This fetch remembers the start of every
 * error body, keyed by the response's headers, which the SDK hands on to its APIError.
 */
const bodyKeepingFetch: typeof fetch = async (input, init) => {
  const response = await fetch(input, init);
  if (!response.ok) {
    const text = await response
      .clone()
      .text()
      .catch(() => '');
    errorBodies.set(response.headers, text.slice(0, ERROR_BODY_CHARS));
  }
  return response;
};

/** The start of an error response's body as the server sent it, when it was kept. */
export function errorBody(error: unknown): string | null {
  if (!(error instanceof OpenAI.APIError) || !error.headers) return null;
  return errorBodies.get(error.headers as Headers) ?? null;
}

/** Network error codes that say nothing listens at the address (an outage, not a bad request). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** The messages and the first system error code along an error's `cause` chain (the SDK wraps undici's TypeError, which wraps the socket error). */
export function networkCause(error: unknown): { code: string | null; messages: string[] } {
  const messages: string[] = [];
  let code: string | null = null;
  const seen = new Set<unknown>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 6) return;
    seen.add(e);
    const err = e as { message?: unknown; code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof err.message === 'string' && err.message && !messages.includes(err.message)) messages.push(err.message);
    if (code === null && typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code)) code = err.code;
    // Happy eyeballs: one error per address tried.
    if (Array.isArray(err.errors)) for (const x of err.errors) visit(x, depth + 1);
    visit(err.cause, depth + 1);
  };
  visit(error, 0);
  return { code, messages };
}

/** The endpoint as recorded in provenance: no credentials, no query string. */
export function publicEndpoint(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

/** A model endpoint is unreachable or does not serve the model: MODEL_ENDPOINT_UNAVAILABLE, no argument at fault. */
export class ModelEndpointError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.MODEL_ENDPOINT_UNAVAILABLE, message);
  }
}

/** `GET /v1/models`: what the server serves (vLLM lists the base model and each LoRA adapter by name). */
export async function listServedModels(client: OpenAI, endpoint: ModelEndpointConfig): Promise<string[]> {
  try {
    const ids: string[] = [];
    for await (const model of client.models.list({ timeout: Math.min(endpoint.timeoutMs, 30_000) })) ids.push(model.id);
    return ids.sort();
  } catch (error) {
    const why = error instanceof OpenAI.APIError && error.status ? `HTTP ${error.status}` : (error as Error).message;
    throw new ModelEndpointError(`the ${endpoint.role.toLowerCase()} endpoint ${publicEndpoint(endpoint.baseUrl)} did not list its models (${why})`);
  }
}

export interface ClassifiedError {
  /** TIMEOUT, CONNECTION, RATE_LIMITED, SERVER_ERROR, CLIENT_ERROR, BAD_RESPONSE; the worker adds STORE_ERROR and WORKER_ERROR. */
  outcome: string;
  retryable: boolean;
  httpStatus: number | null;
  message: string;
  /** The system error code of a network failure (ECONNREFUSED …), when there is one. */
  networkCode?: string | null;
  /** Nothing listens at the endpoint (connection refused, unknown host): an outage, which must not spend the job's attempts. */
  unreachable?: boolean;
}

/** Which failures are worth another attempt: timeouts, dropped connections, 408/409/429 and 5xx. */
export function classifyModelError(error: unknown): ClassifiedError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { outcome: 'TIMEOUT', retryable: true, httpStatus: null, message: 'the model server did not answer within the timeout' };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    // e.g. "connection failed: Connection error. < fetch failed < connect ECONNREFUSED 127.0.0.1:8000"
    const cause = networkCause(error);
    return {
      outcome: 'CONNECTION',
      retryable: true,
      httpStatus: null,
      message: `connection failed: ${cause.messages.join(' < ')}`,
      networkCode: cause.code,
      unreachable: cause.code !== null && UNREACHABLE.has(cause.code),
    };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const body = errorBody(error);
    const message = `HTTP ${status}: ${body !== null && body.trim() ? `${body}${body.length >= ERROR_BODY_CHARS ? '…' : ''}` : error.message}`;
    if (status === 429) return { outcome: 'RATE_LIMITED', retryable: true, httpStatus: status, message };
    if (status >= 500) return { outcome: 'SERVER_ERROR', retryable: true, httpStatus: status, message };
    if (status === 408 || status === 409) return { outcome: 'CLIENT_ERROR', retryable: true, httpStatus: status, message };
    return { outcome: 'CLIENT_ERROR', retryable: false, httpStatus: status, message };
  }
  return { outcome: 'BAD_RESPONSE', retryable: false, httpStatus: null, message: error instanceof Error ? error.message : String(error) };
}
