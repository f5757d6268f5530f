import { createHash } from 'node:crypto';
import type OpenAI from 'openai';
import type { DataSource } from 'typeorm';
import { keyedSeed } from '../../src/random/python-random';
import { storable } from '../../src/text/unstorable';
import { apply, callInSlot, Outcome, ProcessorPorts, QueueJob, unanswered } from '../worker/job-processor';
import type { AttemptRecord, JobRow, RunRow } from '../worker/store';
import { recordAttempt } from '../worker/store';
import { comparisonMessages, JudgeAnswerError, JudgedTurn, judgementMessages, JudgeMessages, parseComparison, parseJudgement, RubricCriterion, RubricDefinition } from './rubrics';

/** Sampling of judge requests: deterministic by default (temperature 0), a keyed seed per job. */
export interface JudgeSampling {
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
}

export const DEFAULT_JUDGE_SAMPLING: JudgeSampling = { temperature: 0, topP: 1, maxTokens: 4096, seed: 42 };

/** generation_runs.config of a JUDGE run. */
export interface JudgeRunConfig {
  recdialVersion: string;
  kind: 'JUDGE';
  rubric: { key: string; version: number; sha256: string; definition: RubricDefinition };
  selection: Record<string, unknown>;
  sampling: JudgeSampling;
}

/** One pair of a COMPARE run: a dialogue of entry `ea` and one of entry `eb`; `aFirst`: shown as "Dialogue 1". */
export interface ComparisonPair {
  a: number;
  b: number;
  ea: number;
  eb: number;
  aFirst: boolean;
}

/** generation_runs.config of a COMPARE run. */
export interface CompareRunConfig {
  recdialVersion: string;
  kind: 'COMPARE';
  criteria: RubricCriterion[];
  /** The compared selections (DialogueFilter inputs as given) and their labels. */
  entries: Array<{ label: string; filter: Record<string, unknown>; candidates: number }>;
  seed: number;
  pairs: ComparisonPair[];
  sampling: JudgeSampling;
}

export interface JudgementToStore {
  dialogueId: number;
  rubric: JudgeRunConfig['rubric'];
  model: string;
  promptSha256: string;
  scores: Record<string, number>;
  utteranceScores: Array<{ turn: number; scores: Record<string, number> }> | null;
  rationale: string | null;
  provenance: Record<string, unknown>;
}

export interface VerdictToStore {
  pair: number;
  p: ComparisonPair;
  verdicts: Record<string, 'A' | 'B' | 'TIE'>;
  rationale: string | null;
  model: string;
  promptSha256: string;
  provenance: Record<string, unknown>;
}

/** What the judge processor needs beyond the generation processor's ports. */
export interface JudgePorts extends ProcessorPorts {
  loadTurns(dialogueIds: number[]): Promise<Map<number, JudgedTurn[]>>;
  callJudge(run: RunRow, prompt: JudgeMessages, sampling: { temperature: number; top_p: number; max_tokens: number; seed: number }): Promise<OpenAI.Chat.Completions.ChatCompletion>;
  storeJudgement(row: JobRow, j: JudgementToStore, attempt: AttemptRecord): Promise<void>;
  storeVerdict(row: JobRow, v: VerdictToStore, attempt: AttemptRecord): Promise<void>;
}

/**
 * One JUDGE or COMPARE job: the same claim, slot, outage handling and transitions (job-state.ts) as a
 * generation job; only the prompt, the parsing (a JSON answer checked against the rubric) and what
 * is stored differ. An answer that does not follow the schema is a retryable BAD_JUDGEMENT: the
 * queue retries it with backoff, and the last attempt's problem is the job's recorded failure.
 */
export async function processJudgeJob(ports: JudgePorts, job: QueueJob): Promise<Outcome> {
  if (ports.endpointDown()) return apply(ports, job, null, null, { kind: 'held' }, null);
  let row: JobRow | null = null;
  let run: RunRow | null = null;
  try {
    row = await ports.claim(job);
    if (!row) {
      await ports.queue.complete(job);
      return 'dropped';
    }
    run = await ports.loadRun(row.runId);
    await ports.runStarted(run.id);
    const config = run.config as unknown as JudgeRunConfig | CompareRunConfig;

    let prompt: JudgeMessages;
    let turnCount = 0;
    let pair: ComparisonPair | null = null;
    if (config.kind === 'COMPARE') {
      pair = config.pairs[row.instance ?? -1] ?? null;
      if (!pair) return await apply(ports, job, row, run, { kind: 'skipped', code: 'NO_PAIR', message: `pair ${row.instance} is not in the run's config` }, null);
      const turns = await ports.loadTurns([pair.a, pair.b]);
      const a = turns.get(pair.a) ?? [];
      const b = turns.get(pair.b) ?? [];
      if (a.length === 0 || b.length === 0) return await apply(ports, job, row, run, { kind: 'skipped', code: 'NO_DIALOGUE', message: 'a dialogue of the pair was deleted or has no turns' }, null);
      prompt = pair.aFirst ? comparisonMessages(config.criteria, a, b) : comparisonMessages(config.criteria, b, a);
    } else {
      const turns = row.subjectId == null ? [] : (await ports.loadTurns([row.subjectId])).get(row.subjectId) ?? [];
      if (turns.length === 0) return await apply(ports, job, row, run, { kind: 'skipped', code: 'NO_DIALOGUE', message: 'the dialogue was deleted or has no turns' }, null);
      turnCount = turns.length;
      prompt = judgementMessages(config.rubric.definition, turns);
    }
    const promptSha256 = createHash('sha256').update(JSON.stringify(prompt.messages), 'utf8').digest('hex');
    const seed = keyedSeed(config.sampling.seed, 'judge', row.key) % 2 ** 31;
    const sampling = { temperature: config.sampling.temperature, top_p: config.sampling.topP, max_tokens: config.sampling.maxTokens, seed };

    const answered = await callInSlot(ports, () => ports.callJudge(run!, prompt, sampling));
    if (answered.kind !== 'completion') return await unanswered(ports, job, row, run, answered);
    const { completion, latencyMs } = answered;
    if (ports.crashed()) return 'dropped';
    const raw = storable(completion.choices[0]?.message?.content ?? '');
    const provenance = {
      runId: run.id,
      jobId: row.id,
      endpoint: run.endpoint,
      responseModel: storable(completion.model ?? null),
      sampling: { temperature: sampling.temperature, topP: sampling.top_p, maxTokens: sampling.max_tokens },
      seed,
      messages: prompt.messages,
      rawResponse: raw,
      finishReason: storable(completion.choices[0]?.finish_reason ?? null),
      usage: storable(completion.usage ?? null),
      latencyMs,
      attempts: row.attempts,
      worker: ports.workerId,
    };
    const attempt: AttemptRecord = { attempt: row.attempts, outcome: 'OK', retryable: false, httpStatus: 200, message: null, latencyMs, worker: ports.workerId };
    try {
      if (pair) {
        const parsed = parseComparison((config as CompareRunConfig).criteria, raw);
        // Back from shown order to entries: "1" is whichever dialogue was shown first.
        const verdicts = Object.fromEntries(
          Object.entries(parsed.winners).map(([k, w]) => [k, w === 'tie' ? 'TIE' : (w === '1') === pair!.aFirst ? 'A' : 'B']),
        ) as Record<string, 'A' | 'B' | 'TIE'>;
        await ports.storeVerdict(row, { pair: row.instance!, p: pair, verdicts, rationale: parsed.rationale, model: run.model, promptSha256, provenance }, attempt);
      } else {
        const c = config as JudgeRunConfig;
        const parsed = parseJudgement(c.rubric.definition, raw, turnCount);
        await ports.storeJudgement(row, { dialogueId: row.subjectId!, rubric: c.rubric, model: run.model, promptSha256, ...parsed, provenance }, attempt);
      }
    } catch (error) {
      if (!(error instanceof JudgeAnswerError)) throw error;
      if (ports.crashed()) return 'dropped';
      return await apply(ports, job, row, run, { kind: 'failed', error: { outcome: 'BAD_JUDGEMENT', retryable: true, httpStatus: 200, message: error.message } }, latencyMs);
    }
    return await apply(ports, job, row, run, { kind: 'stored' }, latencyMs);
  } catch (error) {
    if (ports.crashed()) return 'dropped';
    const e = error as { message?: unknown; code?: unknown };
    ports.log.error({ err: error, jobId: job.data.jobId }, 'judge job failed on our side');
    return apply(ports, job, row, run, { kind: 'failed', error: { outcome: 'WORKER_ERROR', retryable: true, httpStatus: null, message: `${typeof e?.message === 'string' ? e.message : String(error)}${typeof e?.code === 'string' ? ` (${e.code})` : ''}` } }, null);
  }
}

/** Turns of several dialogues in one statement. */
export async function loadJudgedTurns(dataSource: DataSource, ids: number[]): Promise<Map<number, JudgedTurn[]>> {
  const rows: Array<{ dialogueId: number; index: number; role: 'USER' | 'ASSISTANT'; text: string }> = await dataSource.query(
    'SELECT dialogue_id AS "dialogueId", idx AS index, role, text FROM turns WHERE dialogue_id = ANY($1) ORDER BY dialogue_id, idx',
    [ids],
  );
  const out = new Map<number, JudgedTurn[]>();
  for (const r of rows) {
    const list = out.get(r.dialogueId) ?? [];
    // Re-numbered from 0 so that the judge's `turn` indices are positions even if idx has gaps.
    list.push({ index: list.length, role: r.role, text: r.text });
    out.set(r.dialogueId, list);
  }
  return out;
}

/** Stores once per job (the unique job_id backs the row lock up), marks the job DONE and records the attempt, in one transaction. */
export async function storeJudgement(dataSource: DataSource, row: JobRow, j: JudgementToStore, attempt: AttemptRecord): Promise<void> {
  await dataSource.transaction(async (m) => {
    const [locked] = await m.query('SELECT status FROM generation_jobs WHERE id = $1 FOR UPDATE', [row.id]);
    if (!locked || locked.status === 'DONE') return;
    await m.query(
      `INSERT INTO judgements (dialogue_id, run_id, job_id, rubric_key, rubric_version, rubric_sha256, model, prompt_sha256, scores, utterance_scores, rationale, provenance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (job_id) DO NOTHING`,
      [j.dialogueId, row.runId, row.id, j.rubric.key, j.rubric.version, j.rubric.sha256, j.model, j.promptSha256, JSON.stringify(j.scores), j.utteranceScores ? JSON.stringify(j.utteranceScores) : null, storable(j.rationale), JSON.stringify(j.provenance)],
    );
    await m.query(`UPDATE generation_jobs SET status = 'DONE', last_error = NULL, updated_at = now() WHERE id = $1`, [row.id]);
    await recordAttempt(m, row, attempt);
  });
}

export async function storeVerdict(dataSource: DataSource, row: JobRow, v: VerdictToStore, attempt: AttemptRecord): Promise<void> {
  await dataSource.transaction(async (m) => {
    const [locked] = await m.query('SELECT status FROM generation_jobs WHERE id = $1 FOR UPDATE', [row.id]);
    if (!locked || locked.status === 'DONE') return;
    await m.query(
      `INSERT INTO comparison_verdicts (run_id, job_id, pair, a_dialogue_id, b_dialogue_id, a_entry, b_entry, a_shown_first, verdicts, rationale, model, prompt_sha256, provenance)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (job_id) DO NOTHING`,
      [row.runId, row.id, v.pair, v.p.a, v.p.b, v.p.ea, v.p.eb, v.p.aFirst, JSON.stringify(v.verdicts), storable(v.rationale), v.model, v.promptSha256, JSON.stringify(v.provenance)],
    );
    await m.query(`UPDATE generation_jobs SET status = 'DONE', last_error = NULL, updated_at = now() WHERE id = $1`, [row.id]);
    await recordAttempt(m, row, attempt);
  });
}
