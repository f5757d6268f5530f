import { hostname } from 'node:os';
import type OpenAI from 'openai';
import PgBoss from 'pg-boss';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../src/config/config';
import type { ModelEndpointConfig, ModelRole } from '../../src/config/generation';
import { keyedSeed } from '../../src/random/python-random';
import { classifyModelError, createModelClient, publicEndpoint } from '../models/clients';
import { processGoalTemplateOutput } from '../goal-template/process';
import { processStereotypeOutput } from '../output/process-stereotype';
import { extractTagIds } from '../output/tags';
import { buildGoalTemplatePrompt, buildStereotypePrompt, BuiltPrompt, loadStereotypes, PromptInputError } from '../prompts/load';
import { deadLetterQueueName, GenerationJobData, queueName, startBoss } from '../queue/boss';
import { GOAL_TEMPLATE_PROMPT_KEY, RunConfig } from '../run-config';
import type { CatalogueItem, ProcessedDialogue } from '../types';
import { AttemptRecord, JOB_COLUMNS, JobRow, notifyRun, recordAttempt, settleRun, storeDialogue } from './store';

interface RunRow {
  id: number;
  role: ModelRole;
  strategy: 'STEREOTYPE' | 'GOAL_TEMPLATE';
  model: string;
  endpoint: string;
  servedModels: string[];
  config: RunConfig;
  status: string;
}

export interface WorkerOptions {
  dataSource: DataSource;
  url: string;
  config: Readonly<Config>;
  logger: Logger;
  /** Overrides each endpoint's maxInFlight for this worker. */
  concurrency?: number;
  /** How long an idle worker waits before looking for jobs again. */
  pollMs?: number;
}

export interface RunningWorker {
  id: string;
  roles: ModelRole[];
  /** Finishes the jobs in flight, then stops. */
  stop(): Promise<void>;
  /** Tests only: stops as a killed process would, leaving its jobs active for another worker to take over. */
  crash(): Promise<void>;
}

type Outcome = 'stored' | 'retry' | 'failed' | 'skipped' | 'dropped';

/**
 * A generation worker: for each role with a configured endpoint, keeps up to that endpoint's
 * limit of requests in flight, fetching jobs from pg-boss as slots free up. pg-boss's own `work()`
 * handles batches one at a time, which would leave slots idle until the slowest job of a batch
 * ends; this loop refills continuously.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { dataSource, config, logger } = options;
  const endpoints = Object.values(config.generation.endpoints) as ModelEndpointConfig[];
  if (endpoints.length === 0) {
    throw new Error('no model endpoint is configured: set TEACHER_BASE_URL/TEACHER_MODEL and/or STUDENT_BASE_URL/STUDENT_MODEL');
  }
  const boss = await startBoss({ url: options.url, supervise: true, generation: config.generation, max: 4 });
  const workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  const stereotypes = new Map((await loadStereotypes(dataSource.manager)).map((s) => [s.id, s]));
  const runs = new Map<number, Promise<RunRow>>();
  let stopping = false;
  let crashed = false;

  const loadRun = (runId: number) => {
    let run = runs.get(runId);
    if (!run) {
      run = dataSource
        .query(
          `SELECT id, role, strategy, model, endpoint, served_models AS "servedModels", config, status FROM generation_runs WHERE id = $1`,
          [runId],
        )
        .then((rows: RunRow[]) => {
          if (!rows[0]) throw new Error(`generation run ${runId} does not exist`);
          return rows[0];
        });
      runs.set(runId, run);
    }
    return run;
  };

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
    const stereotype = stereotypes.get(job.stereotypeId!);
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
    // `title`: the prompt items' TMDB titles are what the title normaliser looks for (pipeline.md §6.4).
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
      role: run.role,
    });
  }

  async function finishWithoutDialogue(job: JobRow, status: 'FAILED' | 'SKIPPED' | 'QUEUED', error: Record<string, unknown>): Promise<void> {
    await dataSource.query(`UPDATE generation_jobs SET status = $2, last_error = $3, updated_at = now() WHERE id = $1 AND status = 'RUNNING'`, [
      job.id,
      status,
      JSON.stringify(error),
    ]);
  }

  async function processJob(role: ModelRole, client: OpenAI, requests: Semaphore, job: PgBoss.JobWithMetadata<GenerationJobData>): Promise<Outcome> {
    const queue = queueName(role);
    const attempt = job.retryCount + 1;
    const lastAttempt = job.retryCount >= job.retryLimit;
    const [claimed]: JobRow[][] = await dataSource.query(
      `UPDATE generation_jobs SET status = 'RUNNING', attempts = $2, updated_at = now()
        WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') AND dialogue_id IS NULL RETURNING ${JOB_COLUMNS}`,
      [job.data.jobId, attempt],
    );
    const row = claimed?.[0];
    if (!row) {
      // Cancelled, or already stored by an earlier attempt that crashed before acknowledging.
      await boss.complete(queue, job.id);
      return 'dropped';
    }
    const run = await loadRun(row.runId);
    // Only the run's first job changes it (and tells subscribers); the others' update matches nothing.
    const [, runStarted]: [unknown, number] = await dataSource.query(
      `UPDATE generation_runs SET status = 'RUNNING', started_at = now() WHERE id = $1 AND status = 'QUEUED'`,
      [run.id],
    );
    if (runStarted > 0) await notifyRun(dataSource.manager, run.id);

    let prompt: BuiltPrompt;
    try {
      prompt = await buildPrompt(run, row);
    } catch (error) {
      if (!(error instanceof PromptInputError)) throw error;
      await finishWithoutDialogue(row, 'SKIPPED', { code: error.code, message: error.message });
      await afterJob(run.id);
      await boss.complete(queue, job.id);
      return 'skipped';
    }

    const seed = keyedSeed(run.config.sampling.seed, 'request', row.key) % 2 ** 31;
    const sampling = { temperature: run.config.sampling.temperature, top_p: run.config.sampling.topP, max_tokens: run.config.sampling.maxTokens, seed };
    let started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await requests.run(() => ((started = performance.now()), client.chat.completions.create({ model: run.model, messages: prompt.messages, n: 1, ...sampling })));
      if (!Array.isArray(completion.choices)) throw new Error('the response has no choices');
    } catch (error) {
      if (crashed) return 'dropped';
      const c = classifyModelError(error);
      const latencyMs = Math.round(performance.now() - started);
      await recordAttempt(dataSource.manager, row, { attempt, ...c, latencyMs, worker: workerId });
      const errorRecord = { code: c.outcome, message: c.message, httpStatus: c.httpStatus, attempt };
      if (c.retryable && !lastAttempt) {
        await finishWithoutDialogue(row, 'QUEUED', errorRecord);
        await notifyRun(dataSource.manager, run.id);
        await boss.fail(queue, job.id, errorRecord);
        return 'retry';
      }
      await finishWithoutDialogue(row, 'FAILED', errorRecord);
      await afterJob(run.id);
      if (c.retryable) {
        await boss.fail(queue, job.id, errorRecord); // retries exhausted: pg-boss moves it to the dead letter queue
      } else {
        // Not worth retrying (e.g. HTTP 400): straight to the dead letter queue.
        await boss.send(deadLetterQueueName(role), { ...job.data, error: errorRecord });
        await boss.complete(queue, job.id, errorRecord);
      }
      logger.warn({ runId: run.id, jobId: row.id, attempt, error: errorRecord }, 'generation job failed');
      return 'failed';
    }
    const latencyMs = Math.round(performance.now() - started);
    if (crashed) return 'dropped';
    const choice = completion.choices[0];
    const content = choice?.message?.content ?? '';
    const finishReason = choice?.finish_reason ?? null;
    const domain = await userDomain(row.userId!);
    const catalogue = await catalogueFor([...new Set([...extractTagIds(content), ...prompt.promptAsins])], domain);
    const processed = postProcess(run, prompt, content, finishReason, catalogue);
    const attemptRecord: AttemptRecord = { attempt, outcome: 'OK', retryable: false, httpStatus: 200, message: null, latencyMs, worker: workerId };
    await storeDialogue(
      dataSource,
      row,
      {
        domain,
        source: role,
        strategy: run.strategy,
        model: completion.model || run.model,
        stereotypeId: prompt.stereotypeId,
        targetItemId: prompt.targetItemId,
        targetAsin: prompt.targetAsin,
        processed,
        provenance: {
          runId: run.id,
          jobId: row.id,
          role,
          model: run.model,
          responseModel: completion.model ?? null,
          endpoint: run.endpoint,
          servedModels: run.servedModels,
          strategy: run.strategy,
          sampling: { temperature: sampling.temperature, topP: sampling.top_p, maxTokens: sampling.max_tokens },
          seed,
          promptVersion: prompt.promptVersion,
          promptSha256: prompt.sha256,
          messages: prompt.messages,
          template: prompt.instance ? { id: prompt.instance.template.id, k: prompt.instance.k, bindings: prompt.instance.bindings } : null,
          rawResponse: content,
          finishReason,
          usage: completion.usage ?? null,
          latencyMs,
          attempts: attempt,
          worker: workerId,
        },
      },
      attemptRecord,
    );
    await afterJob(run.id);
    await boss.complete(queue, job.id);
    return 'stored';
  }

  const domains = new Map<number, Promise<string>>();
  function userDomain(userId: number): Promise<string> {
    let d = domains.get(userId);
    if (!d) {
      d = dataSource.query('SELECT domain FROM users WHERE id = $1', [userId]).then((rows: Array<{ domain: string }>) => rows[0]?.domain ?? 'Movies_and_TV');
      domains.set(userId, d);
      if (domains.size > 10_000) domains.clear();
    }
    return d;
  }

  async function afterJob(runId: number): Promise<void> {
    await settleRun(dataSource.manager, runId);
    await notifyRun(dataSource.manager, runId);
  }

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const pollMs = options.pollMs ?? 250;

  async function loop(endpoint: ModelEndpointConfig): Promise<void> {
    const role = endpoint.role;
    const client = createModelClient(endpoint);
    const cap = options.concurrency ?? endpoint.maxInFlight;
    const requests = new Semaphore(cap);
    // The cap is on requests in flight; jobs also spend time on prompt building and storing, so
    // twice as many jobs are in process as requests may be in flight, keeping the endpoint busy.
    const limit = cap * 2;
    // Refill in batches of an eighth of the cap: one fetch per completion would cost a query per job.
    const batch = Math.max(1, Math.floor(cap / 8));
    const inFlight = new Set<Promise<unknown>>();
    while (!stopping) {
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
        const p: Promise<unknown> = processJob(role, client, requests, job)
          .catch(async (error) => {
            if (crashed) return;
            logger.error({ err: error, jobId: job.data.jobId }, 'generation job crashed; pg-boss will retry it');
            await boss.fail(queueName(role), job.id, { code: 'WORKER_ERROR', message: (error as Error).message }).catch(() => undefined);
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }
    if (!crashed) await Promise.allSettled(inFlight);
  }

  const loops = endpoints.map((e) => loop(e));
  logger.info(
    { worker: workerId, endpoints: endpoints.map((e) => ({ role: e.role, endpoint: publicEndpoint(e.baseUrl), model: e.model, maxInFlight: options.concurrency ?? e.maxInFlight })) },
    'generation worker started',
  );
  return {
    id: workerId,
    roles: endpoints.map((e) => e.role),
    async stop() {
      stopping = true;
      await Promise.allSettled(loops);
      await boss.stop({ graceful: true, close: true, wait: true });
    },
    async crash() {
      crashed = true;
      stopping = true;
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
