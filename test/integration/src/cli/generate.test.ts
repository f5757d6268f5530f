import pino from 'pino';
import { CommanderError } from 'commander';
import { main } from '../../../../src/cli';
import { registerGenerateCommands, registerInteractiveEvalCommand } from '../../../../src/cli/generate';
import { loadConfig } from '../../../../src/config/config';
import { startWorker } from '../../../../generator';
import { runCli } from '../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { seedGenerationWorld } from '../../../support/generation-world';
import { ScriptedOpenAI, startScriptedOpenAI } from '../../../support/scripted-openai';
import { ScriptedCrs, startScriptedCrs } from '../../../support/scripted-crs';

/**
 * The generation journeys at the terminal: `recdial generate`, `regenerate`, `judge` and `runs …`
 * against a real PostgreSQL, a real worker and the scripted OpenAI-compatible server over HTTP.
 */

let db: TestDatabase;
let model: ScriptedOpenAI;
let seeker: ScriptedOpenAI;
let crs: ScriptedCrs;
let worker: Awaited<ReturnType<typeof startWorker>> | null = null;
const ENV: Record<string, string> = {
  TEACHER_MODEL: 'teacher-model',
  TEACHER_TIMEOUT_MS: '5000',
  JUDGE_MODEL: 'judge-model',
  JUDGE_TIMEOUT_MS: '5000',
  SIMULATOR_MODEL: 'seeker-model',
  SIMULATOR_TIMEOUT_MS: '5000',
  RECDIAL_GENERATION_ATTEMPTS: '2',
  RECDIAL_RETRY_DELAY_S: '1',
  RECDIAL_RETRY_DELAY_MAX_S: '1',
  RECDIAL_JOB_EXPIRE_S: '10',
  RECDIAL_SUPERVISE_INTERVAL_S: '1',
};
const saved: Record<string, string | undefined> = {};

const cli = (...args: string[]) => runCli(db.url, registerGenerateCommands, args);
/** The run id `generate` printed: `Queued run <id> (database id N): …`. */
const queuedId = (logs: string[]) => /^Queued run (\S+) \(database id (\d+)\)/.exec(logs[0])!.slice(1, 3) as [string, string];
const runCount = async () => (await db.dataSource.query('SELECT count(*)::int AS n FROM generation_runs'))[0].n as number;

async function startTheWorker() {
  worker = await startWorker({ dataSource: db.dataSource, url: db.url, config: loadConfig(), logger: pino({ level: 'silent' }), pollMs: 100 });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedGenerationWorld(db.dataSource, { users: 8 });
  model = await startScriptedOpenAI({ models: ['teacher-model', 'judge-model'] });
  seeker = await startScriptedOpenAI({ models: ['seeker-model'] });
  const items = await db.dataSource.query(`SELECT asin, COALESCE(NULLIF(cleaned_title, ''), title) AS title, genres, keywords FROM items ORDER BY asin`);
  crs = await startScriptedCrs({ items, popular: [], targetAfterRounds: 2, k: 3 });
  for (const [k, v] of Object.entries({ ...ENV, TEACHER_BASE_URL: model.baseUrl, JUDGE_BASE_URL: model.baseUrl, SIMULATOR_BASE_URL: seeker.baseUrl })) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  for (const k of ['STUDENT_BASE_URL', 'STUDENT_MODEL']) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
}, 120_000);

afterAll(async () => {
  await worker?.stop().catch(() => undefined);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([model?.close(), seeker?.close(), crs?.close()]);
  await db?.drop();
});

describe('bad flags: one line naming the flag, nothing written', () => {
  test.each([
    [['--limit', '0'], '--limit: must be a positive integer'],
    [['--stereotype', 'Fully Expressive Seeker', '--stereotype', 'Nobody'], '--stereotype: unknown stereotype "Nobody"; expected one of "'],
    [['--temperature', '9'], '--temperature: must be between 0 and 2'],
    [['--top-p', '0'], '--top-p: must be in (0, 1]'],
    [['--teacher-fraction', '1.5'], '--teacher-fraction: must be in (0, 1]'],
    [['--sample-name', 'x'], '--sample-name: names the teacher sample, so it needs teacherFraction'],
    [['--user', 'nope'], '--user: '],
    [['--min-utterances', '8', '--max-utterances', '6'], '--max-utterances: must be at least minUtterances (8)'],
    [['--strategy', 'goal-template', '--stereotype', 'Fully Expressive Seeker'], '--strategy: stereotypes, asStereotype and teacherFraction apply to the STEREOTYPE strategy only'],
  ])('generate --role teacher %j', async (flags, message) => {
    const error = await cli('generate', '--role', 'teacher', ...flags).then(() => null, (e: Error) => e);
    expect(error?.name).toBe('CliError');
    expect(error?.message.startsWith(message)).toBe(true);
    expect(error?.message).not.toMatch(/\n|input\./);
    expect(await runCount()).toBe(0);
  });

  test('a role without an endpoint: the API’s message, naming --role', async () => {
    await expect(cli('generate', '--role', 'student', '--limit', '1')).rejects.toThrow('--role: no STUDENT model endpoint is configured: set STUDENT_BASE_URL and STUDENT_MODEL');
    expect(await runCount()).toBe(0);
  });

  test('an endpoint that does not serve the model: MODEL_ENDPOINT_UNAVAILABLE’s message', async () => {
    model.setModels(['some-other-model']);
    try {
      await expect(cli('generate', '--role', 'teacher', '--limit', '1')).rejects.toThrow(/does not serve "teacher-model" \(it lists "some-other-model"\)/);
    } finally {
      model.setModels(['teacher-model', 'judge-model']);
    }
    expect(await runCount()).toBe(0);
  });

  test('values commander refuses (a role that does not write, a non-number) name the flag too', async () => {
    for (const args of [['--role', 'judge'], ['--role', 'teacher', '--limit', 'ten']]) {
      const error = await cli('generate', ...args).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(CommanderError);
      expect((error as CommanderError).message).toMatch(args[2] ? /option '--limit <n>' argument 'ten' is invalid\. expected a number/ : /option '--role <role>' argument 'judge' is invalid\. expected teacher, student/);
    }
    expect(await runCount()).toBe(0);
  });

  test('through main: exit code 1 and one line `recdial: …`, no stack trace', async () => {
    const savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.map(String).join(' ')));
    try {
      expect(await main(['node', 'recdial', 'generate', '--role', 'teacher', '--limit', '0'])).toBe(1);
      expect(await main(['node', 'recdial', 'runs', 'show', '999'])).toBe(1);
    } finally {
      spy.mockRestore();
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
    expect(errors).toEqual(['recdial: --limit: must be a positive integer', expect.stringMatching(/^recdial: no generation run \S+ \(database id 999\); `recdial runs list` shows the runs$/)]);
  });
});

describe('the journeys, with a worker', () => {
  let runId: string;
  let runDbId: string;
  let regenDbId: string;

  test('generate prints the run id and what to do next; runs show --wait follows it to COMPLETED with its counts', async () => {
    const { logs } = await cli('generate', '--role', 'teacher', '--limit', '3', '--temperature', '0.5', '--seed', '7');
    [runId, runDbId] = queuedId(logs);
    expect(logs[0]).toMatch(/^Queued run \S+ \(database id \d+\): GENERATE by TEACHER teacher-model at http:\/\/127\.0\.0\.1:\d+\/v1, 3 jobs\.$/);
    expect(logs[1]).toContain(`\`recdial runs show ${runId} --wait\``);
    expect(logs[1]).toContain('`recdial worker`');
    // The run is the API's: its id decodes to the row, with the sampling asked for.
    const [row] = await db.dataSource.query('SELECT status, requested, config FROM generation_runs WHERE id = $1', [runDbId]);
    expect(Buffer.from(runId, 'base64').toString()).toBe(`GenerationRun:${runDbId}`);
    expect(row).toMatchObject({ status: 'QUEUED', requested: 3, config: { sampling: { temperature: 0.5, seed: 7, topP: 0.9, maxTokens: 2048 } } });

    await startTheWorker();
    const { logs: shown } = await cli('runs', 'show', runId, '--wait');
    expect(shown[0]).toBe(`Run ${runId} (database id ${runDbId}): COMPLETED`);
    const [{ accepted, rejected }] = await db.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted, count(*) FILTER (WHERE status = 'REJECTED')::int AS rejected FROM dialogues WHERE generation_run_id = $1`,
      [runDbId],
    );
    expect(accepted + rejected).toBe(3);
    expect(shown).toContain(`  requested 3: accepted ${accepted}, rejected ${rejected}, superseded 0, failed 0, skipped 0, cancelled 0, pending 0 (running 0)`);

    const { logs: json } = await cli('runs', 'show', runDbId, '--json');
    expect(JSON.parse(json.join('\n'))).toMatchObject({ id: runId, status: 'COMPLETED', kind: 'GENERATE', requested: 3, counts: { accepted, rejected, pending: 0 }, acceptanceRate: accepted / 3 });
  }, 60_000);

  test('regenerate by dialogue id supersedes the original, with the reason recorded', async () => {
    const [{ id }] = await db.dataSource.query('SELECT id FROM dialogues WHERE generation_run_id = $1 ORDER BY id LIMIT 1', [runDbId]);
    const dialogueId = Buffer.from(`Dialogue:${id}`).toString('base64');
    const { logs } = await cli('regenerate', dialogueId, '--role', 'teacher', '--reason', 'too polite');
    let regenId: string;
    [regenId, regenDbId] = queuedId(logs);
    expect(logs[0]).toMatch(/: REGENERATE by TEACHER teacher-model at .*, 1 job\.$/);
    const { logs: shown } = await cli('runs', 'show', regenId, '--wait');
    expect(shown[0]).toBe(`Run ${regenId} (database id ${regenDbId}): COMPLETED`);
    expect(shown[1]).toMatch(/; reason: too polite$/);
    const [original] = await db.dataSource.query('SELECT status FROM dialogues WHERE id = $1', [id]);
    expect(original.status).toBe('SUPERSEDED');
    const [version] = await db.dataSource.query('SELECT supersedes_id AS "supersedesId" FROM dialogues WHERE generation_run_id = $1', [regenDbId]);
    expect(version.supersedesId).toBe(id);

    // Again: a superseded dialogue is the API's CONFLICT, naming the argument.
    await expect(cli('regenerate', String(id), '--role', 'teacher', '--reason', 'again')).rejects.toThrow(/^DIALOGUE-ID: already superseded \(regenerate their newest version instead\)/);
    await expect(cli('regenerate', '--role', 'teacher', '--reason', 'no selection')).rejects.toThrow(/^give dialogue ids or select dialogues with --split, --stereotype/);
    await expect(cli('regenerate', '--role', 'teacher', '--reason', 'x', '--stereotype', 'Nobody')).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
    await expect(cli('regenerate', '--role', 'teacher', '--reason', '  ', '--run', runDbId)).rejects.toThrow('--reason: say why the dialogues are regenerated');
  }, 60_000);

  test('judge scores the run’s dialogues on a rubric; a second judge run has nothing left to judge', async () => {
    const { logs } = await cli('judge', '--rubric', 'DISTILLRECDIAL', '--run', runDbId);
    const [judgeId, judgeDbId] = queuedId(logs);
    expect(logs[0]).toMatch(/: JUDGE by JUDGE judge-model at /);
    const { logs: shown } = await cli('runs', 'show', judgeId, '--wait');
    const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE generation_run_id = $1 AND status = 'ACCEPTED'`, [runDbId]);
    expect(n).toBeGreaterThan(0);
    expect(shown[0]).toBe(`Run ${judgeId} (database id ${judgeDbId}): COMPLETED`);
    expect(shown).toContain(`  requested ${n}: judged ${n}, failed 0, skipped 0, cancelled 0, pending 0 (running 0)`);
    const [{ judged }] = await db.dataSource.query('SELECT count(DISTINCT dialogue_id)::int AS judged FROM judgements WHERE run_id = $1', [judgeDbId]);
    expect(judged).toBe(n);

    await expect(cli('judge', '--rubric', 'DISTILLRECDIAL', '--run', runDbId)).rejects.toThrow(/^--run: matches no dialogue that is not judged|^matches no dialogue that is not judged/);
    await expect(cli('judge', '--rubric', 'NOPE')).rejects.toThrow(/^--rubric: /);
  }, 60_000);

  test('compare-datasets draws pairs from labelled selections and the judge gives every verdict', async () => {
    const { logs } = await cli('compare-datasets', `first=run:${runDbId}`, `again=run:${regenDbId},status:ACCEPTED`, '--pairs', '4', '--seed', '3', '--criterion', 'naturalness');
    const [id, dbId] = queuedId(logs);
    expect(logs[0]).toMatch(/: COMPARE by JUDGE judge-model at .*, 4 jobs\.$/);
    const { logs: shown } = await cli('runs', 'show', id, '--wait');
    expect(shown).toContain('  requested 4: judged 4, failed 0, skipped 0, cancelled 0, pending 0 (running 0)');
    const verdicts: Array<{ aEntry: number; verdict: string }> = await db.dataSource.query(
      `SELECT a_entry AS "aEntry", verdicts->>'naturalness' AS verdict FROM comparison_verdicts WHERE run_id = $1`,
      [dbId],
    );
    expect(verdicts).toHaveLength(4);
    // The head-to-head line is the stored verdicts counted for entry "first" (index 0).
    const winsOfFirst = verdicts.filter((v) => v.verdict === (v.aEntry === 0 ? 'A' : 'B')).length;
    const ties = verdicts.filter((v) => v.verdict === 'TIE').length;
    expect(shown).toContain('  comparison: 4 of 4 pairs judged, seed 3; entries first (2 dialogues), again (1 dialogue)');
    expect(shown.find((l) => l.startsWith('    naturalness: first vs again: '))).toMatch(
      new RegExp(`^    naturalness: first vs again: ${winsOfFirst} wins, ${ties} ties, ${4 - winsOfFirst - ties} losses; win rate ${((100 * winsOfFirst) / 4).toFixed(1)} % \\[`),
    );
    const [{ config }] = await db.dataSource.query('SELECT config FROM generation_runs WHERE id = $1', [dbId]);
    expect(config).toMatchObject({ seed: 3, criteria: [{ key: 'naturalness' }], entries: [{ label: 'first' }, { label: 'again', candidates: 1 }] });

    const runs = await runCount();
    await expect(cli('compare-datasets', 'only=dataset:generated', '--pairs', '2')).rejects.toThrow('ENTRY: give at least two entries to compare');
    await expect(cli('compare-datasets', 'a', 'b=dataset:x', '--pairs', '2')).rejects.toThrow(/^ENTRY "a": expected LABEL=KEY:VALUE/);
    await expect(cli('compare-datasets', 'a=source:ROBOT', 'b=dataset:x', '--pairs', '2')).rejects.toThrow('ENTRY "a": source: expected one of IMPORTED, TEACHER, STUDENT, SIMULATED, got "ROBOT"');
    await expect(cli('compare-datasets', `a=run:${runDbId}`, 'b=stereotype:Nobody', '--pairs', '2')).rejects.toThrow(/^ENTRY "b" stereotype: unknown stereotype "Nobody"/);
    await expect(cli('compare-datasets', `a=run:${runDbId}`, 'b=dataset:nothing-here', '--pairs', '2')).rejects.toThrow('ENTRY "b": matches no dialogue');
    await expect(cli('compare-datasets', `a=run:${runDbId}`, `b=run:${regenDbId}`, '--pairs', '0')).rejects.toThrow(/^--pairs: must be an integer from 1 to/);
    await expect(cli('compare-datasets', `a=run:${runDbId}`, `b=run:${regenDbId}`, '--pairs', '2', '--criterion', 'wit')).rejects.toThrow(/^--criterion: rubric DISTILLRECDIAL has no criterion "wit"/);
    expect(await runCount()).toBe(runs);
  }, 60_000);

  test('a job that fails for good: show --wait exits non-zero naming FAILED; runs retry requeues it and the run completes', async () => {
    model.rule('', { kind: 'status', status: 400, message: 'bad request' }, 1);
    const { logs } = await cli('generate', '--role', 'teacher', '--limit', '1');
    const [id] = queuedId(logs);
    await expect(cli('runs', 'show', id, '--wait')).rejects.toThrow(`run ${id} ended FAILED`);
    const { logs: shown } = await cli('runs', 'show', id);
    expect(shown).toContain('  requested 1: accepted 0, rejected 0, superseded 0, failed 1, skipped 0, cancelled 0, pending 0 (running 0)');
    expect(shown.some((l) => /^ {4}job \d+ attempt 1: CLIENT_ERROR HTTP 400: /.test(l))).toBe(true);
    expect(shown).toContain(`  requeue the failed jobs with \`recdial runs retry ${id}\``);

    const { logs: retried } = await cli('runs', 'retry', id);
    expect(retried[0]).toMatch(/^Requeued 1 failed job of run /);
    const { logs: done } = await cli('runs', 'show', id, '--wait');
    expect(done[0]).toMatch(/: COMPLETED$/);
    await expect(cli('runs', 'retry', id)).rejects.toThrow('RUN-ID: the run has no FAILED jobs');
  }, 60_000);

  test('runs cancel stops a queued run; show --wait then exits non-zero naming CANCELLED; runs list shows every run', async () => {
    await worker!.stop();
    worker = null;
    const { logs } = await cli('generate', '--role', 'teacher', '--limit', '2');
    const [id] = queuedId(logs);
    const { logs: cancelled } = await cli('runs', 'cancel', id);
    expect(cancelled).toEqual([`Run ${id}: CANCELLED`]);
    await expect(cli('runs', 'show', id, '--wait')).rejects.toThrow(`run ${id} ended CANCELLED`);
    await expect(cli('runs', 'cancel', id)).rejects.toThrow('RUN-ID: the run is already cancelled');
    await expect(cli('runs', 'cancel', 'not-an-id')).rejects.toThrow(CommanderError);

    const { logs: listed } = await cli('runs', 'list');
    expect(listed).toHaveLength(await runCount());
    expect(listed[0]).toMatch(new RegExp(`^${id.replace(/[+/=]/g, '\\$&')}  #\\d+  GENERATE TEACHER  CANCELLED  requested 2: `));
    const { logs: json } = await cli('runs', 'list', '--json', '--first', '2');
    expect(json.map((l) => JSON.parse(l).status)).toEqual(['CANCELLED', 'COMPLETED']);
  }, 60_000);
});

describe('eval interactive', () => {
  const evalCli = (...args: string[]) => runCli(db.url, (program) => registerInteractiveEvalCommand(program.command('eval')), ['eval', 'interactive', ...args]);

  test('bad flags name the flag and write nothing', async () => {
    const runs = await runCount();
    await expect(evalCli('--limit', '2')).rejects.toThrow('--system-url and --system-model, or --system-http: give either baseUrl and model');
    await expect(evalCli('--system-http', 'ftp://x')).rejects.toThrow('--system-http: must be an http(s) URL, got "ftp://x"');
    await expect(evalCli('--system-http', crs.url, '--stereotype', 'Nobody')).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
    await expect(evalCli('--system-http', crs.url, '--max-rounds', '0')).rejects.toThrow('--max-rounds: must be an integer from 1 to 50');
    await expect(evalCli('--system-http', crs.url, '--temperature', '3')).rejects.toThrow('--temperature: must be between 0 and 2');
    expect(await runCount()).toBe(runs);
  });

  test('--wait follows the INTERACTIVE run and prints the metrics of every conversation', async () => {
    await startTheWorker();
    try {
      const { logs } = await evalCli('--system-http', crs.url, '--limit', '3', '--max-rounds', '4', '--k', '3', '--wait');
      expect(logs[0]).toMatch(/^Queued interactive evaluation \S+ \(database id \d+\):$/);
      expect(logs[1]).toMatch(/: INTERACTIVE by SIMULATOR seeker-model at .*, 3 jobs\.$/);
      const evaluationId = /^Queued interactive evaluation (\S+) /.exec(logs[0])![1];
      expect(logs).toContain(`Evaluation ${evaluationId}: COMPLETED`);
      expect(logs).toContain('  all stereotypes: 3 conversations');
      // The scripted CRS recommends the target in round 2: every conversation succeeds there.
      expect(logs).toContain('    success                1.000 [0.439, 1.000]  n 3');
      expect(logs.some((l) => /^ {4}rounds_to_success +2\.000 /.test(l))).toBe(true);
      const [{ n }] = await db.dataSource.query(`SELECT count(*)::int AS n FROM dialogues WHERE source = 'SIMULATED'`);
      expect(n).toBe(3);
    } finally {
      await worker!.stop();
      worker = null;
    }
  }, 60_000);
});
