import type { QueueJob } from './job-processor';

/** What one endpoint's fetch loop needs: the queue, the job handler and the endpoint's gate behind small functions, so that it runs without pg-boss (test/unit/generator/worker/loop.test.ts). */
export interface FetchLoopOptions {
  /** Up to `batchSize` jobs of the loop's queue (fewer, or none, when fewer are waiting). */
  fetch(batchSize: number): Promise<QueueJob[]>;
  /** Processes one job to its exit (processJob, processJudgeJob); records its own failures. */
  handle(job: QueueJob): Promise<unknown>;
  /** The endpoint's outage gate (endpoint-gate.ts). */
  gate: { readonly down: boolean; whenUp(maxWaitMs: number): Promise<void> };
  /** The endpoint's cap on requests in flight. */
  cap: number;
  /** How long an idle loop waits before fetching again; a failed fetch waits four times as long. */
  pollMs: number;
  log: { error(obj: object, msg: string): void };
  /** Looked at between fetches: the loop fetches nothing more, and returns once its jobs in flight are done. */
  stopping(): boolean;
  /** Tests' simulated kill: return at once, leaving the jobs in flight as a killed process would. */
  crashed(): boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One endpoint's fetch loop: keeps up to twice its cap of jobs in process, fetching from the
 * queue as slots free up. pg-boss's own `work()` handles batches one at a time, which would leave
 * slots idle until the slowest job of a batch ends; this loop refills continuously. Resolves when
 * stopping, after the jobs in flight (unless crashed).
 */
export async function runFetchLoop(o: FetchLoopOptions): Promise<void> {
  // The cap is on requests in flight; jobs also spend time on prompt building and storing, so
  // twice as many jobs are in process as requests may be in flight, keeping the endpoint busy.
  const limit = o.cap * 2;
  // Refill in batches of an eighth of the cap: one fetch per completion would cost a query per job.
  const batch = Math.max(1, Math.floor(o.cap / 8));
  const inFlight = new Set<Promise<unknown>>();
  while (!o.stopping()) {
    if (o.gate.down) {
      // Outage: take no job of this role until the probe sees the endpoint again.
      await o.gate.whenUp(o.pollMs * 4);
      continue;
    }
    const free = limit - inFlight.size;
    if (free < batch) {
      await Promise.race(inFlight);
      continue;
    }
    let jobs: QueueJob[];
    try {
      jobs = await o.fetch(free);
    } catch (error) {
      if (o.stopping()) break;
      // PostgreSQL away: survived, not fatal; the pool reconnects when it is back.
      o.log.error({ err: error }, 'fetching generation jobs failed');
      await sleep(o.pollMs * 4);
      continue;
    }
    if (jobs.length === 0) {
      if (inFlight.size > 0) await Promise.race([sleep(o.pollMs), ...inFlight]);
      else await sleep(o.pollMs);
      continue;
    }
    for (const job of jobs) {
      const p: Promise<unknown> = o
        .handle(job)
        .catch((error) => {
          // The processors record their own failures; this is only a last guard against a bug.
          if (!o.crashed()) o.log.error({ err: error, jobId: job.data.jobId }, 'generation job crashed; it expires and is retried');
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }
  if (!o.crashed()) await Promise.allSettled(inFlight);
}
