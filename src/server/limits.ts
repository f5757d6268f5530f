import { DocumentNode, FragmentDefinitionNode, getVariableValues, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { nulArgumentError } from './argument-guards';
import { ErrorCode, queryTooComplex } from './errors';
import { CORPUS_FIELD_COST } from '../graphql/costs';

/** Depth of the deepest field path, following fragments (introspection fields included). */
export function operationDepth(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): number {
  const walk = (set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number => {
    if (!set) return depth;
    let max = depth;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        max = Math.max(max, walk(selection.selectionSet, depth + 1, seen));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, walk(selection.selectionSet, depth, seen));
      } else if (!seen.has(selection.name.value)) {
        const fragment = fragments[selection.name.value];
        max = Math.max(max, walk(fragment?.selectionSet, depth, new Set([...seen, selection.name.value])));
      }
    }
    return max;
  };
  return walk(operation.selectionSet, 0, new Set());
}

/**
 * Connection fields multiply the cost of what they select by their page size, so that
 * `dialogues(first: 100) { turns { mentions { item } } }` costs what it will really fetch.
 */
function connectionEstimator(options: { defaultPage: number; turnsPerDialogue: number }) {
  return ({ args, childComplexity, field }: { args: Record<string, unknown>; childComplexity: number; field: { name: string; type: unknown } }) => {
    const typeName = String(field.type);
    if (typeName.endsWith('Connection!') || typeName.endsWith('Connection')) {
      const size = Number(args.first ?? args.last ?? options.defaultPage);
      return 1 + Math.max(size, 1) * childComplexity;
    }
    if (field.name === 'turns') return 1 + options.turnsPerDialogue * childComplexity;
    return undefined;
  };
}

/** Root fields that only read the schema (and `__typename`, which costs nothing). */
const INTROSPECTION_ROOT_FIELDS = new Set(['__schema', '__type', '__typename']);

/**
 * True when the operation is a query whose root selections (through fragments) are only
 * `__schema`, `__type` and `__typename`: everything under those is schema metadata, never data.
 * Such a query is exempt from the depth and cost limits, because every explorer, IDE and code
 * generator sends graphql-js's `getIntrospectionQuery()`, whose `ofType` chain alone is deeper than
 * the data limit. Abuse of that exemption (`fields { type { fields { … } } }` cycles) is already
 * refused by graphql-js's `MaxIntrospectionDepthRule`, one of the standard validation rules that
 * Apollo and graphql-ws run before the limits.
 */
export function isIntrospectionOnly(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): boolean {
  if (operation.operation !== 'query') return false;
  const pure = (set: SelectionSetNode, seen: Set<string>): boolean =>
    set.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return INTROSPECTION_ROOT_FIELDS.has(selection.name.value);
      if (selection.kind === Kind.INLINE_FRAGMENT) return pure(selection.selectionSet, seen);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      const fragment = fragments[name];
      return !fragment || pure(fragment.selectionSet, new Set([...seen, name]));
    });
  return pure(operation.selectionSet, new Set());
}

/** Declared with the resolvers that set it (src/graphql/costs.ts); the limits count it. */
export { CORPUS_FIELD_COST };

export interface Limits {
  maxDepth: number;
  maxComplexity: number;
  /** Whole-corpus fields (cost CORPUS_FIELD_COST) one request may hold, whatever the limit says. */
  maxCorpusFields?: number;
}

/** Throws QUERY_TOO_COMPLEX when the operation is too deep or too costly (HTTP plugin and graphql-ws alike); introspection-only queries are exempt. */
export function assertWithinLimits(
  schema: GraphQLSchema,
  limits: Limits,
  request: { document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> | null },
): void {
  const { document, operation } = request;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  if (isIntrospectionOnly(operation, fragments)) return;
  const depth = operationDepth(operation, fragments);
  if (depth > limits.maxDepth) {
    throw queryTooComplex(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`);
  }
  // Variables that do not coerce fail execution with Apollo's own BAD_USER_INPUT errors, before
  // anything runs; getComplexity would throw them as uncoded errors (masked as a 500).
  if (getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return;
  // Checked here because both transports pass through: a NUL in any argument is the caller's error.
  const nul = nulArgumentError(schema, document, operation, request.variables);
  if (nul) throw nul;
  let corpusFields = 0;
  const complexity = getComplexity({
    schema,
    query: document,
    operationName: request.operationName ?? undefined,
    variables: request.variables ?? {},
    estimators: [
      // Counts whole-corpus fields (aliases and fragments included) and lets the next estimator price them.
      (({ field }: { field: { extensions?: { complexity?: unknown } } }) => {
        if (field.extensions?.complexity === CORPUS_FIELD_COST) corpusFields++;
        return undefined;
      }) as never,
      connectionEstimator({ defaultPage: 20, turnsPerDialogue: 20 }) as never,
      fieldExtensionsEstimator(),
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
  if (complexity > limits.maxComplexity) {
    throw queryTooComplex(`query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for smaller pages or fewer nested fields`);
  }
  const maxCorpusFields = limits.maxCorpusFields ?? 2;
  if (corpusFields > maxCorpusFields) {
    throw queryTooComplex(
      `the query asks for ${corpusFields} fields that scan the whole selection (datasetStatistics, diversity, evaluations, exports); at most ${maxCorpusFields} per request`,
    );
  }
}

/** graphql-ws is the subscription transport; over HTTP Apollo would fail a subscription as a 500. */
export function refuseSubscriptionOverHttp(operation: OperationDefinitionNode): void {
  if (operation.operation === 'subscription') {
    throw new GraphQLError('subscriptions run over graphql-ws (ws://<host>/graphql, protocol graphql-transport-ws), not HTTP POST', {
      extensions: { code: ErrorCode.BAD_REQUEST, http: { status: 400 } },
    });
  }
}
