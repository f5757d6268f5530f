import type http from 'node:http';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { DocumentNode, ExecutionResult, getOperationAST, GraphQLError, GraphQLFormattedError, GraphQLSchema, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { WebSocketServer } from 'ws';
import { Config } from '../config/config';
import { authenticateCaller, authorizationFromConnectionParams, authorizeOperation, Principal } from './auth';
import { createContext, ServerServices } from '../graphql/context';
import { ErrorCode } from './errors';
import { assertWithinLimits } from './limits';

export interface GraphQLWsServer {
  dispose(): Promise<void>;
}

/** A close reason fits in a control frame (123 bytes). */
function reason(text: string): string {
  return Buffer.byteLength(text) <= 123 ? text : `${Buffer.from(text).subarray(0, 120).toString('utf8').replace(/\uFFFD$/, '')}…`;
}

/**
 * graphql-ws on `/graphql` of the HTTP server. Subscriptions skip Apollo's plugins, so this
 * repeats what they do: authentication at connection (4401 with a reason for a bad key, or for no
 * key when queries need one), the operation-type rules and depth/complexity limits per operation
 * (errors as graphql-ws `error` messages), a fresh Context per operation, and the same error
 * masking as HTTP.
 */
export function attachGraphQLWs(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  dataSource: DataSource;
  config: Readonly<Config>;
  logger: Logger;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  services: ServerServices;
}): GraphQLWsServer {
  const { httpServer, schema, dataSource, config, logger, formatError, services } = options;
  const limits = { maxDepth: config.maxQueryDepth, maxComplexity: config.maxQueryComplexity, maxCorpusFields: config.maxCorpusFields };
  // noServer, with the upgrade routed here: attached with `server:`, ws re-emits the HTTP server's
  // errors (a taken port) and graphql-ws prints them as an internal error before the CLI's own message.
  const wsServer = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  httpServer.on('upgrade', (request, socket, head) => {
    if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/graphql') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    wsServer.handleUpgrade(request, socket, head, (ws) => wsServer.emit('connection', ws, request));
  });
  // As Apollo's `introspection: false` does over HTTP.
  const rules = config.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const format = (errors: readonly GraphQLError[]) => errors.map((e) => formatError(e.toJSON(), e));

  const cleanup = useServer<Record<string, unknown>, { principal: Principal | null }>(
    {
      schema,
      isProd: true, // never put internal error messages into close reasons
      onConnect: async (ctx) => {
        const authorization = authorizationFromConnectionParams(ctx.connectionParams) ?? ctx.extra.request.headers.authorization;
        let principal: Principal | null;
        try {
          principal = await authenticateCaller(dataSource.manager, authorization, config);
        } catch (error) {
          if (error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED) {
            ctx.extra.socket.close(CloseCode.Unauthorized, reason(`Unauthorized: ${error.message}`));
            return false; // graphql-ws's own 4403 close is a no-op on a closing socket
          }
          throw error;
        }
        ctx.extra.principal = principal;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const validationErrors = validate(schema, document, rules);
        // Coded as Apollo codes them over HTTP, so that the masking lets their messages through.
        if (validationErrors.length > 0) {
          return validationErrors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } }));
        }
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new GraphQLError('the document has no operation of that name; send operationName when it has several', { extensions: { code: ErrorCode.BAD_USER_INPUT } })];
        const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
        if (variables.errors) {
          return variables.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }));
        }
        try {
          authorizeOperation(ctx.extra.principal ?? null, operation.operation, config);
          assertWithinLimits(schema, limits, { document, operation, operationName: payload.operationName, variables: payload.variables });
        } catch (error) {
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },
      // Fresh loaders per operation, as over HTTP.
      context: (ctx) => createContext(dataSource, config, services, ctx.extra.principal ?? null),
      onNext: (_ctx, _id, _payload, _args, result) => {
        const { errors } = result as ExecutionResult;
        if (!errors?.length) return;
        for (const error of errors) {
          if (!error.extensions?.code) logger.error({ err: error.originalError ?? error, path: error.path }, 'internal error in a graphql-ws operation');
        }
        return { ...result, errors: format(errors) };
      },
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );
  return {
    dispose: async () => {
      await cleanup.dispose();
    },
  };
}
