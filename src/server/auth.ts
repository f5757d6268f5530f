import { ApolloServerPlugin } from '@apollo/server';
import { EntityManager } from 'typeorm';
import type { Config } from '../config/config';
import { Principal, verifyApiKey } from '../modules/api-key/api-key.service';
import type { Context } from '../graphql/context';
import { authorizeOperation, unauthenticated } from '../graphql/auth';

export { authorizeOperation, forbidden, requireOperator, unauthenticated } from '../graphql/auth';

export type { Principal } from '../modules/api-key/api-key.service';

/**
 * Access rules (docs/api.md "HTTP"):
 * - every mutation needs an operator key: none → UNAUTHENTICATED (401), reader → FORBIDDEN (403);
 * - queries and subscriptions are open unless `requireKeyForQueries` (then any valid key);
 * - a presented key that is malformed, unknown or revoked is always refused (UNAUTHENTICATED).
 * Enforced per operation type (Apollo plugin for HTTP, `onSubscribe` for graphql-ws), so every
 * Mutation field is covered without its resolver having to remember.
 */

/** The token of an `Authorization: Bearer <key>` value; null when absent; UNAUTHENTICATED when malformed. */
export function parseBearer(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw unauthenticated('the Authorization value must be a string "Bearer <key>"');
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(value.trim());
  if (!match) throw unauthenticated('the Authorization header must be "Bearer <key>"');
  return match[1];
}

/** The Authorization value of graphql-ws `connectionParams` (`Authorization` or `authorization`). */
export function authorizationFromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params) return undefined;
  return params.Authorization ?? params.authorization;
}

/** The principal of an Authorization value: null without one, UNAUTHENTICATED for a bad or revoked key. */
export async function authenticate(manager: EntityManager, authorization: unknown): Promise<Principal | null> {
  const token = parseBearer(authorization);
  if (token === null) return null;
  const principal = await verifyApiKey(manager, token);
  if (!principal) throw unauthenticated('the API key is unknown or revoked');
  return principal;
}

/**
 * The caller of an HTTP request or graphql-ws connection: as `authenticate`, and when the server
 * requires a key for queries, no key is refused here already (before parsing and validation, so
 * that validation messages do not describe the schema to anonymous callers).
 */
export async function authenticateCaller(manager: EntityManager, authorization: unknown, config: Pick<Config, 'requireKeyForQueries'>): Promise<Principal | null> {
  const principal = await authenticate(manager, authorization);
  if (!principal && config.requireKeyForQueries) throw unauthenticated('this server needs an API key for every operation: send "Authorization: Bearer <key>"');
  return principal;
}

/** HTTP side of the rules: checks the resolved operation's type against the context's principal. */
export function authPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (operation) authorizeOperation(contextValue.principal, operation.operation, contextValue.config);
        },
      };
    },
  };
}
