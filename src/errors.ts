/**
 * The project's domain errors: what services, pagination, export, evaluation and ingest throw
 * about the caller's input. They sit below every feature and know nothing of GraphQL, HTTP or the
 * terminal; each edge maps them once (docs/architecture.md "Errors"):
 * - the GraphQL layer: `formatError` in src/server/app.ts (Apollo, graphql-ws and the fast lane
 *   share it) shows `message` and `extensions` as they are;
 * - the HTTP download handlers: src/server/errors.ts `publicErrorOf` picks the status;
 * - the CLI: src/cli/common.ts `withCliErrors` puts the flag name in place of `argument`.
 */

/** The stable error codes of the API (../shared/design "Errors are part of the API"). */
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

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * An error about the caller's request with a stable `code` and, where one argument is at fault,
 * its path (`input.filter.stereotype`, `first`). `extensions` is the public detail exactly as the
 * API shows it (`{ code, argument, …details }`); graphql-js and graphql-jit copy an original
 * error's `extensions` onto the error they report, so metrics and logs see the code too.
 */
export class DomainError extends Error {
  readonly code: ErrorCodeName;
  readonly argument: string | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCodeName, message: string, options: { argument?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.argument = options.argument;
    this.extensions = { code, ...(options.argument !== undefined ? { argument: options.argument } : {}), ...options.details };
  }
}

/** A wrong argument: the message names it (`filter.stereotype: …`) and so does `argument`. */
export function badInput(argument: string, problem: string, details?: Record<string, unknown>): DomainError {
  return new DomainError(ErrorCode.BAD_USER_INPUT, `${argument}: ${problem}`, { argument, details });
}

/** The argument names something that does not exist. */
export function notFound(argument: string, problem: string): DomainError {
  return new DomainError(ErrorCode.NOT_FOUND, `${argument}: ${problem}`, { argument });
}

/** The argument names something whose state does not allow the request. */
export function conflict(argument: string, problem: string): DomainError {
  return new DomainError(ErrorCode.CONFLICT, `${argument}: ${problem}`, { argument });
}

/** A model endpoint is unreachable or does not serve the model; no argument is at fault. */
export function modelEndpointUnavailable(message: string): DomainError {
  return new DomainError(ErrorCode.MODEL_ENDPOINT_UNAVAILABLE, message);
}

/** A statement ran past its timeout; `message` says what to narrow. */
export function timeout(message: string): DomainError {
  return new DomainError(ErrorCode.TIMEOUT, message);
}
