import { Command, InvalidArgumentError, Option } from 'commander';
import pino from 'pino';
import { cancelRun, enqueueGeneration, type EnqueueGenerationInput, regenerateDialogues, retryFailedJobs } from '../../generator';
import { loadConfig } from '../config/config';
import type { OpenDatabase } from '../db/database';
import { DIALOGUE_SOURCES, DIALOGUE_STATUSES, SPLIT_NAMES } from '../dialogues/vocabulary';
import { isTerminal } from '../jobs/lifecycle';
import type { DialogueFilter, DialogueSource, SplitName } from '../modules/dialogue/dialogue.type';
import { createGenerationLoaders } from '../modules/generation/generation.loaders';
import { createGenerationQueue, type GenerationQueue } from '../modules/generation/generation.queue';
import { acceptanceRate, getRun, listRuns, rejectionsByCode, runErrors } from '../modules/generation/generation.service';
import type { GenerationRun, RunCounts } from '../modules/generation/generation.type';
import { compareDatasets, comparisonReport, judgeDialogues } from '../modules/judge/judge.service';
import type { InteractiveEvaluationInput } from '../modules/evaluation/evaluation.inputs';
import { getEvaluation, startInteractiveEvaluation } from '../modules/evaluation/evaluation.service';
import { toInteractiveResult } from '../modules/evaluation/evaluation.type';
import type { CompareDatasetsInput, JudgeDialoguesInput } from '../modules/judge/judge.inputs';
import { toGlobalId } from '../pagination/global-id';
import { CliError, flagOf, generationRunId, positiveInt, readJsonObjectFile, withCliErrors, withDatabase } from './common';
import { filterOf } from './export';

/**
 * `recdial generate`, `regenerate`, `judge`, `compare-datasets`, `runs …` and `eval interactive`:
 * the generation journeys of the API at the terminal. Each is a thin command over the one
 * implementation the GraphQL mutations use (generator/enqueue.ts through generator/index.ts; the
 * judge and evaluation services, which resolve filters and rubrics and then call the generator),
 * with the queue access the API builds (src/modules/generation/generation.queue.ts), so a refusal
 * reads the same as the API's, the argument path replaced by the flag.
 */

/** Argument paths of the generator's inputs whose flag is not the field's kebab-case name. */
const FLAG_OF_FIELD: Record<string, string> = {
  stereotypes: '--stereotype',
  userIds: '--user',
  targetItemIds: '--target-item',
  dialogueIds: 'DIALOGUE-ID',
  includeTargetReview: '--no-target-review',
  normaliseStudentTitles: '--no-normalise-student-titles',
  runId: 'RUN-ID',
  id: 'RUN-ID',
};

/** `input.sampling.topP` → `--top-p`, `input.stereotypes[1]` → `--stereotype`; a whole-input problem has no flag. */
export function generationFlagOf(argument: string): string {
  if (argument === 'input' || argument === 'input.filter') return '';
  const path = argument.replace(/^input\./, '').replace(/^(sampling|validation)\./, '');
  return FLAG_OF_FIELD[path.split(/[.[]/)[0]] ?? flagOf(path);
}

/** withCliErrors with the generation flags (or the command's own). */
function cliErrors<T>(fn: () => Promise<T>, flags: (argument: string) => string = generationFlagOf): Promise<T> {
  return withCliErrors(fn, { flags });
}

/** The database and the queue access the API builds (started on first use), closed afterwards. */
async function withQueue<T>(fn: (queue: GenerationQueue, db: OpenDatabase) => Promise<T>): Promise<T> {
  return withDatabase(async (db) => {
    const queue = createGenerationQueue({ dataSource: db.dataSource, config: loadConfig(), logger: pino({ level: 'warn' }, process.stderr) });
    try {
      return await fn(queue, db);
    } finally {
      await queue.close();
    }
  });
}

function number(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

/** Any integer: the range checks are the generator's, so that the message is the API's. */
function integer(value: string): number {
  const n = number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

const collect = <T>(parse: (v: string) => T) => (value: string, previous: T[] = []) => [...previous, parse(value)];

/** An id as the API shows it, or the database number (`12`), which becomes the API's id. */
const idOf = (type: string) => (value: string) => (/^\d{1,10}$/.test(value) ? toGlobalId(type, Number(value)) : value);

function upperChoice<T extends string>(choices: readonly T[]) {
  return (value: string): T => {
    const v = value.trim().toUpperCase().replace(/-/g, '_') as T;
    if (!choices.includes(v)) throw new InvalidArgumentError(`expected ${choices.map((c) => c.toLowerCase().replace(/_/g, '-')).join(', ')}`);
    return v;
  };
}

const WRITING_ROLES = ['TEACHER', 'STUDENT'] as const;

interface WritingFlags {
  role: (typeof WRITING_ROLES)[number];
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  seed?: number;
  unknownItemPolicy?: 'reject' | 'strip' | 'keep';
  minUtterances?: number;
  maxUtterances?: number;
  mergeSameRole?: boolean;
  normaliseStudentTitles: boolean;
  titleMatching?: 'exact' | 'fuzzy';
  legacyFeatureKeys?: boolean;
  targetReview: boolean;
  priority?: number;
}

function roleOption(command: Command): Command {
  return command.requiredOption('--role <role>', 'who writes: teacher or student (its endpoint: TEACHER_/STUDENT_BASE_URL and _MODEL)', upperChoice(WRITING_ROLES));
}

/** The flags of the options a generation and a regeneration share (GenerationInput / RegenerationInput). */
function writingOptions(command: Command): Command {
  return command
    .option('--temperature <t>', 'sampling temperature, 0–2 (default 0.7)', number)
    .option('--top-p <p>', 'nucleus sampling, (0, 1] (default 0.9)', number)
    .option('--max-tokens <n>', 'at most this many tokens per answer, 16 or more (default 2048)', integer)
    .option('--seed <n>', 'the run’s base seed; each request gets a keyed sub-stream value (default 42)', integer)
    .addOption(new Option('--unknown-item-policy <policy>', 'an item id the catalogue does not know: reject the dialogue (default), strip the mention, or keep it').choices(['reject', 'strip', 'keep']))
    .option('--min-utterances <n>', 'reject shorter dialogues (default 5)', integer)
    .option('--max-utterances <n>', 'reject longer dialogues (default 20)', integer)
    .option('--merge-same-role', 'merge consecutive utterances of one role (a warning) instead of rejecting')
    .option('--no-normalise-student-titles', 'leave titles in student output as written (default: rewritten into item tags)')
    .addOption(new Option('--title-matching <how>', 'how titles are found in model output (fuzzy: also token-level, similarity ≥ 0.9)').choices(['exact', 'fuzzy']))
    .option('--legacy-feature-keys', 'reproduce the original prompts without Actors/Directors lines (docs/pipeline.md §14 D1)')
    .option('--no-target-review', 'do not show the Fully Expressive Seeker its own review of the target')
    .option('--priority <n>', 'higher runs first (default 0)', integer);
}

function writingInput(opts: WritingFlags) {
  return {
    role: opts.role,
    sampling: { temperature: opts.temperature, topP: opts.topP, maxTokens: opts.maxTokens, seed: opts.seed },
    validation: {
      unknownItemPolicy: opts.unknownItemPolicy,
      minUtterances: opts.minUtterances,
      maxUtterances: opts.maxUtterances,
      mergeSameRole: opts.mergeSameRole,
      normaliseStudentTitles: opts.normaliseStudentTitles,
      titleMatching: opts.titleMatching,
    },
    legacyFeatureKeys: !!opts.legacyFeatureKeys,
    includeTargetReview: opts.targetReview,
    priority: opts.priority ?? 0,
  };
}

export interface FilterFlags {
  split?: SplitName;
  stereotype?: string;
  dataset?: string;
  source?: DialogueSource;
  run?: number;
  status?: string;
}

/** The dialogue selection flags of the export commands (src/cli/export.ts), one split at a time. */
export function dialogueFilterOptions(command: Command, what: string): Command {
  return command
    .addOption(new Option('--split <split>', `only ${what} of this split`).choices(SPLIT_NAMES as unknown as string[]))
    .option('--stereotype <key>', `only ${what} of this stereotype, e.g. "History + Hint Seeker"`)
    .option('--dataset <name>', `only ${what} of this dataset, e.g. distillrecdial, generated`)
    .addOption(new Option('--source <source>', `only ${what} of this source`).choices(DIALOGUE_SOURCES as unknown as string[]))
    .option('--run <id>', `only ${what} of this generation run`, generationRunId)
    .addOption(new Option('--status <status>', 'dialogue status (default ACCEPTED); all for every status').choices(['ACCEPTED', 'REJECTED', 'SUPERSEDED', 'all']));
}

const FILTER_FLAGS = ['split', 'stereotype', 'dataset', 'source', 'run', 'status'] as const;

/** The selection the flags give; none given means the API's `filter: null` (ACCEPTED dialogues). */
export function givenFilter(opts: FilterFlags): DialogueFilter | null {
  if (!FILTER_FLAGS.some((f) => opts[f] !== undefined)) return null;
  return { ...filterOf({ ...opts, split: undefined, status: opts.status ?? 'ACCEPTED' }), stereotype: opts.stereotype ?? null, split: opts.split ?? null };
}

function nextSteps(run: GenerationRun): void {
  const role = run.role;
  console.log(`Queued run ${run.id} (database id ${run.dbId}): ${run.kind} by ${role} ${run.model} at ${run.endpoint}, ${run.requested} job${run.requested === 1 ? '' : 's'}.`);
  console.log(`Next: start a worker with the same ${role}_BASE_URL and ${role}_MODEL (\`recdial worker\`; any number, anywhere), then follow the run with \`recdial runs show ${run.id} --wait\`.`);
}

async function loadRun(db: OpenDatabase, id: number): Promise<GenerationRun> {
  const run = await getRun(db.dataSource.manager, id);
  if (!run) throw new CliError(`no generation run ${toGlobalId('GenerationRun', id)} (database id ${id}); \`recdial runs list\` shows the runs`);
  return run;
}

interface RunReport {
  id: string;
  databaseId: number;
  kind: string;
  role: string;
  strategy: string;
  status: string;
  model: string;
  endpoint: string;
  reason: string | null;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  requested: number;
  counts: RunCounts;
  acceptanceRate: number | null;
  rejectionsByCode: Array<{ code: string; stereotype: string | null; count: number }>;
  errors: Array<{ jobId: number; attempt: number; code: string; httpStatus: number | null; message: string | null; retried: boolean; at: Date }>;
  /** COMPARE runs: the result from the verdicts stored so far, as the `comparison(runId)` query gives it. */
  comparison?: Awaited<ReturnType<typeof comparisonReport>>;
}

/** What `generationRun(id)` shows of a run: status, counts, rejections and the latest errors. */
async function runReport(db: OpenDatabase, run: GenerationRun, errors = 10): Promise<RunReport> {
  const manager = db.dataSource.manager;
  const counts = await createGenerationLoaders(manager).runCounts.load(run.dbId);
  return {
    id: run.id,
    databaseId: run.dbId,
    kind: run.kind,
    role: run.role,
    strategy: run.strategy,
    status: run.status,
    model: run.model,
    endpoint: run.endpoint,
    reason: run.reason,
    createdBy: run.createdBy,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    requested: run.requested,
    counts,
    acceptanceRate: acceptanceRate(counts),
    rejectionsByCode: await rejectionsByCode(manager, run.dbId),
    errors: (await runErrors(manager, run.dbId, errors)).map(({ jobId, attempt, code, httpStatus, message, retried, at }) => ({ jobId, attempt, code, httpStatus, message, retried, at })),
    ...(run.kind === 'COMPARE' ? { comparison: await comparisonReport(manager, run.dbId) } : {}),
  };
}

function printReport(r: RunReport): void {
  const c = r.counts;
  console.log(`Run ${r.id} (database id ${r.databaseId}): ${r.status}`);
  console.log(`  ${r.kind} ${r.strategy} by ${r.role} ${r.model} at ${r.endpoint}${r.reason ? `; reason: ${r.reason}` : ''}`);
  console.log(`  created ${r.createdAt.toISOString()}${r.createdBy ? ` by ${r.createdBy}` : ''}` + (r.startedAt ? `, started ${r.startedAt.toISOString()}` : '') + (r.finishedAt ? `, finished ${r.finishedAt.toISOString()}` : ''));
  const judging = r.kind === 'JUDGE' || r.kind === 'COMPARE';
  const done = judging ? `judged ${c.judged}` : `accepted ${c.accepted}, rejected ${c.rejected}, superseded ${c.superseded}`;
  console.log(`  requested ${r.requested}: ${done}, failed ${c.failed}, skipped ${c.skipped}, cancelled ${c.cancelled}, pending ${c.pending} (running ${c.running})`);
  if (r.acceptanceRate !== null) console.log(`  acceptance rate ${(100 * r.acceptanceRate).toFixed(1)} %`);
  if (r.rejectionsByCode.length) {
    console.log(`  rejections: ${r.rejectionsByCode.map((x) => `${x.code}${x.stereotype ? ` (${x.stereotype})` : ''} ${x.count}`).join(', ')}`);
  }
  if (r.errors.length) {
    console.log('  errors, newest first:');
    for (const e of r.errors) {
      console.log(`    job ${e.jobId} attempt ${e.attempt}: ${e.code}${e.httpStatus ? ` HTTP ${e.httpStatus}` : ''}${e.retried ? ' (retried)' : ''}${e.message ? `: ${e.message}` : ''}`);
    }
  }
  if (r.comparison) {
    const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)} %`);
    const interval = (i: { low: number; high: number } | null) => (i ? ` [${pct(i.low)}, ${pct(i.high)}]` : '');
    console.log(`  comparison: ${r.comparison.judged} of ${r.comparison.pairs} pairs judged, seed ${r.comparison.seed}; entries ${r.comparison.entries.map((e) => `${e.label} (${e.candidates} dialogue${e.candidates === 1 ? '' : 's'})`).join(', ')}`);
    for (const c of r.comparison.criteria) {
      for (const h of c.headToHead) {
        console.log(`    ${c.criterion}: ${h.a} vs ${h.b}: ${h.wins} wins, ${h.ties} ties, ${h.losses} losses; win rate ${pct(h.winRate)}${interval(h.winRateInterval)}, preference ${pct(h.preference)}${interval(h.preferenceInterval)}`);
      }
      if (c.bradleyTerry) console.log(`    ${c.criterion}: Bradley–Terry ${c.bradleyTerry.map((b) => `${b.label} ${b.strength.toFixed(3)}`).join(', ')}`);
    }
  }
  if (c.failed > 0 && r.status !== 'CANCELLED') console.log(`  requeue the failed jobs with \`recdial runs retry ${r.id}\``);
}

/**
 * Follows a run to its end through the run channel's LISTEN (src/jobs/notify-events.ts), a line
 * per change on stderr (so that --json output stays one object); returns the finished run.
 */
async function followRun(queue: GenerationQueue, db: OpenDatabase, id: number): Promise<GenerationRun> {
  let run = await loadRun(db, id);
  if (run.status === 'QUEUED') process.stderr.write(`waiting for a \`recdial worker\` with the ${run.role} endpoint to take the jobs (Ctrl-C stops following, not the run)\n`);
  for await (const changed of queue.events.watch(id)) {
    run = await loadRun(db, changed);
    const c = await createGenerationLoaders(db.dataSource.manager).runCounts.load(id);
    const done = c.accepted + c.rejected + c.superseded + c.judged;
    process.stderr.write(`${run.status}: ${done} of ${run.requested} done, ${c.failed} failed, ${c.pending} pending\n`);
    if (isTerminal(run.status)) break;
  }
  return loadRun(db, id);
}

/** `--wait` ends in COMPLETED, or the command fails naming the terminal status. */
function checkOutcome(r: RunReport): void {
  if (r.status === 'FAILED' || r.status === 'CANCELLED') throw new CliError(`run ${r.id} ended ${r.status}`);
}

export function registerGenerateCommands(program: Command): void {
  const generate = roleOption(
    program
      .command('generate')
      .description('enqueue a generation run (like the enqueueGeneration mutation): one job per prepared user selected; `recdial worker` writes them'),
  )
    .option('--strategy <strategy>', 'stereotype (default) or goal-template', upperChoice(['STEREOTYPE', 'GOAL_TEMPLATE'] as const))
    .option('--domain <domain>', 'only users of this Amazon domain, e.g. Movies_and_TV')
    .option('--stereotype <key>', 'only users whose seeded stereotype is this one (repeat for several)', collect(String))
    .option('--as-stereotype <key>', 'render every selected user as this stereotype instead of their own')
    .option('--user <id>', 'only this user (the id the API shows, or the database number; repeat for several)', collect(idOf('User')))
    .option('--target-item <id>', 'only users whose target is this item (the id the API shows, or the database number; repeatable)', collect(idOf('Item')))
    .option('--limit <n>', 'at most this many dialogues (users in user-id order)', integer)
    .option('--teacher-fraction <f>', 'teacher sample: this fraction of each stereotype’s users, seeded (docs/pipeline.md §6.1), e.g. 0.1', number)
    .option('--teacher-seed <n>', 'the teacher sample’s seed (default 42)', integer)
    .option('--sample-name <name>', 'store the teacher sample under this name (default teacher-<run id>); needs --teacher-fraction')
    .option('--exclude-sample <name>', 'leave out the users of this stored sample, e.g. a student run over everyone but the teacher sample')
    .option('--adapter <file>', 'student runs: the adapter’s metadata JSON (adapter_meta.json), stored with the run');
  writingOptions(generate).action(
    async (
      opts: WritingFlags & {
        strategy?: 'STEREOTYPE' | 'GOAL_TEMPLATE';
        domain?: string;
        stereotype?: string[];
        asStereotype?: string;
        user?: string[];
        targetItem?: string[];
        limit?: number;
        teacherFraction?: number;
        teacherSeed?: number;
        sampleName?: string;
        excludeSample?: string;
        adapter?: string;
      },
    ) => {
      const input: EnqueueGenerationInput = {
        ...writingInput(opts),
        strategy: opts.strategy,
        domain: opts.domain,
        stereotypes: opts.stereotype,
        asStereotype: opts.asStereotype,
        userIds: opts.user,
        targetItemIds: opts.targetItem,
        limit: opts.limit,
        teacherFraction: opts.teacherFraction,
        teacherSeed: opts.teacherSeed,
        sampleName: opts.sampleName,
        excludeSample: opts.excludeSample,
        adapter: opts.adapter === undefined ? undefined : readJsonObjectFile('--adapter', opts.adapter, 'a JSON object (e.g. adapter_meta.json)'),
      };
      await withQueue(async (queue, db) => {
        const id = await cliErrors(() => enqueueGeneration(queue.queue, input, null));
        nextSteps(await loadRun(db, id));
      });
    },
  );

  writingOptions(
    dialogueFilterOptions(
      roleOption(
        program
          .command('regenerate')
          .description('new versions of dialogues (like regenerateDialogues): by id and/or by the selection flags; each supersedes its original')
          .argument('[dialogue-ids...]', 'dialogues (the ids the API shows, or database numbers)'),
      ).requiredOption('--reason <text>', 'why they are regenerated (recorded with the run)'),
      'dialogues',
    ),
  ).action(async (ids: string[], opts: WritingFlags & FilterFlags & { reason: string }) => {
    const filter = givenFilter(opts);
    if (ids.length === 0 && filter === null) throw new CliError(`give dialogue ids or select dialogues with ${FILTER_FLAGS.map((f) => `--${f}`).join(', ')} (e.g. --run ID --status REJECTED)`);
    await withQueue(async (queue, db) => {
      const id = await cliErrors(() =>
        regenerateDialogues(queue.queue, { ...writingInput(opts), reason: opts.reason, dialogueIds: ids.length ? ids.map(idOf('Dialogue')) : null, filter }, null),
      );
      nextSteps(await loadRun(db, id));
    });
  });

  dialogueFilterOptions(
    program
      .command('judge')
      .description('score dialogues on a rubric with the JUDGE model (like judgeDialogues): a JUDGE run, one job per dialogue; default every ACCEPTED one')
      .requiredOption('--rubric <key>', 'LLM_REDIAL, DISTILLRECDIAL or one stored with updateRubric (its active version)'),
    'dialogues',
  )
    .option('--again', 'judge dialogues that already have a judgement on this rubric version by this model too')
    .option('--temperature <t>', 'the judge’s temperature, 0–2', number)
    .option('--max-tokens <n>', 'at most this many tokens per answer, 16 or more', integer)
    .option('--seed <n>', 'the run’s base seed', integer)
    .option('--priority <n>', 'higher runs first (default 0)', integer)
    .action(async (opts: FilterFlags & { rubric: string; again?: boolean; temperature?: number; maxTokens?: number; seed?: number; priority?: number }) => {
      const input = {
        filter: givenFilter(opts),
        rubric: opts.rubric,
        skipJudged: !opts.again,
        sampling: { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed },
        priority: opts.priority ?? 0,
      } as JudgeDialoguesInput;
      await withQueue(async (queue, db) => {
        const id = await cliErrors(() => judgeDialogues(db.dataSource.manager, queue.queue, input, null));
        nextSteps(await loadRun(db, id));
      });
    });

  program
    .command('compare-datasets')
    .description('head-to-head comparison by the JUDGE model (like compareDatasets): a COMPARE run of pairs drawn from two or more selections')
    .argument('<entry...>', 'LABEL=KEY:VALUE[,KEY:VALUE…] with keys dataset, source, run, stereotype, split, status (default ACCEPTED; all), domain, e.g. teacher=source:TEACHER student=source:STUDENT')
    .requiredOption('--pairs <n>', 'pairs to draw (each one judge request)', integer)
    .option('--seed <n>', 'seed of the pair draw and the display order (default 42)', integer)
    .option('--rubric <key>', 'the rubric whose criteria are compared (default DISTILLRECDIAL)')
    .option('--criterion <key>', 'only this criterion of the rubric (repeat for several; default all)', collect(String))
    .option('--temperature <t>', 'the judge’s temperature, 0–2', number)
    .option('--max-tokens <n>', 'at most this many tokens per answer, 16 or more', integer)
    .option('--priority <n>', 'higher runs first (default 0)', integer)
    .action(async (specs: string[], opts: { pairs: number; seed?: number; rubric?: string; criterion?: string[]; temperature?: number; maxTokens?: number; priority?: number }) => {
      const entries = specs.map(comparisonEntry);
      const input = {
        entries,
        rubric: opts.rubric ?? 'DISTILLRECDIAL',
        criteria: opts.criterion,
        pairs: opts.pairs,
        seed: opts.seed ?? 42,
        sampling: { temperature: opts.temperature, maxTokens: opts.maxTokens },
        priority: opts.priority ?? 0,
      } as CompareDatasetsInput;
      // The service's argument paths name entries by position; at the terminal they are the ENTRY's label.
      const flags = (argument: string) => {
        const entry = /^input\.entries\[(\d+)\](?:\.filter)?\.?(.*)$/.exec(argument);
        if (entry) return `ENTRY "${entries[Number(entry[1])]?.label}"${entry[2] ? ` ${flagOf(entry[2]).replace(/^--/, '')}` : ''}`;
        if (argument === 'input.entries') return 'ENTRY';
        return argument.startsWith('input.criteria') ? '--criterion' : generationFlagOf(argument);
      };
      await withQueue(async (queue, db) => {
        const id = await cliErrors(() => compareDatasets(db.dataSource.manager, queue.queue, input, null), flags);
        nextSteps(await loadRun(db, id));
        console.log(`The result (win rates with intervals per criterion): \`recdial runs show ${toGlobalId('GenerationRun', id)}\`, or the \`comparison(runId: …)\` query.`);
      });
    });

  const runs = program.command('runs').description('generation, judge and interactive runs: list, show (and follow), cancel, retry');

  runs
    .command('list')
    .description('runs, newest first (like generationRuns)')
    .option('--first <n>', 'how many (default 20)', positiveInt)
    .option('--json', 'one JSON object per line')
    .action(async (opts: { first?: number; json?: boolean }) => {
      await withDatabase(async (db) => {
        const config = loadConfig();
        const page = await cliErrors(() => listRuns(db.dataSource.manager, { first: opts.first ?? 20, after: null }, config.pageCap));
        const counts = createGenerationLoaders(db.dataSource.manager).runCounts;
        if (!opts.json && page.edges.length === 0) console.log('No runs yet: `recdial generate --role teacher --limit 10` enqueues one.');
        for (const { node: run } of page.edges) {
          const c = await counts.load(run.dbId);
          if (opts.json) {
            console.log(JSON.stringify({ id: run.id, databaseId: run.dbId, kind: run.kind, role: run.role, status: run.status, requested: run.requested, counts: c, createdAt: run.createdAt }));
          } else {
            const done = run.kind === 'JUDGE' || run.kind === 'COMPARE' ? `judged ${c.judged}` : `accepted ${c.accepted} rejected ${c.rejected}`;
            console.log(`${run.id}  #${run.dbId}  ${run.kind} ${run.role}  ${run.status}  requested ${run.requested}: ${done} failed ${c.failed} pending ${c.pending}  ${run.createdAt.toISOString()}`);
          }
        }
      });
    });

  runs
    .command('show')
    .description('a run: status, counts, rejections and latest errors (like generationRun); --wait follows it to its end')
    .argument('<run-id>', 'the id the API shows, or the database number', generationRunId)
    .option('--wait', 'follow the run until it ends (COMPLETED, FAILED or CANCELLED); fails unless it COMPLETED')
    .option('--errors <n>', 'how many of the latest errors (default 10)', positiveInt)
    .option('--json', 'print the run as JSON')
    .action(async (id: number, opts: { wait?: boolean; errors?: number; json?: boolean }) => {
      await withQueue(async (queue, db) => {
        const run = opts.wait ? await followRun(queue, db, id) : await loadRun(db, id);
        const report = await runReport(db, run, opts.errors);
        if (opts.json) console.log(JSON.stringify(report, null, 2));
        else printReport(report);
        if (opts.wait) checkOutcome(report);
      });
    });

  runs
    .command('cancel')
    .description('cancel what has not started (like cancelGenerationRun); running requests finish and are stored')
    .argument('<run-id>', 'the id the API shows, or the database number', generationRunId)
    .action(async (id: number) => {
      await withQueue(async (queue, db) => {
        await loadRun(db, id);
        await cliErrors(() => cancelRun(queue.queue, id));
        const run = await loadRun(db, id);
        console.log(`Run ${run.id}: ${run.status}`);
      });
    });

  runs
    .command('retry')
    .description('requeue the FAILED jobs of a run with a new set of attempts (like retryFailedJobs); the run goes back to RUNNING')
    .argument('<run-id>', 'the id the API shows, or the database number', generationRunId)
    .action(async (id: number) => {
      await withQueue(async (queue, db) => {
        await loadRun(db, id);
        const { requeued } = await cliErrors(() => retryFailedJobs(queue.queue, { runId: id, jobIds: null }));
        console.log(`Requeued ${requeued} failed job${requeued === 1 ? '' : 's'} of run ${toGlobalId('GenerationRun', id)}; a running \`recdial worker\` takes them.`);
      });
    });
}

const ENTRY_KEYS = ['dataset', 'source', 'run', 'stereotype', 'split', 'status', 'domain'] as const;

/** `teacher=source:TEACHER,run:3` → a label and a DialogueFilter, each value checked as the API's enums would be. */
function comparisonEntry(spec: string): { label: string; filter: DialogueFilter } {
  const eq = spec.indexOf('=');
  const usage = `ENTRY "${spec}": expected LABEL=KEY:VALUE[,KEY:VALUE…] with keys ${ENTRY_KEYS.join(', ')}, e.g. teacher=source:TEACHER`;
  if (eq <= 0) throw new CliError(usage);
  const label = spec.slice(0, eq).trim();
  const filter: DialogueFilter = { status: 'ACCEPTED' as DialogueFilter['status'] };
  for (const part of spec.slice(eq + 1).split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new CliError(usage);
    const key = part.slice(0, colon).trim() as (typeof ENTRY_KEYS)[number];
    const value = part.slice(colon + 1).trim();
    const oneOf = (choices: readonly string[]) => {
      if (!choices.includes(value)) throw new CliError(`ENTRY "${label}": ${key}: expected one of ${choices.join(', ')}, got "${value}"`);
      return value;
    };
    if (key === 'source') filter.source = oneOf(DIALOGUE_SOURCES) as DialogueSource;
    else if (key === 'split') filter.split = oneOf(SPLIT_NAMES) as SplitName;
    else if (key === 'status') filter.status = value === 'all' ? null : (oneOf([...DIALOGUE_STATUSES, 'all']) as DialogueFilter['status']);
    else if (key === 'run') {
      try {
        filter.generationRunId = toGlobalId('GenerationRun', generationRunId(value));
      } catch (error) {
        throw new CliError(`ENTRY "${label}": run: ${(error as Error).message}`);
      }
    } else if (key === 'dataset' || key === 'stereotype' || key === 'domain') filter[key] = value;
    else throw new CliError(`ENTRY "${label}": unknown key "${key}"; expected one of ${ENTRY_KEYS.join(', ')}`);
  }
  return { label, filter };
}

const INTERACTIVE_FLAGS: Record<string, string> = {
  'input.system': '--system-url and --system-model, or --system-http',
  'input.system.baseUrl': '--system-url',
  'input.system.model': '--system-model',
  'input.system.httpEndpoint': '--system-http',
  'input.system.timeoutMs': '--system-timeout-ms',
  'input.users.stereotype': '--stereotype',
  'input.users.domain': '--domain',
  'input.simulator': '',
  'input.users': '',
};

/** `recdial eval interactive`: an interactive evaluation (like evaluateInteractively), with --wait its metrics at the end. */
export function registerInteractiveEvalCommand(evalCommand: Command): void {
  evalCommand
    .command('interactive')
    .description('an interactive evaluation (like evaluateInteractively): a simulated seeker (SIMULATOR role) per prepared user talks to the system under test')
    .option('--system-url <url>', 'an OpenAI-compatible system under test: its base URL including /v1 (with --system-model)')
    .option('--system-model <name>', 'the chat model to talk to at --system-url')
    .option('--system-http <url>', 'instead: a plain HTTP CRS endpoint (POST {context, message} → {text, items?})')
    .option('--system-timeout-ms <ms>', 'per system call (default 60000)', integer)
    .option('--domain <domain>', 'only users of this Amazon domain')
    .option('--stereotype <key>', 'only users whose seeded stereotype is this one')
    .option('--user <id>', 'exactly this user (the id the API shows, or the database number; repeat for several)', collect(idOf('User')))
    .option('--limit <n>', 'at most this many users, in user order', integer)
    .option('--max-rounds <n>', 'rounds before a conversation counts as a failure, 1–50 (default 5)', integer)
    .option('--k <n>', 'Recall@k on the last list the system recommended (default 10)', integer)
    .option('--seed <n>', 'base seed of every seeker and system request (default 42)', integer)
    .option('--temperature <t>', 'the seeker’s temperature (default 0.7)', number)
    .option('--top-p <p>', 'the seeker’s nucleus sampling (default 0.9)', number)
    .option('--max-tokens <n>', 'per seeker utterance (default 256)', integer)
    .option('--dataset <name>', 'the dataset of the stored SIMULATED dialogues (default simulated)')
    .option('--priority <n>', 'higher runs first (default 0)', integer)
    .option('--wait', 'follow the run to its end and print the metrics; fails unless it COMPLETED')
    .option('--json', 'with --wait: print the evaluation’s metrics as JSON')
    .action(
      async (opts: {
        systemUrl?: string;
        systemModel?: string;
        systemHttp?: string;
        systemTimeoutMs?: number;
        domain?: string;
        stereotype?: string;
        user?: string[];
        limit?: number;
        maxRounds?: number;
        k?: number;
        seed?: number;
        temperature?: number;
        topP?: number;
        maxTokens?: number;
        dataset?: string;
        priority?: number;
        wait?: boolean;
        json?: boolean;
      }) => {
        const input = {
          system: { baseUrl: opts.systemUrl, model: opts.systemModel, httpEndpoint: opts.systemHttp, timeoutMs: opts.systemTimeoutMs },
          users: opts.domain !== undefined || opts.stereotype !== undefined ? { domain: opts.domain, stereotype: opts.stereotype } : null,
          userIds: opts.user,
          limit: opts.limit,
          maxRounds: opts.maxRounds,
          k: opts.k,
          seed: opts.seed,
          simulator: { temperature: opts.temperature, topP: opts.topP, maxTokens: opts.maxTokens },
          dataset: opts.dataset,
          priority: opts.priority,
        } as InteractiveEvaluationInput;
        await withQueue(async (queue, db) => {
          const manager = db.dataSource.manager;
          const evaluationId = await cliErrors(
            () => startInteractiveEvaluation(manager, queue.queue, input, null),
            (argument) => INTERACTIVE_FLAGS[argument] ?? generationFlagOf(argument.replace(/^input\.simulator\./, 'input.sampling.')),
          );
          const evaluation = (await getEvaluation(manager, evaluationId))!;
          const runId = generationRunId(String((evaluation.options as { runId: string }).runId)); // the id the API shows
          const evaluationGid = toGlobalId('Evaluation', evaluationId);
          console.log(`Queued interactive evaluation ${evaluationGid} (database id ${evaluationId}):`);
          nextSteps(await loadRun(db, runId));
          if (!opts.wait) {
            console.log(`The metrics: \`recdial eval interactive … --wait\` prints them at the end; or the \`evaluation(id: "${evaluationGid}") { interactive { … } }\` query, the viewer’s Evaluations page.`);
            return;
          }
          const run = await followRun(queue, db, runId);
          const finished = (await getEvaluation(manager, evaluationId))!;
          const rows = (finished.results ?? []).map((r) => toInteractiveResult(r as Record<string, unknown>));
          if (opts.json) console.log(JSON.stringify({ id: evaluationGid, runId: run.id, status: finished.status, interactive: rows }, null, 2));
          else {
            console.log(`Evaluation ${evaluationGid}: ${finished.status}${finished.error ? ` (${finished.error})` : ''}`);
            for (const row of rows) {
              console.log(`  ${row.stereotype ?? 'all stereotypes'}: ${row.conversations} conversations`);
              for (const m of row.metrics) {
                const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(3));
                console.log(`    ${m.key.padEnd(22)} ${fmt(m.mean)} [${fmt(m.low)}, ${fmt(m.high)}]  n ${m.n}`);
              }
            }
          }
          if (run.status !== 'COMPLETED') throw new CliError(`run ${run.id} ended ${run.status}`);
        });
      },
    );
}

