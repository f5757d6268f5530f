/**
 * recdial's canonical dialogue JSONL (docs/formats.md §9): the plain JSONL record (jsonl.ts) plus
 * what makes it lossless — rejection reasons and warnings, the regeneration history (version,
 * supersedes), the generation run, each turn's raw text when it differs from the stored text, the
 * split position, the import key, and the full provenance (model, sampling, seeds, prompts, raw
 * response, usage …). `recdial import canonical` (src/ingest/canonical.load.ts) reads it back.
 *
 * recdial's extension of §9: the runs the dialogues name are written first, one line each,
 * `{"generation_run": {…}}`, so that one file carries everything (every other line is a dialogue).
 */
import type { EntityManager } from 'typeorm';
import { dialogueConditions } from '../dialogues/selection';
import type { DialogueSelection } from '../dialogues/selection';
import { toGlobalId } from '../pagination/global-id';
import type { StreamedDialogue } from '../dialogues/stream';
import { jsonlRecord, writeDialogueLines, type DialogueLinesOptions } from './jsonl';
import type { ExportWriter } from './types';

/** Defined with the reader, which sits below the writers (docs/architecture.md). */
import { CANONICAL_FILE, CANONICAL_KEY_PREFIX } from '../ingest/canonical';

export { CANONICAL_FILE, CANONICAL_KEY_PREFIX };

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function canonicalRecord(d: StreamedDialogue) {
  const { turns, ...plain } = jsonlRecord(d);
  return {
    ...plain,
    generation_run_id: d.generationRunId === null ? null : toGlobalId('GenerationRun', d.generationRunId),
    version: d.version,
    supersedes: d.supersedesId === null ? null : toGlobalId('Dialogue', d.supersedesId),
    split_position: d.splitPosition,
    created_at: iso(d.createdAt),
    import_key: d.importKey === null || d.importKey.startsWith(CANONICAL_KEY_PREFIX) ? null : d.importKey,
    content_hash: d.contentHash,
    turns: turns.map((t, i) => (d.turns[i].rawText === null ? t : { ...t, raw_text: d.turns[i].rawText })),
    rejection_reasons: d.rejectionReasons.map((r) => ({ code: r.code, severity: r.severity ?? 'error', detail: r.detail ?? '' })),
    warnings: d.warnings.map((r) => ({ code: r.code, severity: r.severity ?? 'warning', detail: r.detail ?? '' })),
    provenance: d.provenance,
  };
}

/** A generation run as one canonical line (key order fixed). */
export function canonicalRunRecord(r: Record<string, any>) {
  return {
    generation_run: {
      id: toGlobalId('GenerationRun', r.id),
      status: r.status,
      kind: r.kind,
      role: r.role,
      strategy: r.strategy,
      model: r.model,
      endpoint: r.endpoint,
      served_models: r.served_models,
      config: r.config,
      config_hash: r.config_hash,
      requested: r.requested,
      priority: r.priority,
      reason: r.reason,
      created_by: r.created_by,
      created_at: iso(r.created_at),
      started_at: iso(r.started_at),
      finished_at: iso(r.finished_at),
    },
  };
}

/** The lines of the runs that the selected dialogues belong to, in id order. */
async function runLines(manager: EntityManager, filters: DialogueSelection[]): Promise<{ text: string; count: number }> {
  const ids = new Set<number>();
  for (const filter of filters) {
    const params: unknown[] = [];
    const where = await dialogueConditions(manager, filter, params);
    const rows: Array<{ id: number }> = await manager.query(
      `SELECT DISTINCT d.generation_run_id AS id FROM dialogues d WHERE ${[...where, 'd.generation_run_id IS NOT NULL'].join(' AND ')}`,
      params,
    );
    for (const r of rows) ids.add(r.id);
  }
  if (!ids.size) return { text: '', count: 0 };
  const runs: Array<Record<string, any>> = await manager.query(
    `SELECT id, status, kind, role, strategy, model, endpoint, served_models, config, config_hash, requested, priority, reason,
            created_by, created_at, started_at, finished_at
       FROM generation_runs WHERE id = ANY($1) ORDER BY id`,
    [[...ids]],
  );
  return { text: runs.map((r) => `${JSON.stringify(canonicalRunRecord(r))}\n`).join(''), count: runs.length };
}

export const writeCanonicalExport: ExportWriter<DialogueLinesOptions> = (context, options) =>
  writeDialogueLines(context, { ...options, file: CANONICAL_FILE, withProvenance: true, prelude: runLines }, canonicalRecord);
