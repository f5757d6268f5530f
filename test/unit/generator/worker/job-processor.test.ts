import OpenAI from 'openai';
import { classifyModelError } from '../../../../generator/models/clients';
import { PromptInputError, type BuiltPrompt } from '../../../../generator/prompts/load';
import { DEFAULT_SAMPLING, DEFAULT_VALIDATION } from '../../../../generator/run-config';
import type { ProcessedDialogue } from '../../../../generator/types';
import { processJob, ProcessorPorts, QueueJob } from '../../../../generator/worker/job-processor';
import { transition } from '../../../../generator/worker/job-state';
import type { AttemptRecord, DialogueToStore, JobRow, RunRow } from '../../../../generator/worker/store';
import { firstUnstorable, sanitizeForPostgres, storable } from '../../../../src/text/unstorable';

// The job processor against fake ports: every exit path ends in one recorded transition.

const RUN: RunRow = {
  id: 7, kind: 'GENERATE', role: 'TEACHER', strategy: 'STEREOTYPE', model: 'teacher-model', endpoint: 'http://model/v1', servedModels: ['teacher-model'], status: 'RUNNING',
  config: { recdialVersion: '0', strategy: 'STEREOTYPE', requestMode: 'chat', selection: {}, sampling: DEFAULT_SAMPLING, validation: DEFAULT_VALIDATION, promptOptions: { legacyFeatureKeys: false, includeTargetReview: true }, prompts: {} },
};
const PROMPT: BuiltPrompt = {
  strategy: 'STEREOTYPE', stereotypeId: 1, stereotypeKey: 'Fully Expressive Seeker', messages: [{ role: 'user', content: 'hi' }], rendered: 'hi', sha256: 'x',
  promptVersion: 0, targetItemId: 3, targetAsin: 'B0TARGET', targetHidden: false, promptAsins: ['B0TARGET'],
};
const ACCEPTED: ProcessedDialogue = {
  status: 'ACCEPTED', turns: [{ role: 'USER', text: 'hi', rawText: 'hi' } as any], mentions: [], unresolvedItemIds: [], issues: [], namedAsins: [], contentHash: 'h',
};

function completion(content: string): OpenAI.Chat.Completions.ChatCompletion {
  return { id: 'c', object: 'chat.completion', created: 0, model: 'teacher-model@main', choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop', logprobs: null }] };
}

const refused = () =>
  new OpenAI.APIConnectionError({
    cause: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 8000 }) }),
  });

interface World {
  ports: ProcessorPorts;
  events: string[];
  attempts: AttemptRecord[];
  rows: Array<{ status: string; error: Record<string, unknown> }>;
  stored: DialogueToStore[];
  queue: Array<{ action: string; error?: Record<string, unknown> | null }>;
  down: boolean;
}

function world(overrides: Partial<ProcessorPorts> = {}): World {
  const w: World = { events: [], attempts: [], rows: [], stored: [], queue: [], down: false } as any;
  const row: JobRow = { id: 11, runId: RUN.id, key: 'u1', userId: 1, stereotypeId: 1, targetItemId: 3, instance: null, supersedesId: null, status: 'RUNNING', attempts: 1, dialogueId: null, subjectId: null };
  w.ports = {
    workerId: 'test-worker',
    role: 'TEACHER',
    log: { warn: () => {}, error: () => {} },
    crashed: () => false,
    claim: async (job) => ({ ...row, attempts: job.retryCount + 1 }),
    loadRun: async () => RUN,
    runStarted: async () => {},
    buildPrompt: async () => PROMPT,
    slot: (fn) => fn(),
    endpointDown: () => w.down,
    reportUnreachable: () => {
      w.down = true;
      w.events.push('outage');
    },
    callModel: async () => completion('[USR]: hi'),
    process: async () => ({ processed: ACCEPTED, domain: 'Movies_and_TV' }),
    storeDialogue: async (_r, d, a) => {
      w.stored.push(d);
      w.attempts.push(a);
    },
    recordAttempt: async (_r, a) => {
      w.attempts.push(a);
    },
    finish: async (_r, status, error) => {
      w.rows.push({ status, error });
    },
    queue: {
      complete: async () => void w.queue.push({ action: 'complete' }),
      fail: async (_j, error) => void w.queue.push({ action: 'fail', error }),
      deadLetter: async (_j, error) => void w.queue.push({ action: 'dead-letter', error }),
      release: async (_j, error) => void w.queue.push({ action: 'release', error }),
    },
    settle: async () => void w.events.push('settle'),
    notify: async () => void w.events.push('notify'),
    ...overrides,
  };
  return w;
}

const job = (retryCount = 0, retryLimit = 4): QueueJob => ({ id: 'q1', data: { jobId: 11, runId: RUN.id }, retryCount, retryLimit });

test('a good answer is stored with the requested model name, acknowledged, and the run may settle', async () => {
  const w = world();
  expect(await processJob(w.ports, job())).toBe('stored');
  expect(w.stored[0]).toMatchObject({ model: 'teacher-model', processed: { status: 'ACCEPTED' }, provenance: { model: 'teacher-model', responseModel: 'teacher-model@main' } });
  expect(w.stored[0].provenance).not.toHaveProperty('rawResponseEscaped');
  expect(w.attempts).toEqual([expect.objectContaining({ attempt: 1, outcome: 'OK' })]);
  expect(w.queue).toEqual([{ action: 'complete' }]);
  expect(w.events).toEqual(['settle']);
});

test('an answer with U+0000 and a lone surrogate is stored with them replaced, REJECTED as GARBLED_TEXT, the original kept escaped', async () => {
  const raw = '[USR]: Hi\u0000 there \udc00!';
  const w = world({ callModel: async () => completion(raw) });
  let seen = '';
  w.ports.process = async (_run, _row, _p, content) => ((seen = content), { processed: ACCEPTED, domain: 'Movies_and_TV' });
  expect(await processJob(w.ports, job())).toBe('stored');
  expect(seen).toBe('[USR]: Hi\ufffd there \ufffd!');
  const d = w.stored[0];
  expect(d.processed.status).toBe('REJECTED');
  expect(d.processed.issues).toEqual([expect.objectContaining({ code: 'GARBLED_TEXT', severity: 'error', detail: expect.stringContaining('1 × U+0000, 1 × U+DC00') })]);
  expect(d.provenance.rawResponse).toBe(seen);
  expect(JSON.parse(d.provenance.rawResponseEscaped as string)).toBe(raw);
  // What goes to jsonb holds no NUL and no escape of one (an escaped backslash followed by "u0000" is text).
  const json = JSON.stringify(d.provenance);
  expect(firstUnstorable(json)).toBeNull();
  expect(json).not.toMatch(/(?<!\\)\\u0000/);
  expect(w.queue).toEqual([{ action: 'complete' }]);
});

test('a retryable model error with attempts left: attempt recorded with the cause, row QUEUED, pg-boss retries it, the run does not settle', async () => {
  const w = world({ callModel: async () => { throw new OpenAI.InternalServerError(500, undefined, 'boom', new Headers()); } });
  expect(await processJob(w.ports, job(1, 4))).toBe('retry');
  expect(w.attempts).toEqual([expect.objectContaining({ attempt: 2, outcome: 'SERVER_ERROR', retryable: true, httpStatus: 500 })]);
  expect(w.rows).toEqual([{ status: 'QUEUED', error: expect.objectContaining({ code: 'SERVER_ERROR', attempt: 2 }) }]);
  expect(w.queue.map((q) => q.action)).toEqual(['fail']);
  expect(w.events).toEqual(['notify']);
});

test('the last attempt failing ends the job FAILED with last_error, and the run may settle', async () => {
  const w = world({ callModel: async () => { throw new OpenAI.RateLimitError(429, undefined, 'slow down', new Headers()); } });
  expect(await processJob(w.ports, job(4, 4))).toBe('failed');
  expect(w.rows).toEqual([{ status: 'FAILED', error: expect.objectContaining({ code: 'RATE_LIMITED', httpStatus: 429, attempt: 5 }) }]);
  expect(w.queue.map((q) => q.action)).toEqual(['fail']);
  expect(w.events).toEqual(['settle']);
});

test('a store error (PostgreSQL refused the row) is an attempt like any other: recorded as STORE_ERROR and retried', async () => {
  const w = world({ storeDialogue: async () => { throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' }); } });
  expect(await processJob(w.ports, job())).toBe('retry');
  expect(w.attempts).toEqual([expect.objectContaining({ outcome: 'STORE_ERROR', retryable: true, message: expect.stringContaining('22021') })]);
  expect(w.rows[0].status).toBe('QUEUED');
  expect(w.queue.map((q) => q.action)).toEqual(['fail']);
});

test('a worker error on the last attempt ends the job FAILED (never left RUNNING)', async () => {
  const w = world({ loadRun: async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5432'); } });
  expect(await processJob(w.ports, job(4, 4))).toBe('failed');
  expect(w.rows).toEqual([{ status: 'FAILED', error: expect.objectContaining({ code: 'WORKER_ERROR', message: expect.stringContaining('ECONNREFUSED') }) }]);
  expect(w.queue.map((q) => q.action)).toEqual(['fail']);
});

test('when recording fails too (PostgreSQL down), every step is still tried and nothing throws: expiry and the supervisor finish the job', async () => {
  const down = async () => { throw new Error('Connection terminated unexpectedly'); };
  const w = world({ storeDialogue: down, recordAttempt: down, finish: down });
  w.ports.queue.fail = down;
  const errors: string[] = [];
  w.ports.log = { warn: () => {}, error: (_o, msg) => void errors.push(msg) };
  await expect(processJob(w.ports, job())).resolves.toBe('retry');
  expect(errors.filter((e) => /supervisor/.test(e))).toHaveLength(3); // attempt, row, queue
});

test('a request the server refuses as invalid goes straight to the dead-letter queue', async () => {
  const w = world({ callModel: async () => { throw new OpenAI.BadRequestError(400, undefined, 'prompt too long', new Headers()); } });
  expect(await processJob(w.ports, job())).toBe('failed');
  expect(w.rows[0].status).toBe('FAILED');
  expect(w.queue.map((q) => q.action)).toEqual(['dead-letter']);
  expect(w.events).toEqual(['settle']);
});

test('a refused connection closes the gate and gives the job back without spending its budget; ECONNREFUSED and the address are recorded', async () => {
  const w = world({ callModel: async () => { throw refused(); } });
  expect(await processJob(w.ports, job(4, 4))).toBe('released'); // even on the last attempt
  expect(w.events).toContain('outage');
  expect(w.attempts).toEqual([expect.objectContaining({ outcome: 'CONNECTION', retryable: true, message: expect.stringContaining('ECONNREFUSED 127.0.0.1:8000') })]);
  expect(w.queue).toEqual([{ action: 'release', error: expect.objectContaining({ code: 'CONNECTION', networkCode: 'ECONNREFUSED' }) }]);
  expect(w.rows).toEqual([]); // release moves the row itself, with the queue job
});

test('a job taken while the endpoint is known to be down is given back unsent and unrecorded', async () => {
  const w = world();
  w.down = true;
  let called = false;
  w.ports.callModel = async () => ((called = true), completion(''));
  expect(await processJob(w.ports, job())).toBe('released');
  expect(called).toBe(false);
  expect(w.attempts).toEqual([]);
  expect(w.queue).toEqual([{ action: 'release', error: null }]);
});

test('nothing to generate from: SKIPPED with the reason, acknowledged', async () => {
  const w = world({ buildPrompt: async () => { throw new PromptInputError('NO_TEMPLATE', 'no template fits'); } });
  expect(await processJob(w.ports, job())).toBe('skipped');
  expect(w.rows).toEqual([{ status: 'SKIPPED', error: { code: 'NO_TEMPLATE', message: 'no template fits' } }]);
  expect(w.queue.map((q) => q.action)).toEqual(['complete']);
  expect(w.events).toEqual(['settle']);
});

test('a job that is no longer this queue job’s (cancelled, stored, requeued) is acknowledged and dropped', async () => {
  const w = world({ claim: async () => null });
  expect(await processJob(w.ports, job())).toBe('dropped');
  expect(w.queue).toEqual([{ action: 'complete' }]);
  expect(w.attempts).toEqual([]);
});

describe('the transition table', () => {
  const err = (retryable: boolean) => ({ outcome: 'X', retryable, httpStatus: null, message: 'x' });
  test.each([
    [{ kind: 'stored' } as const, 0, { status: 'DONE', queue: 'complete', terminal: true }],
    [{ kind: 'failed', error: err(true) } as const, 0, { status: 'QUEUED', queue: 'fail', terminal: false }],
    [{ kind: 'failed', error: err(true) } as const, 4, { status: 'FAILED', queue: 'fail', terminal: true }],
    [{ kind: 'failed', error: err(false) } as const, 0, { status: 'FAILED', queue: 'dead-letter', terminal: true }],
    [{ kind: 'unreachable', error: err(true) } as const, 4, { status: 'QUEUED', queue: 'release', terminal: false }],
  ])('%j after %i retries', (exit, retryCount, expected) => {
    expect(transition(exit, { retryCount, retryLimit: 4 })).toMatchObject(expected);
  });
});

describe('model errors keep their cause', () => {
  test('a refused connection names ECONNREFUSED and the address, and counts as unreachable', () => {
    expect(classifyModelError(refused())).toMatchObject({ outcome: 'CONNECTION', networkCode: 'ECONNREFUSED', unreachable: true, message: expect.stringContaining('connect ECONNREFUSED 127.0.0.1:8000') });
  });
  test('a connection reset mid-answer is retried as usual, not taken for an outage', () => {
    const reset = new OpenAI.APIConnectionError({ cause: new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }) });
    expect(classifyModelError(reset)).toMatchObject({ outcome: 'CONNECTION', unreachable: false });
  });
});

describe('characters PostgreSQL cannot store', () => {
  test('U+0000 and lone surrogates are found and replaced one for one; pairs are kept', () => {
    expect(firstUnstorable('ok 😀')).toBeNull();
    expect(firstUnstorable('a\u0000b')).toEqual({ offset: 1, char: 'U+0000' });
    expect(firstUnstorable('ab\ud83d')).toEqual({ offset: 2, char: 'U+D83D' });
    const s = sanitizeForPostgres('x\u0000😀\ud83dy\udc00');
    expect(s).toEqual({ text: 'x\ufffd😀\ufffdy\ufffd', replaced: { 'U+0000': 1, 'U+D83D': 1, 'U+DC00': 1 } });
    expect(s.text.length).toBe('x\u0000😀\ud83dy\udc00'.length);
  });
  test('error records are cleaned deeply (a server’s error body may hold a NUL), other values kept', () => {
    const error = { code: 'SERVER_ERROR', message: 'HTTP 500: {"detail":"bad\u0000"}', httpStatus: 500, nested: [{ at: 'x\ud800' }], ok: null };
    expect(storable(error)).toEqual({ code: 'SERVER_ERROR', message: 'HTTP 500: {"detail":"bad\ufffd"}', httpStatus: 500, nested: [{ at: 'x\ufffd' }], ok: null });
  });
});
