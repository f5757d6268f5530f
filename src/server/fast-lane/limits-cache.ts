import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, getNamedType, getVariableValues, GraphQLError, GraphQLSchema, OperationDefinitionNode, typeFromAST } from 'graphql';
import { assertWithinLimits, Limits, refuseSubscriptionOverHttp } from '../limits';
import { queryTooComplex } from '../errors';

/**
 * The depth/complexity verdict of an operation, computed once per parsed document and per value
 * of the variables that can change it, instead of walking the document with graphql-query-complexity
 * on every request.
 *
 * What the verdict depends on: depth depends on the document only; complexity on the document, on
 * the `first`/`last` arguments that the connection estimator multiplies by (limits.ts) and on
 * `@include`/`@skip` conditions. The key (verdictKey) therefore holds every variable but the
 * `String` and `ID` ones: `after` cursors, ids and search text rotate freely without recomputing.
 * Requests whose variables do not coerce, or hold U+0000, are never cached.
 *
 * Apollo keeps parsed documents in its own LRU (same query text → same DocumentNode), and the fast
 * lane keeps its own plans, so a WeakMap on the document is enough and frees itself.
 */
const verdicts = new WeakMap<DocumentNode, Map<string, string | null>>();
/** Per document; a client that sends every page size under the sun only resets its own entry. */
const MAX_KEYS_PER_DOCUMENT = 256;

/**
 * The key of a verdict: every variable that can change depth, cost or the count of whole-corpus
 * fields. `Int`s feed `first`/`last`; `Boolean`s feed `@include`/`@skip`, which the complexity
 * walk honours; enums, floats and input objects are included too, to stay on the safe side. Only
 * `String` and `ID` variables (cursors, ids, search text) are left out: no estimator reads them.
 */
function verdictKey(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): string {
  let key = operation.name?.value ?? '';
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type as never);
    const named = type ? getNamedType(type).name : '';
    if (named === 'String' || named === 'ID') continue;
    const value = variables?.[definition.variable.name.value];
    key += `\u0000${definition.variable.name.value}=${value === undefined ? 'u' : JSON.stringify(value)}`;
  }
  return key;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsNul);
  return false;
}

/** assertWithinLimits (same errors), remembered per document and the variables that can change it. */
export function assertWithinLimitsCached(
  schema: GraphQLSchema,
  limits: Limits,
  request: { document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> | null },
): void {
  // The NUL guard of assertWithinLimits looks at every string variable, which the cache key leaves
  // out: a request whose variables hold U+0000 is always checked in full (and refused there).
  if (holdsNul(request.variables)) {
    assertWithinLimits(schema, limits, request);
    return;
  }
  let byKey = verdicts.get(request.document);
  const key = verdictKey(schema, request.operation, request.variables);
  const known = byKey?.get(key);
  if (known === null) return;
  if (known !== undefined) throw queryTooComplex(known);
  if (getVariableValues(schema, request.operation.variableDefinitions ?? [], request.variables ?? {}).errors) {
    assertWithinLimits(schema, limits, request);
    return;
  }
  let verdict: string | null = null;
  try {
    assertWithinLimits(schema, limits, request);
  } catch (error) {
    if (!(error instanceof GraphQLError) || error.extensions.code !== 'QUERY_TOO_COMPLEX') throw error;
    verdict = error.message;
  }
  if (!byKey) verdicts.set(request.document, (byKey = new Map()));
  if (byKey.size >= MAX_KEYS_PER_DOCUMENT) byKey.clear();
  byKey.set(key, verdict);
  if (verdict !== null) throw queryTooComplex(verdict);
}

/** limits.ts's plugin with the cached verdict: Apollo's parsed documents are stable per query text. */
export function cachedLimitsPlugin(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          refuseSubscriptionOverHttp(operation);
          assertWithinLimitsCached(schema, limits, { document, operation, operationName: request.operationName, variables: request.variables });
        },
      };
    },
  };
}

/**
 * Apollo's cache-control plugin instruments every resolved field to compute a cache policy that
 * nothing here sets; with it disabled, this keeps the one thing it did for us: `cache-control:
 * no-store` on GraphQL responses (they reflect a database that changes).
 */
export function noStorePlugin(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.get('cache-control')) response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
