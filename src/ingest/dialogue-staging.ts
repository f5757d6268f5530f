import { EntityManager } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import type { ValidationIssueRecord } from '../db/schema/dialogue.entity';
import { ImportedFile, ImportTransaction } from './import-run';
import type { SplitValue, TurnRoleValue } from '../dialogues/vocabulary';

/*
 * Every dialogue importer parses its format into these records and hands them to a DialogueStager,
 * which COPYs them into temporary tables and publishes them in one statement per table at the end
 * of the import transaction: items and users the dialogues need first, then dialogues, turns and
 * mentions. Dialogues are keyed by `key` (dialogues.import_key), so importing the same record
 * twice changes nothing.
 */

export interface StagedMention {
  /** The item key (items.asin) the mention resolves to; null for an id that names no item. */
  asin: string | null;
  /** The id as the source writes it (`<id_X>` → X, `@123` → `redial:123`); '' when there is none. */
  rawId: string;
  /** UTF-16 offsets into the turn's `text`, end exclusive. */
  start: number;
  end: number;
  isRecommendation: boolean;
  isFirstMention: boolean;
}

export interface StagedTurn {
  /** 0-based position in the dialogue. */
  index: number;
  role: TurnRoleValue;
  text: string;
  /** The utterance as the source wrote it, when it differs from `text`. */
  rawText: string | null;
  mentions: StagedMention[];
}

export interface StagedDialogue {
  /** Content key, unique across datasets (e.g. `redial:train:90001`). */
  key: string;
  dataset: string;
  domain: string;
  split: SplitValue | null;
  /** stereotypes.key, or null for datasets without stereotypes. */
  stereotypeKey: string | null;
  strategy: string;
  /** users.source_id in the dialogue's domain; the user is created when missing. */
  userSourceId: string | null;
  targetAsin: string | null;
  namedAsins: string[];
  warnings: ValidationIssueRecord[];
  provenance: Record<string, unknown>;
  turns: StagedTurn[];
}

/** An item a dataset defines (minted from a title, or from its own item map); existing items are kept as they are. */
export interface StagedItem {
  asin: string;
  domain: string;
  title: string;
  cleanedTitle: string;
  metadata: Record<string, unknown>;
}

/** What every dialogue import reports (the CLI prints these). */
export interface DialogueImportCounts {
  importRunId: number;
  files: ImportedFile[];
  /** Dialogues read (bad records not counted). */
  read: number;
  inserted: number;
  alreadyPresent: number;
  skipped: number;
  turns: number;
  mentions: number;
}

/** The counts every dialogue import reports, from what it read and what publishing wrote. */
export function dialogueCounts(read: number, skipped: number, published: PublishSummary): Omit<DialogueImportCounts, 'importRunId' | 'files'> {
  return { read, inserted: published.inserted, alreadyPresent: read - published.inserted, skipped, turns: published.turns, mentions: published.mentions };
}

export interface PublishSummary {
  inserted: number;
  turns: number;
  mentions: number;
  unresolvedMentions: number;
  itemsCreated: number;
  usersCreated: number;
}

const BATCH = 1000;

export class DialogueStager {
  private dialogues: StagedDialogue[] = [];
  private items: StagedItem[] = [];

  private constructor(private readonly tx: ImportTransaction) {}

  /** Creates the temporary tables (dropped at commit) inside the import transaction. */
  static async create(tx: ImportTransaction): Promise<DialogueStager> {
    await tx.manager.query(`CREATE TEMP TABLE _stage_dialogues (key text PRIMARY KEY, dataset text, domain text, split text, stereotype text,
        strategy text, user_source_id text, target text, named text[], warnings jsonb, provenance jsonb, ord serial) ON COMMIT DROP`);
    await tx.manager.query('CREATE TEMP TABLE _stage_turns (key text, idx int, role text, text text, raw_text text) ON COMMIT DROP');
    await tx.manager.query(`CREATE TEMP TABLE _stage_mentions (key text, idx int, raw_id text, asin text, start_offset int, end_offset int,
        is_recommendation boolean, is_first_mention boolean) ON COMMIT DROP`);
    await tx.manager.query('CREATE TEMP TABLE _stage_items (asin text, domain text, title text, cleaned_title text, metadata jsonb, ord serial) ON COMMIT DROP');
    return new DialogueStager(tx);
  }

  async addItem(item: StagedItem): Promise<void> {
    this.items.push(item);
    if (this.items.length >= BATCH) await this.flushItems();
  }

  async addDialogue(dialogue: StagedDialogue): Promise<void> {
    this.dialogues.push(dialogue);
    if (this.dialogues.length >= BATCH) await this.flushDialogues();
  }

  private async flushItems(): Promise<void> {
    const batch = this.items;
    this.items = [];
    if (!batch.length) return;
    await copyRows(
      this.tx.client,
      { table: '_stage_items', columns: [{ name: 'asin' }, { name: 'domain' }, { name: 'title' }, { name: 'cleaned_title' }, { name: 'metadata', kind: 'json' }] },
      batch.map((i): CopyValue[] => [i.asin, i.domain, i.title, i.cleanedTitle, i.metadata]),
    );
  }

  private async flushDialogues(): Promise<void> {
    const batch = this.dialogues;
    this.dialogues = [];
    if (!batch.length) return;
    const { client } = this.tx;
    await copyRows(
      client,
      {
        table: '_stage_dialogues',
        columns: [
          { name: 'key' }, { name: 'dataset' }, { name: 'domain' }, { name: 'split' }, { name: 'stereotype' }, { name: 'strategy' },
          { name: 'user_source_id' }, { name: 'target' }, { name: 'named', kind: 'array' }, { name: 'warnings', kind: 'json' }, { name: 'provenance', kind: 'json' },
        ],
      },
      batch.map((d): CopyValue[] => [
        d.key, d.dataset, d.domain, d.split, d.stereotypeKey, d.strategy, d.userSourceId, d.targetAsin, d.namedAsins, d.warnings, d.provenance,
      ]),
    );
    await copyRows(
      client,
      { table: '_stage_turns', columns: [{ name: 'key' }, { name: 'idx' }, { name: 'role' }, { name: 'text' }, { name: 'raw_text' }] },
      batch.flatMap((d) => d.turns.map((t): CopyValue[] => [d.key, t.index, t.role, t.text, t.rawText])),
    );
    await copyRows(
      client,
      {
        table: '_stage_mentions',
        columns: [
          { name: 'key' }, { name: 'idx' }, { name: 'raw_id' }, { name: 'asin' }, { name: 'start_offset' }, { name: 'end_offset' },
          { name: 'is_recommendation' }, { name: 'is_first_mention' },
        ],
      },
      batch.flatMap((d) =>
        d.turns.flatMap((t) => t.mentions.map((m): CopyValue[] => [d.key, t.index, m.rawId, m.asin, m.start, m.end, m.isRecommendation, m.isFirstMention])),
      ),
    );
  }

  /**
   * Writes everything staged. `insert` adds dialogues whose key is new and leaves known ones as they
   * are; `replace` rewrites the turns and mentions (and target, warnings, provenance) of dialogues
   * already stored under the staged keys — used to re-resolve dialogues imported before their items.
   */
  async publish(mode: 'insert' | 'replace' = 'insert'): Promise<PublishSummary> {
    await this.flushItems();
    await this.flushDialogues();
    const m = this.tx.manager;
    const itemsCreated = await count(m, `
      INSERT INTO items (asin, domain, title, cleaned_title, metadata)
      SELECT DISTINCT ON (asin) asin, domain, title, cleaned_title, metadata FROM _stage_items ORDER BY asin, ord
      ON CONFLICT (asin) DO NOTHING RETURNING 1`);
    const usersCreated = await count(m, `
      INSERT INTO users (source_id, domain)
      SELECT DISTINCT user_source_id, domain FROM _stage_dialogues WHERE user_source_id IS NOT NULL ORDER BY 2, 1
      ON CONFLICT (domain, source_id) DO NOTHING RETURNING 1`);

    await m.query('CREATE TEMP TABLE _stage_new (id int, key text) ON COMMIT DROP');
    if (mode === 'replace') {
      await m.query(`
        WITH upd AS (
          UPDATE dialogues d SET target_item_id = i.id, warnings = s.warnings, provenance = d.provenance || s.provenance
            FROM _stage_dialogues s LEFT JOIN items i ON i.asin = s.target
           WHERE d.import_key = s.key
          RETURNING d.id, d.import_key)
        INSERT INTO _stage_new SELECT id, import_key FROM upd`);
      await m.query('DELETE FROM turns WHERE dialogue_id IN (SELECT id FROM _stage_new)');
    } else {
      await m.query(`
        WITH ins AS (
          INSERT INTO dialogues (dataset, domain, stereotype_id, user_id, target_item_id, target_raw_id, split, source, status, strategy,
                                 provenance, warnings, named_item_ids, import_key)
          SELECT s.dataset, s.domain, st.id, u.id, i.id, s.target, s.split, 'IMPORTED', 'ACCEPTED', s.strategy, s.provenance, s.warnings, s.named, s.key
            FROM _stage_dialogues s
            LEFT JOIN stereotypes st ON st.key = s.stereotype
            LEFT JOIN users u ON u.domain = s.domain AND u.source_id = s.user_source_id
            LEFT JOIN items i ON i.asin = s.target
           ORDER BY s.ord
          ON CONFLICT (import_key) DO NOTHING
          RETURNING id, import_key)
        INSERT INTO _stage_new SELECT id, import_key FROM ins`);
    }
    await m.query('CREATE INDEX ON _stage_new (key)');
    const [{ n: inserted }] = await m.query('SELECT count(*)::int AS n FROM _stage_new');
    const turns = await count(m, `
      INSERT INTO turns (dialogue_id, idx, role, text, raw_text)
      SELECT n.id, t.idx, t.role, t.text, t.raw_text FROM _stage_turns t JOIN _stage_new n ON n.key = t.key ORDER BY n.id, t.idx
      RETURNING 1`);
    const [mentions] = await m.query(`
      WITH ins AS (
        INSERT INTO turn_mentions (turn_id, dialogue_id, item_id, raw_id, start_offset, end_offset, is_recommendation, is_first_mention)
        SELECT t.id, n.id, i.id, s.raw_id, s.start_offset, s.end_offset, s.is_recommendation, s.is_first_mention
          FROM _stage_mentions s JOIN _stage_new n ON n.key = s.key
          JOIN turns t ON t.dialogue_id = n.id AND t.idx = s.idx
          LEFT JOIN items i ON i.asin = s.asin
         ORDER BY n.id, s.idx, s.start_offset
        RETURNING item_id)
      SELECT count(*)::int AS total, count(*) FILTER (WHERE item_id IS NULL)::int AS unresolved FROM ins`);
    await m.query('DROP TABLE _stage_dialogues, _stage_turns, _stage_mentions, _stage_items, _stage_new');
    return { inserted, turns, mentions: mentions.total, unresolvedMentions: mentions.unresolved, itemsCreated, usersCreated };
  }
}

async function count(manager: EntityManager, insertReturning: string): Promise<number> {
  const [row] = await manager.query(`WITH ins AS (${insertReturning}) SELECT count(*)::int AS n FROM ins`);
  return row.n;
}
