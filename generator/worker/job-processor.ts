import type OpenAI from 'openai';
import type { ModelRole } from '../../src/config/generation';
import { classifyModelError, ClassifiedError } from '../models/clients';
import { BuiltPrompt, PromptInputError } from '../prompts/load';
import type { GenerationJobData } from '../queue/boss';
import type { ProcessedDialogue } from '../types';
import { Budget, errorRecord, JobExit, transition, workerError } from './job-state';
import { generatedDialogue, requestSampling, type Sampling, storableAnswer } from './provenance';
import type { AttemptRecord, DialogueToStore, JobRow, RunRow } from './store';

/** The part of a pg-boss job the processor reads. */
export interface QueueJob extends Budget {
  id: string;
  data: GenerationJobData;
  priority?: number;
}

/**
 * What the processor needs from the world: PostgreSQL, pg-boss and the model endpoint behind
 * small functions, so that it can be tested without any of them (test/unit/generator/worker/job-processor.test.ts).
 */
export interface ProcessorPorts {
  workerId: string;
  role: ModelRole;
  log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** Tests' simulated kill: stop touching anything. */
  crashed(): boolean;
  /** Marks the row RUNNING with the next attempt number, when the row is still this queue job's; null otherwise (cancelled, stored, requeued). */
  claim(job: QueueJob): Promise<JobRow | null>;
  loadRun(runId: number): Promise<RunRow>;
  /** The run's first job moves it from QUEUED to RUNNING. */
  runStarted(runId: number): Promise<void>;
  /** Throws PromptInputError when there is nothing to generate from. */
  buildPrompt(run: RunRow, row: JobRow): Promise<BuiltPrompt>;
  /** Runs `fn` within the endpoint's in-flight limit. */
  slot<T>(fn: () => Promise<T>): Promise<T>;
  endpointDown(): boolean;
  reportUnreachable(): void;
  callModel(run: RunRow, prompt: BuiltPrompt, sampling: Sampling): Promise<OpenAI.Chat.Completions.ChatCompletion>;
  /** Parses and validates an answer (docs/pipeline.md §6.3–§8); needs the catalogue, hence async. */
  process(run: RunRow, row: JobRow, prompt: BuiltPrompt, content: string, finishReason: string | null): Promise<{ processed: ProcessedDialogue; domain: string }>;
  storeDialogue(row: JobRow, dialogue: DialogueToStore, attempt: AttemptRecord): Promise<void>;
  recordAttempt(row: JobRow, attempt: AttemptRecord): Promise<void>;
  /** Sets the row's status and last_error, when it is still RUNNING. */
  finish(row: JobRow, status: 'SKIPPED' | 'QUEUED' | 'FAILED', error: Record<string, unknown>): Promise<void>;
  queue: {
    complete(job: QueueJob): Promise<void>;
    fail(job: QueueJob, error: Record<string, unknown>): Promise<void>;
    deadLetter(job: QueueJob, error: Record<string, unknown>): Promise<void>;
    /** Gives the job back as a fresh queue job with the same remaining budget (and the row back to QUEUED). */
    release(job: QueueJob, error: Record<string, unknown> | null): Promise<void>;
  };
  /**
   * INTERACTIVE runs: plays one simulated conversation with the system under test and returns
   * the dialogue to store. Throws PromptInputError (nothing to simulate: skipped),
   * ConversationFailure (a seeker or system call failed) or ConversationHeld (the seeker's
   * endpoint is down: given back untouched).
   */
  converse?(run: RunRow, row: JobRow): Promise<{ dialogue: DialogueToStore; latencyMs: number }>;
  /** settleRun + notify. */
  settle(runId: number): Promise<void>;
  notify(runId: number): Promise<void>;
}

/** A conversation's seeker or system call failed; classified like a model error. */
export class ConversationFailure extends Error {
  constructor(
    readonly error: ClassifiedError,
    readonly latencyMs: number | null,
  ) {
    super(error.message);
  }
}

/** The seeker's endpoint was known to be down before a call: the job goes back to the queue untouched. */
export class ConversationHeld extends Error {}

export type Outcome = 'stored' | 'retry' | 'failed' | 'skipped' | 'dropped' | 'released';

/** Processes one queue job to one exit, and applies that exit's transition (job-state.ts). */
export async function processJob(ports: ProcessorPorts, job: QueueJob): Promise<Outcome> {
  if (ports.endpointDown()) {
    // Fetched just before the outage was noticed: back to the queue untouched.
    return apply(ports, job, null, null, { kind: 'held' }, null);
  }
  let row: JobRow | null = null;
  let run: RunRow | null = null;
  let stage: 'store' | 'worker' = 'worker';
  try {
    row = await ports.claim(job);
    if (!row) {
      // Cancelled, stored by an earlier attempt that crashed before acknowledging, or requeued under a new queue job.
      await ports.queue.complete(job);
      return 'dropped';
    }
    run = await ports.loadRun(row.runId);
    await ports.runStarted(run.id);
    if (run.kind === 'INTERACTIVE') return await processConversation(ports, job, row, run);

    let prompt: BuiltPrompt;
    try {
      prompt = await ports.buildPrompt(run, row);
    } catch (error) {
      if (!(error instanceof PromptInputError)) throw error;
      return await apply(ports, job, row, run, { kind: 'skipped', code: error.code, message: error.message }, null);
    }

    const sampling = requestSampling(run.config.sampling, row.key);
    const answered = await callInSlot(ports, () => ports.callModel(run!, prompt, sampling));
    if (answered.kind !== 'completion') return await unanswered(ports, job, row, run, answered);
    const { completion, latencyMs } = answered;
    if (ports.crashed()) return 'dropped';

    const answer = storableAnswer(completion);
    const { processed, domain } = await ports.process(run, row, prompt, answer.text, answer.finishReason);
    const dialogue = generatedDialogue({ run, row, prompt, sampling, completion, answer, processed, domain, latencyMs, workerId: ports.workerId });
    stage = 'store';
    const attempt: AttemptRecord = { attempt: row.attempts, outcome: 'OK', retryable: false, httpStatus: 200, message: null, latencyMs, worker: ports.workerId };
    await ports.storeDialogue(row, dialogue, attempt);
    return await apply(ports, job, row, run, { kind: 'stored' }, latencyMs);
  } catch (error) {
    if (ports.crashed()) return 'dropped';
    // A failure of our own (PostgreSQL gone, a bug): an attempt like any other, recorded with its cause.
    const c = workerError(error, stage);
    ports.log.error({ err: error, jobId: job.data.jobId, stage }, 'generation job failed on our side');
    return apply(ports, job, row, run, { kind: 'failed', error: c }, null);
  }
}

/** An INTERACTIVE job: one simulated conversation, through the same exits and transitions as a generation job. */
async function processConversation(ports: ProcessorPorts, job: QueueJob, row: JobRow, run: RunRow): Promise<Outcome> {
  if (!ports.converse) throw new Error(`run ${run.id} is INTERACTIVE but this worker cannot hold conversations`);
  let produced: { dialogue: DialogueToStore; latencyMs: number };
  try {
    produced = await ports.converse(run, row);
  } catch (error) {
    if (ports.crashed()) return 'dropped';
    if (error instanceof PromptInputError) return apply(ports, job, row, run, { kind: 'skipped', code: error.code, message: error.message }, null);
    if (error instanceof ConversationHeld) return apply(ports, job, row, run, { kind: 'held' }, null);
    if (error instanceof ConversationFailure) {
      return apply(ports, job, row, run, error.error.unreachable ? { kind: 'unreachable', error: error.error } : { kind: 'failed', error: error.error }, error.latencyMs);
    }
    throw error;
  }
  if (ports.crashed()) return 'dropped';
  const attempt: AttemptRecord = { attempt: row.attempts, outcome: 'OK', retryable: false, httpStatus: 200, message: null, latencyMs: produced.latencyMs, worker: ports.workerId };
  try {
    await ports.storeDialogue(row, produced.dialogue, attempt);
  } catch (error) {
    if (ports.crashed()) return 'dropped';
    ports.log.error({ err: error, jobId: job.data.jobId, stage: 'store' }, 'simulated conversation could not be stored');
    return apply(ports, job, row, run, { kind: 'failed', error: workerError(error, 'store') }, null);
  }
  return apply(ports, job, row, run, { kind: 'stored' }, produced.latencyMs);
}

export type ApplyPorts = Pick<ProcessorPorts, 'workerId' | 'log' | 'crashed' | 'recordAttempt' | 'finish' | 'queue' | 'settle' | 'notify'>;

/**
 * Applies an exit's transition: attempt, row, queue, run. When PostgreSQL is unreachable some
 * steps fail; the job then stays active in pg-boss until it expires, and the supervisor finishes
 * what was left undone, so a failed step is logged, never thrown.
 */
export async function apply(ports: ApplyPorts, job: QueueJob, row: JobRow | null, run: RunRow | null, exit: JobExit, latencyMs: number | null): Promise<Outcome> {
  const t = transition(exit, job);
  const error: ClassifiedError | null = exit.kind === 'failed' || exit.kind === 'unreachable' ? exit.error : null;
  const attemptNo = row?.attempts ?? job.retryCount + 1;
  const record = error ? errorRecord(error, attemptNo) : exit.kind === 'skipped' ? { code: exit.code, message: exit.message } : null;
  const step = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
      return true;
    } catch (e) {
      if (!ports.crashed()) ports.log.error({ err: e, jobId: job.data.jobId, step: what }, 'could not record a job’s outcome; the supervisor will reconcile it');
      return false;
    }
  };
  if (ports.crashed()) return 'dropped';
  if (row && t.recordAttempt && error) {
    await step('attempt', () =>
      ports.recordAttempt(row, { attempt: attemptNo, outcome: error.outcome, retryable: error.retryable, httpStatus: error.httpStatus, message: error.message, latencyMs, worker: ports.workerId }),
    );
  }
  if (row && exit.kind !== 'stored' && t.queue !== 'release') await step('row', () => ports.finish(row, t.status as 'SKIPPED' | 'QUEUED' | 'FAILED', record ?? {}));
  switch (t.queue) {
    case 'complete':
      await step('queue', () => ports.queue.complete(job));
      break;
    case 'fail':
      await step('queue', () => ports.queue.fail(job, record ?? {}));
      break;
    case 'dead-letter':
      await step('queue', () => ports.queue.deadLetter(job, record ?? {}));
      break;
    case 'release':
      await step('queue', () => ports.queue.release(job, record));
      break;
  }
  if (run) await step('run', () => (t.terminal ? ports.settle(run.id) : ports.notify(run.id)));
  if (t.status === 'FAILED' && record) ports.log.warn({ runId: run?.id, jobId: job.data.jobId, error: record }, 'generation job failed');
  switch (exit.kind) {
    case 'stored':
      return 'stored';
    case 'skipped':
      return 'skipped';
    case 'held':
    case 'unreachable':
      return 'released';
    case 'failed':
      return t.status === 'FAILED' ? 'failed' : 'retry';
  }
}

/** What a model call in a slot came to: an answer, or why there is none. */
export type SlotCall =
  | { kind: 'completion'; completion: OpenAI.Chat.Completions.ChatCompletion; latencyMs: number }
  | { kind: 'held' }
  | { kind: 'dropped' }
  | { kind: 'error'; error: ClassifiedError; latencyMs: number };

/**
 * One model request under the endpoint's in-flight cap, shared by generation, judge and compare
 * jobs: a job whose endpoint went down while it waited for its slot is held (sent back without
 * spending an attempt); an unreachable endpoint is reported before the slot is freed, so the
 * next waiting job sees the outage and is not sent; an answer without choices is an error.
 */
export async function callInSlot(
  ports: Pick<ProcessorPorts, 'slot' | 'endpointDown' | 'reportUnreachable' | 'crashed'>,
  call: () => Promise<OpenAI.Chat.Completions.ChatCompletion>,
): Promise<SlotCall> {
  let started = performance.now();
  const HELD = Symbol('held');
  try {
    const completion = await ports.slot(async () => {
      if (ports.endpointDown()) return HELD;
      started = performance.now();
      try {
        return await call();
      } catch (error) {
        if (classifyModelError(error).unreachable) ports.reportUnreachable();
        throw error;
      }
    });
    if (completion === HELD) return { kind: 'held' };
    if (!Array.isArray(completion.choices)) throw new Error('the response has no choices');
    return { kind: 'completion', completion, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    if (ports.crashed()) return { kind: 'dropped' };
    return { kind: 'error', error: classifyModelError(error), latencyMs: Math.round(performance.now() - started) };
  }
}

/** The transition of a call that brought no answer (held, dropped by a crash, or failed). */
export async function unanswered(ports: ApplyPorts, job: QueueJob, row: JobRow, run: RunRow, call: Exclude<SlotCall, { kind: 'completion' }>): Promise<Outcome> {
  if (call.kind === 'dropped') return 'dropped';
  if (call.kind === 'held') return await apply(ports, job, row, run, { kind: 'held' }, null);
  return await apply(ports, job, row, run, call.error.unreachable ? { kind: 'unreachable', error: call.error } : { kind: 'failed', error: call.error }, call.latencyMs);
}
