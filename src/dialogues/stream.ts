import type { EntityManager } from 'typeorm';
import { dialogueConditions, type DialogueSelection } from './selection';
import { type DialogueSource, type DialogueStatus, type SplitName, type TurnRoleValue } from './vocabulary';

export interface StreamedMention {
  itemId: number | null;
  /** The item's ASIN when resolved, else the raw `<id_…>` reference. */
  asin: string | null;
  rawId: string;
  start: number;
  end: number;
  isRecommendation: boolean;
  isFirstMention: boolean;
}

export interface StreamedTurn {
  index: number;
  role: TurnRoleValue;
  text: string;
  rawText: string | null;
  mentions: StreamedMention[];
}

/** A dialogue with everything the exports and statistics read, in one shape. */
export interface StreamedDialogue {
  id: number;
  dataset: string;
  domain: string;
  source: DialogueSource;
  status: DialogueStatus;
  split: SplitName | null;
  strategy: string;
  model: string | null;
  /** Stereotype key (the release's `scenario`), null for peer datasets without one. */
  stereotype: string | null;
  userId: number | null;
  userSourceId: string | null;
  targetItemId: number | null;
  /** The target's ASIN (resolved item) or raw id. */
  targetAsin: string | null;
  namedItemIds: string[];
  generationRunId: number | null;
  /** Regeneration history (docs/pipeline.md §8.5): the version number and the dialogue this one replaced. */
  version: number;
  supersedesId: number | null;
  /** 0-based line in the split's release file, written by assignSplits. */
  splitPosition: number | null;
  /** The importer's content key (dialogues.import_key), null for generated dialogues. */
  importKey: string | null;
  contentHash: string | null;
  createdAt: Date;
  warnings: Array<{ code: string; severity?: string; detail?: string }>;
  rejectionReasons: Array<{ code: string; severity?: string; detail?: string }>;
  provenance: Record<string, unknown>;
  turns: StreamedTurn[];
}

export interface DialogueStreamOptions {
  filter?: DialogueSelection | null;
  /** Dialogues read per round trip; memory holds one batch at a time. */
  batchSize?: number;
  /** Skip provenance (it holds whole prompts and responses) when the consumer does not need it. */
  withProvenance?: boolean;
  /**
   * `id` (default); `split`: each split's line order (`split_position`, written by assignSplits,
   * docs/pipeline.md §9), then id, dialogues without a position last; `user`: the user's source id in
   * code-point order, then id, dialogues without a user last (the SFT set's order, §6.5).
   */
  order?: DialogueStreamOrder;
  signal?: AbortSignal;
}

export type DialogueStreamOrder = 'id' | 'split' | 'user';

/** Sort keys before `d.id`, each with the SQL type its cursor value is compared as. */
const ORDER_KEYS: Record<DialogueStreamOrder, Array<{ expr: string; type: string }>> = {
  id: [],
  split: [{ expr: 'coalesce(d.split_position, 2147483647)', type: 'int' }],
  user: [
    { expr: '(u.source_id IS NULL)', type: 'boolean' },
    { expr: `coalesce(u.source_id, '') COLLATE "C"`, type: 'text' },
  ],
};

/** How many dialogues a filter selects (for progress). */
export async function countDialogues(manager: EntityManager, filter?: DialogueSelection | null): Promise<number> {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params);
  const [row] = await manager.query(`SELECT count(*)::int AS n FROM dialogues d ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params);
  return row.n;
}

/**
 * The dialogues a filter selects, in id order (or `order`), with turns and mentions, read in keyset batches
 * (three statements per batch) so that memory stays flat however many there are. Every export,
 * statistic and evaluation that walks the dataset reads through this.
 */
export async function* streamDialogues(manager: EntityManager, options: DialogueStreamOptions = {}): AsyncGenerator<StreamedDialogue> {
  const batchSize = options.batchSize ?? 500;
  const baseParams: unknown[] = [];
  const where = await dialogueConditions(manager, options.filter, baseParams);
  // Keyset over (order keys…, id): every batch starts where the last one ended.
  const keys = ORDER_KEYS[options.order ?? 'id'];
  let after: unknown[] | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const params: unknown[] = [...baseParams];
    const param = (value: unknown) => (params.push(value), `$${params.length}`);
    const conditions = [...where];
    if (after) {
      const cursor = after;
      const left = [...keys.map((k) => k.expr), 'd.id'];
      const right = [...keys.map((k, i) => `${param(cursor[i])}::${k.type}${k.type === 'text' ? ' COLLATE "C"' : ''}`), `${param(cursor[keys.length])}::int`];
      conditions.push(`(${left.join(', ')}) > (${right.join(', ')})`);
    }
    const limit = param(batchSize);
    const rows: Array<Record<string, any>> = await manager.query(
      `SELECT d.id, d.dataset, d.domain, d.source, d.status, d.split, d.strategy, d.model, s.key AS stereotype,
              d.user_id, u.source_id AS user_source_id, d.target_item_id, coalesce(i.asin, d.target_raw_id) AS target_asin,
              d.named_item_ids, d.generation_run_id, d.rejection_reasons,
              d.version, d.supersedes_id, d.split_position, d.import_key, d.content_hash, d.created_at, d.warnings, ${options.withProvenance ? 'd.provenance' : `'{}'::jsonb AS provenance`}
              ${keys.map((k, i) => `, ${k.expr} AS order_key_${i}`).join('')}
         FROM dialogues d
         LEFT JOIN stereotypes s ON s.id = d.stereotype_id
         LEFT JOIN users u ON u.id = d.user_id
         LEFT JOIN items i ON i.id = d.target_item_id
        ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY ${[...keys.map((k) => k.expr), 'd.id'].join(', ')} LIMIT ${limit}`,
      params,
    );
    if (!rows.length) return;
    const ids = rows.map((r) => r.id);
    const turns: Array<Record<string, any>> = await manager.query(
      `SELECT t.id, t.dialogue_id, t.idx, t.role, t.text, t.raw_text FROM turns t WHERE t.dialogue_id = ANY($1) ORDER BY t.dialogue_id, t.idx`,
      [ids],
    );
    const mentions: Array<Record<string, any>> = await manager.query(
      `SELECT m.turn_id, m.item_id, i.asin, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
         FROM turn_mentions m LEFT JOIN items i ON i.id = m.item_id
        WHERE m.dialogue_id = ANY($1) ORDER BY m.turn_id, m.start_offset, m.id`,
      [ids],
    );
    const mentionsByTurn = new Map<number, StreamedMention[]>();
    for (const m of mentions) {
      let list = mentionsByTurn.get(m.turn_id);
      if (!list) mentionsByTurn.set(m.turn_id, (list = []));
      list.push({
        itemId: m.item_id,
        asin: m.asin ?? null,
        rawId: m.raw_id,
        start: m.start_offset,
        end: m.end_offset,
        isRecommendation: m.is_recommendation,
        isFirstMention: m.is_first_mention,
      });
    }
    const turnsByDialogue = new Map<number, StreamedTurn[]>();
    for (const t of turns) {
      let list = turnsByDialogue.get(t.dialogue_id);
      if (!list) turnsByDialogue.set(t.dialogue_id, (list = []));
      list.push({ index: t.idx, role: t.role, text: t.text, rawText: t.raw_text, mentions: mentionsByTurn.get(t.id) ?? [] });
    }
    for (const r of rows) {
      yield {
        id: r.id,
        dataset: r.dataset,
        domain: r.domain,
        source: r.source,
        status: r.status,
        split: r.split,
        strategy: r.strategy,
        model: r.model,
        stereotype: r.stereotype,
        userId: r.user_id,
        userSourceId: r.user_source_id,
        targetItemId: r.target_item_id,
        targetAsin: r.target_asin,
        namedItemIds: r.named_item_ids,
        generationRunId: r.generation_run_id,
        version: r.version,
        supersedesId: r.supersedes_id,
        splitPosition: r.split_position,
        importKey: r.import_key,
        contentHash: r.content_hash,
        createdAt: r.created_at,
        warnings: r.warnings,
        rejectionReasons: r.rejection_reasons,
        provenance: r.provenance,
        turns: turnsByDialogue.get(r.id) ?? [],
      };
    }
    const last = rows[rows.length - 1];
    after = [...keys.map((_, i) => last[`order_key_${i}`]), last.id];
    if (rows.length < batchSize) return;
  }
}
