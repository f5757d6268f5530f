import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../src/config/config';
import type { ModelEndpointConfig, ModelRole } from '../../src/config/generation';
import { storable } from '../../src/text/unstorable';
import { createModelClient, publicEndpoint } from '../models/clients';
import { processGoalTemplateOutput } from '../goal-template/process';
import { processStereotypeOutput } from '../output/process-stereotype';
import { extractTagIds } from '../output/tags';
import { buildGoalTemplatePrompt, buildStereotypePrompt, BuiltPrompt, loadStereotypes, PromptInputError } from '../prompts/load';

type Stereotype = Awaited<ReturnType<typeof loadStereotypes>>[number];
import { deadLetterQueueName, GenerationJobData, queueName, startBoss, transactionDb } from '../queue/boss';
import { GOAL_TEMPLATE_PROMPT_KEY } from '../run-config';
import type { CatalogueItem, ProcessedDialogue } from '../types';
import { makeConverse } from '../interactive/worker-ports';
import { JudgePorts, loadJudgedTurns, processJudgeJob, storeJudgement, storeVerdict } from '../judge/processor';
import { EndpointGate } from './endpoint-gate';
import { processJob, ProcessorPorts, QueueJob, RunRow } from './job-processor';
import { JOB_COLUMNS, JobRow, notifyRun, recordAttempt, runLifecycle, settleRun, storeDialogue } from './store';
import { reconcileJobs } from './supervisor';

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
 * A generation worker: for each role with a configured endpoint, keeps up to that endpoint's
 * limit of requests in flight, fetching jobs from pg-boss as slots free up. pg-boss's own `work()`
 * handles batches one at a time, which would leave slots idle until the slowest job of a batch
 * ends; this loop refills continuously. Each job goes through processJob (job-processor.ts); the
 * functions below are its ports to PostgreSQL, pg-boss and the model.
 *
 * PostgreSQL going away is survived, not fatal: fetches and jobs fail and are logged, the pools
 * reconnect when it is back, and the periodic supervisor (supervisor.ts) settles what could not
 * be written meanwhile.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { dataSource, config, logger } = options;
  const endpoints = Object.values(config.generation.endpoints) as ModelEndpointConfig[];
  if (endpoints.length === 0) {
    throw new Error('no model endpoint is configured: set TEACHER_BASE_URL/TEACHER_MODEL, STUDENT_BASE_URL/STUDENT_MODEL, SIMULATOR_BASE_URL/SIMULATOR_MODEL and/or JUDGE_BASE_URL/JUDGE_MODEL');
  }
  const boss = await startBoss({ url: options.url, supervise: true, generation: config.generation, max: 4 });
  boss.on('error', (error) => logger.warn({ err: error }, 'pg-boss error (it retries by itself)'));
  const workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  let stereotypes: Map<number, Stereotype> | null = null;
  let stopping = false;
  let crashed = false;

  /**
   * Caches successes only: a lookup that failed (PostgreSQL restarting) must be tried again by the
   * next job, not replayed to every job until the worker restarts.
   */
  function successCache<K, V>(load: (key: K) => Promise<V>, max = 10_000): (key: K) => Promise<V> {
    const cache = new Map<K, Promise<V>>();
    return (key) => {
      let v = cache.get(key);
      if (!v) {
        if (cache.size >= max) cache.clear();
        v = load(key);
        cache.set(key, v);
        v.catch(() => {
          if (cache.get(key) === v) cache.delete(key);
        });
      }
      return v;
    };
  }

  const loadRun = successCache(async (runId: number): Promise<RunRow> => {
    const rows: RunRow[] = await dataSource.query(
      `SELECT id, kind, role, strategy, model, endpoint, served_models AS "servedModels", config, status FROM generation_runs WHERE id = $1`,
      [runId],
    );
    if (!rows[0]) throw new Error(`generation run ${runId} does not exist`);
    return rows[0];
  }, 1000);

  const userDomain = successCache(async (userId: number): Promise<string> => {
    const rows: Array<{ domain: string }> = await dataSource.query('SELECT domain FROM users WHERE id = $1', [userId]);
    return rows[0]?.domain ?? 'Movies_and_TV';
  });

  async function stereotypeById(id: number): Promise<Stereotype | undefined> {
    if (!stereotypes) stereotypes = new Map((await loadStereotypes(dataSource.manager)).map((s) => [s.id, s]));
    return stereotypes.get(id);
  }

  async function buildPrompt(run: RunRow, job: JobRow): Promise<BuiltPrompt> {
    const m = dataSource.manager;
    if (run.strategy === 'GOAL_TEMPLATE') {
      return buildGoalTemplatePrompt(m, {
        userId: job.userId!,
        k: job.instance ?? 1,
        seed: run.config.sampling.seed,
        instructions: run.config.prompts[GOAL_TEMPLATE_PROMPT_KEY],
      });
    }
    const stereotype = await stereotypeById(job.stereotypeId!);
    if (!stereotype) throw new PromptInputError('UNKNOWN_STEREOTYPE', `stereotype ${job.stereotypeId} does not exist`);
    return buildStereotypePrompt(m, {
      userId: job.userId!,
      stereotype,
      systemPrompt: run.config.prompts[stereotype.key],
      options: run.config.promptOptions,
    });
  }

  async function catalogueFor(asins: string[], domain: string): Promise<Map<string, CatalogueItem & { title: string }>> {
    if (asins.length === 0) return new Map();
    // `title`: the prompt items' TMDB titles are what the title normaliser looks for (docs/pipeline.md §6.4).
    const rows: Array<CatalogueItem & { title: string }> = await dataSource.query(
      `SELECT id, asin, title, cleaned_title AS "cleanedTitle" FROM items WHERE asin = ANY($1) AND domain = $2`,
      [asins, domain],
    );
    return new Map(rows.map((r) => [r.asin, r]));
  }

  function postProcess(run: RunRow, prompt: BuiltPrompt, content: string, finishReason: string | null, catalogue: Map<string, CatalogueItem & { title: string }>): ProcessedDialogue {
    if (prompt.instance) return processGoalTemplateOutput(content, finishReason, prompt.instance, { catalogue });
    return processStereotypeOutput(content, finishReason, {
      catalogue,
      promptAsins: new Set(prompt.promptAsins),
      targetAsin: prompt.targetAsin,
      targetHidden: prompt.targetHidden,
      ...run.config.validation,
      role: run.role as 'TEACHER' | 'STUDENT',
    });
  }

  async function afterJob(runId: number): Promise<void> {
    await settleRun(dataSource.manager, runId);
    await notifyRun(dataSource.manager, runId);
  }

  function portsFor(endpoint: ModelEndpointConfig, client: OpenAI, requests: Semaphore, gate: EndpointGate): ProcessorPorts {
    const role = endpoint.role;
    const queue = queueName(role);
    return {
      workerId,
      role,
      log: logger,
      crashed: () => crashed,
      async claim(job) {
        // The queue job id must match: a row requeued under a new queue job (supervisor, release) is not the old one's any more.
        const [rows]: [Array<JobRow & { previousStatus: string }>, number] = await dataSource.query(
          `WITH prev AS (SELECT id AS prev_id, status AS prev_status FROM generation_jobs WHERE id = $1 FOR UPDATE)
           UPDATE generation_jobs SET status = 'RUNNING', attempts = attempts + 1, updated_at = now() FROM prev
            WHERE id = prev.prev_id AND queue_job_id = $2 AND status IN ('QUEUED', 'RUNNING') AND dialogue_id IS NULL
            RETURNING ${JOB_COLUMNS}, prev.prev_status AS "previousStatus"`,
          [job.data.jobId, job.id],
        );
        const row = rows[0];
        if (!row) return null;
        if (row.previousStatus === 'RUNNING' && row.attempts > 1) {
          // The last attempt never reported back: its worker was killed or cut off from PostgreSQL, and
          // the queue expired it. Recorded now, unless it did report after all.
          await dataSource.query(
            `INSERT INTO generation_attempts (run_id, job_id, attempt, outcome, retryable, message, worker)
             SELECT $1, $2, $3, 'EXPIRED', true, $4, $5
              WHERE NOT EXISTS (SELECT 1 FROM generation_attempts WHERE job_id = $2 AND attempt = $3)`,
            [row.runId, row.id, row.attempts - 1, `attempt ${row.attempts - 1} never reported back within RECDIAL_JOB_EXPIRE_S (worker killed or cut off from PostgreSQL); retried`, workerId],
          );
        }
        const { previousStatus: _, ...claimed } = row;
        return claimed;
      },
      loadRun,
      async runStarted(runId) {
        // Only the run's first job starts it (and tells subscribers); for the others it is no longer QUEUED.
        await runLifecycle.start(dataSource.manager, runId);
      },
      buildPrompt,
      slot: (fn) => requests.run(fn),
      endpointDown: () => gate.down,
      reportUnreachable: () => gate.reportUnreachable(),
      // Only the fields we set: some servers reject or ignore unknown ones (no `n`: 1 is the default, docs/pipeline.md §6.2).
      callModel: (run, prompt, sampling) => client.chat.completions.create({ model: run.model, messages: prompt.messages, ...sampling }),
      async process(run, row, prompt, content, finishReason) {
        const domain = await userDomain(row.userId!);
        const catalogue = await catalogueFor([...new Set([...extractTagIds(content), ...prompt.promptAsins])], domain);
        return { processed: postProcess(run, prompt, content, finishReason, catalogue), domain };
      },
      async storeDialogue(row, dialogue, attempt) {
        await storeDialogue(dataSource, row, dialogue, attempt);
      },
      recordAttempt: (row, attempt) => recordAttempt(dataSource.manager, row, attempt),
      async finish(row, status, error) {
        await dataSource.query(`UPDATE generation_jobs SET status = $2, last_error = $3, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [
          row.id,
          status,
          JSON.stringify(storable(error)),
        ]);
      },
      queue: {
        async complete(job) {
          await boss.complete(queue, job.id);
        },
        async fail(job, error) {
          await boss.fail(queue, job.id, storable(error)); // pg-boss retries it with backoff, or dead-letters it when none is left
        },
        async deadLetter(job, error) {
          // Not worth retrying (e.g. HTTP 400): straight to the dead letter queue.
          await boss.send(deadLetterQueueName(role), { ...job.data, error: storable(error) });
          await boss.complete(queue, job.id, storable(error));
        },
        async release(job, error) {
          // A new queue job with the same remaining budget; the old one completes, and both commit
          // with the row, so the job is neither lost nor doubled.
          const newId = randomUUID();
          await dataSource.transaction(async (m) => {
            const [, n]: [unknown, number] = await m.query(
              `UPDATE generation_jobs SET status = 'QUEUED', queue_job_id = $3, last_error = COALESCE($4::jsonb, last_error), updated_at = now()
                WHERE id = $1 AND queue_job_id = $2 AND status IN ('QUEUED', 'RUNNING')`,
              [job.data.jobId, job.id, newId, error ? JSON.stringify(storable(error)) : null],
            );
            const db = transactionDb(m.queryRunner!);
            await boss.complete(queue, job.id, { released: true }, { db });
            if (n > 0) {
              await boss.insert(
                queue,
                [{ id: newId, name: queue, data: job.data, priority: job.priority ?? 0, retryLimit: Math.max(0, job.retryLimit - job.retryCount), startAfter: new Date(Date.now() + 1000) }],
                { db },
              );
            }
          });
        },
      },
      // INTERACTIVE runs' jobs come to the SIMULATOR endpoint's loop only (a queue per role).
      converse: role === 'SIMULATOR' ? makeConverse({ dataSource, client, workerId, slot: (fn) => requests.run(fn), endpointDown: () => gate.down, reportUnreachable: () => gate.reportUnreachable() }) : undefined,
      settle: afterJob,
      notify: (runId) => notifyRun(dataSource.manager, runId),
    };
  }

  function judgeProcessor(ports: ProcessorPorts, client: OpenAI): (job: QueueJob) => Promise<unknown> {
    const judge: JudgePorts = {
      ...ports,
      loadTurns: (ids) => loadJudgedTurns(dataSource, ids),
      // Structured output: vLLM (guided decoding) and OpenAI both honour a JSON-schema response_format.
      callJudge: (run, prompt, sampling) =>
        client.chat.completions.create({
          model: run.model,
          messages: prompt.messages,
          ...sampling,
          response_format: { type: 'json_schema', json_schema: { name: prompt.schemaName, schema: prompt.schema, strict: true } },
        }),
      storeJudgement: (row, j, attempt) => storeJudgement(dataSource, row, j, attempt),
      storeVerdict: (row, v, attempt) => storeVerdict(dataSource, row, v, attempt),
    };
    return (job) => processJudgeJob(judge, job);
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const pollMs = options.pollMs ?? 250;
  const gates: EndpointGate[] = [];

  async function loop(endpoint: ModelEndpointConfig): Promise<void> {
    const role = endpoint.role;
    const client = createModelClient(endpoint);
    const cap = options.concurrency ?? endpoint.maxInFlight;
    const requests = new Semaphore(cap);
    const probe = options.outageProbeMs ?? { min: 500, max: 30_000 };
    const gate = new EndpointGate(() => client.models.list({ timeout: Math.min(endpoint.timeoutMs, 10_000) }), { minDelayMs: probe.min, maxDelayMs: probe.max }, logger.child({ role, endpoint: publicEndpoint(endpoint.baseUrl) }));
    gates.push(gate);
    const ports = portsFor(endpoint, client, requests, gate);
    // The judge role runs JUDGE and COMPARE jobs (issue 15) through the same loop, caps and transitions.
    const handle = role === 'JUDGE' ? judgeProcessor(ports, client) : (job: QueueJob) => processJob(ports, job);
    // The cap is on requests in flight; jobs also spend time on prompt building and storing, so
    // twice as many jobs are in process as requests may be in flight, keeping the endpoint busy.
    const limit = cap * 2;
    // Refill in batches of an eighth of the cap: one fetch per completion would cost a query per job.
    const batch = Math.max(1, Math.floor(cap / 8));
    const inFlight = new Set<Promise<unknown>>();
    while (!stopping) {
      if (gate.down) {
        // Outage: take no job of this role until the probe sees the endpoint again.
        await gate.whenUp(pollMs * 4);
        continue;
      }
      const free = limit - inFlight.size;
      if (free < batch) {
        await Promise.race(inFlight);
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<GenerationJobData>[];
      try {
        jobs = await boss.fetch<GenerationJobData>(queueName(role), { batchSize: free, includeMetadata: true });
      } catch (error) {
        if (stopping) break;
        logger.error({ err: error }, 'fetching generation jobs failed');
        await sleep(pollMs * 4);
        continue;
      }
      if (jobs.length === 0) {
        if (inFlight.size > 0) await Promise.race([sleep(pollMs), ...inFlight]);
        else await sleep(pollMs);
        continue;
      }
      for (const job of jobs) {
        const p: Promise<unknown> = handle(job as QueueJob)
          .catch((error) => {
            // processJob records its own failures; this is only a last guard against a bug.
            if (!crashed) logger.error({ err: error, jobId: job.data.jobId }, 'generation job crashed; it expires and is retried');
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }
    if (!crashed) await Promise.allSettled(inFlight);
  }

  async function supervise(): Promise<void> {
    const every = config.generation.superviseIntervalSeconds * 1000;
    while (!stopping) {
      try {
        const r = await reconcileJobs(dataSource, boss, { worker: workerId });
        if (r && (r.requeued || r.failed || r.cancelled || r.settled)) logger.info({ ...r }, 'supervisor reconciled generation jobs with the queue');
      } catch (error) {
        if (stopping) break;
        logger.warn({ err: error }, 'supervisor pass failed (PostgreSQL unreachable?); trying again');
      }
      const until = Date.now() + every;
      while (!stopping && Date.now() < until) await sleep(Math.min(pollMs, until - Date.now()));
    }
  }

  const loops = endpoints.map((e) => loop(e));
  const supervisor = supervise();
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

/** Bounds requests in flight to one endpoint (hand-written: a dozen lines, no dependency needed). */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
