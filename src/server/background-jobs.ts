import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { NotifyEvents } from './notify-events';

/** Jobs one API process runs at a time per kind; more wait QUEUED. */
const MAX_RUNNING = 2;
const HEARTBEAT_MS = 10_000;
/** An unfinished job whose process has not beaten for this long is taken as interrupted. */
const STALE_AFTER_S = 60;

export interface JobHooks {
  signal: AbortSignal;
  /**
   * Records progress in [0, 1] (and, optionally, more columns of the job's row, e.g. partial
   * results) and notifies subscribers; calls closer together than the kind's interval are
   * dropped, except the final one (progress 1).
   */
  progress(value: number, columns?: Record<string, unknown>): Promise<void>;
}

/** A job's work; what it returns is written to the job's row (column → value) on success. */
export type JobWork = (hooks: JobHooks) => Promise<Record<string, unknown>>;

export interface BackgroundJobs {
  events: NotifyEvents;
  /** Runs a QUEUED job in this process, in the background; its outcome lands in its row. */
  start(id: number, work: JobWork): void;
  /** Resolves when no job of this process runs any more (tests, shutdown). */
  idle(): Promise<void>;
  /** Marks queued and running jobs interrupted (FAILED), waits for them, stops listening. */
  close(): Promise<void>;
}

export interface BackgroundJobsOptions {
  dataSource: DataSource;
  logger: Logger;
  /**
   * The jobs' table: columns id, status (QUEUED RUNNING COMPLETED FAILED), progress, error,
   * started_at, finished_at, heartbeat_at, created_at.
   */
  table: string;
  /** NOTIFY channel; payloads are job ids. */
  channel: string;
  /** For messages: "export", "evaluation". */
  noun: string;
  /** What the user should do after an interruption, e.g. "start it again". */
  retryHint: string;
  progressEveryMs?: number;
  /** Rows the start-up sweep may mark interrupted (SQL condition); default all. INTERACTIVE evaluations run on workers, not in an API process. */
  sweepWhere?: string;
}

const json = (value: unknown) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : value);

/**
 * Long work the API accepts and runs in its own process (exports, evaluations): a small queue per
 * process, a status row per job that the work's outcome lands in, progress through
 * LISTEN/NOTIFY (so a subscriber on any API server sees it), and heartbeats, so that the next
 * server to start marks the jobs of a process that died as interrupted. pg-boss is not used for
 * these: they need the accepting process's files and in-memory streams, not a worker pool.
 */
export function createBackgroundJobs(options: BackgroundJobsOptions): BackgroundJobs {
  const { dataSource, logger, table, channel, noun } = options;
  const url = (dataSource.options as { url?: string }).url!;
  const events = new NotifyEvents({ url, dataSource, logger, channel, table });
  const queue: Array<{ id: number; work: JobWork }> = [];
  const running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  let closed = false;

  const notify = (id: number) => dataSource.query('SELECT pg_notify($1, $2)', [channel, String(id)]);
  const update = async (id: number, columns: Record<string, unknown>, where = '') => {
    const names = Object.keys(columns);
    const sets = names.map((name, i) => `${name} = $${i + 2}`);
    await dataSource.query(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $1 ${where}`, [id, ...names.map((n) => json(columns[n]))]);
    await notify(id);
  };
  const finish = (id: number, columns: Record<string, unknown>) => update(id, { ...columns, finished_at: new Date() });
  const interrupted = (when: string) => `interrupted: the server stopped ${when}; ${options.retryHint}`;

  // As a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count], a SELECT with rows.
  const swept = dataSource
    .query(
      `WITH failed AS (
         UPDATE ${table} SET status = 'FAILED', finished_at = now(), error = $1
          WHERE status IN ('QUEUED', 'RUNNING') AND coalesce(heartbeat_at, created_at) < now() - interval '${STALE_AFTER_S} seconds' AND (${options.sweepWhere ?? 'true'})
          RETURNING id)
       SELECT id FROM failed`,
      [interrupted(`before this ${noun} finished`)],
    )
    .then(async (rows: Array<{ id: number }>) => {
      for (const { id } of rows) await notify(id);
    })
    .catch((error) => logger.warn({ err: error }, `could not sweep interrupted ${table}`));

  const heartbeat = setInterval(() => {
    const ids = [...running.keys(), ...queue.map((q) => q.id)];
    if (ids.length) void dataSource.query(`UPDATE ${table} SET heartbeat_at = now() WHERE id = ANY($1)`, [ids]).catch(() => undefined);
  }, HEARTBEAT_MS);
  heartbeat.unref();

  async function run(id: number, work: JobWork, abort: AbortController): Promise<void> {
    const started: Array<{ id: number }> = await dataSource.query(
      `WITH started AS (
         UPDATE ${table} SET status = 'RUNNING', started_at = now(), heartbeat_at = now() WHERE id = $1 AND status = 'QUEUED' RETURNING id)
       SELECT id FROM started`,
      [id],
    );
    if (!started.length) return;
    await notify(id);
    let lastProgress = 0;
    const progress = async (value: number, columns: Record<string, unknown> = {}) => {
      if (value < 1 && Date.now() - lastProgress < (options.progressEveryMs ?? 250)) return;
      lastProgress = Date.now();
      await update(id, { progress: Math.min(value, 0.99), ...columns }, `AND status = 'RUNNING'`);
    };
    try {
      const columns = await work({ signal: abort.signal, progress });
      await finish(id, { status: 'COMPLETED', progress: 1, ...columns });
    } catch (error) {
      const message = abort.signal.aborted ? interrupted(`while this ${noun} was running`) : error instanceof Error ? error.message : String(error);
      if (!abort.signal.aborted) logger.warn({ err: error, [`${noun}Id`]: id }, `${noun} failed`);
      await finish(id, { status: 'FAILED', error: message }).catch((e) => logger.error({ err: e, [`${noun}Id`]: id }, `could not record a failed ${noun}`));
    }
  }

  function pump(): void {
    while (!closed && running.size < MAX_RUNNING && queue.length) {
      const { id, work } = queue.shift()!;
      const abort = new AbortController();
      const done = run(id, work, abort)
        .catch((error) => logger.error({ err: error, [`${noun}Id`]: id }, `${noun} runner failed`))
        .finally(() => {
          running.delete(id);
          pump();
        });
      running.set(id, { abort, done });
    }
  }

  return {
    events,
    start(id, work) {
      queue.push({ id, work });
      void swept.then(pump);
    },
    async idle() {
      await swept;
      pump();
      while (running.size) await Promise.all([...running.values()].map((r) => r.done));
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      await swept; // the start-up sweep may still be running (a server stopped at once, e.g. on a taken port)
      for (const { id } of queue.splice(0)) {
        await finish(id, { status: 'FAILED', error: interrupted(`before this ${noun} started`) }).catch(() => undefined);
      }
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      await events.close();
    },
  };
}
