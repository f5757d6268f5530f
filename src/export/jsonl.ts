/**
 * The plain dialogue JSONL: one dialogue per line with its turns and item mentions, and what a
 * reader needs to use them, without the generation provenance (which holds whole prompts and
 * responses). The canonical export (canonical.ts) is this plus everything else recdial stores.
 *
 * Line fields: `id` (global id, as the API's `Dialogue.id`), `dataset`, `domain`, `source`,
 * `status`, `split` (or null), `scenario` (stereotype key or null), `strategy`, `model`,
 * `user_id` (source user id or null), `target` (parent_asins), `named_items` (parent_asins),
 * `turns`: [{`index`, `role` ("user" | "assistant"), `text`, `mentions`: [{`item_id` (the
 * item's parent_asin, null when not in the catalogue), `raw_id`, `start`, `end` (UTF-16 offsets
 * into `text`, end exclusive), `is_recommendation`, `is_first_mention`}]}].
 */
import type { DataSource } from 'typeorm';
import { toGlobalId } from '../pagination/global-id';
import type { DialogueSelection } from '../dialogues/selection';
import type { SplitName } from '../dialogues/vocabulary';
import { countDialogues, streamDialogues, type StreamedDialogue, type StreamedTurn } from '../dialogues/stream';
import { ExportFileWriter } from './files';
import type { ExportContext, ExportReport, ExportWriter } from './types';

export interface DialogueLinesOptions {
  /** Only these splits, each in turn (a selection order: split by split, then id); empty or absent: the filter alone. */
  splits?: SplitName[];
}

export const JSONL_FILE = 'dialogues.jsonl';

export function jsonlTurn(t: StreamedTurn) {
  return {
    index: t.index,
    role: t.role === 'USER' ? 'user' : 'assistant',
    text: t.text,
    mentions: t.mentions.map((m) => ({
      item_id: m.asin,
      raw_id: m.rawId,
      start: m.start,
      end: m.end,
      is_recommendation: m.isRecommendation,
      is_first_mention: m.isFirstMention,
    })),
  };
}

/** A dialogue as one plain JSONL record (key order fixed, so output is deterministic). */
export function jsonlRecord(d: StreamedDialogue) {
  return {
    id: toGlobalId('Dialogue', d.id),
    dataset: d.dataset,
    domain: d.domain,
    source: d.source,
    status: d.status,
    split: d.split,
    scenario: d.stereotype,
    strategy: d.strategy,
    model: d.model,
    user_id: d.userSourceId,
    target: d.targetAsin === null ? [] : [d.targetAsin],
    named_items: d.namedItemIds,
    turns: d.turns.map(jsonlTurn),
  };
}

/** The filters to stream, one per requested split (a DialogueSelection names one split at most). */
function selections(filter: DialogueSelection | null | undefined, splits: SplitName[] | undefined): DialogueSelection[] {
  const base = filter ?? {};
  if (!splits?.length) return [base];
  return splits.filter((s) => base.split == null || base.split === s).map((split) => ({ ...base, split }));
}

/**
 * Streams the selected dialogues into one JSONL file, a line per dialogue: the shared body of the
 * plain and canonical exports. Memory holds one batch of dialogues at a time.
 */
export async function writeDialogueLines(
  context: ExportContext,
  options: DialogueLinesOptions & {
    file: string;
    withProvenance: boolean;
    /** Lines written before the dialogues (the canonical export's generation runs), and how many. */
    prelude?: (manager: DataSource['manager'], filters: DialogueSelection[]) => Promise<{ text: string; count: number }>;
  },
  toRecord: (d: StreamedDialogue) => object,
): Promise<ExportReport> {
  const manager = context.dataSource.manager;
  const filters = selections(context.filter, options.splits);
  let total = 0;
  for (const f of filters) total += await countDialogues(manager, f);
  const writer = new ExportFileWriter(context.outDir, options.file);
  const counts: Record<string, number> = { dialogues: 0 };
  let chunk = '';
  if (options.prelude) {
    const prelude = await options.prelude(manager, filters);
    chunk = prelude.text;
    if (prelude.count) counts.generationRuns = prelude.count;
  }
  for (const filter of filters) {
    for await (const d of streamDialogues(manager, { filter, withProvenance: options.withProvenance, signal: context.signal })) {
      chunk += `${JSON.stringify(toRecord(d))}\n`;
      counts.dialogues++;
      const split = d.split ?? 'none';
      counts[split] = (counts[split] ?? 0) + 1;
      // Writes of ~64 KiB: fewer, larger writes than one per line, and still flat memory.
      if (chunk.length >= 1 << 16) {
        await writer.write(chunk);
        chunk = '';
      }
      if (counts.dialogues % 200 === 0) context.onProgress?.(counts.dialogues, total);
    }
  }
  if (chunk) await writer.write(chunk);
  const file = await writer.close();
  context.onProgress?.(counts.dialogues, total);
  return { files: [file], counts, warnings: [] };
}

export const writeJsonlExport: ExportWriter<DialogueLinesOptions> = (context, options) =>
  writeDialogueLines(context, { ...options, file: JSONL_FILE, withProvenance: false }, jsonlRecord);
