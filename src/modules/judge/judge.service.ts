import type { EntityManager } from 'typeorm';
import { enqueueComparison, enqueueJudging } from '../../../generator';
import { CompareRunConfig, DEFAULT_JUDGE_SAMPLING, JudgeSampling } from '../../../generator';
import type { QueueAccess } from '../../../generator';
import { bootstrapInterval, bradleyTerry, kendallTauB, mean, spearman, wilsonInterval } from '../../evaluation/agreement';
import { badInput } from '../../errors';
import type { Principal } from '../api-key/api-key.service';
import { dialogueConditions } from '../../dialogues/selection';
import type { DialogueFilter } from '../dialogue/dialogue.type';
import { CompareDatasetsInput, JudgeDialoguesInput, JudgeSamplingInput } from './judge.inputs';
import { AgreementLevel, Comparison, CriterionComparison, HeadToHead, JudgeAgreement, JudgementGroupBy, JudgementStatistic } from './judge.type';
import { activeRubric } from './rubric.service';

/** Upper bound on one judge run or one comparison entry, so that a too-wide filter is a clear error. */
const MAX_JUDGED = 100_000;
const MAX_PAIRS = 10_000;

function judgeSampling(input: JudgeSamplingInput | null | undefined): JudgeSampling {
  const s = { ...DEFAULT_JUDGE_SAMPLING };
  if (input?.temperature != null) {
    if (!(input.temperature >= 0 && input.temperature <= 2)) throw badInput('input.sampling.temperature', 'must be between 0 and 2');
    s.temperature = input.temperature;
  }
  if (input?.maxTokens != null) {
    if (!(input.maxTokens >= 16)) throw badInput('input.sampling.maxTokens', 'must be at least 16');
    s.maxTokens = input.maxTokens;
  }
  if (input?.seed != null) {
    if (input.seed < 0) throw badInput('input.sampling.seed', 'must be a non-negative integer');
    s.seed = input.seed;
  }
  return s;
}

function requireJudge(access: QueueAccess): string {
  const endpoint = access.config.generation.endpoints.JUDGE;
  if (!endpoint) throw badInput('input', 'no JUDGE model endpoint is configured: set JUDGE_BASE_URL and JUDGE_MODEL on the server (and run a worker with them)');
  return endpoint.model;
}

/** A filter as stored with a run: plain JSON (the input class instance has no prototype worth keeping). */
const plain = (f: DialogueFilter | null | undefined): Record<string, unknown> => JSON.parse(JSON.stringify(f ?? {}));

async function matchingIds(manager: EntityManager, filter: DialogueFilter | null | undefined, argument: string, extra: (param: (v: unknown) => string) => string[] = () => []): Promise<number[]> {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params, argument);
  where.push(...extra((v) => `$${params.push(v)}`));
  params.push(MAX_JUDGED + 1);
  const rows: Array<{ id: number }> = await manager.query(`SELECT d.id FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.id LIMIT $${params.length}`, params);
  if (rows.length > MAX_JUDGED) throw badInput(argument, `matches more than ${MAX_JUDGED} dialogues; narrow it`);
  return rows.map((r) => r.id);
}

export async function judgeDialogues(manager: EntityManager, access: QueueAccess, input: JudgeDialoguesInput, principal: Principal | null): Promise<number> {
  const rubric = await activeRubric(manager, input.rubric, 'input.rubric');
  const sampling = judgeSampling(input.sampling);
  const model = requireJudge(access);
  const ids = await matchingIds(manager, input.filter, 'input.filter', (param) =>
    input.skipJudged === false
      ? []
      : [`NOT EXISTS (SELECT 1 FROM judgements j WHERE j.dialogue_id = d.id AND j.rubric_key = ${param(rubric.key)} AND j.rubric_sha256 = ${param(rubric.sha256)} AND j.model = ${param(model)})`],
  );
  if (ids.length === 0) throw badInput('input.filter', input.skipJudged === false ? 'matches no dialogue: nothing to judge' : 'matches no dialogue that is not judged on this rubric version yet (skipJudged: false judges them again)');
  return enqueueJudging(access, {
    rubric,
    dialogueIds: ids,
    selection: { filter: plain(input.filter), skipJudged: input.skipJudged !== false },
    sampling,
    priority: input.priority ?? 0,
    createdBy: principal?.name ?? null,
  });
}

export async function compareDatasets(manager: EntityManager, access: QueueAccess, input: CompareDatasetsInput, principal: Principal | null): Promise<number> {
  let entries: Array<{ label: string; filter: DialogueFilter; argument: string }>;
  if (input.entries != null) {
    if (input.a != null || input.b != null) throw badInput('input.entries', 'give either a and b, or entries, not both');
    if (input.entries.length < 2) throw badInput('input.entries', 'give at least two entries to compare');
    if (input.entries.length > 20) throw badInput('input.entries', 'at most 20 entries');
    const labels = new Set<string>();
    input.entries.forEach((e, i) => {
      if (!e.label.trim()) throw badInput(`input.entries[${i}].label`, 'must not be empty');
      if (labels.has(e.label.trim())) throw badInput(`input.entries[${i}].label`, `"${e.label}" is used twice`);
      labels.add(e.label.trim());
    });
    entries = input.entries.map((e, i) => ({ label: e.label.trim(), filter: e.filter, argument: `input.entries[${i}].filter` }));
  } else {
    if (input.a == null) throw badInput('input.a', 'give a and b (or entries)');
    if (input.b == null) throw badInput('input.b', 'give a and b (or entries)');
    entries = [
      { label: 'A', filter: input.a, argument: 'input.a' },
      { label: 'B', filter: input.b, argument: 'input.b' },
    ];
  }
  if (!Number.isInteger(input.pairs) || input.pairs < 1 || input.pairs > MAX_PAIRS) throw badInput('input.pairs', `must be an integer from 1 to ${MAX_PAIRS}`);
  if (!Number.isInteger(input.seed) || input.seed < 0) throw badInput('input.seed', 'must be a non-negative integer');
  const rubric = await activeRubric(manager, input.rubric ?? 'DISTILLRECDIAL', 'input.rubric');
  let criteria = rubric.definition.criteria;
  if (input.criteria != null) {
    if (input.criteria.length === 0) throw badInput('input.criteria', 'give at least one criterion (or leave it out for all)');
    criteria = input.criteria.map((key, i) => {
      const c = rubric.definition.criteria.find((x) => x.key === key);
      if (!c) throw badInput(`input.criteria[${i}]`, `rubric ${rubric.key} has no criterion "${key}"; expected one of ${rubric.definition.criteria.map((x) => `"${x.key}"`).join(', ')}`);
      return c;
    });
  }
  const sampling = judgeSampling(input.sampling);
  requireJudge(access);
  const resolved: Array<{ label: string; filter: Record<string, unknown>; ids: number[] }> = [];
  for (const e of entries) {
    const ids = await matchingIds(manager, e.filter, e.argument);
    if (ids.length === 0) throw badInput(e.argument, 'matches no dialogue');
    resolved.push({ label: e.label, filter: plain(e.filter), ids });
  }
  return enqueueComparison(access, { criteria, entries: resolved, pairs: input.pairs, seed: input.seed, sampling, priority: input.priority ?? 0, createdBy: principal?.name ?? null });
}

const GROUP_EXPR: Record<JudgementGroupBy, string> = {
  [JudgementGroupBy.STEREOTYPE]: 's.key',
  [JudgementGroupBy.DATASET]: 'd.dataset',
  [JudgementGroupBy.SOURCE]: 'd.source',
};

/** Mean, standard error and n per criterion of each dialogue's latest judgement on the rubric, per group. */
export async function judgementStatistics(manager: EntityManager, rubricKey: string, groupBy: JudgementGroupBy | null, filter: DialogueFilter | null): Promise<JudgementStatistic[]> {
  const rubric = await activeRubric(manager, rubricKey, 'rubric');
  const criteria = rubric.definition.criteria.map((c) => c.key);
  const params: unknown[] = [rubricKey, criteria];
  const where = await dialogueConditions(manager, filter, params, 'filter');
  const group = groupBy ? GROUP_EXPR[groupBy] : 'NULL::text';
  const rows: Array<{ group: string | null; criterion: string; n: number; mean: number; se: number | null }> = await manager.query(
    `WITH latest AS (SELECT DISTINCT ON (j.dialogue_id) j.dialogue_id, j.scores FROM judgements j WHERE j.rubric_key = $1 ORDER BY j.dialogue_id, j.id DESC)
     SELECT ${group} AS "group", c.key AS criterion, count(*)::int AS n, avg((l.scores ->> c.key)::float8) AS mean,
            stddev_samp((l.scores ->> c.key)::float8) / sqrt(count(*)) AS se
       FROM latest l JOIN dialogues d ON d.id = l.dialogue_id LEFT JOIN stereotypes s ON s.id = d.stereotype_id
       CROSS JOIN unnest($2::text[]) AS c(key)
      WHERE l.scores ? c.key ${where.map((w) => `AND ${w}`).join(' ')}
      GROUP BY 1, 2, array_position($2::text[], c.key)
      ORDER BY 1 NULLS LAST, array_position($2::text[], c.key)`,
    params,
  );
  return rows.map((r) => Object.assign(new JudgementStatistic(), { ...r, mean: Number(r.mean), se: r.se === null ? null : Number(r.se) }));
}

function agreementOf(criterion: string, level: AgreementLevel, human: number[], judge: number[], seed: number, resamples: number): JudgeAgreement {
  return Object.assign(new JudgeAgreement(), {
    criterion,
    level,
    n: human.length,
    spearman: spearman(human, judge),
    spearmanInterval: bootstrapInterval(human, judge, spearman, { seed, resamples }),
    kendall: kendallTauB(human, judge),
    kendallInterval: bootstrapInterval(human, judge, kendallTauB, { seed, resamples }),
  });
}

/**
 * The judge against imported human ratings, per criterion of the rubric: at dialogue level (each
 * dialogue's mean human score against its latest judgement's score) and at source level (each
 * dataset/source's means over those dialogues). Bootstrap intervals resample points with
 * replacement from CPython's generator seeded with `seed` (the same draws for both coefficients).
 */
export async function judgeAgreement(manager: EntityManager, rubricKey: string, seed: number, resamples: number): Promise<JudgeAgreement[]> {
  if (!Number.isInteger(seed) || seed < 0) throw badInput('seed', 'must be a non-negative integer');
  // Kendall's tau-b is O(n²) per resample and runs on the event loop: at most 10,000 resamples.
  if (!Number.isInteger(resamples) || resamples < 100 || resamples > 10_000) throw badInput('resamples', 'must be an integer from 100 to 10000');
  const rubric = await activeRubric(manager, rubricKey, 'rubric');
  const criteria = rubric.definition.criteria.map((c) => c.key);
  const rows: Array<{ dialogueId: number; criterion: string; human: number; judge: number; origin: string }> = await manager.query(
    `WITH latest AS (SELECT DISTINCT ON (j.dialogue_id) j.dialogue_id, j.scores FROM judgements j WHERE j.rubric_key = $1 ORDER BY j.dialogue_id, j.id DESC),
          human AS (SELECT dialogue_id, criterion, avg(score) AS score FROM human_ratings WHERE criterion = ANY($2) GROUP BY 1, 2)
     SELECT h.dialogue_id AS "dialogueId", h.criterion, h.score AS human, (l.scores ->> h.criterion)::float8 AS judge, d.dataset || '/' || d.source AS origin
       FROM human h JOIN latest l ON l.dialogue_id = h.dialogue_id JOIN dialogues d ON d.id = h.dialogue_id
      WHERE l.scores ? h.criterion
      ORDER BY h.dialogue_id`,
    [rubricKey, criteria],
  );
  const out: JudgeAgreement[] = [];
  for (const criterion of criteria) {
    const points = rows.filter((r) => r.criterion === criterion);
    out.push(agreementOf(criterion, AgreementLevel.DIALOGUE, points.map((p) => Number(p.human)), points.map((p) => Number(p.judge)), seed, resamples));
    const byOrigin = new Map<string, { human: number[]; judge: number[] }>();
    for (const p of points) {
      const g = byOrigin.get(p.origin) ?? { human: [], judge: [] };
      g.human.push(Number(p.human));
      g.judge.push(Number(p.judge));
      byOrigin.set(p.origin, g);
    }
    const origins = [...byOrigin.keys()].sort();
    out.push(agreementOf(criterion, AgreementLevel.SOURCE, origins.map((o) => mean(byOrigin.get(o)!.human)), origins.map((o) => mean(byOrigin.get(o)!.judge)), seed, resamples));
  }
  return out;
}

/** The result of a COMPARE run from the verdicts stored so far; null when the run is not a comparison. */
export async function comparisonReport(manager: EntityManager, runId: number): Promise<Comparison | null> {
  const [run]: Array<{ kind: string; config: CompareRunConfig }> = await manager.query('SELECT kind, config FROM generation_runs WHERE id = $1', [runId]);
  if (!run || run.kind !== 'COMPARE') return null;
  const config = run.config;
  const verdicts: Array<{ aEntry: number; bEntry: number; verdicts: Record<string, 'A' | 'B' | 'TIE'> }> = await manager.query(
    'SELECT a_entry AS "aEntry", b_entry AS "bEntry", verdicts FROM comparison_verdicts WHERE run_id = $1 ORDER BY pair',
    [runId],
  );
  const k = config.entries.length;
  const criteria: CriterionComparison[] = config.criteria.map(({ key }) => {
    // tally[i][j] = [wins of i over j, ties]
    const wins = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const ties = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    const met = Array.from({ length: k }, () => new Array<boolean>(k).fill(false));
    for (const v of verdicts) {
      const w = v.verdicts[key];
      if (!w) continue;
      const [i, j] = [v.aEntry, v.bEntry];
      met[i][j] = met[j][i] = true;
      if (w === 'TIE') {
        ties[i][j]++;
        ties[j][i]++;
      } else if (w === 'A') wins[i][j]++;
      else wins[j][i]++;
    }
    const headToHead: HeadToHead[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        if (!met[i][j]) continue;
        const n = wins[i][j] + wins[j][i] + ties[i][j];
        const decided = wins[i][j] + wins[j][i];
        headToHead.push(
          Object.assign(new HeadToHead(), {
            a: config.entries[i].label,
            b: config.entries[j].label,
            wins: wins[i][j],
            ties: ties[i][j],
            losses: wins[j][i],
            n,
            winRate: n ? wins[i][j] / n : null,
            winRateInterval: wilsonInterval(wins[i][j], n),
            preference: decided ? wins[i][j] / decided : null,
            preferenceInterval: wilsonInterval(wins[i][j], decided),
          }),
        );
      }
    }
    let bt = null;
    if (k > 2) {
      const half = wins.map((row, i) => row.map((w, j) => w + ties[i][j] / 2));
      const p = bradleyTerry(half);
      bt = config.entries.map((e, i) => ({ label: e.label, strength: p[i] })).sort((x, y) => y.strength - x.strength);
    }
    return Object.assign(new CriterionComparison(), { criterion: key, headToHead, bradleyTerry: bt });
  });
  return Object.assign(new Comparison(), {
    runId,
    entries: config.entries.map((e, index) => ({ index, label: e.label, candidates: e.candidates })),
    pairs: config.pairs.length,
    judged: verdicts.length,
    seed: config.seed,
    criteria,
  });
}
