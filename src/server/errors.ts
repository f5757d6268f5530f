import { GraphQLError } from 'graphql';

/** The stable error codes of the API (architecture.md "Errors are part of the API"). */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  CONFLICT: 'CONFLICT',
  TIMEOUT: 'TIMEOUT',
  /** An HTTP request that is not a GraphQL request: bad JSON, not an object, the wrong transport. */
  BAD_REQUEST: 'BAD_REQUEST',
  /** A request body over the size limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A route that does not exist (HTTP 404). */
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  /** A model endpoint is unreachable or does not serve the configured model. */
  MODEL_ENDPOINT_UNAVAILABLE: 'MODEL_ENDPOINT_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

/** Codes whose messages are safe to show; everything else is masked. */
export const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** A wrong argument: the message names it (`filter.stereotype: …`) and so does `extensions.argument`. */
export function badInput(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`${argument}: ${problem}`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, argument },
  });
}

export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } },
  });
}

export function notFound(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`${argument}: ${problem}`, { extensions: { code: ErrorCode.NOT_FOUND, argument } });
}
