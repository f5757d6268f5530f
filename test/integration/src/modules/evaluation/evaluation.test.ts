import { ItemList, mergeTurns, turnQualifies } from '../../../../../src/evaluation/recommendation';
import { streamDialogues } from '../../../../../src/dialogues/stream';
import { toGlobalId } from '../../../../../src/pagination/global-id';
import { openGraphQLSocket, startTestApi, TestApi } from '../../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../../support/db';
import { importSample } from '../../../../support/sample';

const OPS = 'eval-operator-secret';
const READER = 'eval-reader-secret';

let db: TestDatabase;
let api: TestApi;
let catalogue: Array<{ asin: string; title: string }>;
/** Test-split Recommender turns with exactly one gold: dialogue id, turn index, gold, context items. */
let turns: Array<{ dialogueId: number; index: number; gold: string; context: string[] }>;

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  api = await startTestApi(db.dataSource, { apiKeys: `ops:operator:${OPS},ro:reader:${READER}`, maxPredictionBytes: 64 * 1024 });
  catalogue = await db.dataSource.query('SELECT asin, title FROM items ORDER BY asin COLLATE "C"');
  turns = [];
  for await (const d of streamDialogues(db.dataSource.manager, { filter: { split: 'test' as any } })) {
    const context: string[] = [];
    for (const t of mergeTurns(d.turns.map((u) => ({ index: u.index, role: u.role, mentions: u.mentions.map((m) => ({ item: m.asin ?? m.rawId, isRecommendation: m.isRecommendation })) })))) {
      if (turnQualifies(t, 'recommender-turns') && t.golds.length === 1 && catalogue.some((c) => c.asin === t.golds[0])) {
        turns.push({ dialogueId: d.id, index: t.index, gold: t.golds[0], context: [...context] });
      }
      context.push(...t.items);
    }
  }
});

afterAll(async () => {
  await api?.close();
  await db?.drop();
});

const EVALUATION_FIELDS = `id status kind progress error options report
  results { model split stereotype mode family samples predicted coverage missing repeatedGolds approximate skipped { reason count } metrics { key value se ciLow ciHigh } }`;

const evaluateRecommendations = (input: Record<string, unknown>, token = OPS) =>
  api.query(`mutation($input: RecEvaluationInput!) { evaluateRecommendations(input: $input) { ${EVALUATION_FIELDS} } }`, { input }, { token });

/** Follows the evaluation over graphql-ws until it has finished; returns the last state. */
async function untilFinished(id: string): Promise<any> {
  const socket = openGraphQLSocket(api.wsUrl);
  try {
    expect(await socket.ready).toEqual({ acked: true });
    const { results, errors } = await socket.run(`subscription($id: ID!) { evaluationUpdated(id: $id) { ${EVALUATION_FIELDS} } }`, { id });
    expect(errors).toBeUndefined();
    return results[results.length - 1].data.evaluationUpdated;
  } finally {
    socket.close();
  }
}

/** A ranked list of catalogue ASINs with `gold` at rank r, the fillers outside the turn's context. */
function rankedWithGoldAt(turn: (typeof turns)[number], r: number, length = 12): string[] {
  const fillers = catalogue.map((c) => c.asin).filter((a) => a !== turn.gold && !turn.context.includes(a));
  const ranked = fillers.slice(0, length - 1);
  ranked.splice(r, 0, turn.gold);
  return ranked;
}

const metricsOf = (row: any) => Object.fromEntries(row.metrics.map((m: any) => [m.key, m.value === null ? null : Math.round(m.value * 1e6) / 1e6]));

test('the sample has enough single-gold Recommender turns in the test split', () => {
  expect(turns.length).toBeGreaterThanOrEqual(3);
  expect(new ItemList(catalogue.map((c) => c.asin)).size).toBeGreaterThan(20);
});

test('predictions with gold ranks 0, 2 and 7 reproduce hand-computed Hit/MRR/NDCG in both modes, through evaluationUpdated', async () => {
  const ranks = [0, 2, 7];
  const predictions = ranks
    .map((r, i) => JSON.stringify({ dialogueId: i === 1 ? turns[i].dialogueId : toGlobalId('Dialogue', turns[i].dialogueId), turnIndex: turns[i].index, ranked: rankedWithGoldAt(turns[i], r) }))
    .join('\n');
  const res = await evaluateRecommendations({ predictions, ks: [1, 5, 10], filter: { split: 'TEST' }, skipMissing: true });
  expect(res.errors).toBeUndefined();
  const started = res.data.evaluateRecommendations;
  expect(started.kind).toBe('RECOMMENDATION');
  expect(started.options).toMatchObject({ family: 'recommender-turns', ks: [1, 5, 10], predictions: { lines: 3 } });

  const done = await untilFinished(started.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.progress).toBe(1);
  expect(done.results.map((r: any) => [r.model, r.split, r.mode])).toEqual([
    ['predictions', 'test', 'CRSLAB_COMPAT'],
    ['predictions', 'test', 'CORRECTED'],
  ]);
  // Hit@1 = 1/3; Hit@5 = 2/3 (ranks 0, 2); Hit@10 = 1; MRR@5 = (1 + 1/3)/3; MRR@10 = (1 + 1/3 + 1/8)/3;
  // NDCG@5 = (1 + 1/log2 4)/3 = 0.5; NDCG@10 = (1 + 0.5 + 1/log2 9)/3.
  const expected = {
    'hit@1': 0.333333,
    'hit@5': 0.666667,
    'hit@10': 1,
    'mrr@1': 0.333333,
    'mrr@5': 0.444444,
    'mrr@10': 0.486111,
    'ndcg@1': 0.333333,
    'ndcg@5': 0.5,
    'ndcg@10': 0.605155,
  };
  for (const row of done.results) {
    expect(row.samples).toBe(3);
    expect(row.missing).toBe('skipped');
    expect(row.coverage).toBeLessThan(1);
    expect(row.approximate).toBe(false);
    expect(metricsOf(row)).toEqual(expected);
  }
  expect(done.report.selfTest).toEqual({ passed: true, samples: 6 });
  expect(done.report.predictions.sha256).toMatch(/^[0-9a-f]{64}$/);
});

test('title-ranked predictions resolve by fuzzy matching', async () => {
  const turn = turns[0];
  const gold = catalogue.find((c) => c.asin === turn.gold)!;
  const other = catalogue.find((c) => c.asin !== turn.gold && !turn.context.includes(c.asin) && c.title.length > 5)!;
  // The gold's title one letter short (distance 1), after another exact title: rank 1.
  const typo = gold.title.slice(0, -1);
  const predictions = JSON.stringify({ dialogueId: turn.dialogueId, turnIndex: turn.index, ranked: [other.title, `${typo} (1999)`, 'Zzzz Not A Film Qqqq'] });
  const res = await evaluateRecommendations({ predictions, rankedBy: 'TITLE', ks: [1, 5], modes: ['CRSLAB_COMPAT'], filter: { split: 'TEST' }, skipMissing: true });
  expect(res.errors).toBeUndefined();
  const done = await untilFinished(res.data.evaluateRecommendations.id);
  expect(done.status).toBe('COMPLETED');
  const [row] = done.results;
  expect(row.samples).toBe(1);
  expect(metricsOf(row)).toMatchObject({ 'hit@1': 0, 'hit@5': 1, 'mrr@5': 0.5, 'ndcg@5': 0.63093 });
  // The made-up title matched nothing within 2 edits.
  expect(done.report.predictions.unmatchedRanked).toBe(1);
});

test('the baseline table has rows for all three baselines per split and mode', async () => {
  const res = await evaluateRecommendations({ baseline: 'ALL', filter: { split: 'TEST' }, ks: [1, 10] });
  expect(res.errors).toBeUndefined();
  const done = await untilFinished(res.data.evaluateRecommendations.id);
  expect(done.status).toBe('COMPLETED');
  expect(done.results.map((r: any) => `${r.model}/${r.split}/${r.mode}`)).toEqual([
    'popularity/test/CRSLAB_COMPAT',
    'popularity/test/CORRECTED',
    'cooccurrence/test/CRSLAB_COMPAT',
    'cooccurrence/test/CORRECTED',
    'bm25/test/CRSLAB_COMPAT',
    'bm25/test/CORRECTED',
  ]);
  const compatSamples = done.results.filter((r: any) => r.mode === 'CRSLAB_COMPAT').map((r: any) => r.samples);
  // Every baseline scores the same samples.
  expect(new Set(compatSamples).size).toBe(1);
  expect(compatSamples[0]).toBeGreaterThanOrEqual(turns.length);
  for (const row of done.results) {
    const m = metricsOf(row);
    expect(m['hit@1']).toBeLessThanOrEqual(m['hit@10']);
    expect(m['mrr@10']).toBeLessThanOrEqual(m['ndcg@10'] + 1e-6);
  }
});

test('generation predictions: BLEU and F1 of docs/metrics.md §3.7 row 1', async () => {
  const turn = turns[0];
  const predictions = JSON.stringify({ dialogueId: turn.dialogueId, turnIndex: turn.index, hyp: 'you will love this movie', ref: 'i am sure you will love this film' });
  const res = await api.query(
    `mutation($input: GenEvaluationInput!) { evaluateGeneration(input: $input) { id kind } }`,
    { input: { predictions, modes: ['CRSLAB_COMPAT'], filter: { split: 'TEST' } } },
    { token: OPS },
  );
  expect(res.errors).toBeUndefined();
  const done = await untilFinished(res.data.evaluateGeneration.id);
  expect(done.status).toBe('COMPLETED');
  const [row] = done.results;
  expect(row.samples).toBe(1);
  expect(metricsOf(row)).toMatchObject({ 'bleu@1': 0.439049, 'bleu@2': 0.411609, 'bleu@3': 0.365874, 'bleu@4': 0.274406, f1: 0.615385 });
});

describe('argument errors name the argument', () => {
  test('a bad predictions line gives its line number and field', async () => {
    const good = JSON.stringify({ dialogueId: turns[0].dialogueId, turnIndex: turns[0].index, ranked: [] });
    const res = await evaluateRecommendations({ predictions: `${good}\n{"dialogueId": 1, "turnIndex": "three", "ranked": []}` });
    expect(res.errors?.[0]).toMatchObject({
      message: 'input.predictions: line 2: turnIndex: must be a non-negative integer, got "three"',
      extensions: { code: 'BAD_USER_INPUT', argument: 'input.predictions', line: 2, field: 'turnIndex' },
    });
  });

  test('predictions and a baseline together, or neither', async () => {
    const both = await evaluateRecommendations({ predictions: '{}', baseline: 'BM25' });
    expect(both.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input' });
    const neither = await evaluateRecommendations({});
    expect(neither.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input' });
  });

  test('a k of 0, an unknown stereotype', async () => {
    const k = await evaluateRecommendations({ baseline: 'POPULARITY', ks: [1, 0] });
    expect(k.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.ks' } });
    const stereotype = await evaluateRecommendations({ baseline: 'POPULARITY', filter: { stereotype: 'Nobody' } });
    expect(stereotype.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'input.filter.stereotype' } });
  });

  test('a predictions file over the size limit points to the CLI', async () => {
    const line = JSON.stringify({ dialogueId: 1, turnIndex: 1, ranked: catalogue.map((c) => c.asin) });
    const res = await evaluateRecommendations({ predictions: Array.from({ length: 200 }, () => line).join('\n') });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.predictions' });
    expect(res.errors?.[0].message).toContain('recdial eval rec --predictions FILE');
  });

  test('an unknown evaluation id', async () => {
    const res = await api.query(`{ evaluation(id: "${toGlobalId('Evaluation', 999999)}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.evaluation).toBeNull();
  });
});

test('readers get FORBIDDEN on the mutations, and nothing is stored', async () => {
  const [{ n: before }] = await db.dataSource.query('SELECT count(*)::int AS n FROM evaluations');
  const res = await evaluateRecommendations({ baseline: 'POPULARITY' }, READER);
  expect(res.status).toBe(403);
  expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const [{ n: after }] = await db.dataSource.query('SELECT count(*)::int AS n FROM evaluations');
  expect(after).toBe(before);
});

test('evaluations lists the stored evaluations newest first, with cursor paging', async () => {
  const started = [];
  for (let i = 0; i < 2; i++) started.push((await evaluateRecommendations({ baseline: 'POPULARITY', filter: { split: 'TEST' }, ks: [1] })).data.evaluateRecommendations.id);
  for (const id of started) await untilFinished(id);
  const all = await api.query(`{ evaluations(first: 100) { totalCount nodes { id status kind results { model } } } }`);
  expect(all.errors).toBeUndefined();
  const ids = all.data.evaluations.nodes.map((e: any) => e.id);
  expect(all.data.evaluations.totalCount).toBe(ids.length);
  expect(ids.slice(0, 2)).toEqual([started[1], started[0]]);
  expect(all.data.evaluations.nodes[0]).toMatchObject({ status: 'COMPLETED', kind: 'RECOMMENDATION', results: expect.arrayContaining([{ model: 'popularity' }]) });
  const first = await api.query(`{ evaluations(first: 1) { pageInfo { endCursor hasNextPage } nodes { id } } }`);
  expect(first.data.evaluations.nodes.map((e: any) => e.id)).toEqual([started[1]]);
  expect(first.data.evaluations.pageInfo.hasNextPage).toBe(true);
  const next = await api.query(`query($after: String) { evaluations(first: 1, after: $after) { nodes { id } } }`, { after: first.data.evaluations.pageInfo.endCursor });
  expect(next.data.evaluations.nodes.map((e: any) => e.id)).toEqual([started[0]]);
});
