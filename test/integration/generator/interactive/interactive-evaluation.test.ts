import pino from 'pino';
import { Config, loadConfig } from '../../../../src/config/config';
import { fromGlobalId, toGlobalId } from '../../../../src/pagination/global-id';
import { RunningWorker, startWorker } from '../../../../generator/worker/worker';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { seedGenerationWorld } from '../../../support/generation-world';
import { ScriptedCrs, startScriptedCrs, type CrsItem } from '../../../support/scripted-crs';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../../support/scripted-openai';

const OPS = 'ops-secret';
const USERS = 12;
const TARGET_AFTER = 3;
let db: TestDatabase;
let simulator: ScriptedOpenAI;
let chatCrs: ScriptedOpenAI;
let crs: ScriptedCrs;
let api: TestApi;
let config: Readonly<Config>;
let userIds: number[];
let items: CrsItem[];
let worker: RunningWorker | null = null;
const spare: RunningWorker[] = [];

const gid = (type: string, id: number) => toGlobalId(type, id);

beforeAll(async () => {
  db = await createTestDatabase();
  ({ userIds } = await seedGenerationWorld(db.dataSource, { users: USERS }));
  items = await db.dataSource.query(`SELECT asin, COALESCE(NULLIF(cleaned_title, ''), title) AS title, genres, keywords FROM items ORDER BY asin`);
  simulator = await startScriptedOpenAI({ models: ['seeker-model'] });
  chatCrs = await startScriptedOpenAI({ models: ['crs-model'] });
  // Popular items: three that are nobody's target, so that no conversation can succeed before TARGET_AFTER.
  const targets: Array<{ asin: string }> = await db.dataSource.query(`SELECT DISTINCT i.asin FROM user_profiles p JOIN items i ON i.id = p.target_item_id`);
  const taken = new Set(targets.map((t) => t.asin));
  crs = await startScriptedCrs({ items, popular: items.filter((i) => !taken.has(i.asin)).slice(0, 3).map((i) => i.asin), targetAfterRounds: TARGET_AFTER, k: 3 });
  config = {
    ...loadConfig({}),
    apiKeys: `ops:operator:${OPS}`,
    generation: loadConfig({
      SIMULATOR_BASE_URL: simulator.baseUrl,
      SIMULATOR_MODEL: 'seeker-model',
      SIMULATOR_TIMEOUT_MS: '5000',
      SIMULATOR_MAX_IN_FLIGHT: '4',
      RECDIAL_RETRY_DELAY_S: '1',
      RECDIAL_RETRY_DELAY_MAX_S: '2',
      RECDIAL_JOB_EXPIRE_S: '4',
      RECDIAL_SUPERVISE_INTERVAL_S: '1',
    }).generation,
  };
  api = await startTestApi(db.dataSource, config);
}, 120_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await api?.close();
  await Promise.all([simulator?.close(), chatCrs?.close(), crs?.close()]);
  await db?.drop();
});

afterEach(async () => {
  await worker?.stop();
  worker = null;
  while (spare.length) await spare.pop()!.stop();
  simulator.reset();
  chatCrs.reset();
});

async function startSimulatorWorker(): Promise<RunningWorker> {
  worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
  return worker;
}

const EVALUATION = `id kind status progress error options report
  interactive { stereotype conversations metrics { key mean standardError low high n } }`;

async function evaluate(input: Record<string, unknown>) {
  const res = await api.query(`mutation($input: InteractiveEvaluationInput!) { evaluateInteractively(input: $input) { ${EVALUATION} } }`, { input }, { token: OPS });
  expect(res.errors).toBeUndefined();
  return res.data.evaluateInteractively;
}

async function waitForEvaluation(id: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.query(`query($id: ID!) { evaluation(id: $id) { ${EVALUATION} } }`, { id });
    const e = res.data.evaluation;
    if (!['QUEUED', 'RUNNING'].includes(e.status)) return e;
    if (Date.now() > until) throw new Error(`evaluation ${id} still ${e.status}: ${JSON.stringify(e)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function metric(row: { metrics: Array<{ key: string }> }, key: string): { key: string; mean: number | null; standardError: number | null; low: number | null; high: number | null; n: number } {
  const m = row.metrics.find((x) => x.key === key);
  if (!m) throw new Error(`no metric ${key} in ${JSON.stringify(row.metrics.map((x) => x.key))}`);
  return m as never;
}

async function simulatedDialogues(runId: string) {
  const res = await api.query(
    `query($runId: ID!) { dialogues(first: 100, filter: { source: SIMULATED, generationRunId: $runId }) { totalCount nodes {
       id source dataset model stereotype { key } user { id } targetItem { asin title } warnings { code detail }
       turns { role text } provenance { role model endpoint promptVersion promptSha256 rawResponse interactive } } } }`,
    { runId },
  );
  expect(res.errors).toBeUndefined();
  return res.data.dialogues as { totalCount: number; nodes: any[] };
}

describe('interactive evaluation over prepared users', () => {
  test('a scripted HTTP CRS: every user gets a stored SIMULATED conversation, and success, recall, rounds and leak rate are reported with intervals', async () => {
    await startSimulatorWorker();
    const started = await evaluate({ system: { httpEndpoint: crs.url }, maxRounds: 5, k: 3, seed: 7 });
    expect(started.kind).toBe('INTERACTIVE');
    expect(started.options).toMatchObject({ system: { kind: 'http' }, maxRounds: 5, k: 3, seed: 7, dataset: 'simulated' });
    const done = await waitForEvaluation(started.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.progress).toBe(1);
    expect(done.report).toMatchObject({ requested: USERS, conversations: USERS, failed: 0 });

    const { totalCount, nodes } = await simulatedDialogues(started.options.runId);
    expect(totalCount).toBe(USERS);
    expect(new Set(nodes.map((d) => d.user.id))).toEqual(new Set(userIds.map((u) => gid('User', u))));
    const outcomes = nodes.map((d) => d.provenance.interactive.outcome);
    for (const d of nodes) {
      expect(d).toMatchObject({ source: 'SIMULATED', dataset: 'simulated', model: 'seeker-model' });
      expect(d.provenance).toMatchObject({ role: 'SIMULATOR', model: 'seeker-model', promptVersion: 1 });
      expect(d.provenance.interactive.system).toMatchObject({ kind: 'http' });
      const o = d.provenance.interactive.outcome;
      // The CRS recommends only popular non-targets before TARGET_AFTER: no success can come earlier.
      if (o.successRound !== null) {
        expect(o.successRound).toBeGreaterThanOrEqual(TARGET_AFTER);
        // Seeker and system alternate, and the seeker accepts after the target is recommended.
        expect(d.turns.map((t: { role: string }) => t.role)).toEqual([...Array(2 * o.successRound).keys()].map((i) => (i % 2 ? 'ASSISTANT' : 'USER')).concat('USER'));
        expect(d.turns.at(-2).text).toContain(d.targetItem.title);
        expect(o.lastList).toContain(d.targetItem.asin);
      } else {
        expect(o.rounds).toBe(5);
        expect(d.warnings.map((w: { code: string }) => w.code)).toContain('TARGET_NOT_FOUND');
      }
      // The seeker was never told the title: what it is told about the target does not hold it (its
      // history may hold a title that contains it, e.g. "Blade Runner 2049" for "Blade Runner").
      const prompt: string = d.provenance.interactive.seeker.systemPrompt;
      expect(prompt.slice(prompt.indexOf('The movie you are hoping to find'))).not.toContain(d.targetItem.title);
    }
    const successes = outcomes.filter((o) => o.successRound !== null);
    // The seeker describes the target's keywords; the content rule finds most targets from them.
    expect(successes.length).toBeGreaterThanOrEqual(USERS / 2);

    const overall = done.interactive.find((r: { stereotype: string | null }) => r.stereotype === null);
    expect(overall.conversations).toBe(USERS);
    // By hand from the stored dialogues.
    const p = successes.length / USERS;
    expect(metric(overall, 'success').mean).toBeCloseTo(p, 10);
    expect(metric(overall, 'success').standardError).toBeCloseTo(Math.sqrt((p * (1 - p)) / USERS), 10);
    expect(metric(overall, 'success@2').mean).toBe(0);
    expect(metric(overall, `success@${TARGET_AFTER}`).mean).toBeCloseTo(outcomes.filter((o) => o.successRound === TARGET_AFTER).length / USERS, 10);
    expect(metric(overall, 'recall@3').mean).toBeCloseTo(outcomes.filter((o) => o.recallAtK === 1).length / USERS, 10);
    const rounds = successes.map((o) => o.successRound);
    expect(metric(overall, 'rounds_to_success').mean).toBeCloseTo(rounds.reduce((a, b) => a + b, 0) / rounds.length, 10);
    expect(metric(overall, 'leak_rate').mean).toBe(0);
    for (const m of overall.metrics.filter((x: { n: number; mean: number | null }) => x.mean !== null && x.n > 1)) {
      expect(m.low).toBeLessThanOrEqual(m.mean + 1e-12);
      expect(m.high).toBeGreaterThanOrEqual(m.mean - 1e-12);
    }
    // Per stereotype rows add up to the whole.
    const perStereotype = done.interactive.filter((r: { stereotype: string | null }) => r.stereotype !== null);
    expect(perStereotype.length).toBeGreaterThan(0);
    expect(perStereotype.reduce((n: number, r: { conversations: number }) => n + r.conversations, 0)).toBe(USERS);

    // The simulator's in-flight cap held.
    expect(simulator.stats().maxInFlight).toBeLessThanOrEqual(4);
  }, 120_000);

  test('a seeker that names the target has the title redacted before the system hears it, and the leak is counted', async () => {
    const [user] = userIds;
    const [target] = await db.dataSource.query(
      `SELECT COALESCE(NULLIF(i.cleaned_title, ''), i.title) AS title, i.keywords FROM user_profiles p JOIN items i ON i.id = p.target_item_id WHERE p.user_id = $1 AND p.strategy = 'STEREOTYPE'`,
      [user],
    );
    // Planted in the scripted seeker: its first utterance names the title, misspelt by one letter.
    const misspelt = target.title.length > 5 ? target.title.slice(0, 2) + target.title.slice(3) : target.title;
    simulator.rule((req) => req.body.messages?.length === 2, { kind: 'leak', title: misspelt }, 1);
    await startSimulatorWorker();
    const before = crs.requests.length;
    const started = await evaluate({ system: { httpEndpoint: crs.url }, userIds: [gid('User', user)], maxRounds: 2, k: 3 });
    const done = await waitForEvaluation(started.id);
    expect(done.status).toBe('COMPLETED');
    const { nodes } = await simulatedDialogues(started.options.runId);
    expect(nodes).toHaveLength(1);
    const d = nodes[0];
    const leaks = d.provenance.interactive.leaks;
    expect(leaks).toHaveLength(1);
    expect(leaks[0].round).toBe(1);
    expect(leaks[0].original).toContain(misspelt);
    expect(leaks[0].redacted).not.toContain(misspelt);
    expect(d.turns[0].text).toBe(leaks[0].redacted);
    expect(d.warnings.map((w: { code: string }) => w.code)).toContain('SEEKER_TITLE_LEAK');
    // What the system under test received never held the title.
    const heard = crs.requests.slice(before).map((r) => r.message);
    expect(heard.length).toBeGreaterThan(0);
    for (const message of heard) expect(message).not.toContain(misspelt);
    const overall = done.interactive.find((r: { stereotype: string | null }) => r.stereotype === null);
    expect(metric(overall, 'leaked_conversations').mean).toBe(1);
    expect(metric(overall, 'leak_rate').mean).toBeCloseTo(1 / d.provenance.interactive.outcome.seekerUtterances, 10);
  }, 60_000);

  test('an OpenAI-compatible chat system: recommendations are read from its text by title, and evaluationUpdated follows it to the end', async () => {
    const [, user] = userIds;
    const [target] = await db.dataSource.query(
      `SELECT COALESCE(NULLIF(i.cleaned_title, ''), i.title) AS title, i.asin FROM user_profiles p JOIN items i ON i.id = p.target_item_id WHERE p.user_id = $1 AND p.strategy = 'STEREOTYPE'`,
      [user],
    );
    const other = items.find((i) => i.asin !== target.asin)!;
    // Round 1: a wrong title; from round 2 (two seeker messages in the history) the target.
    const seekerTurns = (req: { body: Record<string, any> }) => (req.body.messages as Array<{ role: string }>).filter((m) => m.role === 'user').length;
    chatCrs.rule((req) => seekerTurns(req) >= 2, { kind: 'text', content: `Then I would recommend ${target.title}, I think it fits.` });
    chatCrs.setDefault({ kind: 'text', content: `Have you seen ${other.title}?` });
    await startSimulatorWorker();
    const started = await evaluate({ system: { baseUrl: chatCrs.baseUrl, model: 'crs-model' }, userIds: [gid('User', user)], maxRounds: 4, k: 10 });
    const socket = openGraphQLSocket(api.wsUrl, { Authorization: `Bearer ${OPS}` });
    expect(await socket.ready).toEqual({ acked: true });
    const updates = await socket.run(`subscription($id: ID!) { evaluationUpdated(id: $id) { status progress interactive { stereotype metrics { key mean } } } }`, { id: started.id });
    socket.close();
    expect(updates.errors).toBeUndefined();
    const last = updates.results.at(-1).data.evaluationUpdated;
    expect(last.status).toBe('COMPLETED');
    const overall = last.interactive.find((r: { stereotype: string | null }) => r.stereotype === null);
    expect(metric(overall, 'success').mean).toBe(1);
    expect(metric(overall, 'success@1').mean).toBe(0);
    expect(metric(overall, 'success@2').mean).toBe(1);
    expect(metric(overall, 'recall@10').mean).toBe(1);
    expect(metric(overall, 'rounds_to_success').mean).toBe(2);

    const { nodes } = await simulatedDialogues(started.options.runId);
    const d = nodes[0];
    expect(d.provenance.interactive.system).toMatchObject({ kind: 'openai', model: 'crs-model' });
    expect(d.provenance.interactive.rounds.map((r: { readBy: string; recommended: string[] }) => [r.readBy, r.recommended])).toEqual([
      ['titles', [other.asin]],
      ['titles', [target.asin]],
    ]);
    // The chat system got the conversation as chat messages, its own replies as the assistant's.
    const lastRequest = chatCrs.requests.at(-1)!;
    expect(lastRequest.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
  }, 60_000);

  test('through the same queue and retries as generation: a seeker 503 costs an attempt and is retried; a system that refuses the request fails the conversation with the cause', async () => {
    const [, , user] = userIds;
    simulator.rule('', { kind: 'status', status: 503 }, 1);
    await startSimulatorWorker();
    const retried = await waitForEvaluation((await evaluate({ system: { httpEndpoint: crs.url }, userIds: [gid('User', user)], maxRounds: 2 })).id);
    expect(retried.status).toBe('COMPLETED');
    const [{ attempts, outcomes }] = await db.dataSource.query(
      `SELECT j.attempts, array_agg(a.outcome ORDER BY a.attempt) AS outcomes FROM generation_jobs j JOIN generation_attempts a ON a.job_id = j.id
        WHERE j.run_id = (SELECT id FROM generation_runs WHERE kind = 'INTERACTIVE' ORDER BY id DESC LIMIT 1) GROUP BY j.id`,
    );
    expect(attempts).toBe(2);
    expect(outcomes).toEqual(['SERVER_ERROR', 'OK']);

    // A 404 from the system is not worth another attempt: FAILED at once, the evaluation with it.
    const failed = await waitForEvaluation((await evaluate({ system: { httpEndpoint: `${chatCrs.baseUrl}/no-such-crs` }, userIds: [gid('User', user)] })).id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/every conversation failed/);
    expect(failed.report).toMatchObject({ failed: 1, conversations: 0 });
    const [job] = await db.dataSource.query(
      `SELECT status, attempts, last_error AS "lastError" FROM generation_jobs WHERE run_id = (SELECT id FROM generation_runs WHERE kind = 'INTERACTIVE' ORDER BY id DESC LIMIT 1)`,
    );
    expect(job).toMatchObject({ status: 'FAILED', attempts: 1, lastError: { code: 'SYSTEM_CLIENT_ERROR', httpStatus: 404 } });
    expect(job.lastError.message).toMatch(/^system under test: HTTP 404/);
  }, 60_000);

  test('a worker killed mid-conversation: its conversations expire and another worker holds them again; nothing lost, nothing stored twice', async () => {
    simulator.setLatency(300);
    const victim = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
    const started = await evaluate({ system: { httpEndpoint: crs.url }, userIds: userIds.slice(0, 6).map((u) => gid('User', u)), maxRounds: 3, k: 3 });
    // Killed while its conversations are talking (each takes several 300 ms seeker calls).
    const until = Date.now() + 10_000;
    while (simulator.stats().completed < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await victim.crash();
    spare.push(await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 }));
    const done = await waitForEvaluation(started.id, 60_000);
    expect(done.status).toBe('COMPLETED');
    const runId = Number(fromGlobalId(started.options.runId)!.id);
    const [counts] = await db.dataSource.query(
      `SELECT count(*)::int AS stored, count(DISTINCT user_id)::int AS users, count(DISTINCT generation_job_id)::int AS jobs FROM dialogues WHERE generation_run_id = $1`,
      [runId],
    );
    expect(counts).toEqual({ stored: 6, users: 6, jobs: 6 });
    const [{ retried }] = await db.dataSource.query(`SELECT count(*)::int AS retried FROM generation_jobs WHERE run_id = $1 AND attempts > 1`, [runId]);
    expect(retried).toBeGreaterThan(0);
    expect(done.interactive.find((r: { stereotype: string | null }) => r.stereotype === null).conversations).toBe(6);
  }, 90_000);

  test('bad input names the argument; a system model the server does not serve fails at once', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ system: { httpEndpoint: crs.url, baseUrl: chatCrs.baseUrl, model: 'crs-model' } }, 'input.system'],
      [{ system: {} }, 'input.system'],
      [{ system: { baseUrl: chatCrs.baseUrl } }, 'input.system.model'],
      [{ system: { httpEndpoint: 'not a url' } }, 'input.system.httpEndpoint'],
      [{ system: { httpEndpoint: crs.url }, maxRounds: 0 }, 'input.maxRounds'],
      [{ system: { httpEndpoint: crs.url }, users: { stereotype: 'Nobody' } }, 'input.users.stereotype'],
      [{ system: { httpEndpoint: crs.url }, simulator: { temperature: 5 } }, 'input.simulator.temperature'],
      [{ system: { baseUrl: chatCrs.baseUrl, model: 'no-such-model' } }, 'input.system.model'],
    ];
    for (const [input, argument] of cases) {
      const res = await api.query(`mutation($input: InteractiveEvaluationInput!) { evaluateInteractively(input: $input) { id } }`, { input }, { token: OPS });
      expect({ argument, error: res.errors?.[0].extensions }).toEqual({ argument, error: expect.objectContaining({ code: 'BAD_USER_INPUT', argument }) });
    }
    // SIMULATOR is not a generating role.
    const gen = await api.query(`mutation { enqueueGeneration(input: { role: SIMULATOR, limit: 1 }) { id } }`, {}, { token: OPS });
    expect(gen.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.role' });
  }, 30_000);
});
