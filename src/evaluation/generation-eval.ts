/**
 * Generation predictions (docs/formats.md §10.3): JSON Lines of
 * `{"dialogueId": "...", "turnIndex": 5, "hyp": "generated text", "ref": "reference text"}`,
 * `ref` optional when the dialogue is in the database. `dialogueId` as in recommendation
 * predictions (a Dialogue global id or the numeric id). Metrics come from text-metrics.ts.
 */
import { RecordError } from '../ingest/errors';
import { parseDialogueId, readTurnRecords } from './predictions';

export interface GenerationPrediction {
  line: number;
  dialogueId: number;
  turnIndex: number;
  hyp: string;
  ref?: string;
}

export function parseGenerationRecord(value: unknown): Omit<GenerationPrediction, 'line'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RecordError('(record)', 'must be a JSON object');
  const r = value as Record<string, unknown>;
  if (r.dialogueId === undefined) throw new RecordError('dialogueId', 'is required');
  const dialogueId = parseDialogueId(r.dialogueId);
  if (typeof r.turnIndex !== 'number' || !Number.isInteger(r.turnIndex) || r.turnIndex < 0) {
    throw new RecordError('turnIndex', r.turnIndex === undefined ? 'is required' : `must be a non-negative integer, got ${JSON.stringify(r.turnIndex)}`);
  }
  if (typeof r.hyp !== 'string') throw new RecordError('hyp', r.hyp === undefined ? 'is required' : 'must be a string');
  const record: Omit<GenerationPrediction, 'line'> = { dialogueId, turnIndex: r.turnIndex, hyp: r.hyp };
  if (r.ref !== undefined && r.ref !== null) {
    if (typeof r.ref !== 'string') throw new RecordError('ref', 'must be a string');
    record.ref = r.ref;
  }
  return record;
}

/** dialogue id → turn index → prediction; the first bad line throws ImportError(file, line, field, problem). */
export function readGenerationPredictions(lines: AsyncIterable<{ line: number; text: string }> | Iterable<{ line: number; text: string }>, file: string) {
  return readTurnRecords(lines, file, parseGenerationRecord, (record, line): GenerationPrediction => ({ line, ...record }));
}
