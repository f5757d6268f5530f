import { DocumentNode, GraphQLSchema, Kind, OperationDefinitionNode, getOperationAST, parse, validate, visit, BREAK } from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { operationDepth } from '../limits';
import { ReadHints, readHintsOf } from '../../graphql/read-hints';

/** A query the fast lane can run: parsed, validated, depth-checked and compiled once. */
export interface Plan {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
  /** What the document reads: columns and prefetched children for the loaders (read-hints.ts). */
  hints: ReadHints;
}

/**
 * Why a document goes to Apollo instead (kept in the cache as well, so that it is parsed once).
 * Everything that is not a plain, valid, data-reading query takes the full pipeline, so that its
 * answer (errors included) is Apollo's own.
 */
export type Verdict = Plan | 'apollo';

function readsSchema(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/**
 * Plans by query text and operation name, least recently used dropped first. Bounded so that a
 * client sending ever-new query texts (literal values inlined) costs memory only up to `max`.
 */
export class PlanCache {
  private readonly plans = new Map<string, Verdict>();

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly maxDepth: number,
    private readonly max = 500,
  ) {}

  get(query: string, operationName: string | undefined): Verdict {
    const key = operationName ? `${operationName}\u0000${query}` : query;
    let verdict = this.plans.get(key);
    if (verdict !== undefined) {
      // Refresh its position (Map keeps insertion order).
      this.plans.delete(key);
      this.plans.set(key, verdict);
      return verdict;
    }
    verdict = this.plan(query, operationName);
    if (this.plans.size >= this.max) this.plans.delete(this.plans.keys().next().value!);
    this.plans.set(key, verdict);
    return verdict;
  }

  private plan(query: string, operationName: string | undefined): Verdict {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      return 'apollo';
    }
    // Introspection takes Apollo's path: it honours RECDIAL_INTROSPECTION and is exempt from the limits there.
    if (readsSchema(document)) return 'apollo';
    if (validate(this.schema, document).length) return 'apollo';
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation !== 'query') return 'apollo';
    const fragments = Object.fromEntries(
      document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])),
    );
    // Too deep: Apollo answers QUERY_TOO_COMPLEX (depth does not depend on variables).
    if (operationDepth(operation, fragments) > this.maxDepth) return 'apollo';
    try {
      const compiled = compileQuery(this.schema, document, operationName, { disablingCapturingStackErrors: true });
      return isCompiledQuery(compiled) ? { document, operation, compiled, hints: readHintsOf(this.schema, document) } : 'apollo';
    } catch {
      // Whatever graphql-jit cannot compile, graphql-js still runs.
      return 'apollo';
    }
  }
}
