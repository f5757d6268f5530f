import { GraphQLError, OperationTypeNode } from 'graphql';
import type { Config } from '../config/config';
import { ErrorCode } from '../errors';
import type { Principal } from '../modules/api-key/api-key.service';

export type { Principal } from '../modules/api-key/api-key.service';

/**
 * The access rules over a request's principal, shared by resolvers (`requireOperator`) and the
 * server's transports (`authorizeOperation`); finding the principal from a key is src/server/auth.ts.
 * The errors carry their HTTP status (401, 403) for Apollo.
 */

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN, http: { status: 403 } } });
}

/** Throws unless `principal` may run an operation of this type. */
export function authorizeOperation(principal: Principal | null, operation: OperationTypeNode | 'query' | 'mutation' | 'subscription', config: Pick<Config, 'requireKeyForQueries'>): void {
  if (operation === 'mutation') {
    requireOperator({ principal });
    return;
  }
  if (config.requireKeyForQueries && !principal) {
    throw unauthenticated(`${operation === 'subscription' ? 'subscriptions' : 'queries'} need an API key on this server: send "Authorization: Bearer <key>"`);
  }
}

/** For code paths outside GraphQL too (downloads): the operator principal, or UNAUTHENTICATED / FORBIDDEN. */
export function requireOperator(ctx: { principal: Principal | null }): Principal {
  const { principal } = ctx;
  if (!principal) throw unauthenticated('mutations need an operator API key: send "Authorization: Bearer <key>"');
  if (principal.role !== 'operator') throw forbidden(`the API key "${principal.name}" has the ${principal.role} role; this needs an operator key`);
  return principal;
}

