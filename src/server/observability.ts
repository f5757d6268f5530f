import { ApolloServerPlugin } from '@apollo/server';
import { Logger } from 'pino';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'recdial_graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation type and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'recdial_graphql_errors_total',
    help: 'GraphQL errors by code',
    labelNames: ['code'],
    registers: [registry],
  });
  const corpusCache = new Counter({
    name: 'recdial_corpus_cache_lookups_total',
    help: 'Lookups of whole-corpus results (datasetStatistics, diversity) by result: hit or miss',
    labelNames: ['result'],
    registers: [registry],
  });
  return { registry, duration, errors, corpusCache };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Logging and metrics as an Apollo plugin (type-graphql global middleware is slow on big lists). */
export function observabilityPlugin(logger: Logger, metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const start = process.hrtime.bigint();
      let operation = 'unknown';
      return {
        async didResolveOperation({ operation: op }) {
          operation = op?.operation ?? 'unknown';
        },
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            const code = String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
            metrics.errors.inc({ code });
            if (code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error.originalError ?? error, path: error.path }, 'internal error');
          }
        },
        async willSendResponse({ response }) {
          const seconds = Number(process.hrtime.bigint() - start) / 1e9;
          const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
          metrics.duration.observe({ operation, outcome: failed ? 'error' : 'ok' }, seconds);
        },
      };
    },
  };
}
