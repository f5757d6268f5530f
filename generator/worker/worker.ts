import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ConfigError, type Config } from '../../src/config/config';
import type { ModelEndpointConfig, ModelRole } from '../../src/config/generation';
import { createModelClient, publicEndpoint } from '../models/clients';
import { GenerationJobData, queueName, startBoss } from '../queue/boss';
import { EndpointGate } from './endpoint-gate';
import type { QueueJob } from './job-processor';
import { runFetchLoop } from './loop';
import { createWorkerPorts } from './ports';
import { Semaphore } from './semaphore';
import { reconcileJobs, runSupervisor } from './supervisor';

export interface WorkerOptions {
  dataSource: DataSource;
  url: string;
  config: Readonly<Config>;
  logger: Logger;
  /** Overrides each endpoint's maxInFlight for this worker. */
  concurrency?: number;
  /** How long an idle worker waits before looking for jobs again. */
  pollMs?: number;
  /** Probing an unreachable endpoint: first delay, doubling up to the maximum (default 500 ms … 30 s). */
  outageProbeMs?: { min: number; max: number };
}

export interface RunningWorker {
  id: string;
  roles: ModelRole[];
  /** Reconciles generation_jobs with the queue now (it also runs every superviseIntervalSeconds). */
  reconcile(): ReturnType<typeof reconcileJobs>;
  /** Finishes the jobs in flight, then stops. */
  stop(): Promise<void>;
  /** Tests only: stops as a killed process would, leaving its jobs active for another worker to take over. */
  crash(): Promise<void>;
}

/**
 * A generation worker, composed: pg-boss, for each role with a configured endpoint a fetch loop
 * (loop.ts) that keeps up to that endpoint's limit of requests in flight, each job going through
 * its processor (job-processor.ts, judge/processor.ts) with the ports of ports.ts, and the
 * periodic supervisor (supervisor.ts).
 *
 * PostgreSQL going away is survived, not fatal: fetches and jobs fail and are logged, the pools
 * reconnect when it is back, and the supervisor settles what could not be written meanwhile.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { dataSource, config, logger } = options;
  const endpoints = Object.values(config.generation.endpoints) as ModelEndpointConfig[];
  if (endpoints.length === 0) {
    throw new ConfigError('no model endpoint is configured: set TEACHER_BASE_URL/TEACHER_MODEL, STUDENT_BASE_URL/STUDENT_MODEL, SIMULATOR_BASE_URL/SIMULATOR_MODEL and/or JUDGE_BASE_URL/JUDGE_MODEL');
  }
  const boss = await startBoss({ url: options.url, supervise: true, generation: config.generation, max: 4 });
  boss.on('error', (error) => logger.warn({ err: error }, 'pg-boss error (it retries by itself)'));
  const workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  let stopping = false;
  let crashed = false;
  const pollMs = options.pollMs ?? 250;
  const probe = options.outageProbeMs ?? { min: 500, max: 30_000 };
  const ports = createWorkerPorts({ dataSource, boss, workerId, log: logger, crashed: () => crashed });

  const gates: EndpointGate[] = [];
  const loops = endpoints.map((endpoint) => {
    const client = createModelClient(endpoint);
    const cap = options.concurrency ?? endpoint.maxInFlight;
    const gate = new EndpointGate(
      () => client.models.list({ timeout: Math.min(endpoint.timeoutMs, 10_000) }),
      { minDelayMs: probe.min, maxDelayMs: probe.max },
      logger.child({ role: endpoint.role, endpoint: publicEndpoint(endpoint.baseUrl) }),
    );
    gates.push(gate);
    const queue = queueName(endpoint.role);
    return runFetchLoop({
      fetch: async (batchSize) => (await boss.fetch<GenerationJobData>(queue, { batchSize, includeMetadata: true })) as QueueJob[],
      handle: ports.handlerFor({ endpoint, client, requests: new Semaphore(cap), gate }),
      gate,
      cap,
      pollMs,
      log: logger,
      stopping: () => stopping,
      crashed: () => crashed,
    });
  });
  const supervisor = runSupervisor({
    dataSource,
    boss,
    worker: workerId,
    everyMs: config.generation.superviseIntervalSeconds * 1000,
    pollMs,
    log: logger,
    stopping: () => stopping,
  });
  logger.info(
    { worker: workerId, endpoints: endpoints.map((e) => ({ role: e.role, endpoint: publicEndpoint(e.baseUrl), model: e.model, maxInFlight: options.concurrency ?? e.maxInFlight })) },
    'generation worker started',
  );
  return {
    id: workerId,
    roles: endpoints.map((e) => e.role),
    reconcile: () => reconcileJobs(dataSource, boss, { worker: workerId }),
    async stop() {
      stopping = true;
      for (const g of gates) g.close();
      await Promise.allSettled([...loops, supervisor]);
      await boss.stop({ graceful: true, close: true, wait: true });
    },
    async crash() {
      crashed = true;
      stopping = true;
      for (const g of gates) g.close();
      await boss.stop({ graceful: false, close: true, wait: true }).catch(() => undefined);
    },
  };
}
