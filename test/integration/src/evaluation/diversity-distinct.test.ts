import { registerEvalStatsCommands } from '../../../../src/cli/eval-stats';
import { runCli } from '../../../support/cli';
import { createTestDatabase, TestDatabase } from '../../../support/db';

/** `eval diversity --by dataset` (docs/metrics.md §5.1) on two datasets inserted by hand. */
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
  const dialogue = async (dataset: string, texts: string[]) => {
    const [d] = await q(`INSERT INTO dialogues (dataset, source, status, split) VALUES ($1, 'IMPORTED', 'ACCEPTED', 'test') RETURNING id`, [dataset]);
    for (const [i, text] of texts.entries()) await q(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, $2, $3, $4)`, [d.id, i, i % 2 ? 'ASSISTANT' : 'USER', text]);
  };
  await dialogue('alpha', ['A b a', 'b c']);
  await dialogue('alpha', ['a b c d']);
  await dialogue('beta', ['same words here', 'same words here', 'same words here']);
});
afterAll(() => db?.drop());

const cli = async (args: string[]) => (await runCli(db.url, (p) => registerEvalStatsCommands(p.command('eval')), ['eval', ...args])).stdout;

test('one table across every dataset: length-normalised, corrected and CRSLab-compat Dist by hand', async () => {
  const json = JSON.parse(await cli(['diversity', '--by', 'dataset', '--json']));
  expect(json.datasets.map((d: any) => d.dataset)).toEqual(['alpha', 'beta']);
  const [alpha, beta] = json.datasets;
  // alpha: 9 tokens < 7,012, so every shuffle sees all of them (flagged not comparable).
  // Lower-cased a b a | b c | a b c d: 4 distinct unigrams of 9; bigrams ab ba bc ab bc cd: 4 distinct of 6.
  expect(alpha).toMatchObject({ dialogues: 2, distinct: { utterances: 3, tokens: 9, normalised: { tokensUsed: 9, comparable: false, tokens: 7012, runs: 100, seed: 42 } } });
  expect(alpha.distinct.normalised.metrics['dist@1']).toBeCloseTo(4 / 9, 9);
  expect(alpha.distinct.normalised.metrics['dist@2']).toBeCloseTo(4 / 6, 9);
  // Corrected keeps case: A b a c d → 5 of 9. CRSLab-compat: characters {A, ␣, b, a, c, d} ÷ 3 utterances.
  expect(alpha.distinct.corrected['dist@1']).toBeCloseTo(5 / 9, 9);
  expect(alpha.distinct.crslabCompat['dist@1']).toBeCloseTo(6 / 3, 9);
  // beta: the same utterance three times: 3 distinct unigrams of 9.
  expect(beta.distinct.normalised.metrics['dist@1']).toBeCloseTo(3 / 9, 9);
  // TF-IDF similarity carries no published values.
  expect(alpha.references).toEqual([]);
  expect(alpha.comparability).toContain('NOT comparable');

  const text = await cli(['diversity', '--by', 'dataset']);
  expect(text).toMatch(/alpha\s+2\s+3\s+9\s+0\.4444\*/);
  expect(text).toContain('CRSArena-Dial');
  expect(text).toContain('* fewer than 7012 tokens: not length-normalised, not comparable');
  expect(text).not.toContain('0.422');
  expect(text).not.toContain('0.598 ');
});

test('plain eval diversity with TF-IDF says it is not comparable and does not print the paper’s values', async () => {
  const text = await cli(['diversity', '--max-turn', '2']);
  expect(text).toContain('local TF-IDF');
  expect(text).toContain('NOT comparable');
  expect(text).not.toMatch(/published/);
  expect(text).toContain('norm d@1');
});
