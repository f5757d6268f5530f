import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig, Config } from '../../../../src/config/config';
import { registerRatingsCommand } from '../../../../src/cli/ratings';
import { importDistillRecDial } from '../../../../src/ingest/distillrecdial.load';
import { importRedial } from '../../../../src/ingest/redial.load';
import { kendallTauB, spearman, wilsonInterval } from '../../../../src/evaluation/agreement';
import { startWorker, RunningWorker } from '../../../../generator/worker/worker';
import { startTestApi, TestApi, waitForRun as waitForRunOf } from '../../../support/api';
import { runCli } from '../../../support/cli';
import { describeWithBrowser, openBrowser, testOutputDir } from '../../../support/browser';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { checkViewerPage, ensureViewerBuilt, viewerReady } from '../../../support/viewer';
import { seedGenerationWorld } from '../../../support/generation-world';
import { ROOT, SAMPLE_RELEASE } from '../../../support/sample';
import { ScriptedOpenAI, scriptedJudgeScore, startScriptedOpenAI } from '../../../support/scripted-openai';

const OPS = 'ops-secret';
let db: TestDatabase;
let model: ScriptedOpenAI;
let api: TestApi;
let config: Readonly<Config>;
let worker: RunningWorker;
let tmp: string;

const RUN = 'id kind role status requested reason counts { judged failed skipped pending }';

async function op(query: string, variables: Record<string, unknown> = {}) {
  const res = await api.query(query, variables, { token: OPS });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data;
}

const waitForRun = (id: string, timeoutMs = 90_000) => waitForRunOf(api, id, RUN, { timeoutMs, token: OPS });

/** Every ACCEPTED dialogue with its turns and LLM_REDIAL judgements (pages of 100). */
async function allDialogues(filter: Record<string, unknown> = {}) {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const data: any = await op(
      `query($after: String, $filter: DialogueFilter) { dialogues(first: 100, after: $after, filter: $filter) {
         pageInfo { hasNextPage endCursor }
         nodes { id dataset source turns { text } judgements(rubric: "LLM_REDIAL") { rubric rubricVersion rubricSha256 model promptSha256 rationale
           scores { criterion score } utterances { turn scores { criterion score } } run { id kind } } } } }`,
      { after, filter },
    );
    out.push(...data.dialogues.nodes);
    if (!data.dialogues.pageInfo.hasNextPage) return out;
    after = data.dialogues.pageInfo.endCursor;
  }
}

const score = (j: any, criterion: string) => j.scores.find((s: any) => s.criterion === criterion).score;
const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedGenerationWorld(db.dataSource, { users: 8 });
  await importDistillRecDial(db.dataSource, [SAMPLE_RELEASE], { quiet: true });
  await importRedial(db.dataSource, [path.join(ROOT, 'test/fixtures/redial/train_data.jsonl')], {}, { quiet: true });
  model = await startScriptedOpenAI({ models: ['teacher-model', 'judge-model'] });
  const env = {
    TEACHER_BASE_URL: model.baseUrl,
    TEACHER_MODEL: 'teacher-model',
    TEACHER_TIMEOUT_MS: '5000',
    JUDGE_BASE_URL: model.baseUrl,
    JUDGE_MODEL: 'judge-model',
    JUDGE_TIMEOUT_MS: '5000',
    JUDGE_MAX_IN_FLIGHT: '8',
    RECDIAL_GENERATION_ATTEMPTS: '3',
    RECDIAL_RETRY_DELAY_S: '1',
    RECDIAL_RETRY_DELAY_MAX_S: '1',
    RECDIAL_JOB_EXPIRE_S: '10',
    RECDIAL_SUPERVISE_INTERVAL_S: '1',
  };
  config = { ...loadConfig({}), apiKeys: `ops:operator:${OPS}`, generation: loadConfig(env).generation };
  api = await startTestApi(db.dataSource, config);
  worker = await startWorker({ dataSource: db.dataSource, url: db.url, config, logger: pino({ level: 'silent' }), pollMs: 100 });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-judges-'));
}, 180_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  await api?.close();
  await model?.close();
  await db?.drop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('judging with a scripted judge over HTTP and a real worker', () => {
  let teacherRunId: string;

  test('teacher dialogues are generated first (they have prepared users, so they can be regenerated)', async () => {
    const { enqueueGeneration: run } = await op(`mutation { enqueueGeneration(input: { role: TEACHER }) { id } }`);
    teacherRunId = run.id;
    const done = await waitForRun(run.id);
    expect(done.status).toBe('COMPLETED');
  }, 120_000);

  test('judgeDialogues on LLM_REDIAL stores per-utterance scores for every dialogue, as the judge derived them from the text', async () => {
    // One dialogue's first judge answer is malformed JSON: retried, then stored.
    model.rule((r) => r.body.response_format?.type === 'json_schema', { kind: 'malformed' }, 1);
    const { judgeDialogues: run } = await op(`mutation { judgeDialogues(input: { rubric: "LLM_REDIAL" }) { ${RUN} } }`);
    expect(run).toMatchObject({ kind: 'JUDGE', role: 'JUDGE' });
    const done = await waitForRun(run.id);
    const dialogues = await allDialogues();
    expect(dialogues.length).toBeGreaterThan(60);
    expect(done).toMatchObject({ status: 'COMPLETED', requested: dialogues.length, counts: { judged: dialogues.length, failed: 0 } });
    for (const d of dialogues) {
      expect(d.judgements).toHaveLength(1);
      const j = d.judgements[0];
      expect(j).toMatchObject({ rubric: 'LLM_REDIAL', rubricVersion: 0, model: 'judge-model', run: { id: run.id, kind: 'JUDGE' } });
      expect(j.rubricSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(j.promptSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(j.utterances).toHaveLength(d.turns.length);
      expect(j.scores.map((x: any) => x.criterion)).toEqual(['fluency', 'informativeness', 'logicality', 'coherence']); // the rubric's order
      for (const criterion of ['fluency', 'informativeness', 'logicality', 'coherence']) {
        const perTurn = d.turns.map((t: any) => scriptedJudgeScore(criterion, t.text, 0, 2));
        expect(j.utterances.map((u: any) => score(u, criterion))).toEqual(perTurn);
        expect(score(j, criterion)).toBeCloseTo(mean(perTurn), 10);
      }
    }
    // Every judge request asked for a JSON schema answer.
    const judged = model.requests.filter((r) => r.model === 'judge-model');
    expect(judged.every((r) => r.body.response_format?.type === 'json_schema' && r.body.response_format.json_schema.schema.properties.utterances)).toBe(true);
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM generation_attempts a JOIN generation_jobs j ON j.id = a.job_id WHERE j.run_id = $1 AND a.outcome = 'BAD_JUDGEMENT'`, [
      Number(Buffer.from(run.id, 'base64').toString().split(':')[1]),
    ]);
    expect(n).toBe(1);
  }, 120_000);

  test('judging again skips what is judged already; a judge answer that stays malformed fails its job with the parse error', async () => {
    const again = await api.query(`mutation { judgeDialogues(input: { rubric: "LLM_REDIAL" }) { id } }`, {}, { token: OPS });
    expect(again.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.filter' });
    model.rule((r) => r.body.response_format?.type === 'json_schema', { kind: 'malformed' });
    const { judgeDialogues: run } = await op(`mutation { judgeDialogues(input: { rubric: "LLM_REDIAL", skipJudged: false, filter: { dataset: "redial" } }) { id } }`);
    const done = await waitForRun(run.id);
    model.reset();
    expect(done.status).toBe('FAILED');
    const { generationRun } = await op(`query($id: ID!) { generationRun(id: $id) { counts { failed } } }`, { id: run.id });
    expect(generationRun.counts.failed).toBeGreaterThan(0);
    const [job] = await db.dataSource.query(`SELECT last_error FROM generation_jobs j JOIN generation_runs r ON r.id = j.run_id WHERE r.kind = 'JUDGE' AND j.status = 'FAILED' LIMIT 1`);
    expect(job.last_error).toMatchObject({ code: 'BAD_JUDGEMENT', attempt: 3 });
    expect(job.last_error.message).toMatch(/not JSON/);
  }, 120_000);

  test('a filter by score matches exactly the dialogues whose latest judgement is below it, and bad filters name the argument', async () => {
    const dialogues = await allDialogues();
    const values = [...new Set(dialogues.map((d) => score(d.judgements[0], 'informativeness')))].sort((a, b) => a - b);
    const threshold = values[Math.floor(values.length / 2)];
    const expected = dialogues.filter((d) => score(d.judgements[0], 'informativeness') < threshold).map((d) => d.id).sort();
    expect(expected.length).toBeGreaterThan(0);
    const below = await allDialogues({ judgement: { rubric: 'LLM_REDIAL', criterion: 'informativeness', below: threshold } });
    expect(below.map((d) => d.id).sort()).toEqual(expected);
    const atLeast = await allDialogues({ judgement: { rubric: 'LLM_REDIAL', criterion: 'informativeness', atLeast: threshold } });
    expect(atLeast.length + below.length).toBe(dialogues.length);

    const bad = await api.query(`query { dialogues(filter: { judgement: { rubric: "LLM_REDIAL", criterion: "wit", below: 1 } }) { totalCount } }`);
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.judgement.criterion' });
    const unknown = await api.query(`query { dialogues(filter: { judgement: { rubric: "NOPE", criterion: "wit", below: 1 } }) { totalCount } }`);
    expect(unknown.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'filter.judgement.rubric' });
  });

  test('regenerateDialogues by judgement supersedes the weak teacher dialogues and records why', async () => {
    const teacher = await allDialogues({ source: 'TEACHER' });
    const values = teacher.map((d) => score(d.judgements[0], 'informativeness')).sort((a, b) => a - b);
    const threshold = values[values.length - 1];
    const weak = teacher.filter((d) => score(d.judgements[0], 'informativeness') < threshold);
    expect(weak.length).toBeGreaterThan(0);
    const reason = `LLM_REDIAL informativeness below ${threshold}`;
    const { regenerateDialogues: run } = await op(
      `mutation($input: RegenerationInput!) { regenerateDialogues(input: $input) { id kind reason requested } }`,
      { input: { role: 'TEACHER', reason, filter: { source: 'TEACHER', judgement: { rubric: 'LLM_REDIAL', criterion: 'informativeness', below: threshold } } } },
    );
    expect(run).toMatchObject({ kind: 'REGENERATE', reason, requested: weak.length });
    await waitForRun(run.id);
    const { dialogues } = await op(`query { dialogues(first: 100, filter: { status: SUPERSEDED }) { nodes { id supersededBy { id version provenance { run { id reason } } } } } }`);
    expect(dialogues.nodes.map((d: any) => d.id).sort()).toEqual(weak.map((d) => d.id).sort());
    for (const d of dialogues.nodes) expect(d.supersededBy).toMatchObject({ version: 2, provenance: { run: { id: run.id, reason } } });
    void teacherRunId;
  }, 120_000);

  test('judgementStatistics gives mean, SE and n per criterion and group', async () => {
    const dialogues = await allDialogues({ status: null });
    const { judgementStatistics: stats } = await op(`query { judgementStatistics(rubric: "LLM_REDIAL", groupBy: DATASET, filter: { status: null }) { group criterion n mean se } }`);
    for (const dataset of ['distillrecdial', 'redial']) {
      const xs = dialogues.filter((d) => d.dataset === dataset && d.judgements.length).map((d) => score(d.judgements[0], 'fluency'));
      const m = mean(xs);
      const sd = Math.sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - 1));
      const row = stats.find((s: any) => s.group === dataset && s.criterion === 'fluency');
      expect(row.n).toBe(xs.length);
      expect(row.mean).toBeCloseTo(m, 10);
      expect(row.se).toBeCloseTo(sd / Math.sqrt(xs.length), 10);
    }
    const bySource = await op(`query { judgementStatistics(rubric: "LLM_REDIAL", groupBy: SOURCE) { group criterion n } }`);
    expect(new Set(bySource.judgementStatistics.map((s: any) => s.group))).toEqual(new Set(['IMPORTED', 'TEACHER']));
    const byStereotype = await op(`query { judgementStatistics(rubric: "LLM_REDIAL", groupBy: STEREOTYPE) { group n } }`);
    expect(byStereotype.judgementStatistics.some((s: any) => s.group !== null)).toBe(true);
  });
});

describe('human ratings and agreement', () => {
  let sourceMeans: number[] = [];

  test('recdial import ratings reads CSV and JSONL, reports file:line: field: problem, and is idempotent', async () => {
    const dialogues = await allDialogues({ dataset: 'distillrecdial' });
    const teacher = (await allDialogues({ source: 'TEACHER' })).filter((d) => d.judgements.length).slice(0, 2);
    expect(teacher).toHaveLength(2);
    const picked = [...dialogues.slice(0, 8), ...teacher];
    // fluency: humans agree with the judge exactly; informativeness: they reverse it (2 − score).
    const csv = ['dialogue,criterion,rater,score'];
    const jsonl: string[] = [];
    for (const d of picked) {
      const j = d.judgements[0];
      for (const rater of ['r1', 'r2']) csv.push(`${d.id},fluency,${rater},${score(j, 'fluency')}`);
      jsonl.push(JSON.stringify({ dialogue_id: d.id, criterion: 'informativeness', rater: 'r1', score: 2 - score(j, 'informativeness') }));
    }
    sourceMeans = [dialogues.slice(0, 8), teacher].map((ds) => mean(ds.map((d) => score(d.judgements[0], 'fluency'))));
    const csvFile = path.join(tmp, 'ratings.csv');
    const jsonlFile = path.join(tmp, 'ratings.jsonl');
    fs.writeFileSync(csvFile, csv.join('\n') + '\n');
    fs.writeFileSync(jsonlFile, jsonl.join('\n') + '\n');
    const register = (p: any) => registerRatingsCommand(p.command('import'));
    const first = await runCli(db.url, register, ['import', 'ratings', csvFile]);
    expect(first.logs.join('\n')).toContain(`Imported ${picked.length * 2} ratings (${picked.length * 2} new, 0 replaced) of ${picked.length} dialogues by 2 raters; criteria: fluency.`);
    const again = await runCli(db.url, register, ['import', 'ratings', csvFile]);
    expect(again.logs.join('\n')).toContain(`(0 new, ${picked.length * 2} replaced)`);
    await runCli(db.url, register, ['import', 'ratings', jsonlFile]);
    const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM human_ratings');
    expect(n).toBe(picked.length * 3);

    const bad = path.join(tmp, 'bad.csv');
    fs.writeFileSync(bad, `dialogue,criterion,rater,score\n${picked[0].id},fluency,r1,2\n${picked[1].id},fluency,r1,good\n`);
    await expect(runCli(db.url, register, ['import', 'ratings', bad])).rejects.toThrow(`${bad}:3: score: expected a number, got "good"`);
    fs.writeFileSync(bad, `dialogue,criterion,rater,score\nRGlhbG9ndWU6OTk5OTk5,fluency,r1,2\n`);
    await expect(runCli(db.url, register, ['import', 'ratings', bad])).rejects.toThrow(`${bad}:2: dialogue: no dialogue "RGlhbG9ndWU6OTk5OTk5"`);
  });

  test('judgeAgreement matches the hand computation: perfect agreement on fluency, perfect disagreement on informativeness', async () => {
    const { judgeAgreement: rows } = await op(`query { judgeAgreement(rubric: "LLM_REDIAL", seed: 3, resamples: 200) {
      criterion level n spearman kendall spearmanInterval { low high } kendallInterval { low high } } }`);
    const at = (criterion: string, level: string) => rows.find((r: any) => r.criterion === criterion && r.level === level);
    expect(at('fluency', 'DIALOGUE')).toMatchObject({ n: 10, spearman: 1, kendall: 1 });
    expect(at('fluency', 'DIALOGUE').spearmanInterval).toEqual({ low: 1, high: 1 });
    const inf = at('informativeness', 'DIALOGUE');
    expect(inf.n).toBe(10);
    expect(inf.spearman).toBeCloseTo(-1, 12);
    expect(inf.kendall).toBeCloseTo(-1, 12);
    // Two sources (distillrecdial/IMPORTED, generated/TEACHER) whose human and judge means are equal: rho = tau = 1 unless the two means tie.
    const perfect = sourceMeans[0] === sourceMeans[1] ? null : 1;
    expect(at('fluency', 'SOURCE')).toMatchObject({ n: 2, spearman: perfect, kendall: perfect });
    expect(at('coherence', 'DIALOGUE')).toMatchObject({ n: 0, spearman: null });
    // And against the same formulas on the stored data.
    const points: Array<{ h: number; j: number }> = await db.dataSource.query(
      `SELECT avg(h.score) AS h, (SELECT (j.scores ->> 'fluency')::float8 FROM judgements j WHERE j.dialogue_id = h.dialogue_id AND j.rubric_key = 'LLM_REDIAL' ORDER BY j.id DESC LIMIT 1) AS j
         FROM human_ratings h WHERE h.criterion = 'fluency' GROUP BY h.dialogue_id ORDER BY h.dialogue_id`,
    );
    expect(spearman(points.map((p) => Number(p.h)), points.map((p) => p.j))).toBe(1);
    expect(kendallTauB(points.map((p) => Number(p.h)), points.map((p) => p.j))).toBe(1);
  });
});

describe('head-to-head comparison', () => {
  test('compareDatasets of two sources reports win/tie/loss with Wilson intervals, with the display order undone per pair', async () => {
    const { compareDatasets: run } = await op(`mutation { compareDatasets(input: { a: { dataset: "distillrecdial" }, b: { dataset: "redial" }, pairs: 24, seed: 11 }) { ${RUN} } }`);
    expect(run).toMatchObject({ kind: 'COMPARE', role: 'JUDGE', requested: 24 });
    const done = await waitForRun(run.id);
    expect(done).toMatchObject({ status: 'COMPLETED', counts: { judged: 24 } });
    const { comparison } = await op(`query($id: ID!) { comparison(runId: $id) { pairs judged seed entries { label candidates }
      criteria { criterion bradleyTerry { label } headToHead { a b wins ties losses n winRate winRateInterval { low high } preference preferenceInterval { low high } } } } }`, { id: run.id });
    expect(comparison).toMatchObject({ pairs: 24, judged: 24, seed: 11, entries: [{ label: 'A' }, { label: 'B', candidates: 3 }] });
    expect(comparison.criteria.map((c: any) => c.criterion)).toEqual(['naturalness', 'relevance', 'consistency']);

    // The scripted judge prefers the longer dialogue whichever position it is shown in, so the
    // stored verdicts must say which *entry* won: recompute them from the dialogues' word counts.
    const verdicts: Array<{ a: number; b: number; aFirst: boolean; v: Record<string, string> }> = await db.dataSource.query(
      `SELECT a_dialogue_id AS a, b_dialogue_id AS b, a_shown_first AS "aFirst", verdicts AS v FROM comparison_verdicts WHERE run_id = $1 ORDER BY pair`,
      [Number(Buffer.from(run.id, 'base64').toString().split(':')[1])],
    );
    expect(new Set(verdicts.map((v) => v.aFirst))).toEqual(new Set([true, false]));
    const words = async (id: number) => {
      const [{ n }] = await db.dataSource.query(`SELECT coalesce(sum(array_length(regexp_split_to_array(trim(text), '\\s+'), 1)), 0)::int AS n FROM turns WHERE dialogue_id = $1 AND trim(text) <> ''`, [id]);
      return n;
    };
    let wins = 0;
    let ties = 0;
    for (const v of verdicts) {
      const [wa, wb] = [await words(v.a), await words(v.b)];
      const expected = wa > wb ? 'A' : wb > wa ? 'B' : 'TIE';
      expect(v.v.naturalness).toBe(expected);
      if (expected === 'A') wins++;
      if (expected === 'TIE') ties++;
    }
    const h = comparison.criteria[0].headToHead[0];
    expect(h).toMatchObject({ a: 'A', b: 'B', wins, ties, losses: 24 - wins - ties, n: 24 });
    expect(h.winRate).toBeCloseTo(wins / 24, 12);
    const w = wilsonInterval(wins, 24)!;
    expect(h.winRateInterval.low).toBeCloseTo(w.low, 12);
    expect(h.winRateInterval.high).toBeCloseTo(w.high, 12);
    expect(h.winRateInterval.low).toBeLessThanOrEqual(h.winRate);
    expect(h.winRateInterval.high).toBeGreaterThanOrEqual(h.winRate);
    expect(comparison.criteria[0].bradleyTerry).toBeNull();
  }, 120_000);

  test('more than two entries get Bradley–Terry strengths; bad inputs name the argument', async () => {
    const { compareDatasets: run } = await op(`mutation { compareDatasets(input: { entries: [
      { label: "train", filter: { dataset: "distillrecdial", split: TRAIN } },
      { label: "test", filter: { dataset: "distillrecdial", split: TEST } },
      { label: "redial", filter: { dataset: "redial" } }], criteria: ["relevance"], pairs: 15, seed: 2 }) { id } }`);
    await waitForRun(run.id);
    const { comparison } = await op(`query($id: ID!) { comparison(runId: $id) { judged criteria { criterion headToHead { a b n } bradleyTerry { label strength } } } }`, { id: run.id });
    expect(comparison.judged).toBe(15);
    const c = comparison.criteria[0];
    expect(c.criterion).toBe('relevance');
    expect(c.headToHead.reduce((s: number, x: any) => s + x.n, 0)).toBe(15);
    expect(c.bradleyTerry).toHaveLength(3);
    expect(c.bradleyTerry.reduce((s: number, x: any) => s + x.strength, 0)).toBeCloseTo(1, 9);

    const cases: Array<[string, string]> = [
      [`{ a: { dataset: "distillrecdial" }, pairs: 3 }`, 'input.b'],
      [`{ a: { dataset: "distillrecdial" }, b: { dataset: "nowhere" }, pairs: 3 }`, 'input.b'],
      [`{ a: { dataset: "distillrecdial" }, b: { dataset: "redial" }, pairs: 0 }`, 'input.pairs'],
      [`{ a: { dataset: "distillrecdial" }, b: { dataset: "redial" }, pairs: 3, criteria: ["wit"] }`, 'input.criteria[0]'],
      [`{ a: { dataset: "distillrecdial" }, b: { dataset: "redial" }, pairs: 3, rubric: "NOPE" }`, 'input.rubric'],
    ];
    for (const [input, argument] of cases) {
      const res = await api.query(`mutation { compareDatasets(input: ${input}) { id } }`, {}, { token: OPS });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    }
  }, 120_000);
});

describe('rubrics are versioned data', () => {
  test('updateRubric stores a user-defined rubric; judging with it records its version', async () => {
    const input = {
      key: 'BREVITY',
      title: 'Brevity',
      scope: 'DIALOGUE',
      min: 1,
      max: 3,
      criteria: [{ key: 'brevity', description: 'says what it needs to in few words' }],
      instructions: 'Rate how concise the dialogue is.',
    };
    const { updateRubric: v1 } = await op(`mutation($input: UpdateRubricInput!) { updateRubric(input: $input) { key version sha256 builtIn } }`, { input });
    expect(v1).toMatchObject({ key: 'BREVITY', version: 1, builtIn: false });
    const { updateRubric: v2 } = await op(`mutation($input: UpdateRubricInput!) { updateRubric(input: $input) { version } }`, { input: { ...input, max: 5, note: 'wider scale' } });
    expect(v2.version).toBe(2);
    const { rubricVersions } = await op(`query { rubricVersions(key: "BREVITY") { version max } rubrics { key version } }`);
    expect(rubricVersions).toEqual([{ version: 2, max: 5 }, { version: 1, max: 3 }]);
    const { judgeDialogues: run } = await op(`mutation { judgeDialogues(input: { rubric: "BREVITY", filter: { dataset: "redial" } }) { id } }`);
    await waitForRun(run.id);
    const { dialogues } = await op(`query { dialogues(filter: { dataset: "redial" }) { nodes { turns { text } judgements(rubric: "BREVITY") { rubricVersion scores { criterion score } utterances { turn } } } } }`);
    for (const d of dialogues.nodes) {
      expect(d.judgements[0]).toMatchObject({ rubricVersion: 2, utterances: null });
      expect(d.judgements[0].scores[0].score).toBe(scriptedJudgeScore('brevity', d.turns.map((t: any) => t.text).join('\n'), 1, 5));
    }
    const bad = await api.query(`mutation($input: UpdateRubricInput!) { updateRubric(input: $input) { version } }`, { input: { ...input, min: 3, max: 2 } }, { token: OPS });
    expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.max' });
    const anonymous = await api.query(`mutation($input: UpdateRubricInput!) { updateRubric(input: $input) { version } }`, { input });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  }, 120_000);
});

describeWithBrowser('the viewer shows judgements', () => {
  test('a dialogue page lists each judgement with its scores, per-utterance scores and run, and passes the accessibility checks', async () => {
    ensureViewerBuilt();
    const { dialogues } = await op(`query { dialogues(first: 1, filter: { dataset: "redial" }) { nodes { id turns { text } judgements { rubric scores { criterion score } } } } }`);
    const d = dialogues.nodes[0];
    expect(d.judgements.map((j: any) => j.rubric).sort()).toEqual(['BREVITY', 'LLM_REDIAL']);
    const session = await openBrowser();
    try {
      await session.page.goto(`http://127.0.0.1:${api.server.port}/viewer/dialogues/${d.id}`);
      await viewerReady(session.page);
      const section = session.page.locator('section.judgements');
      expect(await section.locator('h2').textContent()).toBe('Judgements (2)');
      expect(await section.locator('caption').first().textContent()).toBe('BREVITY v2 · judge-model');
      const brevity = d.judgements.find((j: any) => j.rubric === 'BREVITY').scores[0].score;
      expect(await section.locator('table').first().locator('tbody td').first().textContent()).toBe(brevity.toFixed(2));
      expect(await section.locator('details summary').first().textContent()).toBe(`Per utterance (${d.turns.length})`);
      await checkViewerPage(session, 'dialogue-judgements', testOutputDir('judges'));
    } finally {
      await session.close();
    }
  }, 120_000);
});
