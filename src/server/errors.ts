import { GraphQLError } from 'graphql';
import { DomainError, ErrorCode } from '../errors';

/** The codes live with the domain errors (src/errors.ts); the server's own files import them from here too. */
export { ErrorCode };

/** Codes whose messages are safe to show; everything else is masked. */
export const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function queryTooComplex(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } },
  });
}

/**
 * A public error's code and message, whichever layer raised it: a domain error (src/errors.ts)
 * or one of the server's own GraphQL errors (auth, limits). Null for anything else, which the
 * caller reports as an internal error. The HTTP download handlers pick their status from it.
 */
export function publicErrorOf(error: unknown): { code: string; message: string; extensions: Readonly<Record<string, unknown>> } | null {
  if (error instanceof DomainError) return { code: error.code, message: error.message, extensions: error.extensions };
  if (error instanceof GraphQLError) return { code: String(error.extensions.code ?? ErrorCode.INTERNAL_SERVER_ERROR), message: error.message, extensions: error.extensions };
  return null;
}
