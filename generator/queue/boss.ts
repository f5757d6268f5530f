import PgBoss from 'pg-boss';
import type { QueryRunner } from 'typeorm';
import { MODEL_ROLES, type GenerationConfig, type ModelRole } from '../../src/config/generation';

/** One queue per role, so that a worker only takes jobs for the endpoints it is configured for. */
export function queueName(role: ModelRole): string {
  return `generation-${role.toLowerCase()}`;
}

export function deadLetterQueueName(role: ModelRole): string {
  return `${queueName(role)}-dead`;
}

/** The job payload: everything else is read from generation_jobs, so the payload never goes stale. */
export interface GenerationJobData {
  jobId: number;
  runId: number;
}

export interface BossOptions {
  url: string;
  /** Workers supervise (expire crashed workers' jobs, move exhausted jobs to the dead letter); the API does not. */
  supervise: boolean;
  generation: Readonly<GenerationConfig>;
  max?: number;
}

export async function startBoss(options: BossOptions): Promise<PgBoss> {
  const boss = new PgBoss({
    connectionString: options.url,
    schema: 'pgboss',
    application_name: options.supervise ? 'recdial-worker-queue' : 'recdial-api-queue',
    max: options.max ?? 4,
    supervise: options.supervise,
    superviseIntervalSeconds: options.generation.superviseIntervalSeconds,
    // Expired (crashed workers') jobs are failed over to retry by the monitor pass.
    monitorIntervalSeconds: options.generation.superviseIntervalSeconds,
    schedule: false,
    migrate: true,
  });
  boss.on('error', () => {
    // Connection blips during maintenance are retried by pg-boss itself; callers see real failures.
  });
  await boss.start();
  // Workers own the queue policy (expiry, retries): the API only creates missing queues, so an API
  // configured without worker settings cannot overwrite theirs.
  await ensureQueues(boss, options.generation, options.supervise);
  return boss;
}

/** Queue options follow the configuration; existing queues are updated, so a restart applies new limits. */
export async function ensureQueues(boss: PgBoss, generation: Readonly<GenerationConfig>, update = true): Promise<void> {
  const policy = {
    retryLimit: generation.maxAttempts - 1,
    retryDelay: generation.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: generation.retryDelayMaxSeconds,
    expireInSeconds: generation.jobExpireSeconds,
  };
  for (const role of MODEL_ROLES) {
    await createOrUpdate(boss, deadLetterQueueName(role), {}, update);
    await createOrUpdate(boss, queueName(role), { ...policy, deadLetter: deadLetterQueueName(role) }, update);
  }
}

async function createOrUpdate(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'>, update: boolean): Promise<void> {
  if (!(await boss.getQueue(name))) {
    try {
      await boss.createQueue(name, options);
      return;
    } catch (error) {
      // Another process created it between our check and our insert.
      if (!(await boss.getQueue(name))) throw error;
    }
  }
  if (update && Object.keys(options).length > 0) await boss.updateQueue(name, options);
}

/** Lets pg-boss write through our transaction, so a run and its jobs commit together or not at all. */
export function transactionDb(queryRunner: QueryRunner): PgBoss.Db {
  return {
    executeSql: async (text, values) => {
      const result = await queryRunner.query(text, values, true);
      return { rows: result.records ?? [] };
    },
  };
}
