import fs from 'node:fs';
import path from 'node:path';
import { pythonSampleIndices, tfidfEmbedder, type SparseVector } from '../../../../src/evaluation/diversity';
import { keyedRandom } from '../../../../src/random/python-random';
import { startTestApi, TestApi } from '../../../support/api';
import { createTestDatabase, TestDatabase } from '../../../support/db';
import { importSample, SAMPLE_RELEASE } from '../../../support/sample';
import { bagOfWordsVector, startScriptedOpenAI, type ScriptedOpenAI } from '../../../support/scripted-openai';

const DIVERSITY = `query Diversity($filter: DialogueFilter, $maxPerTurn: Int, $maxTurn: Int) {
  diversity(filter: $filter, maxPerTurn: $maxPerTurn, maxTurn: $maxTurn) {
    method model seed maxPerTurn maxTurn dialogues overall distinct svg
    turns { turn population sampled similarity distinct }
    references { source dataset similarity }
    comparability
  }
}`;

/** Utterance texts by 1-based position, read from the release files in import (= id) order. */
function positionsFromFiles(): string[][] {
  const MESSAGE = /<\|start_header_id\|>(user|assistant)<\|end_header_id\|>\n\n([\s\S]*?)<\|eot_id\|>/g;
  const byTurn: string[][] = [];
  for (const name of fs.readdirSync(SAMPLE_RELEASE).sort()) {
    for (const line of fs.readFileSync(path.join(SAMPLE_RELEASE, name), 'utf8').split('\n').filter((l) => l.trim())) {
      const text: string = JSON.parse(line).text;
      [...text.matchAll(MESSAGE)].forEach((m, i) => {
        const utterance = m[2].split('<|reserved_special_token_10|> ').join('').trim();
        if (utterance) (byTurn[i] ??= []).push(utterance);
      });
    }
  }
  return byTurn;
}

function bruteForceMeanCosine(vectors: number[][]): number {
  const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / (Math.hypot(...a) * Math.hypot(...b) || 1);
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++, pairs++) sum += cos(vectors[i], vectors[j]);
  return sum / pairs;
}

const toDense = (v: SparseVector, size: number) => {
  const out = new Array<number>(size).fill(0);
  v.indices.forEach((index, k) => (out[index] = v.values[k]));
  return out;
};

let db: TestDatabase;
let scripted: ScriptedOpenAI;
let tfidfApi: TestApi;
let embeddingsApi: TestApi;
const byTurn = positionsFromFiles();

beforeAll(async () => {
  db = await createTestDatabase();
  await importSample(db.dataSource);
  scripted = await startScriptedOpenAI({ models: ['bow-embedder'] });
  tfidfApi = await startTestApi(db.dataSource, { embeddings: null });
  embeddingsApi = await startTestApi(db.dataSource, {
    embeddings: { baseUrl: scripted.baseUrl, model: 'bow-embedder', apiKey: 'test-key', timeoutMs: 5000, batchSize: 16 },
  });
});
afterAll(async () => {
  await tfidfApi?.close();
  await embeddingsApi?.close();
  await scripted?.close();
  await db?.drop();
});
beforeEach(() => scripted.reset());

describe('diversity with an embeddings endpoint', () => {
  test('S_t equals the brute-force pairwise mean of the endpoint’s vectors; overall is their unweighted mean', async () => {
    const res = await embeddingsApi.query(DIVERSITY, { maxTurn: 6 });
    expect(res.errors).toBeUndefined();
    const d = res.data.diversity;
    expect(d).toMatchObject({ method: 'EMBEDDINGS', model: 'bow-embedder', seed: 42, maxTurn: 6, dialogues: 65 });
    expect(d.turns.map((t: any) => t.turn)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const t of d.turns) {
      const texts = byTurn[t.turn - 1];
      expect(t.population).toBe(texts.length);
      expect(t.sampled).toBe(texts.length);
      expect(t.similarity).toBeCloseTo(bruteForceMeanCosine(texts.map((x) => bagOfWordsVector(x))), 10);
    }
    expect(d.overall).toBeCloseTo(d.turns.reduce((s: number, t: any) => s + t.similarity, 0) / 6, 12);
    expect(d.references).toEqual([
      { source: 'DistillRecDial paper', dataset: 'DistillRecDial', similarity: 0.422 },
      { source: 'DistillRecDial paper', dataset: 'PEARL', similarity: 0.598 },
    ]);
    expect(d.comparability).toMatch(/^sentence embeddings/);
    // Batches of at most 16 distinct texts, with the configured key.
    const calls = scripted.requests.filter((r) => r.path === '/v1/embeddings');
    expect(calls.length).toBeGreaterThan(1);
    for (const c of calls) {
      expect(c.body.input.length).toBeLessThanOrEqual(16);
      expect(c.headers.authorization).toBe('Bearer test-key');
    }
    const sent = calls.flatMap((c) => c.body.input);
    expect(new Set(sent).size).toBe(sent.length);
    expect(new Set(sent)).toEqual(new Set(byTurn.slice(0, 6).flat()));
    // The chart has one point per reported turn.
    expect(d.svg.match(/<circle /g)).toHaveLength(6);
  });

  test('beyond maxPerTurn, the keyed sub-stream (purpose "diversity", key t) picks the utterances', async () => {
    const res = await embeddingsApi.query(DIVERSITY, { maxPerTurn: 10, maxTurn: 3 });
    expect(res.errors).toBeUndefined();
    for (const t of res.data.diversity.turns) {
      const texts = byTurn[t.turn - 1];
      const chosen = pythonSampleIndices(keyedRandom(42, 'diversity', String(t.turn)), texts.length, 10).sort((a, b) => a - b).map((i) => texts[i]);
      expect(t).toMatchObject({ population: texts.length, sampled: 10 });
      expect(t.similarity).toBeCloseTo(bruteForceMeanCosine(chosen.map((x) => bagOfWordsVector(x))), 10);
    }
  });

  test('a failing endpoint is a MODEL_ENDPOINT_UNAVAILABLE error that names it', async () => {
    scripted.rule('', { kind: 'status', status: 503, message: 'overloaded' });
    const res = await embeddingsApi.query(DIVERSITY, { maxTurn: 2 });
    expect(res.errors?.[0].extensions?.code).toBe('MODEL_ENDPOINT_UNAVAILABLE');
    expect(res.errors?.[0].message).toContain(`the embeddings endpoint ${scripted.baseUrl} (model "bow-embedder") failed: HTTP 503`);
  });

  test('credentials in the endpoint URL never reach the error message', async () => {
    const withCredentials = scripted.baseUrl.replace('http://', 'http://user:s3cret@');
    const api = await startTestApi(db.dataSource, { embeddings: { baseUrl: withCredentials, model: 'bow-embedder', apiKey: 'k', timeoutMs: 2000, batchSize: 16 } });
    try {
      scripted.rule('', { kind: 'status', status: 500 });
      const res = await api.query(DIVERSITY, { maxTurn: 1 });
      expect(res.errors?.[0].extensions?.code).toBe('MODEL_ENDPOINT_UNAVAILABLE');
      expect(res.errors?.[0].message).toContain(`the embeddings endpoint ${scripted.baseUrl} `);
      expect(res.errors?.[0].message).not.toContain('s3cret');
    } finally {
      await api.close();
    }
  });

  test('an unknown model is refused by the endpoint and reported', async () => {
    scripted.setModels(['another-model']);
    const res = await embeddingsApi.query(DIVERSITY, { maxTurn: 1 });
    expect(res.errors?.[0].extensions?.code).toBe('MODEL_ENDPOINT_UNAVAILABLE');
    expect(res.errors?.[0].message).toMatch(/HTTP 404/);
  });
});

describe('diversity with the local TF-IDF', () => {
  test('labelled TFIDF; S_t equals the pairwise mean of TF-IDF vectors fitted on the compared utterances', async () => {
    const res = await tfidfApi.query(DIVERSITY, { maxTurn: 4, filter: { split: 'TRAIN' } });
    expect(res.errors).toBeUndefined();
    const d = res.data.diversity;
    expect(d.method).toBe('TFIDF');
    expect(d.model).toMatch(/^tfidf/);
    expect(d.dialogues).toBe(45);
    // Independent: the vectors of the same texts, all four turns fitted together, compared pair by pair.
    const MESSAGE = /<\|start_header_id\|>(user|assistant)<\|end_header_id\|>\n\n([\s\S]*?)<\|eot_id\|>/g;
    const train = fs.readdirSync(SAMPLE_RELEASE).find((n) => n.endsWith('_train.jsonl'))!;
    const turns: string[][] = [[], [], [], []];
    for (const line of fs.readFileSync(path.join(SAMPLE_RELEASE, train), 'utf8').split('\n').filter((l) => l.trim())) {
      [...(JSON.parse(line).text as string).matchAll(MESSAGE)].slice(0, 4).forEach((m, i) => turns[i].push(m[2].split('<|reserved_special_token_10|> ').join('').trim()));
    }
    const unique = [...new Set(turns.flat())];
    const vectors = (await tfidfEmbedder().embed(unique)) as SparseVector[];
    const size = Math.max(...vectors.flatMap((v) => v.indices)) + 1;
    const dense = new Map(unique.map((t, i) => [t, toDense(vectors[i], size)]));
    for (const t of d.turns) {
      expect(t.population).toBe(turns[t.turn - 1].length);
      expect(t.similarity).toBeCloseTo(bruteForceMeanCosine(turns[t.turn - 1].map((x) => dense.get(x)!)), 10);
      // distinct-1 of the turn: distinct whitespace tokens ÷ tokens
      const tokens = turns[t.turn - 1].flatMap((x) => x.split(/\s+/).filter(Boolean));
      expect(t.distinct['dist@1']).toBeCloseTo(new Set(tokens).size / tokens.length, 12);
    }
    expect(d.svg).toContain('TF-IDF');
    // The paper's sentence-embedding values are not put beside TF-IDF numbers.
    expect(d.references).toEqual([]);
    expect(d.comparability).toContain('NOT comparable');
  });

  test('bad limits are named', async () => {
    const res = await tfidfApi.query(DIVERSITY, { maxPerTurn: 1 });
    expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', argument: 'maxPerTurn' } });
    expect(res.errors?.[0].message).toBe('maxPerTurn: must be an integer from 2 to 10000, got 1');
    const turn = await tfidfApi.query(DIVERSITY, { maxTurn: 0 });
    expect(turn.errors?.[0].message).toMatch(/^maxTurn: /);
  });
});
