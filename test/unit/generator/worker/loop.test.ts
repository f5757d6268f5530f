import { FetchLoopOptions, runFetchLoop } from '../../../../generator/worker/loop';
import type { QueueJob } from '../../../../generator/worker/job-processor';

// One endpoint's fetch loop against a fake queue: no pg-boss, no PostgreSQL.

const job = (n: number): QueueJob => ({ id: `q${n}`, data: { jobId: n, runId: 1 }, retryCount: 0, retryLimit: 3 });

/** A queue holding `waiting` jobs, and a handler whose jobs end when the test says so. */
function fakeQueue(waiting: number, overrides: Partial<FetchLoopOptions> = {}) {
  const q = {
    waiting: Array.from({ length: waiting }, (_, i) => job(i + 1)),
    fetches: [] as number[],
    running: new Map<number, () => void>(),
    maxRunning: 0,
    done: [] as number[],
    errors: [] as string[],
    stopping: false,
  };
  const options: FetchLoopOptions = {
    fetch: async (batchSize) => {
      q.fetches.push(batchSize);
      return q.waiting.splice(0, batchSize);
    },
    handle: (j) =>
      new Promise<void>((resolve) => {
        q.running.set(j.data.jobId, () => {
          q.running.delete(j.data.jobId);
          q.done.push(j.data.jobId);
          resolve();
        });
        q.maxRunning = Math.max(q.maxRunning, q.running.size);
      }),
    gate: { down: false, whenUp: async () => {} },
    cap: 4,
    pollMs: 5,
    log: { error: (_obj, msg) => void q.errors.push(msg) },
    stopping: () => q.stopping,
    crashed: () => false,
    ...overrides,
  };
  return { q, options };
}

const until = async (what: () => boolean) => {
  for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(what()).toBe(true);
};

test('keeps twice its cap of jobs in process, refilling as they end, and never more', async () => {
  const { q, options } = fakeQueue(20);
  const loop = runFetchLoop(options);
  await until(() => q.running.size === 8);
  expect(q.fetches[0]).toBe(8);
  // Two end: the loop fetches two more (free slots, in batches of cap/8 = at least one).
  q.running.get(1)!();
  q.running.get(2)!();
  await until(() => q.running.size === 8 && q.done.length === 2);
  expect(q.waiting).toHaveLength(10);
  expect(q.maxRunning).toBe(8);
  q.stopping = true;
  for (const end of [...q.running.values()]) end();
  await loop;
  expect(q.maxRunning).toBe(8);
});

test('stop(): fetches nothing more and resolves once the jobs in flight have ended', async () => {
  const { q, options } = fakeQueue(3);
  let finished = false;
  const loop = runFetchLoop(options).then(() => (finished = true));
  await until(() => q.running.size === 3);
  q.stopping = true;
  const fetched = q.fetches.length;
  await new Promise((r) => setTimeout(r, 30));
  expect(finished).toBe(false); // jobs still in flight
  for (const end of [...q.running.values()]) end();
  await loop;
  expect(finished).toBe(true);
  expect(q.fetches.length).toBeLessThanOrEqual(fetched + 1);
  expect(q.done.sort()).toEqual([1, 2, 3]);
});

test('a failing fetch (PostgreSQL away) is logged and retried; the jobs are then taken', async () => {
  let failures = 2;
  const { q, options } = fakeQueue(2);
  const fetch = options.fetch;
  options.fetch = async (n) => {
    if (failures > 0) {
      failures--;
      throw new Error('connection refused');
    }
    return fetch(n);
  };
  const loop = runFetchLoop(options);
  await until(() => q.running.size === 2);
  expect(q.errors).toEqual(['fetching generation jobs failed', 'fetching generation jobs failed']);
  q.stopping = true;
  for (const end of [...q.running.values()]) end();
  await loop;
});

test('takes no job while the endpoint is down, and resumes when it is up', async () => {
  const gate = { down: true, whenUp: () => new Promise<void>((r) => setTimeout(r, 5)) };
  const { q, options } = fakeQueue(1, { gate });
  const loop = runFetchLoop(options);
  await new Promise((r) => setTimeout(r, 40));
  expect(q.fetches).toEqual([]);
  gate.down = false;
  await until(() => q.running.size === 1);
  q.stopping = true;
  q.running.get(1)!();
  await loop;
});

test('a handler that throws is logged and does not stop the loop', async () => {
  const { q, options } = fakeQueue(3);
  const handle = options.handle;
  options.handle = async (j) => {
    if (j.data.jobId === 1) throw new Error('bug');
    return handle(j);
  };
  const loop = runFetchLoop(options);
  await until(() => q.running.size === 2);
  expect(q.errors).toEqual(['generation job crashed; it expires and is retried']);
  q.stopping = true;
  for (const end of [...q.running.values()]) end();
  await loop;
});
