import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImportError, InputFileError } from '../../../../src/ingest/errors';
import { crslabExportFolder, evaluateCrslabPredictions, readCrslabExport } from '../../../../src/evaluation/crslab-predictions';
import type { ModelFamily } from '../../../../src/evaluation/recommendation';

/** docs/metrics.md §1.8, worked example B: items A–F, one dialogue. */
const NAMES: Record<string, string> = { A: 'Alpha', B: 'Bravo', C: 'Charlie (The Film)', D: 'Delta', E: 'Echo', F: 'Foxtrot' };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

type Utt = [role: 'Seeker' | 'Recommender', movies: string[]];

/** A fork-flavoured export folder as `recdial export crslab` writes it (only the files read here). */
function makeExport(conversations: Utt[][], options: { version?: string } = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-forkpred-'));
  dirs.push(root);
  const dir = path.join(root, 'data', 'dataset', 'llmsindataset', 'gpt2');
  fs.mkdirSync(dir, { recursive: true });
  const entities: Record<string, string> = { 'pad:0': '<pad>' };
  const movieIds: Record<string, number> = {};
  Object.entries(NAMES).forEach(([letter, name], i) => {
    entities[`item:B0FAKE000${letter}`] = name;
    movieIds[`item:B0FAKE000${letter}`] = i + 1;
  });
  entities['person:7'] = 'Hugh Grant';
  fs.writeFileSync(path.join(dir, 'entity2id.json'), JSON.stringify(entities));
  fs.writeFileSync(path.join(dir, 'movie_ids.json'), JSON.stringify(movieIds));
  fs.writeFileSync(path.join(dir, '.built'), `2026-01-01 00:00:00\n${options.version ?? '0.1'}`);
  const data = conversations.map((conv, c) => ({
    conv_id: String(c),
    conv: conv.map(([role, movies], i) => ({ utt_id: i, role, movies: movies.map((l) => NAMES[l] ?? l), entity: [], word: [], text: ['x'] })),
  }));
  fs.writeFileSync(path.join(dir, 'test_data.json'), JSON.stringify(data));
  fs.writeFileSync(path.join(dir, 'train_data.json'), '[]');
  fs.writeFileSync(path.join(dir, 'valid_data.json'), '[]');
  return root;
}

const EXAMPLE_B: Utt[][] = [[['Seeker', ['A']], ['Recommender', ['C', 'D']], ['Seeker', ['C']], ['Recommender', ['E']]]];
/** The rankings of worked example B at turns 1, 2 and 3. */
const RANKING: Record<number, string> = { 1: 'ADCEFB', 2: 'CEABDF', 3: 'CBEADF' };

function predictionsFile(elements: unknown[], text?: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-forkpred-save-'));
  dirs.push(dir);
  const file = path.join(dir, 'predicted_target_recommendations.json');
  fs.writeFileSync(file, text ?? JSON.stringify(elements));
  return file;
}

const el = (target: string, ranking: string) => ({ target: NAMES[target], predicted: [...ranking].map((l) => NAMES[l]) });

async function evaluate(root: string, elements: unknown[], family: ModelFamily = 'recommender-turns', ks = [1, 3], text?: string) {
  const view = await readCrslabExport(root, { split: 'test', family });
  return evaluateCrslabPredictions(predictionsFile(elements, text), view, { ks, keepSamples: true });
}

async function errorOf(promise: Promise<unknown>): Promise<ImportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImportError) return error;
    throw error;
  }
  throw new Error('expected an ImportError');
}

describe('the export’s samples', () => {
  test('same-role utterances merge, turn 0 gives none, one sample per gold name in file order; the family picks the turns', async () => {
    const root = makeExport([
      [['Seeker', ['A']], ['Recommender', ['B']], ['Recommender', ['B', 'C']], ['Seeker', ['F']], ['Recommender', []]],
      [['Recommender', ['D']], ['Seeker', ['E']], ['Recommender', ['A']]],
    ]);
    const rec = await readCrslabExport(root, { split: 'test', family: 'recommender-turns' });
    expect(rec.samples.map((s) => `${s.convId}:${s.turnIndex}:${s.gold}`)).toEqual(['0:1:Bravo', '0:1:Bravo', '0:1:Charlie (The Film)', '1:2:Alpha']);
    expect(rec.samplesByFamily).toEqual({ 'recommender-turns': 4, 'all-turns': 6 });
    const all = await readCrslabExport(root, { split: 'test', family: 'all-turns' });
    expect(all.samples.map((s) => `${s.convId}:${s.turnIndex}:${s.gold}`)).toEqual(['0:1:Bravo', '0:1:Bravo', '0:1:Charlie (The Film)', '0:3:Foxtrot', '1:1:Echo', '1:2:Alpha']);
  });

  test('names map to ASINs through entity2id.json and movie_ids.json; a non-item entity is not a candidate', async () => {
    const view = await readCrslabExport(makeExport(EXAMPLE_B), { split: 'test', family: 'recommender-turns' });
    expect(view.items.items).toEqual(['B0FAKE000A', 'B0FAKE000B', 'B0FAKE000C', 'B0FAKE000D', 'B0FAKE000E', 'B0FAKE000F']);
    expect(view.asinByName.get('Charlie (The Film)')).toBe('B0FAKE000C');
    expect(view.asinByName.has('Hugh Grant')).toBe(false);
    expect(view.rawIdByName.get('Hugh Grant')).toBe('person:7');
  });

  test('the export root or its dataset folder; an upstream export or no export is refused', async () => {
    const root = makeExport(EXAMPLE_B);
    const folder = path.join(root, 'data', 'dataset', 'llmsindataset', 'gpt2');
    expect(crslabExportFolder(root)).toBe(folder);
    expect(crslabExportFolder(folder)).toBe(folder);
    expect(() => crslabExportFolder(os.tmpdir() + '/recdial-no-such-dir')).toThrow(InputFileError);
    await expect(readCrslabExport(makeExport(EXAMPLE_B, { version: '0.31' }), { split: 'test', family: 'all-turns' })).rejects.toThrow(/upstream CRSLab export .*--flavor distillrecdial/);
  });
});

describe('metrics (crslab-compat), worked example B of docs/metrics.md §1.8', () => {
  test('recommender-turns: 3 samples, Hit@1 0, Hit@3 1, MRR@3 0.3889, NDCG@3 0.5436', async () => {
    const report = await evaluate(makeExport(EXAMPLE_B), [el('C', RANKING[1]), el('D', RANKING[1]), el('E', RANKING[3])]);
    const { result } = report;
    expect(result.mode).toBe('crslab-compat');
    expect(result.samples).toBe(3);
    expect(result.coverage).toBe(1);
    expect(result.metrics['hit@1']).toBe(0);
    expect(result.metrics['hit@3']).toBe(1);
    expect(result.metrics['mrr@3']).toBeCloseTo((1 / 3 + 1 / 2 + 1 / 3) / 3, 10);
    expect(result.metrics['mrr@3']).toBeCloseTo(0.3889, 4);
    expect(result.metrics['ndcg@3']).toBeCloseTo(0.5436, 4);
    // SE of MRR@3 over 1/3, 1/2, 1/3: s = 0.096225, SE = s / √3.
    expect(result.uncertainty['mrr@3'].se).toBeCloseTo(0.0555556, 6);
    expect(result.approximate).toBe(false);
    expect(report.depth).toBe(6);
    expect(report.records.map((r) => [r.key, r.values['mrr@3']])).toEqual([
      ['conv0:1:B0FAKE000C', 1 / 3],
      ['conv0:1:B0FAKE000D', 1 / 2],
      ['conv0:3:B0FAKE000E', 1 / 3],
    ]);
  });

  test('all-turns adds the Seeker turn 2: 4 samples, Hit@1 0.25, MRR@3 0.5417, NDCG@3 0.6577', async () => {
    const { result } = await evaluate(makeExport(EXAMPLE_B), [el('C', RANKING[1]), el('D', RANKING[1]), el('C', RANKING[2]), el('E', RANKING[3])], 'all-turns');
    expect(result.samples).toBe(4);
    expect(result.metrics['hit@1']).toBe(0.25);
    expect(result.metrics['mrr@3']).toBeCloseTo(0.5417, 4);
    expect(result.metrics['ndcg@3']).toBeCloseTo(0.6577, 4);
  });

  test('a target missing from a truncated list is a miss, exact up to the list length and approximate beyond (§1.6)', async () => {
    const { result } = await evaluate(makeExport(EXAMPLE_B), [el('C', 'CA'), el('D', 'AB'), el('E', 'AB')]);
    expect(result.metrics['hit@1']).toBeCloseTo(1 / 3, 10);
    expect(result.metrics['hit@3']).toBeCloseTo(1 / 3, 10);
    expect(result.approximate).toBe(true);
  });

  test('a gold listed twice in one merged turn gives two samples, the second keyed #1', async () => {
    const root = makeExport([[['Seeker', []], ['Recommender', ['B']], ['Recommender', ['B']]]]);
    const report = await evaluate(root, [el('B', 'BA'), el('B', 'AB')]);
    expect(report.records.map((r) => r.key)).toEqual(['conv0:1:B0FAKE000B', 'conv0:1:B0FAKE000B#1']);
    expect(report.result.metrics['mrr@1']).toBe(0.5);
  });
});

describe('bad files: file:[index]: field: problem', () => {
  const good = [el('C', RANKING[1]), el('D', RANKING[1]), el('E', RANKING[3])];

  test('a target that is no entity of the export', async () => {
    const error = await errorOf(evaluate(makeExport(EXAMPLE_B), [good[0], { ...good[1], target: 'Foo (1999)' }, good[2]]));
    expect(error.message).toMatch(/predicted_target_recommendations\.json:\[1\]: target: "Foo \(1999\)" is not an entity of the export in .*llmsindataset\/gpt2$/);
  });

  test('a target that is not the gold of its sample', async () => {
    const error = await errorOf(evaluate(makeExport(EXAMPLE_B), [good[1], good[0], good[2]]));
    expect(error.message).toMatch(/:\[0\]: target: "Delta" is not the gold of sample 0 \("Charlie \(The Film\)", conversation 0 turn 1\)/);
  });

  test('predicted names: unknown, a non-item entity, a repeat, not a string', async () => {
    const root = makeExport(EXAMPLE_B);
    const withPredicted = (predicted: unknown) => [good[0], good[1], { target: NAMES.E, predicted }];
    expect((await errorOf(evaluate(root, withPredicted(['Echo', 'Nope'])))).message).toMatch(/:\[2\]: predicted\[1\]: "Nope" is not an entity of the export/);
    expect((await errorOf(evaluate(root, withPredicted(['Hugh Grant'])))).message).toMatch(/:\[2\]: predicted\[0\]: "Hugh Grant" is an entity of the export but not an item \(movie_ids\.json\)/);
    expect((await errorOf(evaluate(root, withPredicted(['Echo', 'Alpha', 'Echo'])))).message).toMatch(/:\[2\]: predicted\[2\]: "Echo" repeats predicted\[0\]/);
    expect((await errorOf(evaluate(root, withPredicted(['Echo', 5])))).message).toMatch(/:\[2\]: predicted\[1\]: must be an entity name, got number 5/);
    expect((await errorOf(evaluate(root, withPredicted('Echo')))).message).toMatch(/:\[2\]: predicted: must be a list of entity names/);
  });

  test('fewer or more elements than samples: both counts, and the family that fits', async () => {
    const root = makeExport(EXAMPLE_B);
    const fewer = await errorOf(evaluate(root, good.slice(0, 2)));
    expect(fewer.code).toBe('SAMPLE_COUNT_MISMATCH');
    expect(fewer.message).toMatch(/predicted_target_recommendations\.json: \(array\): 2 predictions, but the test split of the export in .* has 3 samples for family recommender-turns; all-turns would give 4/);
    // An all-turns model's file read as recommender-turns: the count wins over the misaligned target.
    const allTurns = await errorOf(evaluate(root, [el('C', RANKING[1]), el('D', RANKING[1]), el('C', RANKING[2]), el('E', RANKING[3])]));
    expect(allTurns.message).toMatch(/4 predictions, but .* has 3 samples for family recommender-turns; all-turns gives 4: add --family all-turns/);
  });

  test('bad JSON inside an element names the element; a file that is not an array is refused', async () => {
    const root = makeExport(EXAMPLE_B);
    const broken = await errorOf(evaluate(root, [], 'recommender-turns', [1, 3], `[${JSON.stringify(good[0])},\n{"target": "Delta", "predicted": ["Alpha" "Delta"]}, ${JSON.stringify(good[2])}]`));
    expect(broken.message).toMatch(/:\[1\]: \(element\): invalid JSON in array element 1/);
    const notArray = await errorOf(evaluate(root, [], 'recommender-turns', [1, 3], '{"target": "Delta"}'));
    expect(notArray.message).toMatch(/predicted_target_recommendations\.json:1: \(array\):/);
  });
});
