import { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, FragmentDefinitionNode, getVariableValues, GraphQLSchema, Kind, OperationDefinitionNode, SelectionSetNode } from 'graphql';
import { fieldExtensionsEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { queryTooComplex } from './errors';

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

export interface Limits {
  maxDepth: number;
  maxComplexity: number;
}

/** Throws QUERY_TOO_COMPLEX when the operation is too deep or too costly (HTTP plugin and graphql-ws alike). */
export function assertWithinLimits(
  schema: GraphQLSchema,
  limits: Limits,
  request: { document: DocumentNode; operation: OperationDefinitionNode; operationName?: string | null; variables?: Record<string, unknown> | null },
): void {
  const { document, operation } = request;
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const depth = operationDepth(operation, fragments);
  if (depth > limits.maxDepth) {
    throw queryTooComplex(`query depth ${depth} exceeds the limit of ${limits.maxDepth}`);
  }
  // Variables that do not coerce fail execution with Apollo's own BAD_USER_INPUT errors, before
  // anything runs; getComplexity would throw them as uncoded errors (masked as a 500).
  if (getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}).errors) return;
  const complexity = getComplexity({
    schema,
    query: document,
    operationName: request.operationName ?? undefined,
    variables: request.variables ?? {},
    estimators: [
      connectionEstimator({ defaultPage: 20, turnsPerDialogue: 20 }) as never,
      fieldExtensionsEstimator(),
      simpleEstimator({ defaultComplexity: 1 }),
    ],
  });
  if (complexity > limits.maxComplexity) {
    throw queryTooComplex(`query complexity ${complexity} exceeds the limit of ${limits.maxComplexity}; ask for smaller pages or fewer nested fields`);
  }
}

export function limitsPlugin(schema: GraphQLSchema, limits: Limits): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          assertWithinLimits(schema, limits, { document, operation, operationName: request.operationName, variables: request.variables });
        },
      };
    },
  };
}
