import {
  BREAK,
  DocumentNode,
  getVariableValues,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { nulPath } from '../ingest/nul';
import { ErrorCode } from './errors';

/**
 * PostgreSQL cannot store or compare U+0000 in `text`/`jsonb`: a string argument holding one would
 * reach SQL and fail there as a masked 500. This refuses it for every field of the operation at
 * once, on the argument values as execution will see them (literals and variables coerced), so
 * `extensions.argument` names the argument (`filter.search`) whichever way the value was sent.
 * Returns null when the variables do not coerce (execution reports that with its own errors).
 */
export function nulArgumentError(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): GraphQLError | null {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  const typeInfo = new TypeInfo(schema);
  let found: string | null = null;
  // The operation and the fragments it may spread; other operations of the document do not run.
  const relevant: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION),
  };
  visit(
    relevant,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (!node.arguments?.length) return;
        const definition = typeInfo.getFieldDef();
        if (!definition) return;
        let values: Record<string, unknown>;
        try {
          values = getArgumentValues(definition, node, coerced.coerced);
        } catch {
          return; // not coercible: validation or execution says so
        }
        for (const [name, value] of Object.entries(values)) {
          found = nulPath(value, name);
          if (found) return BREAK;
        }
      },
    }),
  );
  if (!found) return null;
  return new GraphQLError(`${found}: contains U+0000 (a NUL character), which cannot be stored or searched; remove it`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argument: found, http: { status: 400 } },
  });
}
