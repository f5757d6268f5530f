import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CliError } from '../../../../src/cli/common';
import { registerEvalCompareCommands } from '../../../../src/cli/eval-compare';
import { registerEvalRecCommands } from '../../../../src/cli/eval-rec';
import { parseCrslabOptions, writeCrslabExport } from '../../../../src/export/crslab';
import { ImportError } from '../../../../src/ingest/errors';
import { runCli } from '../../../support/cli';
import { loadCrslabDataset, recommendationSamples } from '../../../support/crslab-loader';
import { createTestDatabase, type TestDatabase } from '../../../support/db';
import { importSample } from '../../../support/sample';

/**
 * `recdial eval rec --crslab-predictions FILE --export DIR` end to end: the sample exported for the
 * DistillRecDial fork, a fork-style `save/KBRD/predicted_target_recommendations.json` whose ranks
 * are known, built from what a CRSLab loader reads (test/support/crslab-loader.ts, not the code
 * under test), and the metric values the CLI prints.
 */
let db: TestDatabase;
let out: string;
let folder: string;
let samples: Array<{ gold: string; ranked: string[] }>;
let work: string;

/** The gold's 0-based rank in sample i, cycling; null: not in the top 100. */
const RANKS = [0, 2, 14, null];

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-forkpred-export-'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-forkpred-'));
  const report = await writeCrslabExport({ dataSource: db.dataSource, outDir: out }, parseCrslabOptions({ flavor: 'distillrecdial', tokenize: 'gpt2' }));
  folder = path.join(out, String(report.details!.folder));
  const loaded = loadCrslabDataset(folder, 'distillrecdial');
  const itemNames = loaded.itemEntityIds.map((id) => loaded.id2entity.get(id)!);
  samples = recommendationSamples(loaded, 'test', 'recommender-turns').map((s, i) => {
    const gold = loaded.id2entity.get(s.gold)!;
    const others = itemNames.filter((n) => n !== gold).slice(0, 100);
    const r = RANKS[i % RANKS.length];
    const ranked = r === null ? others.slice(0, 100) : [...others.slice(0, r), gold, ...others.slice(r, 99)];
    return { gold, ranked };
  });
}, 180_000);
afterAll(async () => {
  await db?.drop();
  for (const d of [out, work]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

function save(model: string, elements: unknown[]): string {
  const file = path.join(work, 'save', model, 'predicted_target_recommendations.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // As the fork writes it: json.dump, one line.
  fs.writeFileSync(file, JSON.stringify(elements));
  return file;
}

const forkFile = (model = 'KBRD') => save(model, samples.map((s) => ({ target: s.gold, predicted: s.ranked })));
const evalRec = (args: string[]) => runCli(db.url, (p) => registerEvalRecCommands(p.command('eval')), ['eval', 'rec', '--quiet', ...args]);

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

test('the sample’s test split gives 17 recommendation samples, each ranked as planned', () => {
  expect(samples).toHaveLength(17);
  expect(samples.every((s) => s.ranked.length === 100)).toBe(true);
});

test('--json: Hit/MRR/NDCG@k from the known ranks, with SE and interval, crslab-compat only', async () => {
  const samplesOut = path.join(work, 'kbrd.samples.jsonl');
  const { logs } = await evalRec(['--crslab-predictions', forkFile(), '--export', out, '--k', '1,10,50', '--json', '--samples-out', samplesOut]);
  const result = JSON.parse(logs.join('\n'));
  expect(result.rows).toHaveLength(1);
  const row = result.rows[0];
  expect(row).toMatchObject({ model: 'KBRD', split: 'test', stereotype: null, mode: 'crslab-compat', family: 'recommender-turns', samples: 17, coverage: 1, approximate: false });
  // 17 samples = 4 cycles of ranks 0, 2, 14, absent, then rank 0.
  expect(row.metrics['hit@1']).toBeCloseTo(5 / 17, 10);
  expect(row.metrics['hit@10']).toBeCloseTo(9 / 17, 10);
  expect(row.metrics['hit@50']).toBeCloseTo(13 / 17, 10);
  expect(row.metrics['mrr@10']).toBeCloseTo((5 + 4 / 3) / 17, 10);
  expect(row.metrics['mrr@50']).toBeCloseTo((5 + 4 / 3 + 4 / 15) / 17, 10);
  expect(row.metrics['ndcg@10']).toBeCloseTo((5 + 4 * 0.5) / 17, 10);
  expect(row.metrics['ndcg@50']).toBeCloseTo((5 + 4 * 0.5 + 4 * 0.25) / 17, 10);
  // SE of a 0/1 mean: √(p(1 − p)/(n − 1)).
  const p = 5 / 17;
  expect(row.uncertainty['hit@1'].se).toBeCloseTo(Math.sqrt((p * (1 - p)) / 16), 10);
  expect(row.uncertainty['hit@1'].ciLow).toBeCloseTo(p - 1.959964 * Math.sqrt((p * (1 - p)) / 16), 5);
  expect(result.predictions).toMatchObject({ elements: 17, depth: 100 });
  expect(result.predictions.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(result.itemCount).toBe(126);

  const lines = fs.readFileSync(samplesOut, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(17);
  expect(lines[0]).toMatchObject({ model: 'KBRD', mode: 'crslab-compat', split: 'test', dialogueId: null, predicted: true });
  expect(lines[0].key).toMatch(/^conv0:\d+:[0-9A-Z]{10}$/);
  expect(lines.map((l) => l.values['hit@1'])).toEqual(samples.map((_, i) => (RANKS[i % 4] === 0 ? 1 : 0)));
});

test('the table: one crslab-compat row with ±half-widths, and why there is no corrected row', async () => {
  const { logs } = await evalRec(['--crslab-predictions', forkFile(), '--export', folder, '--k', '1,10']);
  const text = logs.join('\n');
  expect(text).toMatch(/KBRD\s+test\s+all\s+crslab-compat\s+recommender-turns\s+17\s+1\.0000\s+0\.2941 ±0\.\d{4}/);
  expect(text).not.toMatch(/\bcorrected\s+recommender-turns/);
  expect(text).toContain('crslab-compat only: the file carries no context');
  expect(text).toMatch(/CRSLab fork predictions: 17 samples \(sha256 [0-9a-f]{64}\), the top 100 of each ranking; 126 candidate items/);
});

test('two fork models compare sample by sample: eval compare pairs all 17 keys', async () => {
  const a = path.join(work, 'a.jsonl');
  const b = path.join(work, 'b.jsonl');
  await evalRec(['--crslab-predictions', forkFile('KBRD'), '--export', out, '--json', '--samples-out', a]);
  // SASRec-like: every gold at rank 0.
  await evalRec(['--crslab-predictions', save('Perfect', samples.map((s) => ({ target: s.gold, predicted: [s.gold, ...s.ranked.filter((n) => n !== s.gold)] }))), '--export', out, '--json', '--samples-out', b]);
  const keys = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l).key);
  expect(keys(b)).toEqual(keys(a));
  expect(new Set(keys(a)).size).toBe(17);
  const { stdout } = await runCli(db.url, (p) => registerEvalCompareCommands(p.command('eval')), ['eval', 'compare', a, b, '--model-a', 'KBRD', '--model-b', 'Perfect', '--metric', 'hit@1', '--json']);
  const compared = JSON.parse(stdout);
  expect(compared.modes).toHaveLength(1);
  expect(compared.modes[0]).toMatchObject({ mode: 'crslab-compat', shared: 17 });
  // B hits every sample, A 5 of 17.
  expect(compared.modes[0].metrics[0].difference).toBeCloseTo(12 / 17, 10);
});

describe('refusals and bad files: one line each', () => {
  test('--mode corrected says why; --export is required; other sources and selections are refused', async () => {
    const file = forkFile();
    const corrected = await failure(() => evalRec(['--crslab-predictions', file, '--export', out, '--mode', 'corrected']));
    expect(corrected).toBeInstanceOf(CliError);
    expect(corrected.message).toMatch(/^--mode corrected: the fork's predictions carry no context \(docs\/formats\.md §10\.2\).*use --mode compat$/);
    expect((await failure(() => evalRec(['--crslab-predictions', file]))).message).toMatch(/--crslab-predictions needs --export DIR/);
    expect((await failure(() => evalRec(['--crslab-predictions', file, '--export', out, '--baseline', 'popularity']))).message).toBe('give one of --crslab-predictions, --predictions or --baseline');
    expect((await failure(() => evalRec(['--crslab-predictions', file, '--export', out, '--stereotype', 'x']))).message).toMatch(/^--stereotype does not apply to --crslab-predictions/);
    expect((await failure(() => evalRec(['--baseline', 'popularity', '--export', out]))).message).toBe('--export applies to --crslab-predictions');
  });

  test('a target that is no entity of the export: file:[index]: target: …', async () => {
    const elements = samples.map((s) => ({ target: s.gold, predicted: s.ranked }));
    elements[5] = { ...elements[5], target: 'Foo (1999)' };
    const file = save('Broken', elements);
    const error = await failure(() => evalRec(['--crslab-predictions', file, '--export', out]));
    expect(error).toBeInstanceOf(ImportError);
    expect(error.message).toBe(`${file}:[5]: target: "Foo (1999)" is not an entity of the export in ${folder}`);
  });

  test('samples out of order: the first misaligned target, with the gold it should be', async () => {
    const i = samples.findIndex((s, j) => j > 0 && s.gold !== samples[j - 1].gold);
    const elements = samples.map((s) => ({ target: s.gold, predicted: s.ranked }));
    [elements[i - 1], elements[i]] = [elements[i], elements[i - 1]];
    const file = save('Shuffled', elements);
    const error = await failure(() => evalRec(['--crslab-predictions', file, '--export', out]));
    expect(error.message).toContain(`${file}:[${i - 1}]: target: ${JSON.stringify(samples[i].gold)} is not the gold of sample ${i - 1} (${JSON.stringify(samples[i - 1].gold)}, conversation`);
  });

  test('a file for another split or export: the sample counts, clearly', async () => {
    const file = save('Short', samples.slice(0, 12).map((s) => ({ target: s.gold, predicted: s.ranked })));
    const error = await failure(() => evalRec(['--crslab-predictions', file, '--export', out]));
    expect(error.message).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: \\(array\\): 12 predictions, but the test split of the export in .* has 17 samples for family recommender-turns; all-turns would give \\d+\\. The file must hold one prediction per sample, in order`));
  });
});
