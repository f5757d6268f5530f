import fs from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { readLines } from '../ingest/lines';
import { fromGlobalId } from '../pagination/global-id';
import { checkResamples, compareSides, sampleJsonLine, sideOf, storedSide, streamSamples, type EvaluationComparison } from '../modules/evaluation/evaluation-samples.service';
import { getEvaluation } from '../modules/evaluation/evaluation.service';
import { CliError, nonNegativeInt, withCliErrors, withDatabase } from './common';

/** A stored evaluation as its database id (`12`) or the id the API shows. */
function evaluationIdOf(value: string): number | null {
  if (/^\d{1,10}$/.test(value) && Number(value) <= 2_147_483_647) return Number(value);
  const parsed = fromGlobalId(value);
  if (parsed?.type === 'Evaluation' && /^\d{1,10}$/.test(parsed.id)) return Number(parsed.id);
  return null;
}

/** A per-sample JSON Lines file (`eval rec --samples-out`, `eval samples`), checked line by line. */
async function fileSamples(file: string, argument: string) {
  const rows: Array<{ model: string; mode: string; key: string; values: Record<string, number> }> = [];
  for await (const l of readLines(file)) {
    if (l.text.trim() === '') continue;
    let value: any;
    try {
      value = JSON.parse(l.text);
    } catch {
      throw new CliError(`${file}:${l.line}: (record): not valid JSON`);
    }
    for (const field of ['model', 'mode', 'key'] as const) {
      if (typeof value?.[field] !== 'string') throw new CliError(`${file}:${l.line}: ${field}: must be a string (is this a per-sample file from \`eval rec --samples-out\`?)`);
    }
    if (typeof value.values !== 'object' || value.values === null || Array.isArray(value.values)) throw new CliError(`${file}:${l.line}: values: must be an object of metric values`);
    for (const [k, v] of Object.entries(value.values)) if (typeof v !== 'number' || !Number.isFinite(v)) throw new CliError(`${file}:${l.line}: values.${k}: must be a finite number`);
    rows.push(value);
  }
  return rows;
}

const fixed = (v: number | null, digits = 4) => (v === null ? '–' : v.toFixed(digits));

export function formatComparison(c: EvaluationComparison, names: [string, string]): string {
  const out: string[] = [`A = ${names[0]} (${c.modelA}), B = ${names[1]} (${c.modelB}); ${c.resamples} resamples, seed ${c.seed}`];
  for (const m of c.modes) {
    out.push('', `mode ${m.mode}: ${m.shared} shared samples; only in A: ${m.onlyInA.count}; only in B: ${m.onlyInB.count}`);
    const header = ['metric', 'n', 'A', 'B', 'B−A', 'ci95_low', 'ci95_high', 'p', 'test'];
    const rows = m.metrics.map((r) => [r.metric, String(r.n), fixed(r.meanA), fixed(r.meanB), fixed(r.difference), fixed(r.ciLow), fixed(r.ciHigh), fixed(r.pValue), r.permutation ?? '–']);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((v, i) => (i === 0 || i === cells.length - 1 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
    out.push(line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
    const list = (keys: string[]) => (keys.length > 20 ? `${keys.slice(0, 20).join(', ')}, … (--json lists all)` : keys.join(', '));
    if (m.onlyInA.count) out.push(`only in A (not compared): ${list(m.onlyInA.keys)}`);
    if (m.onlyInB.count) out.push(`only in B (not compared): ${list(m.onlyInB.keys)}`);
  }
  out.push('', `interval: ${c.method.interval}`, `p-value: ${c.method.test}`);
  return out.join('\n') + '\n';
}

export function registerEvalCompareCommands(evalCommand: Command): void {
  evalCommand
    .command('compare <a> <b>')
    .description('paired comparison B − A over shared samples (docs/metrics.md §9.3): bootstrap 95 % interval and permutation p-value; A and B are per-sample JSONL files or stored evaluation ids')
    .option('--model-a <name>', 'which model of A (default: predictions, or the only one)')
    .option('--model-b <name>', 'which model of B')
    .option('--metric <keys>', 'only these metrics, comma-separated (default: every metric both have)', (v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .option('--resamples <n>', 'bootstrap resamples (and permutation draws)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new InvalidArgumentError('expected an integer from 1 to 1000000');
      return n;
    }, 10_000)
    .option('--seed <n>', 'seed of CPython\'s random for the resamples', nonNegativeInt, 42)
    .option('--json', 'print the comparison as JSON (every unshared sample key listed)')
    .action(async (a: string, b: string, flags: { modelA?: string; modelB?: string; metric?: string[]; resamples: number; seed: number; json?: boolean }) => {
      checkResamples(flags.resamples, '--resamples');
      const side = async (spec: string, model: string | undefined, label: string) => {
        if (fs.existsSync(spec)) {
          return withCliErrors(async () => sideOf(await fileSamples(spec, label), { model }, label), { flags: () => label });
        }
        const id = evaluationIdOf(spec);
        if (id === null) throw new CliError(`${label}: "${spec}" is neither a per-sample JSONL file nor an evaluation id`);
        return withDatabase((db) =>
          withCliErrors(async () => {
            const row = await getEvaluation(db.dataSource.manager, id);
            if (!row) throw new CliError(`${label}: no evaluation ${spec}`);
            if (row.status !== 'COMPLETED') throw new CliError(`${label}: evaluation ${spec} is ${row.status}; compare it once COMPLETED`);
            return storedSide(db.dataSource.manager, id, { model }, label);
          }, { flags: () => label }),
        );
      };
      const sideA = await side(a, flags.modelA, 'A');
      const sideB = await side(b, flags.modelB, 'B');
      const result = compareSides(sideA, sideB, { resamples: flags.resamples, seed: flags.seed, metrics: flags.metric });
      if (!result.modes.length) throw new CliError('A and B share no mode (crslab-compat, corrected): nothing to compare');
      process.stdout.write(flags.json ? JSON.stringify(result, null, 2) + '\n' : formatComparison(result, [a, b]));
    });

  evalCommand
    .command('samples <evaluation>')
    .description('the per-sample rows of a stored evaluation as JSON Lines (docs/formats.md §10.5)')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--model <name>', 'only this model')
    .option('--mode <mode>', 'only this mode (crslab-compat, corrected)')
    .action(async (spec: string, flags: { out?: string; model?: string; mode?: string }) => {
      const id = evaluationIdOf(spec);
      if (id === null) throw new CliError(`"${spec}" is not an evaluation id`);
      await withDatabase(async (db) => {
        if (!(await getEvaluation(db.dataSource.manager, id))) throw new CliError(`no evaluation ${spec}`);
        let fd: number | null = null;
        try {
          fd = flags.out ? fs.openSync(flags.out, 'w') : null;
        } catch (error) {
          throw new CliError(`--out ${flags.out}: ${(error as Error).message}`);
        }
        let n = 0;
        try {
          for await (const s of streamSamples(db.dataSource.manager, id, { model: flags.model, mode: flags.mode })) {
            const line = sampleJsonLine(s) + '\n';
            if (fd !== null) fs.writeSync(fd, line);
            else process.stdout.write(line);
            n++;
          }
        } finally {
          if (fd !== null) fs.closeSync(fd);
        }
        if (flags.out) console.error(`${n} samples written to ${flags.out}`);
      });
    });
}
