import path from 'node:path';
import { bool, ConfigError, int } from './env';
import { GenerationConfig, loadGenerationConfig } from './generation';

export { bool, ConfigError, int } from './env';

/** The one place that reads process.env. Everything else receives a frozen Config. */
export interface Config {
  /** Unset: an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  port: number;
  /** Package root: sample data and the embedded cluster are found relative to it. */
  rootDir: string;
  /** Where the embedded PostgreSQL keeps its cluster (gitignored). */
  dataDir: string;
  /** RECDIAL_EXPORTS_DIR: export jobs write their files to `<exportsDir>/<id>/` (default `<dataDir>/exports`). */
  exportsDir: string;
  embeddedPgPort: number;
  statementTimeoutMs: number;
  maxQueryDepth: number;
  maxQueryComplexity: number;
  /** RECDIAL_MAX_CORPUS_FIELDS: fields that scan the whole selection (datasetStatistics, diversity, …) one request may hold. */
  maxCorpusFields: number;
  /** RECDIAL_CORPUS_FIELD_BUDGET_MS: wall-clock budget of one such field; over it the field fails with TIMEOUT. */
  corpusFieldBudgetMs: number;
  pageCap: number;
  /** RECDIAL_SEARCH_MAX_CHARS / RECDIAL_SEARCH_MAX_TERMS: the longest `filter.search` (and `searchHighlights(query:)`) accepted. */
  search: Readonly<SearchLimits>;
  logLevel: string;
  /** Load the bundled sample into a fresh embedded database on first start. */
  loadSample: boolean;
  /** RECDIAL_API_KEYS: comma-separated `name:role:secret` entries seeded at server start (containers, tests). */
  apiKeys: string | null;
  /** RECDIAL_REQUIRE_KEY_FOR_QUERIES: queries and subscriptions need a valid key too (mutations always need an operator key). */
  requireKeyForQueries: boolean;
  /** RECDIAL_INTROSPECTION: the schema may be introspected (the explorer's docs and autocomplete, code generators). */
  introspection: boolean;
  /** Model endpoints per role, worker limits and retry policy. */
  generation: Readonly<GenerationConfig>;
  /** RECDIAL_MAX_PREDICTIONS_BYTES: the largest predictions file evaluateRecommendations/evaluateGeneration accept inline. */
  maxPredictionBytes: number;
  /** Sentence embeddings for `diversity` (docs/metrics.md §5); null: a local TF-IDF is used instead. */
  embeddings: Readonly<EmbeddingsConfig> | null;
  /** RECDIAL_DOWNLOAD_SECRET: HMAC key of signed export download URLs; null: one generated once and kept in the `settings` table. */
  downloadSecret: string | null;
  /** RECDIAL_MAX_LINE_BYTES: the longest line (or JSON value) an import reads; a longer one is that line's error. */
  maxLineBytes: number;
  /** RECDIAL_FAST_LANE: cached, compiled plans for POST /graphql queries (src/server/fast-lane); false: every request takes Apollo's pipeline. */
  fastLane: boolean;
}

/** An OpenAI-compatible `/v1/embeddings` endpoint. */
export interface EmbeddingsConfig {
  baseUrl: string;
  model: string;
  apiKey: string;
  timeoutMs: number;
  /** Texts per request. */
  batchSize: number;
}

/** Bounds on a full-text search string, so that no search costs seconds of database CPU. */
export interface SearchLimits {
  maxChars: number;
  /** Words, not counting the `or` operator. */
  maxTerms: number;
}

export const DEFAULT_SEARCH_LIMITS: Readonly<SearchLimits> = Object.freeze({ maxChars: 500, maxTerms: 32 });

const ROOT = path.resolve(__dirname, '..', '..', __dirname.includes(`${path.sep}dist${path.sep}`) ? '..' : '');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const rootDir = env.RECDIAL_ROOT ? path.resolve(env.RECDIAL_ROOT) : ROOT;
  return Object.freeze({
    databaseUrl: env.DATABASE_URL || null,
    port: int(env, 'PORT', 4000, 0),
    rootDir,
    dataDir: path.resolve(rootDir, env.RECDIAL_DATA_DIR || '.recdial'),
    exportsDir: path.resolve(rootDir, env.RECDIAL_EXPORTS_DIR || path.join(env.RECDIAL_DATA_DIR || '.recdial', 'exports')),
    embeddedPgPort: int(env, 'RECDIAL_PG_PORT', 54329, 1),
    statementTimeoutMs: int(env, 'RECDIAL_STATEMENT_TIMEOUT_MS', 15000, 0),
    maxQueryDepth: int(env, 'RECDIAL_MAX_QUERY_DEPTH', 10, 1),
    maxQueryComplexity: int(env, 'RECDIAL_MAX_QUERY_COMPLEXITY', 50000, 1),
    maxCorpusFields: int(env, 'RECDIAL_MAX_CORPUS_FIELDS', 2, 1),
    corpusFieldBudgetMs: int(env, 'RECDIAL_CORPUS_FIELD_BUDGET_MS', 60_000, 1),
    pageCap: 100,
    search: Object.freeze({
      maxChars: int(env, 'RECDIAL_SEARCH_MAX_CHARS', DEFAULT_SEARCH_LIMITS.maxChars, 1),
      maxTerms: int(env, 'RECDIAL_SEARCH_MAX_TERMS', DEFAULT_SEARCH_LIMITS.maxTerms, 1),
    }),
    logLevel: env.LOG_LEVEL || 'info',
    loadSample: bool(env, 'RECDIAL_LOAD_SAMPLE', true),
    apiKeys: env.RECDIAL_API_KEYS?.trim() || null,
    requireKeyForQueries: bool(env, 'RECDIAL_REQUIRE_KEY_FOR_QUERIES', false),
    introspection: bool(env, 'RECDIAL_INTROSPECTION', true),
    generation: loadGenerationConfig(env),
    // Below express's 1 MB JSON body limit, so that the API's own message (pointing at the CLI) is what users see.
    maxPredictionBytes: int(env, 'RECDIAL_MAX_PREDICTIONS_BYTES', 768 * 1024, 1),
    embeddings: loadEmbeddingsConfig(env),
    downloadSecret: env.RECDIAL_DOWNLOAD_SECRET || null,
    maxLineBytes: int(env, 'RECDIAL_MAX_LINE_BYTES', 16 * 1024 * 1024, 1024),
    fastLane: bool(env, 'RECDIAL_FAST_LANE', true),
  });
}

function loadEmbeddingsConfig(env: NodeJS.ProcessEnv): EmbeddingsConfig | null {
  const baseUrl = env.EMBEDDINGS_BASE_URL;
  if (!baseUrl) return null;
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`EMBEDDINGS_BASE_URL must be a URL such as http://localhost:8002/v1, got "${baseUrl}"`);
  }
  const model = env.EMBEDDINGS_MODEL;
  if (!model) throw new ConfigError('EMBEDDINGS_BASE_URL is set but EMBEDDINGS_MODEL is not: name the embedding model the server serves');
  return Object.freeze({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    model,
    // As for the model roles: the SDK refuses an empty key, most self-hosted servers ignore it.
    apiKey: env.EMBEDDINGS_API_KEY || 'EMPTY',
    timeoutMs: int(env, 'EMBEDDINGS_TIMEOUT_MS', 60_000, 1),
    batchSize: int(env, 'EMBEDDINGS_BATCH_SIZE', 64, 1),
  });
}
