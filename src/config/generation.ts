import { ModelRole as ModelRoles, type ModelRoleValue } from '../dialogues/vocabulary';
import { ConfigError, int } from './env';

/** The roles of the vocabulary (src/dialogues/vocabulary.ts), as the configuration holds them. */
export type ModelRole = ModelRoleValue;
export const MODEL_ROLES: readonly ModelRole[] = Object.values(ModelRoles);
/** Interactive evaluation (issue 15 §5): the model that plays the seeker (SIMULATOR_BASE_URL, SIMULATOR_MODEL, …). */
export type SimulatorRole = 'SIMULATOR';
// Issue 15: the JUDGE role (JUDGE_BASE_URL, JUDGE_MODEL, JUDGE_API_KEY, JUDGE_TIMEOUT_MS,
// JUDGE_MAX_IN_FLIGHT) scores and compares dialogues through the same queue, caps and retries.
export type JudgeRole = 'JUDGE';
/** The roles that write dataset dialogues from a prompt (generate, regenerate); SIMULATOR and JUDGE do not. */
export const GENERATING_ROLES: readonly ModelRole[] = ['TEACHER', 'STUDENT'];

/** One OpenAI-compatible endpoint (vLLM in production) serving one role. */
export interface ModelEndpointConfig {
  role: ModelRole;
  /** Base URL including `/v1`, e.g. http://vllm-teacher:8000/v1. */
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  /** Requests in flight to this endpoint, per worker process. */
  maxInFlight: number;
}

export interface GenerationConfig {
  endpoints: Partial<Record<ModelRole, ModelEndpointConfig>>;
  /** Attempts per job (pg-boss retryLimit + 1). */
  maxAttempts: number;
  /** First retry delay in seconds; doubles up to `retryDelayMaxSeconds`. */
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  /** A job active longer than this is taken as crashed and retried by another worker. */
  jobExpireSeconds: number;
  /** How often a worker looks for expired jobs. */
  superviseIntervalSeconds: number;
}

function endpoint(env: NodeJS.ProcessEnv, role: ModelRole): ModelEndpointConfig | undefined {
  const baseUrl = env[`${role}_BASE_URL`];
  if (!baseUrl) return undefined;
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`${role}_BASE_URL must be a URL such as http://localhost:8000/v1, got "${baseUrl}"`);
  }
  const model = env[`${role}_MODEL`];
  if (!model) throw new ConfigError(`${role}_BASE_URL is set but ${role}_MODEL is not: name the model (or LoRA adapter) the server serves`);
  return {
    role,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model,
    // vLLM accepts any key unless started with --api-key; the SDK refuses an empty one.
    apiKey: env[`${role}_API_KEY`] || 'EMPTY',
    timeoutMs: int(env, `${role}_TIMEOUT_MS`, 600_000, 1),
    maxInFlight: int(env, `${role}_MAX_IN_FLIGHT`, 64, 1),
  };
}

export function loadGenerationConfig(env: NodeJS.ProcessEnv): GenerationConfig {
  const endpoints: Partial<Record<ModelRole, ModelEndpointConfig>> = {};
  for (const role of MODEL_ROLES) {
    const e = endpoint(env, role);
    if (e) endpoints[role] = e;
  }
  const maxTimeout = Math.max(0, ...Object.values(endpoints).map((e) => e!.timeoutMs));
  return {
    endpoints,
    maxAttempts: int(env, 'RECDIAL_GENERATION_ATTEMPTS', 5, 1),
    retryDelaySeconds: int(env, 'RECDIAL_RETRY_DELAY_S', 1, 0),
    retryDelayMaxSeconds: int(env, 'RECDIAL_RETRY_DELAY_MAX_S', 60, 1),
    jobExpireSeconds: int(env, 'RECDIAL_JOB_EXPIRE_S', Math.ceil(maxTimeout / 1000) + 60, 2),
    superviseIntervalSeconds: int(env, 'RECDIAL_SUPERVISE_INTERVAL_S', 30, 1),
  };
}
