/**
 * The query fast lane: POST /graphql queries whose plan is cached run here, in front of Apollo,
 * with graphql-jit instead of Apollo's request pipeline and graphql-js's executor (issue 13).
 *
 * Why in front of Apollo rather than inside it: what costs time on a read is the per-request
 * pipeline (plugin hooks, document store hashing, response assembly, express's res.send with its
 * ETag) as much as execution, and Apollo 5 offers no executor hook short of the `gateway`
 * interface. A lane that only ever says "mine" for a request it can answer exactly as Apollo
 * would, and hands everything else to the express app untouched (see createFastLane for how the
 * body is handed over), is robust to what it does not know:
 *
 * - only `application/json` POSTs with a JSON object body, a string `query`, no persisted-query or
 *   other extensions, and an Accept that Apollo would answer with `application/json`;
 * - only valid queries that do not read the schema (introspection keeps Apollo's path, so
 *   RECDIAL_INTROSPECTION and its limits exemption stay where they are), compiled by graphql-jit;
 * - the same caller authentication and operation rules (auth.ts), the same limits (with the
 *   verdict cached per document, limits-cache.ts), the same context (fresh loaders);
 * - variables are coerced by graphql-js first: when they do not coerce, Apollo answers
 *   (BAD_USER_INPUT, 400), never this lane;
 * - errors raised while executing are formatted like Apollo does (formatError, codes, the
 *   `http` extension's status) and counted and logged like observability.ts does;
 * - a refusal of auth or limits is handed to Apollo, which answers it (rare; it runs the checks
 *   again, which costs nothing that matters).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getVariableValues, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../../config/config';
import { authorizeOperation } from '../auth';
import type { Context } from '../../graphql/context';
import type { Limits } from '../limits';
import type { Metrics } from '../observability';
import { assertWithinLimitsCached } from './limits-cache';
import { PlanCache } from './plan-cache';

export interface FastLaneOptions {
  schema: GraphQLSchema;
  config: Readonly<Config>;
  limits: Limits;
  metrics: Metrics;
  logger: Logger;
  /** The context Apollo would build for this request (authentication included; throws like it). */
  context(req: IncomingMessage): Promise<Context>;
  formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** Accept values that Apollo answers with application/json (the common ones; anything else goes to Apollo). */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '' || accept === '*/*' || accept === 'application/json') return true;
  if (accept.includes('graphql-response') || accept.includes('multipart')) return false;
  return accept.includes('application/json') || accept.includes('*/*');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Apollo's normalizeAndFormatErrors for execution errors: default code, `http` extension lifted to the response. */
function formatErrors(errors: readonly GraphQLError[], format: FastLaneOptions['formatError']): { status: number; errors: GraphQLFormattedError[] } {
  let status = 200;
  const formatted = errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions?.code ?? 'INTERNAL_SERVER_ERROR' };
      const http = extensions.http as { status?: unknown } | undefined;
      if (http && typeof http === 'object') {
        if (typeof http.status === 'number') status = http.status;
        delete extensions.http;
      }
      return format({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { status, errors: formatted };
}

/**
 * The lane's decision and answer for one parsed body: true when it answered, false when Apollo
 * must (the request is untouched then, apart from its body having been read).
 */
function createLane(options: FastLaneOptions) {
  const { schema, config, limits, metrics, logger } = options;
  const plans = new PlanCache(schema, limits.maxDepth);

  return async function lane(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, started: bigint): Promise<boolean> {
    const { query, variables, operationName, extensions } = body;
    if (typeof query !== 'string') return false;
    if (extensions !== undefined && extensions !== null && !(isPlainObject(extensions) && Object.keys(extensions).length === 0)) return false;
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return false;
    if (variables !== undefined && variables !== null && !isPlainObject(variables)) return false;

    const plan = plans.get(query, operationName ?? undefined);
    if (plan === 'apollo') return false;

    let context: Context;
    try {
      context = await options.context(req);
      authorizeOperation(context.principal, 'query', config);
    } catch {
      return false;
    }
    const vars = (variables ?? {}) as Record<string, unknown>;
    if (getVariableValues(schema, plan.operation.variableDefinitions ?? [], vars).errors) return false;
    try {
      assertWithinLimitsCached(schema, limits, { document: plan.document, operation: plan.operation, operationName: operationName ?? null, variables: vars });
    } catch {
      return false;
    }

    Object.assign(context.hints, plan.hints);
    const result = await plan.compiled.query(undefined, context, vars);
    let status = 200;
    let payload: string;
    if (result.errors?.length) {
      // As observability.ts: count every error by code, log the internal ones.
      for (const error of result.errors) {
        const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
        metrics.errors.inc({ code });
        if (code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.originalError ?? error, path: error.path }, 'internal error');
      }
      const formatted = formatErrors(result.errors, options.formatError);
      status = formatted.status;
      // Apollo's field order: errors, data.
      payload = `${JSON.stringify({ errors: formatted.errors, data: result.data })}\n`;
    } else {
      // Apollo ends its JSON bodies with a newline.
      payload = `${JSON.stringify({ data: result.data })}\n`;
    }
    res.statusCode = status;
    // What the express stack sends on /graphql: cors() and Apollo's headers (noStorePlugin).
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-type', JSON_TYPE);
    res.setHeader('content-length', Buffer.byteLength(payload));
    res.end(payload);
    metrics.duration.observe({ operation: 'query', outcome: result.errors?.length ? 'error' : 'ok' }, Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  };
}

/** express.json's limit on /graphql ('1mb'). */
const MAX_BODY = 1024 * 1024;

/**
 * The lane in front of the express app, on node:http: for POST /graphql with a JSON body of a
 * known length it reads the body itself and answers when it can; everything else reaches `app`
 * as if the lane were not there:
 * - requests it does not take are passed on before a byte of their body is read;
 * - a body that is not a JSON object or array (what express.json would refuse, with its own
 *   error) is put back on the stream (`unshift`, in the same tick as the last read, so before the
 *   stream ends) and the request passed on, so that express.json reads and refuses it itself;
 * - a parsed body the lane declines is passed on as `req.body` once the stream has ended, which
 *   express.json takes as already parsed.
 */
export function createFastLane(options: FastLaneOptions, app: (req: IncomingMessage, res: ServerResponse) => void) {
  const lane = createLane(options);
  const handOver = (req: IncomingMessage, res: ServerResponse, body: unknown) => {
    (req as IncomingMessage & { body?: unknown }).body = body;
    if (req.readableEnded) app(req, res);
    else {
      req.once('end', () => app(req, res));
      req.resume();
    }
  };

  return function fastLane(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    if (req.method !== 'POST' || req.url !== '/graphql') return app(req, res);
    const type = req.headers['content-type']?.toLowerCase();
    if (type !== 'application/json' && type !== 'application/json; charset=utf-8') return app(req, res);
    if (req.headers['content-encoding'] !== undefined || req.headers['transfer-encoding'] !== undefined) return app(req, res);
    const length = Number(req.headers['content-length']);
    if (!Number.isSafeInteger(length) || length <= 0 || length > MAX_BODY) return app(req, res);
    if (!acceptsJson(req.headers.accept)) return app(req, res);

    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('readable', onReadable);
      req.off('error', cleanup);
      req.off('close', onClose);
    };
    const onClose = () => cleanup();
    const onReadable = () => {
      let chunk: Buffer | null;
      // Never read past the last chunk: the stream must not end before a possible unshift.
      while (size < length && (chunk = req.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        size += chunk.length;
      }
      if (size < length) return;
      cleanup();
      const raw = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      if (!isPlainObject(body) && !Array.isArray(body)) {
        req.unshift(raw);
        return app(req, res);
      }
      if (!isPlainObject(body)) return handOver(req, res, body);
      lane(req, res, body, started).then(
        (answered) => {
          if (!answered) handOver(req, res, body);
        },
        (error: unknown) => {
          // A fault of the lane itself (not of a resolver: those are in the result): Apollo answers instead.
          options.logger.error({ err: error }, 'fast lane failed; answered by Apollo');
          if (!res.headersSent) handOver(req, res, body);
        },
      );
    };
    req.on('readable', onReadable);
    req.on('error', cleanup);
    req.on('close', onClose);
  };
}
