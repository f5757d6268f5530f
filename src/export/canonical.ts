/**
 * recdial's canonical dialogue JSONL (formats.md §9): the plain JSONL record (jsonl.ts) plus
 * what makes it lossless — rejection reasons, the generation run, each turn's raw text when it
 * differs from the stored text, and the full provenance (model, sampling, seeds, prompts, raw
 * response, usage …).
 */
import { toGlobalId } from '../pagination/global-id';
import type { StreamedDialogue } from './dialogue-stream';
import { jsonlRecord, writeDialogueLines, type DialogueLinesOptions } from './jsonl';
import type { ExportWriter } from './types';

export const CANONICAL_FILE = 'canonical.jsonl';

export function canonicalRecord(d: StreamedDialogue) {
  const { turns, ...plain } = jsonlRecord(d);
  return {
    ...plain,
    generation_run_id: d.generationRunId === null ? null : toGlobalId('GenerationRun', d.generationRunId),
    turns: turns.map((t, i) => (d.turns[i].rawText === null ? t : { ...t, raw_text: d.turns[i].rawText })),
    rejection_reasons: d.rejectionReasons.map((r) => ({ code: r.code, severity: r.severity ?? 'error', detail: r.detail ?? '' })),
    provenance: d.provenance,
  };
}

export const writeCanonicalExport: ExportWriter<DialogueLinesOptions> = (context, options) =>
  writeDialogueLines(context, { ...options, file: CANONICAL_FILE, withProvenance: true }, canonicalRecord);
