import { FragmentDefinitionNode, getIntrospectionQuery, Kind, OperationDefinitionNode, parse } from 'graphql';
import { isIntrospectionOnly } from '../../../../src/server/limits';

function check(source: string): boolean {
  const document = parse(source);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return isIntrospectionOnly(operation, fragments);
}

describe('isIntrospectionOnly', () => {
  test("graphql-js's introspection queries, with every option", () => {
    expect(check(getIntrospectionQuery())).toBe(true);
    expect(check(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, directiveIsRepeatable: true, inputValueDeprecation: true, schemaDescription: true }))).toBe(true);
  });

  test('__type and __typename, through fragments', () => {
    expect(check('{ __typename }')).toBe(true);
    expect(check('{ __type(name: "Dialogue") { name } ...F } fragment F on Query { __typename ... on Query { __schema { queryType { name } } } }')).toBe(true);
  });

  test('any data field makes it a data query, wherever it hides', () => {
    expect(check('{ __schema { queryType { name } } dialogues { totalCount } }')).toBe(false);
    expect(check('{ __schema { queryType { name } } ...F } fragment F on Query { stereotypes { key } }')).toBe(false);
    expect(check('{ __schema { queryType { name } } ... on Query { ... on Query { stereotypes { key } } } }')).toBe(false);
    expect(check('{ __typename stereotypes { key } }')).toBe(false);
  });

  test('only queries: a mutation or subscription selecting __typename is not exempt', () => {
    expect(check('mutation { __typename }')).toBe(false);
    expect(check('subscription { __typename }')).toBe(false);
  });

  test('a cycle of fragments terminates', () => {
    expect(check('{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }')).toBe(true);
  });
});
