/**
 * The student's fine-tuning set (docs/pipeline.md §6.5, docs/formats.md §3.4): one JSON line per accepted
 * dialogue of the chosen source, in user order, with the system and profile prompts the
 * generation actually sent and the dialogue re-serialised with its item tags.
 */
import { renderChatTemplate, type ChatMessage } from '../ingest/chat-template';
import type { DialogueSelection } from '../dialogues/selection';
import type { DialogueSource } from '../dialogues/vocabulary';
import { countDialogues, streamDialogues, type StreamedDialogue, type StreamedTurn } from '../dialogues/stream';
import { ExportFileWriter } from './files';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from './types';

export type SftFormat = 'messages' | 'text';

export interface SftOptions {
  /** `messages` (default): `{"messages": [system, user, assistant]}`; `text`: the Llama-3 rendering as `{"text": …}`. */
  format?: SftFormat;
  /** Which generated dialogues: this, else the filter's own `source`, else TEACHER. */
  source?: 'TEACHER' | 'STUDENT';
  /** The model's response, title-normalised (§6.4), as the assistant message instead of the canonical re-serialisation (as the original did). */
  rawText?: boolean;
}

export const SFT_FILE = 'sft.jsonl';

/** One SFT record: the three messages of docs/formats.md §3.4. */
export interface SftRecord {
  messages: [ChatMessage, ChatMessage, ChatMessage];
  /** Extra keys for traceability (messages format only); trainers ignore them. */
  meta: { dialogueId: number; user: string | null; stereotype: string | null; generationRunId: number | null };
}

/**
 * A turn with its item tags put back: stored turn text has each valid `<id_X>` replaced by the
 * item's title, and the mention's offsets point at that title (generator/output/tags.ts).
 * Unknown tags kept verbatim are mentions too; rewriting them to themselves changes nothing.
 */
export function turnWithTags(turn: Pick<StreamedTurn, 'text' | 'mentions'>): string {
  let out = '';
  let pos = 0;
  // Mentions come sorted by start; a mention without a raw id (a bare recommendation marker) has no tag to restore.
  for (const m of turn.mentions) {
    if (!m.rawId || m.start < pos) continue;
    out += turn.text.slice(pos, m.start) + `<id_${m.rawId}>`;
    pos = m.end;
  }
  return out + turn.text.slice(pos);
}

/** The dialogue as the teacher should have written it: `[USR]: …` / `[AI]: …` lines with tags. */
export function canonicalDialogue(turns: ReadonlyArray<Pick<StreamedTurn, 'role' | 'text' | 'mentions'>>): string {
  return turns.map((t) => `${t.role === 'USER' ? '[USR]' : '[AI]'}: ${turnWithTags(t)}`).join('\n');
}

/**
 * The raw response with the title normaliser's rewrites applied (§6.5 `--sft-raw-text`): the
 * worker stores the untouched response and the rewrites' log (offsets into it), not the result.
 */
export function normalisedResponse(raw: string, rewrites: ReadonlyArray<{ start: number; end: number; before: string; after: string }> = []): string {
  let out = raw;
  // Right to left, so earlier offsets stay valid; a log entry that does not match the text is not applied.
  for (const r of [...rewrites].sort((a, b) => b.start - a.start)) {
    if (out.slice(r.start, r.end) === r.before) out = out.slice(0, r.start) + r.after + out.slice(r.end);
  }
  return out;
}

/** The record of one dialogue, or why it has none (it was not generated from a stored prompt). */
export function sftRecord(d: StreamedDialogue, options: Pick<SftOptions, 'rawText'> = {}): SftRecord | { skipped: string } {
  const sent = d.provenance.messages as Array<{ role: string; content: string }> | undefined;
  const system = sent?.find((m) => m.role === 'system');
  const user = sent?.find((m) => m.role === 'user');
  if (!system || !user) return { skipped: 'no prompt messages in its provenance' };
  let assistant: string;
  if (options.rawText) {
    const raw = d.provenance.rawResponse;
    if (typeof raw !== 'string' || !raw.trim()) return { skipped: 'no raw response in its provenance' };
    assistant = normalisedResponse(raw, d.provenance.titleRewrites as Parameters<typeof normalisedResponse>[1]);
  } else {
    if (d.turns.length === 0) return { skipped: 'no turns' };
    assistant = canonicalDialogue(d.turns);
  }
  return {
    messages: [
      { role: 'system', content: system.content.trim() },
      { role: 'user', content: user.content.trim() },
      { role: 'assistant', content: assistant.trim() },
    ],
    meta: { dialogueId: d.id, user: d.userSourceId, stereotype: d.stereotype, generationRunId: d.generationRunId },
  };
}

export function sftLine(record: SftRecord, format: SftFormat): string {
  if (format === 'text') return JSON.stringify({ text: renderChatTemplate(record.messages) });
  return JSON.stringify({ messages: record.messages, ...record.meta });
}

/** Where one record lies in the unordered spill file, and where it belongs. */
/** One line per accepted dialogue in user order (§6.5), streamed straight to the file. */
export const writeSftExport: ExportWriter<SftOptions> = async (context: ExportContext, options: SftOptions): Promise<ExportReport> => {
  const format = options.format ?? 'messages';
  if (format !== 'messages' && format !== 'text') throw new Error(`format must be messages or text, got "${String(format)}"`);
  const manager = context.dataSource.manager;
  const filter: DialogueSelection = { ...(context.filter ?? {}), source: (options.source ?? context.filter?.source ?? 'TEACHER') as DialogueSource };
  const total = await countDialogues(manager, filter);
  const skipped = new Map<string, number[]>();
  let done = 0;
  let records = 0;
  const out = new ExportFileWriter(context.outDir, SFT_FILE);
  let file: ExportFile;
  try {
    for await (const d of streamDialogues(manager, { filter, withProvenance: true, order: 'user', signal: context.signal })) {
      done++;
      if (done % 100 === 0) context.onProgress?.(done, total);
      const record = sftRecord(d, options);
      if ('skipped' in record) {
        const list = skipped.get(record.skipped) ?? [];
        list.push(d.id);
        skipped.set(record.skipped, list);
        continue;
      }
      await out.write(sftLine(record, format) + '\n');
      records++;
    }
  } finally {
    file = await out.close();
  }
  context.onProgress?.(done, total);
  const warnings = [...skipped].map(
    ([why, list]) =>
      `skipped ${list.length} dialogue${list.length === 1 ? '' : 's'} with ${why} (imported dialogues have none): ids ${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}`,
  );
  return {
    files: [file],
    counts: { records, skipped: done - records },
    warnings,
    details: {
      format,
      source: filter.source,
      rawText: !!options.rawText,
      order: 'user source id, then dialogue id',
      // docs/formats.md §3.4: the trainer must not add a second BOS token.
      note:
        format === 'text'
          ? 'each text already begins with <|begin_of_text|>: the trainer must not add another BOS token'
          : 'messages for trainers that apply the chat template themselves (no generation prompt)',
    },
  };
};
