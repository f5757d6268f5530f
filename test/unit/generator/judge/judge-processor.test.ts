import OpenAI from 'openai';
import { ComparisonPair, DEFAULT_JUDGE_SAMPLING, JudgementToStore, JudgePorts, processJudgeJob, VerdictToStore } from '../../../../generator/judge/processor';
import { BUILT_IN_RUBRICS, rubricSha256 } from '../../../../generator/judge/rubrics';
import type { QueueJob } from '../../../../generator/worker/job-processor';
import type { AttemptRecord, JobRow, RunRow } from '../../../../generator/worker/store';

// The judge processor against fake ports: the same transitions as a generation job (job-state.ts).

const rubric = { key: 'LLM_REDIAL', version: 0, sha256: rubricSha256(BUILT_IN_RUBRICS.LLM_REDIAL), definition: BUILT_IN_RUBRICS.LLM_REDIAL };
const JUDGE_RUN: RunRow = {
  id: 3, kind: 'JUDGE', role: 'JUDGE', strategy: 'JUDGE', model: 'judge-model', endpoint: 'http://judge/v1', servedModels: ['judge-model'], status: 'RUNNING',
  config: { recdialVersion: '0', kind: 'JUDGE', rubric, selection: {}, sampling: DEFAULT_JUDGE_SAMPLING } as any,
};
const PAIR: ComparisonPair = { a: 100, b: 200, ea: 0, eb: 1, aFirst: false };
const COMPARE_RUN: RunRow = {
  ...JUDGE_RUN,
  kind: 'COMPARE',
  config: { recdialVersion: '0', kind: 'COMPARE', criteria: BUILT_IN_RUBRICS.DISTILLRECDIAL.criteria, entries: [], seed: 1, pairs: [PAIR], sampling: DEFAULT_JUDGE_SAMPLING } as any,
};
const TURNS = new Map([
  [10, [{ index: 0, role: 'USER' as const, text: 'hi' }, { index: 1, role: 'ASSISTANT' as const, text: 'try Heat' }]],
  [100, [{ index: 0, role: 'USER' as const, text: 'a' }]],
  [200, [{ index: 0, role: 'USER' as const, text: 'b' }]],
]);

const completion = (content: string): OpenAI.Chat.Completions.ChatCompletion => ({
  id: 'c', object: 'chat.completion', created: 0, model: 'judge-model', choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }],
});
const scores = (v: number) => ({ fluency: v, informativeness: v, logicality: v, coherence: v });
const GOOD = JSON.stringify({ utterances: [{ turn: 0, scores: scores(2) }, { turn: 1, scores: scores(1) }], rationale: 'ok' });

function world(run: RunRow, answers: string[], row: Partial<JobRow> = {}) {
  const w = { judgements: [] as JudgementToStore[], verdicts: [] as VerdictToStore[], attempts: [] as AttemptRecord[], rows: [] as string[], queue: [] as string[], requests: [] as any[] };
  const base: JobRow = { id: 5, runId: run.id, key: 'dialogue:10', userId: null, stereotypeId: null, targetItemId: null, instance: null, supersedesId: null, status: 'RUNNING', attempts: 1, dialogueId: null, subjectId: 10, ...row };
  const ports: JudgePorts = {
    workerId: 'w', role: 'JUDGE', log: { warn: () => {}, error: () => {} }, crashed: () => false,
    claim: async (job) => ({ ...base, attempts: job.retryCount + 1 }),
    loadRun: async () => run, runStarted: async () => {},
    buildPrompt: async () => { throw new Error('not for judge jobs'); },
    slot: (fn) => fn(), endpointDown: () => false, reportUnreachable: () => {},
    callModel: async () => { throw new Error('not for judge jobs'); },
    process: async () => { throw new Error('not for judge jobs'); },
    storeDialogue: async () => { throw new Error('not for judge jobs'); },
    recordAttempt: async (_r, a) => void w.attempts.push(a),
    finish: async (_r, status) => void w.rows.push(status),
    queue: {
      complete: async () => void w.queue.push('complete'),
      fail: async () => void w.queue.push('fail'),
      deadLetter: async () => void w.queue.push('dead-letter'),
      release: async () => void w.queue.push('release'),
    },
    settle: async () => {}, notify: async () => {},
    loadTurns: async (ids) => new Map(ids.filter((id) => TURNS.has(id)).map((id) => [id, TURNS.get(id)!])),
    callJudge: async (_run, prompt, sampling) => {
      w.requests.push({ prompt, sampling });
      return completion(answers.shift() ?? GOOD);
    },
    storeJudgement: async (_r, j, a) => { w.judgements.push(j); w.attempts.push(a); },
    storeVerdict: async (_r, v, a) => { w.verdicts.push(v); w.attempts.push(a); },
  };
  return { w, ports };
}

const job = (retryCount = 0, retryLimit = 2): QueueJob => ({ id: 'q', data: { jobId: 5, runId: 3 }, retryCount, retryLimit });

test('a valid answer is stored with mean scores, rubric version and prompt hash; the queue job completes', async () => {
  const { w, ports } = world(JUDGE_RUN, [GOOD]);
  expect(await processJudgeJob(ports, job())).toBe('stored');
  expect(w.judgements[0]).toMatchObject({ dialogueId: 10, model: 'judge-model', rubric: { key: 'LLM_REDIAL', version: 0 }, scores: { fluency: 1.5 }, rationale: 'ok' });
  expect(w.judgements[0].promptSha256).toMatch(/^[0-9a-f]{64}$/);
  expect(w.attempts).toEqual([expect.objectContaining({ outcome: 'OK', attempt: 1 })]);
  expect(w.queue).toEqual(['complete']);
  expect(w.requests[0].sampling.temperature).toBe(0);
});

test('malformed JSON is a retryable BAD_JUDGEMENT while attempts are left, then the job FAILS with it', async () => {
  const first = world(JUDGE_RUN, ['{"utterances": [']);
  expect(await processJudgeJob(first.ports, job(0, 2))).toBe('retry');
  expect(first.w.attempts[0]).toMatchObject({ outcome: 'BAD_JUDGEMENT', retryable: true });
  expect(first.w.rows).toEqual(['QUEUED']);
  expect(first.w.queue).toEqual(['fail']);
  const last = world(JUDGE_RUN, ['not json at all']);
  expect(await processJudgeJob(last.ports, job(2, 2))).toBe('failed');
  expect(last.w.rows).toEqual(['FAILED']);
  expect(last.w.judgements).toEqual([]);
});

test('a deleted dialogue is skipped, not retried', async () => {
  const { w, ports } = world(JUDGE_RUN, [], { subjectId: null });
  expect(await processJudgeJob(ports, job())).toBe('skipped');
  expect(w.rows).toEqual(['SKIPPED']);
  expect(w.queue).toEqual(['complete']);
});

test('a comparison shown B-first maps "1" back to entry B', async () => {
  const winners = { naturalness: '1', relevance: '2', consistency: 'tie' };
  const { w, ports } = world(COMPARE_RUN, [JSON.stringify({ winners, rationale: 'r' })], { key: 'pair:0', instance: 0, subjectId: null });
  expect(await processJudgeJob(ports, job())).toBe('stored');
  expect(w.verdicts[0].verdicts).toEqual({ naturalness: 'B', relevance: 'A', consistency: 'TIE' });
  // B's dialogue (200) was shown as "Dialogue 1".
  expect(w.requests[0].prompt.messages[1].content).toMatch(/^Dialogue 1:\n\[0\] Seeker: b\n\nDialogue 2:\n\[0\] Seeker: a$/);
});
