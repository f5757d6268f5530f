import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerEvalCompareCommands } from '../../../../../src/cli/eval-compare';
import { registerEvalRecCommands } from '../../../../../src/cli/eval-rec';
import { mergeTurns, turnQualifies, turnSamples } from '../../../../../src/evaluation/recommendation';
import { Z95 } from '../../../../../src/evaluation/uncertainty';
import { cleanFuzzyTitle, TitleIndex } from '../../../../../generator/goal-template/fuzzy-title';
import { streamDialogues } from '../../../../../src/dialogues/stream';
import { toGlobalId } from '../../../../../src/pagination/global-id';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../../support/api';
import { runCli } from '../../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';

const OPS = 'unc-operator-secret';

let db: TestDatabase;
let api: TestApi;
let dir: string;
let catalogue: string[];
/** Test-split Recommender turns with exactly one gold. */
let turns: Array<{ dialogueId: number; index: number; gold: string; context: string[] }>;
/** Scorable samples of the test split per mode (recommender turns, golds in the catalogue). */
const scorable: Record<string, number> = { 'crslab-compat': 0, corrected: 0 };

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource, { apiKeys: `ops:operator:${OPS}`, maxPredictionBytes: 64 * 1024 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recdial-unc-'));
  catalogue = (await db.dataSource.query('SELECT asin FROM items ORDER BY asin COLLATE "C"')).map((r: { asin: string }) => r.asin);
  const inCatalogue = new Set(catalogue);
  turns = [];
  for await (const d of streamDialogues(db.dataSource.manager, { filter: { split: 'test' as any } })) {
    const context: string[] = [];
    for (const t of mergeTurns(d.turns.map((u) => ({ index: u.index, role: u.role, mentions: u.mentions.map((m) => ({ item: m.asin ?? m.rawId, isRecommendation: m.isRecommendation })) })))) {
      if (turnQualifies(t, 'recommender-turns') && t.golds.length > 0) {
        for (const mode of ['crslab-compat', 'corrected'] as const) scorable[mode] += turnSamples(t.golds, context, mode).samples.filter((s) => inCatalogue.has(s.gold)).length;
        if (t.golds.length === 1 && inCatalogue.has(t.golds[0])) turns.push({ dialogueId: d.id, index: t.index, gold: t.golds[0], context: [...context] });
      }
      context.push(...t.items);
    }
  }
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function rankedWithGoldAt(turn: (typeof turns)[number], r: number, length = 12): string[] {
  const ranked = catalogue.filter((a) => a !== turn.gold && !turn.context.includes(a)).slice(0, length - 1);
  ranked.splice(r, 0, turn.gold);
  return ranked;
}

const predictionsFor = (ranks: Array<number | null>) =>
  ranks
    .map((r, i) => (r === null ? null : JSON.stringify({ dialogueId: turns[i].dialogueId, turnIndex: turns[i].index, ranked: rankedWithGoldAt(turns[i], r) })))
    .filter((l) => l !== null)
    .join('\n');

const FIELDS = `id status results { model mode samples predicted coverage missing metrics { key value se ciLow ciHigh } } beyondAccuracy { model split lists metrics { key value } }`;

async function evaluate(input: Record<string, unknown>): Promise<any> {
  const res = await api.query(`mutation($input: RecEvaluationInput!) { evaluateRecommendations(input: $input) { id } }`, { input }, { token: OPS });
  expect(res.errors).toBeUndefined();
  const socket = openGraphQLSocket(api.wsUrl);
  try {
    await socket.ready;
    const { results } = await socket.run(`subscription($id: ID!) { evaluationUpdated(id: $id) { ${FIELDS} } }`, { id: res.data.evaluateRecommendations.id });
    const done = results[results.length - 1].data.evaluationUpdated;
    expect(done.status).toBe('COMPLETED');
    return done;
  } finally {
    socket.close();
  }
}

const metric = (row: any, key: string) => row.metrics.find((m: any) => m.key === key);

test('the sample has enough turns, and more scorable samples than predictions', () => {
  expect(turns.length).toBeGreaterThanOrEqual(3);
  expect(scorable.corrected).toBeGreaterThan(3);
});

let evaluationA: any;

test('missing predictions count as misses: headline over every scorable sample, coverage beside it, SE and interval by hand', async () => {
  evaluationA = await evaluate({ predictions: predictionsFor([0, 2, 7]), ks: [1, 10], filter: { split: 'TEST' } });
  expect(evaluationA.results.map((r: any) => r.mode)).toEqual(['CRSLAB_COMPAT', 'CORRECTED']);
  for (const row of evaluationA.results) {
    const n = scorable[row.mode === 'CRSLAB_COMPAT' ? 'crslab-compat' : 'corrected'];
    expect(row).toMatchObject({ samples: n, predicted: 3, missing: 'miss' });
    expect(row.coverage).toBeCloseTo(3 / n, 6);
    // Hit@10: three hits among n samples, p = 3/n; SE = √(p(1 − p)/(n − 1)) (sample SD / √n).
    const p = 3 / n;
    const se = Math.sqrt((p * (1 - p)) / (n - 1));
    const hit10 = metric(row, 'hit@10');
    expect(hit10.value).toBeCloseTo(p, 6);
    expect(hit10.se).toBeCloseTo(se, 6);
    expect(hit10.ciLow).toBeCloseTo(p - Z95 * se, 6);
    expect(hit10.ciHigh).toBeCloseTo(p + Z95 * se, 6);
    // MRR@10 sums 1 + 1/3 + 1/8 over n samples.
    expect(metric(row, 'mrr@10').value).toBeCloseTo((1 + 1 / 3 + 1 / 8) / n, 6);
  }
  // Beyond accuracy over the three answered turns' lists (none for the unanswered ones).
  expect(evaluationA.beyondAccuracy).toHaveLength(1);
  const [ba] = evaluationA.beyondAccuracy;
  expect(ba).toMatchObject({ model: 'predictions', split: 'test', lists: 3 });
  const tops = new Set([0, 2, 7].map((r, i) => rankedWithGoldAt(turns[i], r)[0]));
  expect(metric(ba, 'coverage@1').value).toBeCloseTo(tops.size / catalogue.length, 9);
});

test('per-sample rows page through the API and download as JSON Lines', async () => {
  const q = `query($id: ID!, $after: String) { evaluation(id: $id) { samples(first: 5, after: $after, mode: CORRECTED) { totalCount pageInfo { hasNextPage endCursor } nodes { seq key dialogueId turnIndex gold predicted values mode model } } } }`;
  const seen: any[] = [];
  let after: string | null = null;
  let total = 0;
  for (;;) {
    const res: any = await api.query(q, { id: evaluationA.id, after });
    expect(res.errors).toBeUndefined();
    const page = res.data.evaluation.samples;
    total = page.totalCount;
    seen.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  expect(total).toBe(scorable.corrected);
  expect(seen).toHaveLength(scorable.corrected);
  expect(seen.filter((s) => s.predicted)).toHaveLength(3);
  const first = seen.find((s) => s.dialogueId === turns[0].dialogueId && s.turnIndex === turns[0].index);
  expect(first).toMatchObject({ key: `${turns[0].dialogueId}:${turns[0].index}:${turns[0].gold}`, gold: turns[0].gold, predicted: true, mode: 'CORRECTED', model: 'predictions' });
  expect(first.values).toMatchObject({ 'hit@1': 1, 'mrr@10': 1 });
  // Means of the per-sample rows are the headline.
  const mean = seen.reduce((s, r) => s + r.values['mrr@10'], 0) / seen.length;
  expect(mean).toBeCloseTo(metric(evaluationA.results[1], 'mrr@10').value, 9);

  const res = await api.get(`/evaluations/${encodeURIComponent(evaluationA.id)}/samples.jsonl?mode=corrected`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/x-ndjson');
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
  expect(lines).toHaveLength(scorable.corrected);
  expect(lines.map((l) => l.key)).toEqual(seen.map((s) => s.key));

  const missing = await api.get(`/evaluations/${toGlobalId('Evaluation', 999999)}/samples.jsonl`);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');

  // A NUL in a query-string filter is the caller's error, answered as JSON before any line is sent.
  const nul = await api.get(`/evaluations/${encodeURIComponent(evaluationA.id)}/samples.jsonl?model=a%00b`);
  expect(nul.status).toBe(400);
  expect(((await nul.json()) as any).errors[0].extensions.code).toBe('BAD_USER_INPUT');
});

test('compareEvaluations pairs the shared samples and lists the others', async () => {
  // B: turns 0 and 1 only, at ranks 1 and 0, with skipMissing: every other sample is only in A.
  const b = await evaluate({ predictions: predictionsFor([1, 0]), ks: [1, 10], filter: { split: 'TEST' }, skipMissing: true, modes: ['CORRECTED'] });
  const res = await api.query(
    `query($a: ID!, $b: ID!) { compareEvaluations(a: $a, b: $b, metrics: ["mrr@10", "hit@1"]) { modelA modelB resamples seed testMethod modes { mode shared onlyInA { count keys } onlyInB { count } metrics { metric n meanA meanB difference ciLow ciHigh pValue permutation } } } }`,
    { a: evaluationA.id, b: b.id },
  );
  expect(res.errors).toBeUndefined();
  const c = res.data.compareEvaluations;
  expect(c).toMatchObject({ modelA: 'predictions', modelB: 'predictions', resamples: 10000, seed: 42 });
  // Only the corrected mode is on both sides.
  expect(c.modes).toHaveLength(1);
  const mode = c.modes[0];
  expect(mode).toMatchObject({ mode: 'CORRECTED', shared: 2, onlyInA: { count: scorable.corrected - 2 }, onlyInB: { count: 0 } });
  expect(mode.onlyInA.keys).toContain(`${turns[2].dialogueId}:${turns[2].index}:${turns[2].gold}`);
  const mrr = mode.metrics.find((m: any) => m.metric === 'mrr@10');
  // A: 1, 1/3; B: 1/2, 1; differences −1/2, +2/3: mean 1/12. Sign flips: |±1/2 ± 2/3| ≥ 1/6 always → p = 1 (exact, 4 patterns).
  expect(mrr).toMatchObject({ n: 2, permutation: 'exact' });
  expect(mrr.difference).toBeCloseTo(1 / 12, 9);
  expect(mrr.pValue).toBeCloseTo(1, 9);
  // Bootstrap means of two differences are −1/2, 1/12 or 2/3; 10,000 draws reach both ends.
  expect(mrr.ciLow).toBeCloseTo(-0.5, 9);
  expect(mrr.ciHigh).toBeCloseTo(2 / 3, 9);

  const bad = await api.query(`query($a: ID!) { compareEvaluations(a: $a, b: $a, resamples: 0) { seed } }`, { a: evaluationA.id });
  expect(bad.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'resamples' });
});

describe('CLI', () => {
  const cli = async (args: string[]) =>
    runCli(db.url, (p) => {
      const e = p.command('eval');
      registerEvalRecCommands(e);
      registerEvalCompareCommands(e);
    }, ['eval', ...args]);

  test('eval rec --json gives SE, 95 % intervals and coverage; --samples-out and eval compare give a p-value', async () => {
    const fileA = path.join(dir, 'a.jsonl');
    const fileB = path.join(dir, 'b.jsonl');
    fs.writeFileSync(fileA, predictionsFor([0, 2, 7]) + '\n');
    fs.writeFileSync(fileB, predictionsFor([3, 2, null]) + '\n');
    const out = await cli(['rec', '--predictions', fileA, '--split', 'test', '--k', '1,10', '--mode', 'corrected', '--json', '--quiet', '--samples-out', path.join(dir, 'sa.jsonl')]);
    const report = JSON.parse(out.logs.join('\n'));
    const [row] = report.rows;
    const n = scorable.corrected;
    expect(row).toMatchObject({ samples: n, predicted: 3, missing: 'miss' });
    expect(row.coverage).toBeCloseTo(3 / n, 9);
    expect(row.metrics['hit@10']).toBeCloseTo(3 / n, 9);
    expect(row.uncertainty['hit@10'].se).toBeCloseTo(Math.sqrt(((3 / n) * (1 - 3 / n)) / (n - 1)), 9);
    expect(report.samples).toBeUndefined();
    expect(fs.readFileSync(path.join(dir, 'sa.jsonl'), 'utf8').trim().split('\n')).toHaveLength(n);

    const table = (await cli(['rec', '--predictions', fileB, '--split', 'test', '--k', '1,10', '--mode', 'corrected', '--quiet', '--skip-missing', '--samples-out', path.join(dir, 'sb.jsonl')])).logs.join('\n');
    expect(table).toContain('coverage');
    expect(table).toContain('MISSING PREDICTIONS SKIPPED (--skip-missing)');
    expect(table).toMatch(/±\d\.\d{4}/);

    const compared = JSON.parse((await cli(['compare', path.join(dir, 'sa.jsonl'), path.join(dir, 'sb.jsonl'), '--json', '--resamples', '2000'])).stdout);
    const mode = compared.modes[0];
    expect(mode).toMatchObject({ mode: 'corrected', shared: 2, onlyInA: { count: n - 2 }, onlyInB: { count: 0 } });
    // Hit@1: A hits turn 0 (rank 0), B does not (rank 3): differences −1, 0 → mean −1/2, exact p = 1 (|±1| ≥ 1 always).
    const hit1 = mode.metrics.find((m: any) => m.metric === 'hit@1');
    expect(hit1.difference).toBeCloseTo(-0.5, 9);
    expect(hit1.pValue).toBeCloseTo(1, 9);
    const text = (await cli(['compare', path.join(dir, 'sa.jsonl'), path.join(dir, 'sb.jsonl'), '--resamples', '200'])).stdout;
    expect(text).toContain(`only in A: ${n - 2}`);
    expect(text).toMatch(/hit@1\s+2\s+0\.5000\s+0\.0000\s+-0\.5000/);
  });

  test('beyond accuracy for predictions and the popularity baseline (docs/metrics.md §10)', async () => {
    const file = path.join(dir, 'ba.jsonl');
    fs.writeFileSync(file, predictionsFor([0, 2, 7]) + '\n');
    const pred = JSON.parse((await cli(['rec', '--predictions', file, '--split', 'test', '--k', '1,10', '--mode', 'corrected', '--json', '--quiet'])).logs.join('\n'));
    const [p] = pred.beyondAccuracy;
    expect(p).toMatchObject({ model: 'predictions', split: 'test', lists: 3 });
    // The three lists' first items: distinct tops ÷ catalogue size.
    const tops = new Set([0, 2, 7].map((r, i) => rankedWithGoldAt(turns[i], r)[0]));
    expect(p.metrics['coverage@1']).toBeCloseTo(tops.size / catalogue.length, 9);
    for (const key of ['gini@10', 'arp@10', 'long_tail@10', 'novelty@10', 'ild@10']) expect(typeof p.metrics[key]).toBe('number');

    // Popularity ranks the same list at every turn: its top-1 is one item, so coverage@1 = 1/N,
    // Gini@1 = (N − 1)/N, ARP@1 = that item's train count (the largest), long-tail share@1 = 0.
    const base = JSON.parse((await cli(['rec', '--baseline', 'popularity', '--split', 'test', '--k', '1,10', '--mode', 'corrected', '--json', '--quiet'])).logs.join('\n'));
    const [b] = base.beyondAccuracy;
    const n = catalogue.length;
    // Train popularity by hand: golds of Recommender turns in the train split.
    const counts = new Map<string, number>();
    for await (const d of streamDialogues(db.dataSource.manager, { filter: { split: 'train' as any } })) {
      for (const t of mergeTurns(d.turns.map((u) => ({ index: u.index, role: u.role, mentions: u.mentions.map((m) => ({ item: m.asin ?? m.rawId, isRecommendation: m.isRecommendation })) })))) {
        if (turnQualifies(t, 'recommender-turns')) for (const g of t.golds) if (catalogue.includes(g)) counts.set(g, (counts.get(g) ?? 0) + 1);
      }
    }
    const total = [...counts.values()].reduce((a, c) => a + c, 0);
    expect(b).toMatchObject({ model: 'popularity', lists: expect.any(Number) });
    expect(b.lists).toBeGreaterThanOrEqual(turns.length);
    expect(b.metrics['coverage@1']).toBeCloseTo(1 / n, 9);
    expect(b.metrics['gini@1']).toBeCloseTo((n - 1) / n, 9);
    expect(b.metrics['long_tail@1']).toBe(0);
    expect(b.metrics['arp@1']).toBe(Math.max(...counts.values()));
    expect(b.metrics['novelty@1']).toBeCloseTo(-Math.log2((Math.max(...counts.values()) + 1) / (total + n)), 9);
    expect(base.popularity.trainInteractions).toBe(total);
  });

  test('fuzzy-title recall: the 2×2 grid (filtered or not × seen excluded or not) in one call (docs/metrics.md §2.1)', async () => {
    const rows: Array<{ asin: string; title: string }> = await db.dataSource.query('SELECT asin, title FROM items ORDER BY asin COLLATE "C"');
    const titleOf = new Map(rows.map((r) => [r.asin, r.title]));
    const index = new TitleIndex(rows.map((r) => ({ key: r.asin, title: r.title })));
    // A turn whose context names a catalogue item with a title of its own.
    const turn = turns.find((t) => t.context.some((c) => titleOf.has(c) && titleOf.get(c) !== titleOf.get(t.gold)))!;
    expect(turn).toBeDefined();
    const seen = turn.context.find((c) => titleOf.has(c) && titleOf.get(c) !== titleOf.get(turn.gold))!;
    // An out-of-catalogue title: far (> 2 edits) from every title; unfiltered it maps to its nearest item.
    const made = 'Qqqq Zzzz Xxxx Wwww';
    const nearest = index.nearest(cleanFuzzyTitle(made))!;
    expect(nearest.distance).toBeGreaterThan(2);
    const x = nearest.key;
    const file = path.join(dir, 'titles.jsonl');
    fs.writeFileSync(file, JSON.stringify({ dialogueId: turn.dialogueId, turnIndex: turn.index, ranked: [titleOf.get(seen), made, titleOf.get(turn.gold)] }) + '\n');
    const out = JSON.parse(
      (await cli(['rec', '--predictions', file, '--titles', '--title-grid', '--skip-missing', '--split', 'test', '--k', '1,3', '--mode', 'compat', '--group-by', 'none', '--json', '--quiet'])).logs.join('\n'),
    );
    const rank = (list: string[]) => list.indexOf(turn.gold);
    const dedupe = (list: string[]) => [...new Set(list)];
    const lists: Record<string, string[]> = {
      predictions: [seen, turn.gold],
      'predictions:unfiltered': dedupe([seen, x, turn.gold]),
      'predictions:exclude-seen': [turn.gold],
      'predictions:unfiltered+exclude-seen': dedupe([x, turn.gold].filter((i) => !turn.context.includes(i))),
    };
    expect(out.rows.map((r: any) => r.model)).toEqual(Object.keys(lists));
    for (const row of out.rows) {
      const r = rank(lists[row.model]);
      expect(row.samples).toBe(1);
      expect(row.metrics['mrr@3']).toBeCloseTo(r < 3 ? 1 / (r + 1) : 0, 9);
    }
    // Filtering matters here: the made-up title enters the unfiltered lists only.
    expect(out.rows[0].metrics['mrr@3']).not.toBeCloseTo(out.rows[1].metrics['mrr@3'], 6);
    await expect(cli(['rec', '--predictions', file, '--title-grid'])).rejects.toThrow('--title-grid applies to --titles');
  });

  test('eval gen --json: F1 with SE and interval, coverage of the qualifying turns', async () => {
    const file = path.join(dir, 'gen.jsonl');
    fs.writeFileSync(
      file,
      [
        { dialogueId: turns[0].dialogueId, turnIndex: turns[0].index, hyp: 'you will love this movie', ref: 'i am sure you will love this film' },
        { dialogueId: turns[1].dialogueId, turnIndex: turns[1].index, hyp: 'the the the', ref: 'the cat' },
      ].map((l) => JSON.stringify(l)).join('\n'),
    );
    const report = JSON.parse((await cli(['gen', '--predictions', file, '--split', 'test', '--mode', 'compat', '--group-by', 'none', '--json', '--quiet'])).logs.join('\n'));
    const [row] = report.rows;
    expect(row.samples).toBe(2);
    // docs/metrics.md §3.7 rows 1 and 3: F1 8/13 and 0.4; two samples: SE = |a − b| / 2.
    expect(row.metrics.f1).toBeCloseTo((8 / 13 + 0.4) / 2, 9);
    expect(row.uncertainty.f1.se).toBeCloseTo((8 / 13 - 0.4) / 2, 9);
    expect(row.uncertainty.f1.ciHigh).toBeCloseTo((8 / 13 + 0.4) / 2 + Z95 * ((8 / 13 - 0.4) / 2), 9);
    expect(row.coverage).toBeGreaterThan(0);
    expect(row.coverage).toBeLessThan(1);
    const long = (await cli(['gen', '--predictions', file, '--split', 'test', '--mode', 'compat', '--group-by', 'none', '--long', '--quiet'])).logs.join('\n');
    const f1 = long.split('\n').find((l) => /\sf1\s/.test(l))!;
    expect(long).toMatch(/metric\s+samples\s+coverage\s+mean\s+se\s+ci95_low\s+ci95_high/);
    expect(f1.trim().split(/\s+/).slice(-4).map(Number)).toEqual(
      [row.metrics.f1, row.uncertainty.f1.se, row.uncertainty.f1.ciLow, row.uncertainty.f1.ciHigh].map((v: number) => Number(v.toFixed(4))),
    );
  });

  test('compare refuses what is neither a file nor an evaluation id, and a bad line names file:line: field', async () => {
    await expect(cli(['compare', 'nope.jsonl', 'x'])).rejects.toThrow('A: "nope.jsonl" is neither a per-sample JSONL file nor an evaluation id');
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '{"model":"predictions","mode":"corrected","key":"1:1:X","values":{"hit@1":1}}\n{"model":"predictions","mode":"corrected","values":{}}\n');
    await expect(cli(['compare', bad, bad])).rejects.toThrow(`${bad}:2: key: must be a string`);
  });
});
