import type { EntityManager } from 'typeorm';
import { decodeId, toGlobalId } from '../../pagination/global-id';
import { badInput, notFound } from '../../errors';
import { dialogueConditions } from '../../dialogues/selection';
import { DialogueFilter, DialogueStatus, SplitName } from '../dialogue/dialogue.type';
import { assignSplits as assign, DEFAULT_SPLIT_RATIOS, DEFAULT_SPLIT_SEED, ratiosProblem, SplitRatios, SplitWarning } from './assign';

export interface SplitRequest {
  /** Database id of the run whose accepted dialogues are split. */
  generationRunId?: number | null;
  filter?: DialogueFilter | null;
  seed?: number | null;
  ratios?: SplitRatios | null;
  createdBy?: string | null;
}

export interface SplitAssignmentSummary {
  id: number;
  seed: number;
  ratios: SplitRatios;
  populationSize: number;
  units: number;
  /** Dialogues per split, then per stereotype key ("(none)" for dialogues without one). */
  counts: Record<SplitName, Record<string, number>>;
  warnings: SplitWarning[];
  createdAt: Date;
}

const NO_STEREOTYPE = '(none)';

interface Unit {
  stratum: string;
  dialogueIds: number[];
}

/**
 * assignSplits (docs/pipeline.md §9): the selected ACCEPTED dialogues grouped into units (a user's
 * dialogues; a dialogue without a user alone), units in user order, strata = the stereotype of a
 * unit's first dialogue. Each dialogue gets its split and its line within the split; dialogues
 * outside the selection keep theirs. One assignment at a time (advisory lock), recorded.
 */
export async function assignSplits(manager: EntityManager, req: SplitRequest): Promise<SplitAssignmentSummary> {
  if (req.generationRunId == null && req.filter == null) {
    throw badInput('input', 'give generationRunId and/or filter: which accepted dialogues to split (docs/pipeline.md §9 splits the student run)');
  }
  const seed = req.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isInteger(seed) || seed < 0) throw badInput('input.seed', 'must be a non-negative integer');
  const ratios = req.ratios ?? DEFAULT_SPLIT_RATIOS;
  const problem = ratiosProblem(ratios);
  if (problem) throw badInput('input.ratios', problem);
  if (req.filter?.status != null && req.filter.status !== DialogueStatus.ACCEPTED) {
    throw badInput('input.filter.status', 'only ACCEPTED dialogues are split; leave status out');
  }

  return manager.transaction(async (m) => {
    // Two concurrent assignments over overlapping dialogues would interleave their updates.
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('recdial:assignSplits'))`);
    const params: unknown[] = [];
    const where = await dialogueConditions(m, { ...(req.filter ?? {}), status: DialogueStatus.ACCEPTED }, params, 'input.filter');
    if (req.generationRunId != null) {
      const [run] = await m.query('SELECT id FROM generation_runs WHERE id = $1', [req.generationRunId]);
      if (!run) throw notFound('input.generationRunId', `no such generation run "${toGlobalId('GenerationRun', req.generationRunId)}"`);
      params.push(req.generationRunId);
      where.push(`d.generation_run_id = $${params.length}`);
    }
    const rows: Array<{ id: number; userId: number | null; stereotype: string | null }> = await m.query(
      `SELECT d.id, d.user_id AS "userId", s.key AS stereotype
         FROM dialogues d LEFT JOIN users u ON u.id = d.user_id LEFT JOIN stereotypes s ON s.id = d.stereotype_id
        WHERE ${where.join(' AND ')}
        ORDER BY u.source_id COLLATE "C" NULLS LAST, d.user_id NULLS LAST, d.id`,
      params,
    );
    if (rows.length === 0) throw badInput(req.filter ? 'input.filter' : 'input.generationRunId', 'selects no accepted dialogue: nothing to split');

    const units: Unit[] = [];
    let last = null as { userId: number; unit: Unit } | null;
    for (const r of rows) {
      if (r.userId !== null && last?.userId === r.userId) {
        last.unit.dialogueIds.push(r.id);
        continue;
      }
      const unit = { stratum: r.stereotype ?? NO_STEREOTYPE, dialogueIds: [r.id] };
      units.push(unit);
      last = r.userId === null ? null : { userId: r.userId, unit };
    }
    const result = assign(units, (u) => u.stratum, seed, ratios);

    const stereotypeOf = new Map(rows.map((r) => [r.id, r.stereotype ?? NO_STEREOTYPE]));
    const ids: number[] = [];
    const splits: string[] = [];
    const positions: number[] = [];
    const counts = { train: {}, valid: {}, test: {} } as Record<SplitName, Record<string, number>>;
    for (const name of [SplitName.TRAIN, SplitName.VALID, SplitName.TEST]) {
      let position = 0;
      for (const unit of result[name]) {
        for (const id of unit.dialogueIds) {
          ids.push(id);
          splits.push(name);
          positions.push(position++);
          const key = stereotypeOf.get(id)!;
          counts[name][key] = (counts[name][key] ?? 0) + 1;
        }
      }
    }
    await m.query(
      `UPDATE dialogues d SET split = x.split, split_position = x.pos FROM unnest($1::int[], $2::text[], $3::int[]) AS x(id, split, pos) WHERE d.id = x.id`,
      [ids, splits, positions],
    );
    const selection = { generationRunId: req.generationRunId ?? null, filter: req.filter ?? null };
    const [row]: Array<{ id: number; createdAt: Date }> = await m.query(
      `INSERT INTO split_assignments (seed, ratios, selection, population, units, counts, warnings, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, created_at AS "createdAt"`,
      [seed, JSON.stringify(ratios), JSON.stringify(selection), rows.length, units.length, JSON.stringify(counts), JSON.stringify(result.warnings), req.createdBy ?? null],
    );
    return { id: row.id, seed, ratios: { ...ratios }, populationSize: rows.length, units: units.length, counts, warnings: result.warnings, createdAt: row.createdAt };
  });
}

/** A GraphQL split input's run id, decoded (the argument is named on error). */
export function splitRunId(globalId: string | null | undefined): number | null {
  return globalId == null ? null : decodeId('input.generationRunId', globalId, 'GenerationRun');
}

/** Accepted dialogues per split and stereotype (dialogues without a split left out). */
export function splitCounts(manager: EntityManager): Promise<Array<{ split: SplitName; stereotype_id: number | null; n: number }>> {
  return manager.query(
    `SELECT split, stereotype_id, count(*)::int AS n FROM dialogues
      WHERE status = 'ACCEPTED' AND split IS NOT NULL GROUP BY split, stereotype_id`,
  );
}
