import { randomUUID } from 'node:crypto';
import type OpenAI from 'openai';
import type PgBoss from 'pg-boss';
import type { DataSource, EntityManager } from 'typeorm';
import type { ModelEndpointConfig } from '../../src/config/generation';
import { selectListAs } from '../../src/db/columns';
import { ItemEntity } from '../../src/db/schema/item.entity';
import { storable } from '../../src/text/unstorable';
import { processGoalTemplateOutput } from '../goal-template/process';
import { makeConverse } from '../interactive/worker-ports';
import { JudgePorts, loadJudgedTurns, processJudgeJob, storeJudgement, storeVerdict } from '../judge/processor';
import { processStereotypeOutput } from '../output/process-stereotype';
import { extractTagIds } from '../output/tags';
import { buildGoalTemplatePrompt, buildStereotypePrompt, BuiltPrompt, loadStereotypes, PromptInputError } from '../prompts/load';
import { deadLetterQueueName, queueName, transactionDb } from '../queue/boss';
import { GOAL_TEMPLATE_PROMPT_KEY } from '../run-config';
import type { ProcessedDialogue } from '../types';
import type { EndpointGate } from './endpoint-gate';
import { processJob, ProcessorPorts, QueueJob } from './job-processor';
import type { Semaphore } from './semaphore';
import { JOB_COLUMNS, JobRow, notifyRun, recordAttempt, RUN_COLUMNS, RunRow, runLifecycle, settleRun, storeDialogue } from './store';
import { successCache } from './success-cache';

/**
 * The job processors' ports over PostgreSQL, pg-boss and the model endpoints (ProcessorPorts in
 * job-processor.ts, JudgePorts in judge/processor.ts): what worker.ts hands each endpoint's loop.
 */

type Stereotype = Awaited<ReturnType<typeof loadStereotypes>>[number];

/** The catalogue items an answer may name. `title`: the prompt items' TMDB titles are what the title normaliser looks for (docs/pipeline.md §6.4). */
const CATALOGUE_PROPS = ['id', 'asin', 'title', 'cleanedTitle'] as const;
const CATALOGUE_COLUMNS = selectListAs(ItemEntity, '', CATALOGUE_PROPS);
export type CatalogueRow = Pick<ItemEntity, (typeof CATALOGUE_PROPS)[number]>;

async function catalogueFor(manager: EntityManager, asins: string[], domain: string): Promise<Map<string, CatalogueRow>> {
  if (asins.length === 0) return new Map();
  const rows: CatalogueRow[] = await manager.query(`SELECT ${CATALOGUE_COLUMNS} FROM items WHERE asin = ANY($1) AND domain = $2`, [asins, domain]);
  return new Map(rows.map((r) => [r.asin, r]));
}

/** Parses and validates an answer by the run's strategy (docs/pipeline.md §6.3–§8). */
function postProcess(run: RunRow, prompt: BuiltPrompt, content: string, finishReason: string | null, catalogue: Map<string, CatalogueRow>): ProcessedDialogue {
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

export interface WorkerPortsOptions {
  dataSource: DataSource;
  boss: PgBoss;
  workerId: string;
  log: ProcessorPorts['log'];
  /** Tests' simulated kill (RunningWorker.crash): stop touching anything. */
  crashed(): boolean;
}

/** One endpoint as its loop drives it: the model client, its in-flight cap and its outage gate. */
export interface EndpointWiring {
  endpoint: ModelEndpointConfig;
  client: OpenAI;
  requests: Semaphore;
  gate: EndpointGate;
}

/**
 * The ports of one worker. The run, user-domain and stereotype lookups are shared by all its
 * endpoints and cached (successes only: a lookup that failed while PostgreSQL restarted is tried
 * again by the next job).
 */
export function createWorkerPorts(o: WorkerPortsOptions): { portsFor(e: EndpointWiring): ProcessorPorts; handlerFor(e: EndpointWiring): (job: QueueJob) => Promise<unknown> } {
  const { dataSource, boss, workerId } = o;
  let stereotypes: Promise<Map<number, Stereotype>> | null = null;

  const loadRun = successCache(async (runId: number): Promise<RunRow> => {
    const rows: RunRow[] = await dataSource.query(`SELECT ${RUN_COLUMNS} FROM generation_runs WHERE id = $1`, [runId]);
    if (!rows[0]) throw new Error(`generation run ${runId} does not exist`);
    return rows[0];
  }, 1000);

  const userDomain = successCache(async (userId: number): Promise<string> => {
    const rows: Array<{ domain: string }> = await dataSource.query('SELECT domain FROM users WHERE id = $1', [userId]);
    return rows[0]?.domain ?? 'Movies_and_TV';
  });

  async function stereotypeById(id: number): Promise<Stereotype | undefined> {
    if (!stereotypes) {
      const loading = loadStereotypes(dataSource.manager).then((all) => new Map(all.map((s) => [s.id, s])));
      stereotypes = loading;
      loading.catch(() => {
        if (stereotypes === loading) stereotypes = null;
      });
    }
    return (await stereotypes).get(id);
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

  function portsFor({ endpoint, client, requests, gate }: EndpointWiring): ProcessorPorts {
    const role = endpoint.role;
    const queue = queueName(role);
    return {
      workerId,
      role,
      log: o.log,
      crashed: o.crashed,
      async claim(job) {
        // The queue job id must match: a row requeued under a new queue job (supervisor, release) is not the old one's any more.
        const [rows]: [Array<JobRow & { previousStatus: JobRow['status'] }>, number] = await dataSource.query(
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
        const catalogue = await catalogueFor(dataSource.manager, [...new Set([...extractTagIds(content), ...prompt.promptAsins])], domain);
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
      async settle(runId) {
        await settleRun(dataSource.manager, runId);
        await notifyRun(dataSource.manager, runId);
      },
      notify: (runId) => notifyRun(dataSource.manager, runId),
    };
  }

  /** The judge role runs JUDGE and COMPARE jobs (issue 15) through the same loop, caps and transitions. */
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

  return {
    portsFor,
    handlerFor(e) {
      const ports = portsFor(e);
      return e.endpoint.role === 'JUDGE' ? judgeProcessor(ports, e.client) : (job) => processJob(ports, job);
    },
  };
}
