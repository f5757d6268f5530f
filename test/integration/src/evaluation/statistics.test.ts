import fs from 'node:fs';
import path from 'node:path';
import { registerEvalStatsCommands } from '../../../../src/cli/eval-stats';
import { getTokenizer } from '../../../../src/text/tokenizers';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample, SAMPLE_RELEASE, SAMPLE_TMDB } from '../../../support/sample';
import { runCli } from '../../../support/cli';

const ROW = `dialogues utterances tokens avgTurns avgTokensPerUtterance distinctTokens distinctFourGrams users items catalogueSize
  avgDialoguesPerUser avgUtterancesPerDialogue group { key value }
  distributions { field count min max mean median p90 bins { from to count } }`;
const STATS = `query Stats($filter: DialogueFilter, $groupBy: [StatisticsGroup!], $tokenize: StatisticsTokenizer) {
  datasetStatistics(filter: $filter, groupBy: $groupBy, tokenize: $tokenize) {
    tokenizer groupBy fourGramCounting overall { ${ROW} } groups { ${ROW} }
    references { source dataset dialogues avgTurns avgTokensPerUtterance distinctFourGrams note }
  }
}`;

const distribution = (row: any, field: string) => row.distributions.find((d: any) => d.field === field);

describe('docs/metrics.md §4.3 worked example, on dialogues inserted by hand', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase();
    const q = (sql: string, params: unknown[] = []) => db.dataSource.query(sql, params);
    const [item1] = await q(`INSERT INTO items (asin, title, cleaned_title) VALUES ('B0ITEM0001', 'A Comedy', 'A Comedy') RETURNING id`);
    const [item2] = await q(`INSERT INTO items (asin, title, cleaned_title) VALUES ('B0ITEM0002', 'Old Favourite', 'Old Favourite') RETURNING id`);
    await q(`INSERT INTO items (asin, title, cleaned_title) VALUES ('B0ITEM0003', 'Never Mentioned', 'Never Mentioned')`);
    const [user] = await q(`INSERT INTO users (source_id) VALUES ('U1') RETURNING id`);
    await q(`INSERT INTO user_profiles (user_id, strategy, history_item_ids) VALUES ($1, 'STEREOTYPE', $2)`, [user.id, [item2.id]]);
    const dialogue = async (split: string, status: string, texts: string[], target: number | null) => {
      const [d] = await q(
        `INSERT INTO dialogues (dataset, source, status, split, user_id, target_item_id) VALUES ('handmade', 'IMPORTED', $1, $2, $3, $4) RETURNING id`,
        [status, split, user.id, target],
      );
      for (const [i, text] of texts.entries()) {
        await q(`INSERT INTO turns (dialogue_id, idx, role, text) VALUES ($1, $2, $3, $4)`, [d.id, i, i % 2 ? 'ASSISTANT' : 'USER', text]);
      }
    };
    await dialogue('train', 'ACCEPTED', ['hi there', 'hello how can i help', 'a comedy please'], item1.id);
    // An empty utterance is not an utterance.
    await dialogue('test', 'ACCEPTED', ['hi', 'hello', '   '], null);
    // Not ACCEPTED: outside the default filter.
    await dialogue('test', 'REJECTED', ['goodbye cruel world of words'], null);
    api = await startTestApi(db.dataSource);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  test('the overall row has exactly the §4.3 values', async () => {
    const res = await api.query(STATS);
    expect(res.errors).toBeUndefined();
    const stats = res.data.datasetStatistics;
    expect(stats.tokenizer).toBe('WHITESPACE');
    expect(stats.overall).toMatchObject({
      group: [],
      dialogues: 2,
      utterances: 5,
      avgTurns: 2.5,
      avgUtterancesPerDialogue: 2.5,
      tokens: 12,
      avgTokensPerUtterance: 2.4,
      distinctTokens: 10,
      distinctFourGrams: 2,
      users: 1,
      avgDialoguesPerUser: 2,
      // the target B0ITEM0001 and the user's history item B0ITEM0002; the catalogue has three
      items: 2,
      catalogueSize: 3,
    });
    // tokens per utterance 2, 5, 3, 1, 1 → sorted 1 1 2 3 5: median 2, p90 = 3 + 0.6 × (5 − 3)
    expect(distribution(stats.overall, 'tokensPerUtterance')).toMatchObject({ count: 5, min: 1, max: 5, mean: 2.4, median: 2 });
    expect(distribution(stats.overall, 'tokensPerUtterance').p90).toBeCloseTo(4.2, 10);
    expect(distribution(stats.overall, 'tokensPerUtterance').bins.slice(0, 2)).toEqual([
      { from: 0, to: 5, count: 4 },
      { from: 5, to: 10, count: 1 },
    ]);
    expect(distribution(stats.overall, 'utterancesPerDialogue')).toMatchObject({ count: 2, min: 2, max: 3, median: 2.5 });
    expect(distribution(stats.overall, 'dialoguesPerUser')).toMatchObject({ count: 1, min: 2, max: 2 });
  });

  test('groups by split; the REJECTED dialogue counts only when asked for every status', async () => {
    const res = await api.query(STATS, { groupBy: ['SPLIT'] });
    expect(res.errors).toBeUndefined();
    const groups = res.data.datasetStatistics.groups;
    expect(groups.map((g: any) => g.group)).toEqual([[{ key: 'SPLIT', value: 'test' }], [{ key: 'SPLIT', value: 'train' }]]);
    expect(groups[0]).toMatchObject({ dialogues: 1, utterances: 2, tokens: 2, distinctTokens: 2, distinctFourGrams: 0 });
    expect(groups[1]).toMatchObject({ dialogues: 1, utterances: 3, tokens: 10, distinctTokens: 10, distinctFourGrams: 2 });

    const all = await api.query(STATS, { filter: { status: null } });
    expect(all.data.datasetStatistics.overall).toMatchObject({ dialogues: 3, utterances: 6, tokens: 17, distinctFourGrams: 4 });
  });

  test('--tokenize: GPT2 counts the tokenizer\'s pieces, lower-cased for the vocabulary', async () => {
    const res = await api.query(STATS, { tokenize: 'GPT2' });
    expect(res.errors).toBeUndefined();
    const gpt2 = getTokenizer('gpt2');
    const texts = ['hi there', 'hello how can i help', 'a comedy please', 'hi', 'hello'];
    const pieces = texts.map((t) => gpt2.tokenize(t));
    expect(res.data.datasetStatistics.tokenizer).toBe('GPT2');
    expect(res.data.datasetStatistics.overall).toMatchObject({
      utterances: 5,
      tokens: pieces.reduce((n, p) => n + p.length, 0),
      distinctTokens: new Set(pieces.flat().map((p) => p.toLowerCase())).size,
    });
  });

  test('reference values are included and labelled', async () => {
    const res = await api.query(STATS);
    const refs = res.data.datasetStatistics.references;
    expect(refs).toContainEqual(
      expect.objectContaining({ source: 'DistillRecDial paper, Table 1', dataset: 'DistillRecDial', dialogues: 21039, avgTurns: 9.89, avgTokensPerUtterance: 58.16 }),
    );
    expect(refs).toContainEqual(expect.objectContaining({ source: 'LLM-REDIAL paper, Table 3', dataset: 'Movies', distinctFourGrams: 1100472 }));
  });

  test('bad arguments are named', async () => {
    const res = await api.query(STATS, { filter: { stereotype: 'Nobody' } });
    expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0].message).toMatch(/^filter\.stereotype: unknown stereotype "Nobody"/);
    const bad = await api.query('{ datasetStatistics(groupBy: [COLOUR]) { tokenizer } }');
    expect(bad.errors?.[0].message).toMatch(/"COLOUR" does not exist in "StatisticsGroup"/);
  });
});

/** The sample's dialogues read straight from the release files, independently of the importer. */
function sampleFromFiles() {
  const MESSAGE = /<\|start_header_id\|>(user|assistant)<\|end_header_id\|>\n\n([\s\S]*?)<\|eot_id\|>/g;
  return fs
    .readdirSync(SAMPLE_RELEASE)
    .sort()
    .flatMap((name) =>
      fs
        .readFileSync(path.join(SAMPLE_RELEASE, name), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          const line = JSON.parse(l);
          const utterances: string[] = [...(line.text as string).matchAll(MESSAGE)].map((m) => m[2].split('<|reserved_special_token_10|>').join(''));
          return {
            split: /_(train|valid|test)\.jsonl$/.exec(name)![1],
            scenario: line.scenario as string,
            utterances: utterances.filter((u) => u.trim() !== ''),
            items: [...line.target, ...line.named_items].map((tag: string) => tag.slice(4, -1)),
          };
        }),
    );
}

const CATALOGUE = new Set<string>(JSON.parse(fs.readFileSync(SAMPLE_TMDB, 'utf8')).map((r: { asin: string }) => r.asin));

function expectedRow(dialogues: ReturnType<typeof sampleFromFiles>) {
  const tokens = dialogues.flatMap((d) => d.utterances.map((u) => u.split(/\s+/).filter(Boolean)));
  const vocabulary = new Set(tokens.flat().map((t) => t.toLowerCase()));
  const fourGrams = new Set<string>();
  for (const t of tokens) {
    const lower = t.map((x) => x.toLowerCase());
    for (let i = 0; i + 4 <= lower.length; i++) fourGrams.add(JSON.stringify(lower.slice(i, i + 4)));
  }
  const total = tokens.reduce((n, t) => n + t.length, 0);
  return {
    dialogues: dialogues.length,
    utterances: tokens.length,
    tokens: total,
    distinctTokens: vocabulary.size,
    distinctFourGrams: fourGrams.size,
    // targets and named items that are catalogue items (tags of unknown ids name no item)
    items: new Set(dialogues.flatMap((d) => d.items).filter((asin) => CATALOGUE.has(asin))).size,
    users: 0,
    avgDialoguesPerUser: null,
    avgTurns: tokens.length / dialogues.length,
    avgTokensPerUtterance: total / tokens.length,
  };
}

describe('the bundled sample', () => {
  let db: TestDatabase;
  let api: TestApi;
  const files = sampleFromFiles();

  beforeAll(async () => {
    db = await createTestDatabase();
    await importSample(db.dataSource);
    api = await startTestApi(db.dataSource);
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  test('overall and per stereotype × split equal a computation from the raw JSONL files', async () => {
    const res = await api.query(STATS, { groupBy: ['STEREOTYPE', 'SPLIT'] });
    expect(res.errors).toBeUndefined();
    const stats = res.data.datasetStatistics;
    const { avgTurns, avgTokensPerUtterance, ...exact } = expectedRow(files);
    expect(stats.overall).toMatchObject(exact);
    expect(stats.overall.avgTurns).toBeCloseTo(avgTurns, 10);
    expect(stats.overall.avgTokensPerUtterance).toBeCloseTo(avgTokensPerUtterance, 10);
    expect(stats.overall.catalogueSize).toBe(CATALOGUE.size);

    const keys = [...new Set(files.map((f) => `${f.scenario}\u0000${f.split}`))].sort();
    expect(stats.groups.map((g: any) => `${g.group[0].value}\u0000${g.group[1].value}`)).toEqual(keys);
    for (const group of stats.groups) {
      const mine = files.filter((f) => f.scenario === group.group[0].value && f.split === group.group[1].value);
      const { avgTurns: _a, avgTokensPerUtterance: _b, ...expected } = expectedRow(mine);
      expect(group).toMatchObject(expected);
    }
    const turns = distribution(stats.overall, 'utterancesPerDialogue');
    expect(turns.count).toBe(files.length);
    expect(turns.max).toBe(Math.max(...files.map((f) => f.utterances.length)));
    expect(turns.bins.reduce((n: number, b: any) => n + b.count, 0)).toBe(files.length);
  });

  /** Runs `recdial eval <args>` in-process against this test database; returns stdout. */
  const cli = async (args: string[]) => (await runCli(db.url, (p) => registerEvalStatsCommands(p.command('eval')), ['eval', ...args])).stdout;

  test('recdial eval stats --group-by split --json gives the numbers of the API; the table names the columns', async () => {
    const json = JSON.parse(await cli(['stats', '--group-by', 'split', '--json']));
    const api_ = await api.query(STATS, { groupBy: ['SPLIT'] });
    const pick = (r: any) => ({ dialogues: r.dialogues, utterances: r.utterances, tokens: r.tokens, distinctFourGrams: r.distinctFourGrams, items: r.items });
    expect(pick(json.overall)).toEqual(pick(api_.data.datasetStatistics.overall));
    expect(json.groups.map(pick)).toEqual(api_.data.datasetStatistics.groups.map(pick));
    const text = await cli(['stats', '--split', 'test']);
    expect(text).toContain('#4-Grams');
    expect(text).toMatch(/overall\s+10\s/);
    expect(text).toContain('Published (for comparison; not computed by recdial)');
  });

  test('recdial eval stats refuses an unknown group with a message naming it', async () => {
    await expect(cli(['stats', '--group-by', 'split,colour'])).rejects.toThrow(/unknown: colour/);
    await expect(cli(['stats', '--stereotype', 'Nobody'])).rejects.toThrow(/^--stereotype: unknown stereotype "Nobody"/);
  });

  test('recdial eval diversity --svg writes the chart', async () => {
    const file = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'recdial-')), 'diversity.svg');
    const text = await cli(['diversity', '--max-turn', '3', '--svg', file]);
    expect(text).toContain('local TF-IDF');
    expect(text).toContain(`chart written to ${file}`);
    const svg = fs.readFileSync(file, 'utf8');
    expect(svg.match(/<circle /g)).toHaveLength(3);
    await expect(cli(['diversity', '--max-per-turn', '1'])).rejects.toThrow('--max-per-turn: must be an integer from 2 to 10000, got 1');
  });
});
