import fs from 'node:fs';
import { type Command, Option } from 'commander';
import type { RubricDefinition, RubricVersionRecord } from '../../generator';
import type { PromptKindValue } from '../db/schema/prompt-version.entity';
import { judgeAgreement, judgementStatistics } from '../modules/judge/judge.service';
import { JudgementGroupBy, toRubric } from '../modules/judge/judge.type';
import { activeRubrics, rubricHistory, updateRubric } from '../modules/judge/rubric.service';
import { promptHistory, updatePrompt } from '../modules/prompt/prompt.service';
import { CliError, flagOf, nonNegativeInt, readJsonObjectFile, withCliErrors, withDatabase } from './common';
import { dialogueFilterOptions, type FilterFlags, givenFilter } from './generate';

/**
 * `recdial eval judgement-statistics|judge-agreement`, `recdial rubrics …` and `recdial prompts …`: the read side of
 * the judges and the rubric/prompt editing of the API at the terminal. Each is a thin command over
 * the service function the resolver calls (judgementStatistics, judgeAgreement, rubricVersions,
 * updateRubric, promptVersions, updatePrompt), so numbers and refusals read the same as the API's,
 * the argument path replaced by the flag.
 */

const json = (value: unknown) => console.log(JSON.stringify(value, null, 2));

/** Left-aligned text columns, right-aligned numbers: what `eval` prints for people. */
function table(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^-?[\d.]+$|^–$/.test(r[i])));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

const fixed = (x: number | null | undefined, digits = 3) => (x == null ? '–' : x.toFixed(digits));

interface StatsFlags extends FilterFlags {
  rubric: string;
  groupBy?: string;
  json?: boolean;
}

/**
 * `recdial eval judgement-statistics` and `eval judge-agreement`. Under `eval`, not under
 * `recdial judge`: that command has its own --rubric and filter flags, and commander would take a
 * subcommand's flags for the parent unless the whole program switched to positional options.
 */
export function registerJudgeReadCommands(evalCommand: Command): void {
  dialogueFilterOptions(
    evalCommand
      .command('judgement-statistics')
      .description('mean, standard error and n per criterion of each dialogue’s latest judgement on a rubric (like judgementStatistics)')
      .requiredOption('--rubric <key>', 'the rubric, e.g. LLM_REDIAL')
      .addOption(new Option('--group-by <group>', 'one row per stereotype, dataset or source').choices(Object.values(JudgementGroupBy))),
    'dialogues',
  )
    .option('--json', 'print the rows as JSON, as the API returns them')
    .action(async (opts: StatsFlags) => {
      const rows = await withDatabase((db) =>
        withCliErrors(() => judgementStatistics(db.dataSource.manager, opts.rubric, (opts.groupBy as JudgementGroupBy | undefined) ?? null, givenFilter(opts))),
      );
      if (opts.json) return json(rows);
      if (rows.length === 0) return console.log(`No judgements on ${opts.rubric} match.`);
      const header = opts.groupBy ? [opts.groupBy.toLowerCase(), 'criterion', 'n', 'mean', 'se'] : ['criterion', 'n', 'mean', 'se'];
      table(
        header,
        rows.map((r) => [...(opts.groupBy ? [r.group ?? '(none)'] : []), r.criterion, String(r.n), fixed(r.mean), fixed(r.se)]),
      );
    });

  evalCommand
    .command('judge-agreement')
    .description('Spearman and Kendall tau-b between imported human ratings (`recdial import ratings`) and the judge, per criterion (like judgeAgreement)')
    .requiredOption('--rubric <key>', 'the rubric, e.g. LLM_REDIAL')
    .option('--seed <n>', 'the bootstrap seed', nonNegativeInt, 42)
    .option('--resamples <n>', 'bootstrap resamples, 100–10000', nonNegativeInt, 1000)
    .option('--json', 'print the rows as JSON, as the API returns them')
    .action(async (opts: { rubric: string; seed: number; resamples: number; json?: boolean }) => {
      const rows = await withDatabase((db) => withCliErrors(() => judgeAgreement(db.dataSource.manager, opts.rubric, opts.seed, opts.resamples)));
      if (opts.json) return json(rows);
      const interval = (i: { low: number; high: number } | null) => (i ? `[${fixed(i.low)}, ${fixed(i.high)}]` : '–');
      table(
        ['criterion', 'level', 'n', 'spearman', 'interval', 'kendall', 'interval'],
        rows.map((r) => [r.criterion, r.level, String(r.n), fixed(r.spearman), interval(r.spearmanInterval), fixed(r.kendall), interval(r.kendallInterval)]),
      );
    });
}

/** The definition in a rubric file: updateRubric's input without key and note. */
function readRubricFile(file: string): RubricDefinition {
  const d = readJsonObjectFile('--file', file, 'one JSON object (title, scope, min, max, criteria, instructions)');
  const unknownField = Object.keys(d).find((k) => !['title', 'scope', 'min', 'max', 'criteria', 'instructions'].includes(k));
  if (unknownField) throw new CliError(`--file: ${unknownField}: unknown field; expected title, scope, min, max, criteria, instructions (key and note are given on the command line)`);
  for (const field of ['title', 'scope', 'instructions'] as const) {
    if (typeof d[field] !== 'string') throw new CliError(`--file: ${field}: expected a string`);
  }
  for (const field of ['min', 'max'] as const) {
    if (typeof d[field] !== 'number') throw new CliError(`--file: ${field}: expected an integer`);
  }
  if (!Array.isArray(d.criteria)) throw new CliError('--file: criteria: expected an array of { key, description }');
  d.criteria.forEach((c: unknown, i) => {
    const ok = typeof c === 'object' && c !== null && typeof (c as Record<string, unknown>).key === 'string' && typeof (c as Record<string, unknown>).description === 'string';
    if (!ok) throw new CliError(`--file: criteria[${i}]: expected { key, description } (strings)`);
  });
  return d as unknown as RubricDefinition;
}

function printRubric(r: RubricVersionRecord): void {
  const d = r.definition;
  console.log(`${r.key} version ${r.version}${r.builtIn ? ' (built in)' : ''}: ${d.title}`);
  console.log(`scope ${d.scope}, scores ${d.min}–${d.max}, sha256 ${r.sha256}`);
  if (r.note || r.createdBy || r.createdAt) console.log(`note: ${r.note ?? '–'}; by ${r.createdBy ?? '–'} at ${r.createdAt?.toISOString() ?? '–'}`);
  console.log('criteria:');
  for (const c of d.criteria) console.log(`  ${c.key}: ${c.description}`);
  console.log('instructions:');
  console.log(d.instructions);
}

/** `recdial rubrics list|show|set`: the rubrics, rubricVersions and updateRubric of the API. */
export function registerRubricCommands(program: Command): void {
  const rubrics = program.command('rubrics').description('the judges’ rubrics: list the active ones, show a version, store a new version (like rubrics, rubricVersions, updateRubric)');
  rubrics
    .command('list')
    .description('the active version of every rubric, built-in ones first')
    .option('--json', 'print them as JSON, as the API returns them')
    .action(async (opts: { json?: boolean }) => {
      const all = await withDatabase((db) => activeRubrics(db.dataSource.manager));
      if (opts.json) return json(all.map(toRubric));
      table(
        ['key', 'version', 'scope', 'scale', 'criteria', 'title'],
        all.map((r) => [r.key, String(r.version), r.definition.scope, `${r.definition.min}–${r.definition.max}`, r.definition.criteria.map((c) => c.key).join(','), r.definition.title]),
      );
    });
  rubrics
    .command('show')
    .description('one version of a rubric (default the active one); --all lists every version')
    .argument('<key>', 'the rubric key, e.g. LLM_REDIAL')
    .option('--version <n>', 'this version (0 is the built-in one)', nonNegativeInt)
    .option('--all', 'every version, newest first')
    .option('--json', 'print it as JSON, as the API returns it')
    .action(async (key: string, opts: { version?: number; all?: boolean; json?: boolean }) => {
      const history = await withDatabase((db) => withCliErrors(() => rubricHistory(db.dataSource.manager, key), { flags: () => 'KEY' }));
      if (opts.all) {
        if (opts.json) return json(history.map(toRubric));
        return table(['version', 'sha256', 'created', 'by', 'note'], history.map((r) => [String(r.version), r.sha256.slice(0, 12), r.createdAt?.toISOString() ?? 'built in', r.createdBy ?? '–', r.note ?? '']));
      }
      const r = opts.version === undefined ? history[0] : history.find((h) => h.version === opts.version);
      if (!r) throw new CliError(`--version: rubric ${key} has no version ${opts.version}; it has ${history.map((h) => h.version).join(', ')}`);
      if (opts.json) return json(toRubric(r));
      printRubric(r);
    });
  rubrics
    .command('set')
    .description('store a new version of a rubric (or a new rubric) from a JSON file and make it active')
    .argument('<key>', 'upper-case key, e.g. MY_RUBRIC; LLM_REDIAL and DISTILLRECDIAL may be overridden too')
    .requiredOption('--file <rubric.json>', 'JSON object: title, scope (UTTERANCE or DIALOGUE), min, max, criteria [{ key, description }], instructions')
    .option('--note <text>', 'why it changed')
    .action(async (key: string, opts: { file: string; note?: string }) => {
      const definition = readRubricFile(opts.file);
      const flags = (argument: string) => (argument === 'input.key' ? 'KEY' : argument === 'input.note' ? '--note' : `--file: ${argument.replace(/^input\./, '')}`);
      const r = await withDatabase((db) => withCliErrors(() => updateRubric(db.dataSource.manager, key, definition, opts.note ?? null, null), { flags }));
      console.log(`Stored ${r.key} version ${r.version} (sha256 ${r.sha256}); it is active from now on.`);
    });
}

const PROMPT_KINDS = ['STEREOTYPE_SYSTEM', 'GOAL_TEMPLATE_INSTRUCTIONS'];

/** `recdial prompts show|set`: the promptVersions and updatePrompt of the API. */
export function registerPromptCommands(program: Command): void {
  const prompts = program.command('prompts').description('the editable prompts: show a version, store a new version (like promptVersions, updatePrompt)');
  const kindArgument = (value: string): PromptKindValue => {
    if (!PROMPT_KINDS.includes(value)) throw new CliError(`KIND: "${value}" must be one of ${PROMPT_KINDS.join(', ')}`);
    return value as PromptKindValue;
  };
  const keyFlag = (argument: string) => (argument === 'key' || argument === 'input.key' ? 'KEY' : flagOf(argument));
  prompts
    .command('show')
    .description('one version of a prompt (default the active one); --all lists every version')
    .argument('<kind>', PROMPT_KINDS.join(' or '))
    .argument('<key>', 'the stereotype key, or "default" for GOAL_TEMPLATE_INSTRUCTIONS')
    .option('--version <n>', 'this version (0 is the built-in default)', nonNegativeInt)
    .option('--all', 'every version, newest first')
    .option('--json', 'print it as JSON, as the API returns it')
    .action(async (kindValue: string, key: string, opts: { version?: number; all?: boolean; json?: boolean }) => {
      const k = kindArgument(kindValue);
      const history = await withDatabase((db) => withCliErrors(() => promptHistory(db.dataSource.manager, k, key), { flags: keyFlag }));
      if (opts.all) {
        if (opts.json) return json(history);
        return table(['version', 'sha256', 'created', 'by', 'note'], history.map((p) => [String(p.version), p.sha256.slice(0, 12), p.createdAt?.toISOString() ?? 'built in', p.createdBy ?? '–', p.note ?? '']));
      }
      const p = opts.version === undefined ? history[0] : history.find((h) => h.version === opts.version);
      if (!p) throw new CliError(`--version: ${k} "${key}" has no version ${opts.version}; it has ${history.map((h) => h.version).join(', ')}`);
      if (opts.json) return json(p);
      // The content alone on stdout, so that `recdial prompts show … > prompt.txt` round-trips through `set`.
      process.stdout.write(p.content.endsWith('\n') ? p.content : `${p.content}\n`);
    });
  prompts
    .command('set')
    .description('store a new version of a prompt from a text file and make it active')
    .argument('<kind>', PROMPT_KINDS.join(' or '))
    .argument('<key>', 'the stereotype key, or "default" for GOAL_TEMPLATE_INSTRUCTIONS')
    .requiredOption('--file <prompt.txt>', 'the prompt text (UTF-8), stored as is')
    .option('--note <text>', 'why it changed')
    .action(async (kindValue: string, key: string, opts: { file: string; note?: string }) => {
      const k = kindArgument(kindValue);
      let content: string;
      try {
        content = fs.readFileSync(opts.file, 'utf8');
      } catch (error) {
        throw new CliError(`--file: cannot read ${opts.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      const flags = (argument: string) => (argument === 'input.content' ? '--file' : keyFlag(argument));
      const p = await withDatabase((db) => withCliErrors(() => updatePrompt(db.dataSource.manager, { kind: k, key, content, note: opts.note ?? null, createdBy: null }), { flags }));
      console.log(`Stored ${p.kind} "${p.key}" version ${p.version} (sha256 ${p.sha256}); it is active from now on.`);
    });
}
