import OpenAI from 'openai';
import type { ModelEndpointConfig } from '../../src/config/generation';

/**
 * One client per role. Retries are off in the SDK: every attempt is a queue attempt, so it is
 * recorded, backed off by pg-boss and survives a worker crash (pipeline.md §6.2).
 */
export function createModelClient(endpoint: ModelEndpointConfig): OpenAI {
  return new OpenAI({ baseURL: endpoint.baseUrl, apiKey: endpoint.apiKey, timeout: endpoint.timeoutMs, maxRetries: 0 });
}

/** The endpoint as recorded in provenance: no credentials, no query string. */
export function publicEndpoint(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  return url.toString().replace(/\/+$/, '');
}

export class ModelEndpointError extends Error {}

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
  /** TIMEOUT, CONNECTION, RATE_LIMITED, SERVER_ERROR, CLIENT_ERROR, BAD_RESPONSE */
  outcome: string;
  retryable: boolean;
  httpStatus: number | null;
  message: string;
}

/** Which failures are worth another attempt: timeouts, dropped connections, 408/409/429 and 5xx. */
export function classifyModelError(error: unknown): ClassifiedError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return { outcome: 'TIMEOUT', retryable: true, httpStatus: null, message: 'the model server did not answer within the timeout' };
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return { outcome: 'CONNECTION', retryable: true, httpStatus: null, message: `connection failed: ${error.cause instanceof Error ? error.cause.message : error.message}` };
  }
  if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
    const status = error.status;
    const message = `HTTP ${status}: ${error.message}`;
    if (status === 429) return { outcome: 'RATE_LIMITED', retryable: true, httpStatus: status, message };
    if (status >= 500) return { outcome: 'SERVER_ERROR', retryable: true, httpStatus: status, message };
    if (status === 408 || status === 409) return { outcome: 'CLIENT_ERROR', retryable: true, httpStatus: status, message };
    return { outcome: 'CLIENT_ERROR', retryable: false, httpStatus: status, message };
  }
  return { outcome: 'BAD_RESPONSE', retryable: false, httpStatus: null, message: error instanceof Error ? error.message : String(error) };
}
