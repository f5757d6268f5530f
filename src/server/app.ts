import http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { GraphQLFormattedError } from 'graphql';
import pino, { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { Config } from '../config/config';
import { createGenerationQueue } from '../modules/generation/generation.queue';
import { createEvaluationJobs } from '../modules/evaluation/evaluation.jobs';
import { createExportJobs } from '../modules/export/export.jobs';
import { exportDownloadHandler } from './export-download';
import { samplesDownloadHandler } from './samples-download';
import { CorpusCache } from '../modules/statistics/corpus-cache';
import { seedApiKeys } from '../modules/api-key/api-key.service';
import { configureSearch } from '../modules/dialogue/dialogue.search';
import { authenticateCaller, authPlugin } from './auth';
import { Context, createContext, ServerServices } from '../graphql/context';
import { DomainError } from '../errors';
import { ErrorCode, PUBLIC_CODES } from './errors';
import { EXPLORER_STATIC_PATH, explorerHtml, explorerStatic, wantsExplorer } from './explorer';
import { graphqlBodyParser, installJsonErrorHandling } from './http-errors';
import { cachedLimitsPlugin, noStorePlugin } from './fast-lane/limits-cache';
import { createFastLane } from './fast-lane';
import { createMetrics, observabilityPlugin } from './observability';
import { getSchema } from './schema';
import { attachGraphQLWs } from './subscriptions';
import { viewerRouter } from './viewer';

/**
 * The one place errors become the API's error objects (Apollo over HTTP, graphql-ws and the fast
 * lane all call it): a domain error (src/errors.ts) shows its message and extensions; other coded
 * errors pass when their code is public; everything else is masked; statement timeouts get their
 * own code.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error) as { code?: string } | undefined;
  if (original instanceof DomainError) {
    return { ...formatted, message: original.message, extensions: { ...original.extensions } };
  }
  if (original && original.code === '57014') {
    return { message: 'the query took longer than the statement timeout allows; narrow the filter or ask for a smaller page', path: formatted.path, extensions: { code: ErrorCode.TIMEOUT } };
  }
  const code = String(formatted.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR);
  if (PUBLIC_CODES.has(code) && code !== ErrorCode.INTERNAL_SERVER_ERROR) {
    const { stacktrace: _stacktrace, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  return { message: 'Internal server error', path: formatted.path, locations: formatted.locations, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function createApp(options: { dataSource: DataSource; config: Readonly<Config>; logger?: Logger }) {
  const { dataSource, config } = options;
  const logger = options.logger ?? pino({ level: config.logLevel });
  configureSearch(config);
  const schema = await getSchema();
  if (config.apiKeys) await seedApiKeys(dataSource.manager, config.apiKeys);
  const metrics = createMetrics();
  const limits = { maxDepth: config.maxQueryDepth, maxComplexity: config.maxQueryComplexity, maxCorpusFields: config.maxCorpusFields };
  const app = express();
  app.disable('x-powered-by');
  // No SHA-1 of every response body: GraphQL responses are not revalidated by ETag (issue 13).
  app.set('etag', false);
  // The query fast lane (./fast-lane) sits in front of express once the schema and services exist.
  let front: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | null = null;
  const httpServer = http.createServer((req, res) => (front ? front(req, res) : app(req, res)));
  const services: ServerServices = {
    generation: createGenerationQueue({ dataSource, config, logger }),
    exports: createExportJobs({ dataSource, config, logger }),
    evaluations: createEvaluationJobs({ dataSource, logger }),
    statistics: new CorpusCache({ url: (dataSource.options as { url: string }).url, logger, onLookup: (hit) => metrics.corpusCache.inc({ result: hit ? 'hit' : 'miss' }) }),
  };
  const graphqlWs = attachGraphQLWs({ httpServer, schema, dataSource, config, logger, formatError, services });
  const apollo = new ApolloServer<Context>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    plugins: [
      // The explorer is ours (GET /graphql from a browser, below); Apollo's landing page loads from a CDN.
      ApolloServerPluginLandingPageDisabled(),
      // Per-field cache hints are unused, and the plugin instruments every resolved field (issue 13);
      // noStorePlugin keeps the `cache-control: no-store` it sent.
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        serverWillStart: async () => ({
          drainServer: async () => {
            await graphqlWs.dispose();
            await Promise.all(Object.values(services).map((service) => service.close()));
          },
        }),
      },
      authPlugin(),
      cachedLimitsPlugin(schema, limits),
      observabilityPlugin(logger, metrics),
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await dataSource.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch (error) {
      logger.warn({ err: error }, 'readiness check failed');
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.get('/exports/:id/download', exportDownloadHandler({ dataSource, config, logger }));
  app.use('/viewer', viewerRouter(config.rootDir));
  app.get('/', (_req, res) => res.redirect('/graphql'));
  app.use(EXPLORER_STATIC_PATH, explorerStatic());
  // A browser gets the explorer; GET with a query from any GraphQL client still goes to Apollo.
  app.get('/graphql', (req, res, next) => {
    if (!wantsExplorer(req)) return next();
    const initialQuery = typeof req.query.query === 'string' ? req.query.query : undefined;
    res.type('html').send(explorerHtml({ introspection: config.introspection, initialQuery }));
  });
  app.get('/evaluations/:id/samples.jsonl', samplesDownloadHandler({ dataSource, logger, config }));
  const contextOf = async (req: http.IncomingMessage) =>
    createContext(dataSource, config, services, await authenticateCaller(dataSource.manager, req.headers.authorization, config));
  app.use(
    '/graphql',
    cors(),
    graphqlBodyParser(),
    // A bad or revoked key fails here (401) whatever the operation; so does no key when queries need one.
    expressMiddleware(apollo, { context: ({ req }) => contextOf(req) }),
  );
  installJsonErrorHandling(app, logger);
  // Cached, compiled queries answer in front of express; everything else (and every refusal) goes on to it and Apollo.
  if (config.fastLane) front = createFastLane({ schema, config, limits, metrics, logger, context: contextOf, formatError }, app);
  return { app, httpServer, apollo, logger };
}

export async function startServer(options: { dataSource: DataSource; config: Readonly<Config>; logger?: Logger; port?: number }): Promise<RunningServer> {
  const { httpServer, apollo } = await createApp(options);
  const port = options.port ?? options.config.port;
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, resolve);
    });
  } catch (error) {
    // E.g. EADDRINUSE: release what createApp started (job queues, sockets) before reporting it.
    await apollo.stop().catch(() => undefined);
    throw error;
  }
  const address = httpServer.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://localhost:${actualPort}/graphql`,
    port: actualPort,
    close: async () => {
      await apollo.stop();
    },
  };
}
