import DataLoader from 'dataloader';
import type { EntityManager } from 'typeorm';
import { GenerationProvenance, GenerationRun, GenerationRunRow, RUN_COLUMNS, RunCounts, toGenerationRun, toProvenance } from './generation.type';

function emptyCounts(): RunCounts {
  return { accepted: 0, rejected: 0, superseded: 0, failed: 0, skipped: 0, cancelled: 0, pending: 0, running: 0, judged: 0 };
}

export function createGenerationLoaders(manager: EntityManager) {
  return {
    generationRunById: new DataLoader<number, GenerationRun | null>(async (ids) => {
      const rows: GenerationRunRow[] = await manager.query(`SELECT ${RUN_COLUMNS} FROM generation_runs r WHERE r.id = ANY($1)`, [ids]);
      const byId = new Map(rows.map((r) => [r.id, toGenerationRun(r)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
    /** Dialogue counts by status and job counts by state, for a page of runs in one statement. */
    runCounts: new DataLoader<number, RunCounts>(async (ids) => {
      const rows: Array<{ runId: number; kind: 'dialogue' | 'job'; status: string; n: string }> = await manager.query(
        `SELECT generation_run_id AS "runId", 'dialogue' AS kind, status, count(*) AS n FROM dialogues WHERE generation_run_id = ANY($1) GROUP BY 1, 3
         UNION ALL
         SELECT run_id, 'job', status, count(*) FROM generation_jobs WHERE run_id = ANY($1) AND (status <> 'DONE' OR subject_id IS NOT NULL OR key LIKE 'pair:%') GROUP BY 1, 3`,
        [ids],
      );
      const byRun = new Map(ids.map((id) => [id, emptyCounts()]));
      for (const r of rows) {
        const c = byRun.get(r.runId)!;
        const n = Number(r.n);
        if (r.kind === 'dialogue') {
          if (r.status === 'ACCEPTED') c.accepted += n;
          else if (r.status === 'REJECTED') c.rejected += n;
          else c.superseded += n;
        } else if (r.status === 'DONE') c.judged += n;
        else if (r.status === 'FAILED') c.failed += n;
        else if (r.status === 'SKIPPED') c.skipped += n;
        else if (r.status === 'CANCELLED') c.cancelled += n;
        else {
          c.pending += n;
          if (r.status === 'RUNNING') c.running += n;
        }
      }
      return ids.map((id) => byRun.get(id)!);
    }),
    provenanceByDialogueId: new DataLoader<number, GenerationProvenance | null>(async (ids) => {
      const rows: Array<{ id: number; provenance: Record<string, unknown> }> = await manager.query(
        'SELECT id, provenance FROM dialogues WHERE id = ANY($1) AND generation_run_id IS NOT NULL',
        [ids],
      );
      const byId = new Map(rows.map((r) => [r.id, toProvenance(r.provenance)]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
