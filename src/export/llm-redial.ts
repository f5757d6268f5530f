/**
 * The LLM-REDIAL layout (docs/formats.md §4.1–§4.4), one folder per domain of the selection:
 * `final_data.jsonl` (a line per user), `Conversation.txt`, `item_map.json`, `user_ids.json`,
 * and recdial's `annotations.jsonl` (turn-level mentions, which the original cannot carry).
 * `recdial import llm-redial <out>/<domain>` reads it back.
 *
 * Where the fields come from:
 * - `history_interaction`, `user_might_like`: the user's GOAL_TEMPLATE profile (an LLM-REDIAL
 *   import or `prepare --strategy goal-template`); without one, the user's interactions in
 *   chronological order (docs/pipeline.md §2.5 key) and the targets of the exported dialogues.
 * - `user_likes`, `user_dislikes`: what the dialogue recorded (an imported conversation's
 *   provenance, a generated one's template bindings, docs/pipeline.md §11.5); otherwise the liked /
 *   disliked items (profile, else ratings ≥ 4 / ≤ 2 as in §11.1) that the dialogue mentions.
 * - `rec_item`: the dialogue's target. `conversation_k`: the recorded k first, then dialogue id.
 *
 * Dialogues without a user are skipped (LLM-REDIAL records are per user, and a synthetic user
 * would have no history); dialogues without a target too (the importer needs one rec_item).
 * Both are counted and warned about.
 */
import type { EntityManager } from 'typeorm';
import { compareCodePoints } from './crslab/entities';
import { pythonJson, pythonJsonObject } from './crslab/json';
import { countDialogues, streamDialogues, type StreamedDialogue } from '../dialogues/stream';
import { ExportFileWriter, writeExportFile } from './files';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from './types';

/** No options: the selection (filter, one split, stereotype) is everything. */
export type LlmRedialOptions = Record<string, never>;

export const LLM_REDIAL_FILES = ['final_data.jsonl', 'Conversation.txt', 'annotations.jsonl', 'item_map.json', 'user_ids.json'] as const;

const unique = (ids: string[]) => [...new Set(ids)];

/** A folder name for a domain: it comes from the data, so nothing may climb out of the export folder. */
function folderOf(domain: string): string {
  const safe = domain.replace(/[^\w.-]/g, '_');
  return /^\.*$/.test(safe) ? `_${safe}` : safe;
}

interface UserView {
  source: 'profile' | 'interactions';
  history: string[];
  mightLike: string[];
  liked: string[];
  disliked: string[];
}

const asinsOf = (column: string) =>
  `ARRAY(SELECT i.asin FROM unnest(p.${column}) WITH ORDINALITY AS x(id, n) JOIN items i ON i.id = x.id ORDER BY x.n)`;

async function userView(manager: EntityManager, userId: number, dialogues: StreamedDialogue[]): Promise<UserView> {
  const [profile] = await manager.query(
    `SELECT ${asinsOf('history_item_ids')} AS history, ${asinsOf('might_like_item_ids')} AS might_like,
            ${asinsOf('liked_item_ids')} AS liked, ${asinsOf('disliked_item_ids')} AS disliked
       FROM user_profiles p WHERE p.user_id = $1 AND p.strategy = 'GOAL_TEMPLATE'`,
    [userId],
  );
  if (profile) return { source: 'profile', history: profile.history, mightLike: profile.might_like, liked: profile.liked, disliked: profile.disliked };
  const rows: Array<{ asin: string; rating: number }> = await manager.query(
    `SELECT i.asin, x.rating FROM interactions x JOIN items i ON i.id = x.item_id WHERE x.user_id = $1
      ORDER BY x.timestamp_ms, x.rating, i.asin COLLATE "C", x.review_title COLLATE "C", x.review_text COLLATE "C", x.id`,
    [userId],
  );
  return {
    source: 'interactions',
    history: unique(rows.map((r) => r.asin)),
    mightLike: unique(dialogues.map((d) => d.targetAsin!)),
    liked: unique(rows.filter((r) => r.rating >= 4).map((r) => r.asin)),
    disliked: unique(rows.filter((r) => r.rating <= 2).map((r) => r.asin)),
  };
}

const stringArray = (value: unknown): string[] | null => (Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null);

/** The likes/dislikes a dialogue recorded when it was imported or generated, if any. */
export function recordedLikes(provenance: Record<string, unknown>): { likes: string[]; dislikes: string[] } | null {
  if (provenance.format === 'llm-redial') {
    const likes = stringArray(provenance.userLikes);
    const dislikes = stringArray(provenance.userDislikes);
    if (likes && dislikes) return { likes, dislikes };
  }
  const bindings = (provenance.template as { bindings?: unknown } | null | undefined)?.bindings;
  if (Array.isArray(bindings)) {
    const bound = (slot: string) => unique(bindings.filter((b) => b?.slot === slot && typeof b.asin === 'string').map((b) => b.asin as string));
    return { likes: bound('USER_HIS_LIKES'), dislikes: bound('USER_HIS_DISLIKES') };
  }
  return null;
}

/** The k a dialogue had in its source (an imported `conversation_k`, a generated instance's k). */
function recordedK(provenance: Record<string, unknown>): number {
  const k = provenance.format === 'llm-redial' ? provenance.conversation : (provenance.template as { k?: unknown } | null | undefined)?.k;
  return typeof k === 'number' ? k : Number.MAX_SAFE_INTEGER;
}

/**
 * A turn as one line of Conversation.txt: newlines become spaces one for one (so mention offsets
 * stay put) and the text is trimmed as the importer trims it; `shift` moves offsets past the trim.
 */
export function exportedTurnText(text: string): { text: string; shift: number; newlines: boolean } {
  const flat = text.replace(/[\r\n]/g, ' ');
  const trimmed = flat.trim();
  return { text: trimmed, shift: flat.length - flat.trimStart().length, newlines: flat !== text };
}

/** One domain folder being written. */
class DomainFolder {
  readonly finalData: ExportFileWriter;
  readonly conversations: ExportFileWriter;
  readonly annotations: ExportFileWriter;
  /** In stream order, which is code-point order of the source id (user_ids.json's sorted order). */
  readonly users: string[] = [];
  readonly items = new Set<string>();
  dialogues = 0;

  constructor(
    outDir: string,
    readonly folder: string,
  ) {
    this.finalData = new ExportFileWriter(outDir, `${folder}/final_data.jsonl`);
    this.conversations = new ExportFileWriter(outDir, `${folder}/Conversation.txt`);
    this.annotations = new ExportFileWriter(outDir, `${folder}/annotations.jsonl`);
  }
}

export const writeLlmRedialExport: ExportWriter<LlmRedialOptions> = async (context) => {
  const manager = context.dataSource.manager;
  const total = await countDialogues(manager, context.filter);
  const domains = new Map<string, DomainFolder>();
  const folderOwner = new Map<string, string>();
  const counts = { users: 0, dialogues: 0, items: 0, skippedWithoutUser: 0, skippedWithoutTarget: 0, turnsWithNewlines: 0, recItemNotMightLike: 0 };
  const historyFrom = { profile: 0, interactions: 0 };
  const likesFrom = { recorded: 0, mentions: 0 };
  let seen = 0;

  const domainFolder = (domain: string) => {
    let folder = domains.get(domain);
    if (!folder) {
      const name = folderOf(domain);
      const other = folderOwner.get(name);
      if (other !== undefined) throw new Error(`domains "${other}" and "${domain}" would share the folder ${name}/`);
      folderOwner.set(name, domain);
      domains.set(domain, (folder = new DomainFolder(context.outDir, name)));
    }
    return folder;
  };

  /** Writes one user's dialogues of one domain: a final_data line, their texts and annotations. */
  const writeUser = async (domain: string, userId: number, sourceId: string, dialogues: StreamedDialogue[]) => {
    const out = domainFolder(domain);
    dialogues.sort((a, b) => recordedK(a.provenance) - recordedK(b.provenance) || a.id - b.id);
    const view = await userView(manager, userId, dialogues);
    historyFrom[view.source]++;
    const conversations: object[] = [];
    let text = '';
    let annotations = '';
    dialogues.forEach((d, i) => {
      const conversationId = ++out.dialogues;
      const mentioned = new Set(d.turns.flatMap((t) => t.mentions.flatMap((m) => (m.asin === null ? [] : [m.asin]))));
      const recorded = recordedLikes(d.provenance);
      const onlyMentioned = (ids: string[]) => ids.filter((id) => mentioned.has(id) && id !== d.targetAsin);
      const { likes, dislikes } = recorded ?? { likes: onlyMentioned(view.liked), dislikes: onlyMentioned(view.disliked) };
      likesFrom[recorded ? 'recorded' : 'mentions']++;
      if (view.mightLike[i] !== d.targetAsin) counts.recItemNotMightLike++;
      conversations.push({
        [`conversation_${i + 1}`]: { conversation_id: conversationId, user_likes: likes, user_dislikes: dislikes, rec_item: [d.targetAsin] },
      });
      for (const id of [...likes, ...dislikes, d.targetAsin!, ...mentioned]) out.items.add(id);

      // §4.4: `{id}\n\n`, each turn and a blank line, one extra blank line between dialogues.
      text += `${out.dialogues > 1 ? '\n' : ''}${conversationId}\n\n`;
      const turns = d.turns.map((t) => {
        const line = exportedTurnText(t.text);
        if (line.newlines) counts.turnsWithNewlines++;
        const prefix = t.role === 'USER' ? 'User:' : 'Agent:';
        text += `${line.text ? `${prefix} ${line.text}` : prefix}\n\n`;
        return {
          index: t.index,
          role: t.role === 'USER' ? 'user' : 'assistant',
          mentions: t.mentions.map((m) => ({ item_id: m.asin, start: m.start - line.shift, end: m.end - line.shift, is_recommendation: m.isRecommendation })),
        };
      });
      annotations += `${pythonJson({ conversation_id: conversationId, turns })}\n`;
    });
    for (const id of [...view.history, ...view.mightLike]) out.items.add(id);
    out.users.push(sourceId);
    counts.users++;
    counts.dialogues += dialogues.length;
    const record = { history_interaction: view.history, user_might_like: view.mightLike, Conversation: conversations };
    await out.finalData.write(`${pythonJsonObject([[sourceId, record]])}\n`);
    await out.conversations.write(text);
    await out.annotations.write(annotations);
  };

  // Dialogues come by user source id (code-point order), then id; one source id's dialogues are
  // held at a time and written per (domain, user), since users with the same source id may exist
  // in several domains.
  let group: StreamedDialogue[] = [];
  const flush = async () => {
    const byUser = new Map<string, StreamedDialogue[]>();
    for (const d of group) {
      const key = `${d.domain}\u0000${d.userId}`;
      const list = byUser.get(key);
      if (list) list.push(d);
      else byUser.set(key, [d]);
    }
    for (const dialogues of byUser.values()) {
      const [first] = dialogues;
      await writeUser(first.domain, first.userId!, first.userSourceId!, dialogues);
    }
    group = [];
    context.onProgress?.(seen, total);
  };
  for await (const d of streamDialogues(manager, { filter: context.filter, order: 'user', withProvenance: true, signal: context.signal })) {
    // Dialogues without a user come last: everything from here on is skipped.
    if (d.userId === null) break;
    seen++;
    if (group.length && group[0].userSourceId !== d.userSourceId) await flush();
    if (d.targetAsin === null) counts.skippedWithoutTarget++;
    else group.push(d);
  }
  await flush();
  counts.skippedWithoutUser = total - seen;

  const files: ExportFile[] = [];
  const warnings: string[] = [];
  const perDomain: Record<string, { folder: string; users: number; dialogues: number; items: number }> = {};
  for (const [domain, out] of domains) {
    files.push(await out.finalData.close(), await out.conversations.close(), await out.annotations.close());
    // Titles at the end, a chunk at a time; ids naming no item (raw ids of imports) have no title.
    const ids = [...out.items].sort(compareCodePoints);
    const titles = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 10_000) {
      const rows: Array<{ asin: string; title: string }> = await manager.query('SELECT asin, title FROM items WHERE asin = ANY($1)', [ids.slice(i, i + 10_000)]);
      for (const r of rows) titles.set(r.asin, r.title);
    }
    const missing = ids.filter((id) => !titles.has(id));
    if (missing.length) {
      warnings.push(`${domain}: ${missing.length} item id(s) are not in the catalogue and have no entry in item_map.json: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`);
    }
    files.push(await writeExportFile(context.outDir, `${out.folder}/item_map.json`, pythonJsonObject(ids.filter((id) => titles.has(id)).map((id) => [id, titles.get(id)]))));
    files.push(await writeExportFile(context.outDir, `${out.folder}/user_ids.json`, pythonJsonObject(out.users.map((u, i) => [u, i]))));
    counts.items += titles.size;
    perDomain[domain] = { folder: out.folder, users: out.users.length, dialogues: out.dialogues, items: titles.size };
  }
  context.onProgress?.(seen, total);

  if (counts.skippedWithoutUser) warnings.push(`${counts.skippedWithoutUser} dialogue(s) without a user were skipped: LLM-REDIAL records are per user`);
  if (counts.skippedWithoutTarget) warnings.push(`${counts.skippedWithoutTarget} dialogue(s) without a target were skipped: rec_item needs one item`);
  if (counts.turnsWithNewlines) warnings.push(`${counts.turnsWithNewlines} turn(s) held line breaks, written as spaces so that each turn stays on one line`);
  if (historyFrom.interactions) {
    warnings.push(`${historyFrom.interactions} user(s) have no GOAL_TEMPLATE profile: history_interaction is their interactions, user_might_like the targets of their dialogues`);
  }
  if (counts.recItemNotMightLike) warnings.push(`${counts.recItemNotMightLike} conversation(s) have a rec_item other than user_might_like[k-1]`);
  return { files, counts, warnings, details: { domains: perDomain, historyFrom, likesFrom } };
};
