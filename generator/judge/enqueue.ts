import { createHash } from 'node:crypto';
import { PythonRandom } from '../../src/random/python-random';
import { publicEndpoint } from '../models/clients';
import { badInput } from '../../src/errors';
import { checkEndpoint, QueueAccess, recdialVersion } from '../enqueue';
import { queueName, transactionDb } from '../queue/boss';
import { notifyRun } from '../worker/store';
import type { CompareRunConfig, ComparisonPair, JudgeRunConfig, JudgeSampling } from './processor';
import type { RubricCriterion, RubricVersionRecord } from './rubrics';

interface JudgeJob {
  key: string;
  subjectId: number | null;
  instance: number | null;
}

/** A run and its jobs in one transaction, with their queue jobs (as createRun does for generation). */
async function createJudgeRunRows(
  access: QueueAccess,
  run: { kind: 'JUDGE' | 'COMPARE'; config: JudgeRunConfig | CompareRunConfig; priority: number; reason: string | null; createdBy: string | null },
  jobs: JudgeJob[],
): Promise<number> {
  const { endpoint, served } = await checkEndpoint(access.config, 'JUDGE');
  const boss = await access.boss();
  const queue = queueName('JUDGE');
  const runId = await access.dataSource.transaction(async (m) => {
    const [row] = await m.query(
      `INSERT INTO generation_runs (kind, role, strategy, model, endpoint, served_models, config, config_hash, requested, priority, reason, created_by)
       VALUES ($1, 'JUDGE', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        run.kind, endpoint.model, publicEndpoint(endpoint.baseUrl), served, JSON.stringify(run.config),
        createHash('sha256').update(JSON.stringify(run.config)).digest('hex'), jobs.length, run.priority, run.reason, run.createdBy,
      ],
    );
    const id: number = row.id;
    for (let i = 0; i < jobs.length; i += 5000) {
      const chunk = jobs.slice(i, i + 5000);
      const inserted: Array<{ id: number; queueJobId: string }> = await m.query(
        `INSERT INTO generation_jobs (run_id, key, subject_id, instance, queue_job_id)
         SELECT $1, x.key, x.s, x.k, gen_random_uuid() FROM unnest($2::text[], $3::int[], $4::int[]) AS x(key, s, k)
         RETURNING id, queue_job_id AS "queueJobId"`,
        [id, chunk.map((j) => j.key), chunk.map((j) => j.subjectId), chunk.map((j) => j.instance)],
      );
      await boss.insert(
        queue,
        inserted.map((j) => ({ name: queue, id: j.queueJobId, data: { jobId: j.id, runId: id }, priority: run.priority })),
        { db: transactionDb(m.queryRunner!) },
      );
    }
    return id;
  });
  await notifyRun(access.dataSource.manager, runId);
  return runId;
}

export interface JudgeRequest {
  rubric: RubricVersionRecord;
  dialogueIds: number[];
  selection: Record<string, unknown>;
  sampling: JudgeSampling;
  priority: number;
  createdBy: string | null;
}

/** One JUDGE job per dialogue. */
export async function enqueueJudging(access: QueueAccess, req: JudgeRequest): Promise<number> {
  if (req.dialogueIds.length === 0) throw badInput('input.filter', 'no dialogue matches: nothing to judge');
  const config: JudgeRunConfig = {
    recdialVersion: recdialVersion(access.config),
    kind: 'JUDGE',
    rubric: { key: req.rubric.key, version: req.rubric.version, sha256: req.rubric.sha256, definition: req.rubric.definition },
    selection: req.selection,
    sampling: req.sampling,
  };
  return createJudgeRunRows(
    access,
    { kind: 'JUDGE', config, priority: req.priority, reason: `judge on ${req.rubric.key} v${req.rubric.version}`, createdBy: req.createdBy },
    req.dialogueIds.map((id) => ({ key: `dialogue:${id}`, subjectId: id, instance: null })),
  );
}

export interface CompareRequest {
  criteria: RubricCriterion[];
  /** Per entry: its label, the filter as given, and the matching dialogue ids (ascending). */
  entries: Array<{ label: string; filter: Record<string, unknown>; ids: number[] }>;
  pairs: number;
  seed: number;
  sampling: JudgeSampling;
  priority: number;
  createdBy: string | null;
}

/**
 * Draws the pairs of a comparison with CPython's generator seeded with `seed`: each entry's ids are
 * shuffled once and used in turn (without replacement until an entry runs out, then again from its
 * start); with more than two entries each pair first draws which two entries meet, uniformly over
 * the k(k−1)/2 combinations. Each pair's display order is a fair coin, so position bias cancels.
 */
export function drawPairs(entries: Array<{ ids: number[] }>, pairs: number, seed: number): ComparisonPair[] {
  const rng = new PythonRandom(seed);
  const decks = entries.map((e) => rng.shuffle([...e.ids]));
  const cursor = entries.map(() => 0);
  const next = (e: number) => decks[e][cursor[e]++ % decks[e].length];
  const combos: Array<[number, number]> = [];
  for (let i = 0; i < entries.length; i++) for (let j = i + 1; j < entries.length; j++) combos.push([i, j]);
  const out: ComparisonPair[] = [];
  for (let n = 0; n < pairs; n++) {
    const [ea, eb] = combos.length === 1 ? combos[0] : combos[rng.randbelow(combos.length)];
    const a = next(ea);
    const b = next(eb);
    out.push({ a, b, ea, eb, aFirst: rng.random() < 0.5 });
  }
  return out;
}

export async function enqueueComparison(access: QueueAccess, req: CompareRequest): Promise<number> {
  const config: CompareRunConfig = {
    recdialVersion: recdialVersion(access.config),
    kind: 'COMPARE',
    criteria: req.criteria,
    entries: req.entries.map((e) => ({ label: e.label, filter: e.filter, candidates: e.ids.length })),
    seed: req.seed,
    pairs: drawPairs(req.entries, req.pairs, req.seed),
    sampling: req.sampling,
  };
  return createJudgeRunRows(
    access,
    { kind: 'COMPARE', config, priority: req.priority, reason: `compare ${req.entries.map((e) => e.label).join(' vs ')}`, createdBy: req.createdBy },
    config.pairs.map((_, i) => ({ key: `pair:${i}`, subjectId: null, instance: i })),
  );
}
