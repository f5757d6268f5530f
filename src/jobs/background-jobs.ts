import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { InstanceLock } from './instance-lock';
import type { JobLifecycle } from './job-lifecycle';
import { interruptionCause } from './lifecycle';
import type { NotifyEvents } from './notify-events';

/** Jobs one API process runs at a time per kind; more wait QUEUED. */
const MAX_RUNNING = 2;
const HEARTBEAT_MS = 5_000;
/** How often every server looks for jobs whose process is gone (not only at start-up). */
const SWEEP_MS = 5_000;
/**
 * A job whose owner no longer holds its advisory lock is interrupted once its heartbeat is this
 * old: the grace lets an owner whose lock connection dropped (a database restart) lock again.
 */
const ORPHAN_AFTER_S = 15;
/**
 * A job without an owner (older rows, or not claimed yet) is interrupted after this long without
 * a beat. A job whose owner still holds its lock is never taken: the owner is alive (a busy
 * event loop that misses heartbeats is not a dead process).
 */
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
  /** The kind of job (src/jobs/lifecycle.ts: its table, channel and noun) and the lifecycle that writes its rows. */
  lifecycle: JobLifecycle;
  /** What the user should do after an interruption, e.g. "start it again". */
  retryHint: string;
  progressEveryMs?: number;
  /** Rows the sweep may mark interrupted (SQL condition on alias `j`); default all. INTERACTIVE evaluations run on workers, not in an API process. */
  sweepWhere?: string;
  /** Called after each sweep with the jobs it marked interrupted (e.g. to remove partial files). */
  afterSweep?: (interruptedIds: number[]) => Promise<void>;
  /** Overrides of the sweep's timing (tests). */
  timing?: { sweepMs?: number; heartbeatMs?: number; orphanAfterS?: number; staleAfterS?: number };
}

/**
 * Long work the API accepts and runs in its own process (exports, evaluations): a small queue per
 * process, a status row per job that the work's outcome lands in, progress through
 * LISTEN/NOTIFY (so a subscriber on any API server sees it). pg-boss is not used for these: they
 * need the accepting process's files and in-memory streams, not a worker pool. Every write to a
 * job's row is a step of the one job lifecycle (src/jobs/lifecycle.ts, applied by JobLifecycle);
 * this runner decides when, not how.
 *
 * Ownership: each process records its advisory-lock key (`owner_lock`) on the jobs it takes and
 * holds that session lock for as long as it lives; every server sweeps every few seconds (not
 * only at start-up) for unfinished jobs whose owner's lock is gone — the process died or was
 * killed — and marks them FAILED with the cause, so a server restarted at once can tell its
 * predecessor's jobs from the live jobs of other servers without waiting for a heartbeat to age.
 */
export function createBackgroundJobs(options: BackgroundJobsOptions): BackgroundJobs {
  const { dataSource, logger, lifecycle } = options;
  const { table, noun } = lifecycle.kind;
  const timing = { sweepMs: SWEEP_MS, heartbeatMs: HEARTBEAT_MS, orphanAfterS: ORPHAN_AFTER_S, staleAfterS: STALE_AFTER_S, ...options.timing };
  const url = (dataSource.options as { url?: string }).url!;
  const events = lifecycle.events({ dataSource, logger });
  const owner = new InstanceLock(url, logger);
  const queue: Array<{ id: number; work: JobWork }> = [];
  const running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  let closed = false;
  const interrupted = (when: string) => interruptionCause(when, options.retryHint);

  const sweep = async (): Promise<void> => {
    const ids = await lifecycle.recoverInterrupted(dataSource, {
      ownerLock: owner.key,
      cause: interrupted(`before this ${noun} finished`),
      orphanAfterS: timing.orphanAfterS,
      staleAfterS: timing.staleAfterS,
      where: options.sweepWhere,
    });
    if (ids.length) logger.warn({ ids }, `marked ${ids.length} interrupted ${table} FAILED`);
    await options.afterSweep?.(ids);
  };
  const sweepQuietly = () => sweep().catch((error) => logger.warn({ err: error }, `could not sweep interrupted ${table}`));
  const swept = sweepQuietly();
  const sweeper = setInterval(() => void sweepQuietly(), timing.sweepMs);
  sweeper.unref();

  const heartbeat = setInterval(() => {
    const ids = [...running.keys(), ...queue.map((q) => q.id)];
    if (!ids.length) return;
    // Lock again first when the lock's connection dropped (a database restart), so that the
    // other servers' sweeps do not take this process's live jobs for orphans.
    void owner
      .hold()
      .then(() => lifecycle.heartbeat(dataSource, ids, owner.key))
      .catch(() => undefined);
  }, timing.heartbeatMs);
  heartbeat.unref();

  async function run(id: number, work: JobWork, abort: AbortController): Promise<void> {
    await owner.hold();
    if (!(await lifecycle.start(dataSource, id, owner.key))) return;
    let lastProgress = 0;
    const progress = async (value: number, columns: Record<string, unknown> = {}) => {
      if (value < 1 && Date.now() - lastProgress < (options.progressEveryMs ?? 250)) return;
      lastProgress = Date.now();
      await lifecycle.progress(dataSource, id, value, columns);
    };
    try {
      const columns = await work({ signal: abort.signal, progress });
      // Only an open job is finished: one another server's sweep already marked FAILED (this
      // process lost its lock while the database was away) stays FAILED, its partial files removed.
      await lifecycle.succeed(dataSource, id, columns);
    } catch (error) {
      if (!abort.signal.aborted) logger.warn({ err: error, [`${noun}Id`]: id }, `${noun} failed`);
      const ended = abort.signal.aborted
        ? lifecycle.interrupt(dataSource, id, interrupted(`while this ${noun} was running`))
        : lifecycle.fail(dataSource, id, error instanceof Error ? error.message : String(error));
      await ended.catch((e) => logger.error({ err: e, [`${noun}Id`]: id }, `could not record a failed ${noun}`));
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
      // Claimed at once, so that no sweep takes a queued job of this process for an orphan.
      void owner
        .hold()
        .then(() => lifecycle.claim(dataSource, id, owner.key))
        .catch((error) => logger.warn({ err: error, [`${noun}Id`]: id }, `could not claim the ${noun}`))
        .then(() => swept)
        .then(pump);
    },
    async idle() {
      await swept;
      pump();
      while (running.size) await Promise.all([...running.values()].map((r) => r.done));
    },
    async close() {
      closed = true;
      clearInterval(heartbeat);
      clearInterval(sweeper);
      await swept; // the start-up sweep may still be running (a server stopped at once, e.g. on a taken port)
      for (const { id } of queue.splice(0)) {
        await lifecycle.interrupt(dataSource, id, interrupted(`before this ${noun} started`)).catch(() => undefined);
      }
      for (const r of running.values()) r.abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
      await events.close();
      await owner.release();
    },
  };
}
