/**
 * The DistillRecDial release JSONL (docs/formats.md §3.6, docs/pipeline.md §10): one file per domain and
 * split, named like the published ones, one line per dialogue in the split's line order, written
 * the way Python's `json.dumps` writes (`", "` and `": "` separators), plus `manifest.json`.
 * An imported release exports back byte for byte: the stored turn text with a marker put back
 * before every assistant recommendation is exactly the released message.
 */
import type { EntityManager } from 'typeorm';
import { RECOMMENDATION_MARKER, renderChatTemplate, type ChatMessage } from '../ingest/chat-template';
import { dialogueConditions } from '../dialogues/selection';
import type { DialogueSelection } from '../dialogues/selection';
import { SplitName } from '../dialogues/vocabulary';
import { streamDialogues, type StreamedDialogue, type StreamedTurn } from '../dialogues/stream';
import { ExportFileWriter, writeExportFile } from './files';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from './types';

export const RELEASE_MARKINGS = ['every', 'first'] as const;
export type ReleaseMarking = (typeof RELEASE_MARKINGS)[number];

export interface ReleaseOptions {
  /** Which splits get a file (default all three); dialogues without a split are never written. */
  splits: SplitName[];
  /** `every` assistant mention gets the marker (as published), or only each item's `first` one (docs/pipeline.md §8.2). */
  marking: ReleaseMarking;
  /** Escape every non-ASCII character as `\uXXXX`, like `json.dumps` with its default `ensure_ascii=True`. */
  asciiOnly: boolean;
}

export const DEFAULT_RELEASE_OPTIONS: Readonly<ReleaseOptions> = Object.freeze({
  splits: [SplitName.TRAIN, SplitName.VALID, SplitName.TEST],
  marking: 'every',
  asciiOnly: false,
});

/**
 * Used when no release was ever imported (a purely generated dataset): the published system
 * message as docs/formats.md §3.6 describes it. An imported release's own message always wins.
 */
export const DEFAULT_RELEASE_SYSTEM_MESSAGE =
  "You are a friendly and knowledgeable conversational recommender for movies and TV shows. Get to know the user's tastes through natural conversation, ask clarifying questions when a request is unclear, and suggest personalised titles that fit what they are looking for, explaining briefly why each one suits them.";

export const MANIFEST_FILE = 'manifest.json';

/** `Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl` (docs/formats.md §3.7). */
export function releaseFileName(domain: string, split: SplitName): string {
  return `${domain}_llama3.1_reserved_special_token_10_${split}.jsonl`;
}

/** A JSON string as Python's json.dumps writes it (same escapes as JSON.stringify; `\u` escapes lower-case). */
export function pyJsonString(value: string, asciiOnly = false): string {
  const json = JSON.stringify(value);
  return asciiOnly ? json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) : json;
}

const TAG = /^<id_[^<>\s]+>$/;

/**
 * The assistant turn as released: the marker and a space before each recommendation of a
 * catalogue item (its span holds the item's title). Mentions over a leftover `<id_…>` tag or an
 * unresolved marker are already verbatim in the text.
 */
export function releaseTurnText(turn: Pick<StreamedTurn, 'role' | 'text' | 'mentions'>, marking: ReleaseMarking, marked: Set<string>): string {
  if (turn.role !== 'ASSISTANT') return turn.text;
  let out = '';
  let pos = 0;
  for (const m of turn.mentions) {
    if (!m.isRecommendation || m.asin === null || m.start < pos) continue;
    if (TAG.test(turn.text.slice(m.start, m.end))) continue;
    if (marking === 'first' && marked.has(m.asin)) continue;
    marked.add(m.asin);
    out += `${turn.text.slice(pos, m.start)}${RECOMMENDATION_MARKER} `;
    pos = m.start;
  }
  return out + turn.text.slice(pos);
}

/** One release line (without the newline), or why the dialogue cannot be one. */
export function releaseLine(d: StreamedDialogue, systemMessage: string, options: Pick<ReleaseOptions, 'marking' | 'asciiOnly'>): string | { skipped: string } {
  if (d.stereotype === null) return { skipped: 'no stereotype (scenario)' };
  if (d.targetAsin === null) return { skipped: 'no target item' };
  if (d.turns.length === 0) return { skipped: 'no turns' };
  const marked = new Set<string>();
  const messages: ChatMessage[] = [
    { role: 'system', content: systemMessage },
    ...d.turns.map((t): ChatMessage => ({ role: t.role === 'USER' ? 'user' : 'assistant', content: releaseTurnText(t, options.marking, marked) })),
  ];
  const q = (s: string) => pyJsonString(s, options.asciiOnly);
  // Stored named items keep the released order for imported dialogues and first-mention order for generated ones.
  const named = d.namedItemIds.map((asin) => q(`<id_${asin}>`)).join(', ');
  return `{"text": ${q(renderChatTemplate(messages))}, "target": [${q(`<id_${d.targetAsin}>`)}], "named_items": [${named}], "scenario": ${q(d.stereotype)}}`;
}

/** The setting an imported release left, or the default message. */
async function releaseSystemMessage(manager: EntityManager): Promise<{ message: string; fromSetting: boolean }> {
  const [row] = await manager.query(`SELECT value FROM settings WHERE key = 'releaseSystemMessage'`);
  return typeof row?.value === 'string' ? { message: row.value, fromSetting: true } : { message: DEFAULT_RELEASE_SYSTEM_MESSAGE, fromSetting: false };
}

/** Selected dialogues per domain × split (null split included), to name files and report progress. */
async function selectionCounts(manager: EntityManager, filter: DialogueSelection | null | undefined): Promise<Array<{ domain: string; split: SplitName | null; n: number }>> {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params);
  return manager.query(
    `SELECT d.domain, d.split, count(*)::int AS n FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY 1, 2 ORDER BY 1, 2`,
    params,
  );
}

export const writeReleaseExport: ExportWriter<ReleaseOptions> = async (context: ExportContext, options: ReleaseOptions): Promise<ExportReport> => {
  const manager = context.dataSource.manager;
  const filter = context.filter ?? {};
  const wanted = options.splits.filter((s) => filter.split == null || filter.split === s);
  const counts = await selectionCounts(manager, filter);
  const domains = [...new Set(counts.map((c) => c.domain))];
  // With nothing selected the files are still written, empty, under the release's own domain.
  if (!domains.length) domains.push('Movies_and_TV');
  const total = counts.filter((c) => c.split !== null && wanted.includes(c.split)).reduce((n, c) => n + c.n, 0);
  const unsplit = counts.filter((c) => c.split === null).reduce((n, c) => n + c.n, 0);
  const system = await releaseSystemMessage(manager);

  const files: ExportFile[] = [];
  const perSplit: Record<string, Record<string, number>> = {};
  const skipped: Record<string, number> = {};
  let done = 0;
  for (const domain of domains) {
    for (const split of wanted) {
      const name = releaseFileName(domain, split);
      const writer = new ExportFileWriter(context.outDir, name);
      const byStereotype: Record<string, number> = {};
      for await (const d of streamDialogues(manager, { filter: { ...filter, domain, split }, order: 'split', signal: context.signal })) {
        const line = releaseLine(d, system.message, options);
        done++;
        if (typeof line === 'string') {
          await writer.write(`${line}\n`);
          byStereotype[d.stereotype!] = (byStereotype[d.stereotype!] ?? 0) + 1;
        } else {
          skipped[line.skipped] = (skipped[line.skipped] ?? 0) + 1;
        }
        if (done % 200 === 0) context.onProgress?.(done, total);
      }
      files.push(await writer.close());
      perSplit[name] = byStereotype;
    }
  }
  context.onProgress?.(done, total);

  const warnings: string[] = [];
  if (!system.fromSetting) warnings.push('no release was imported, so the system message is recdial’s default (setting releaseSystemMessage is unset)');
  for (const [reason, n] of Object.entries(skipped)) warnings.push(`${n} dialogue${n === 1 ? '' : 's'} skipped: ${reason}`);
  if (unsplit > 0) warnings.push(`${unsplit} selected dialogue${unsplit === 1 ? ' has' : 's have'} no split and ${unsplit === 1 ? 'is' : 'are'} not in any file (run assignSplits)`);

  // No timestamp: the same data and options give the same manifest, byte for byte.
  const manifest = {
    format: 'distillrecdial-release',
    options,
    filter,
    lineOrder: 'split position (assignSplits), then dialogue id',
    systemMessageFromSetting: system.fromSetting,
    files: files.map((f) => ({ ...f, dialogues: Object.values(perSplit[f.name]).reduce((a, b) => a + b, 0), byStereotype: perSplit[f.name] })),
    skipped,
    warnings,
  };
  files.push(await writeExportFile(context.outDir, MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`));
  const writtenCounts: Record<string, number> = {};
  for (const f of manifest.files) writtenCounts[f.name] = f.dialogues;
  return { files, counts: writtenCounts, warnings, details: { manifest } };
};
