import type { DialogueImportCounts } from './dialogue-staging';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import { CANONICAL_FILE, CANONICAL_KEY_PREFIX, parseCanonicalRecord, type CanonicalDialogue, type CanonicalRun } from './canonical';
import { InputFileError, RecordError } from './errors';
import { ErrorCollector, ImportedFile, importedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { parseJsonLine, readLines } from './lines';
import { Progress } from './progress';

export interface CanonicalImportSummary extends DialogueImportCounts {
  /** Mentions and targets whose item is not in the catalogue (kept by their raw id). */
  unresolvedItems: number;
  runsRead: number;
  runsInserted: number;
  usersCreated: number;
  /** Bare items made for mentions of items the catalogue lacks (titled as the dialogue writes them). */
  itemsCreated: number;
  /** Links that name a dialogue or run the files do not hold (left empty). */
  supersedesMissing: number;
  runsMissing: number;
}

/** `<file-or-dir>…` → the JSONL files to read: a folder contributes its canonical.jsonl[.gz]. */
function inputFiles(paths: string[]): string[] {
  if (paths.length === 0) throw new InputFileError('(no files)', 'name at least one file or folder');
  return paths.map((p) => {
    if (!fs.existsSync(p)) throw new InputFileError(p, 'no such file or folder');
    if (!fs.statSync(p).isDirectory()) return p;
    const found = [CANONICAL_FILE, `${CANONICAL_FILE}.gz`].map((f) => path.join(p, f)).find((f) => fs.existsSync(f));
    if (!found) throw new InputFileError(p, `no ${CANONICAL_FILE} in this folder`);
    return found;
  });
}

const BATCH = 1000;

/**
 * `recdial import canonical <file-or-dir>…`: reads the canonical export (docs/formats.md §9) back, in
 * one transaction, like every importer: streamed, COPYed into staging tables, published at the end.
 *
 * Identity: a dialogue is keyed by the import key its line carries (the key its first importer
 * gave it), or else by the SHA-256 of the line, so importing a file again changes nothing. Ids are
 * kept where they are free — in an empty database the re-export is byte-identical — and otherwise
 * assigned anew, with `supersedes` and run links (and `provenance.runId`) rewritten to match. Runs
 * are matched on (config hash, creation time).
 */
export async function importCanonical(dataSource: DataSource, paths: string[], options: ImportOptions = {}): Promise<CanonicalImportSummary> {
  const files = inputFiles(paths);
  return inImportTransaction(dataSource, async (tx) => {
    const errors = new ErrorCollector(options.maxErrors ?? 0);
    const stereotypes = new Set<string>((await tx.manager.query('SELECT key FROM stereotypes')).map((r: { key: string }) => r.key));
    const stager = await CanonicalStager.create(tx);
    const seenDialogues = new Map<number, string>();
    const seenRuns = new Map<number, string>();
    const imported: ImportedFile[] = [];
    let read = 0;
    let runsRead = 0;
    for (const file of files) {
      const reader = readLines(file);
      const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
      for await (const line of reader) {
        const parsed = errors.attempt(file, line.line, () => {
          if (!line.text.trim()) return null;
          const result = parseCanonicalRecord(parseJsonLine(line.text, file, line.line), stereotypes);
          const seen = result.kind === 'run' ? seenRuns : seenDialogues;
          const id = result.kind === 'run' ? result.run.fileId : result.dialogue.fileId;
          const earlier = seen.get(id);
          if (earlier) throw new RecordError(result.kind === 'run' ? 'generation_run.id' : 'id', `${result.kind} ${id} was already read at ${earlier}`, 'DUPLICATE_RECORD');
          seen.set(id, `${path.basename(file)}:${line.line}`);
          return { result, key: result.kind === 'dialogue' ? result.dialogue.importKey ?? CANONICAL_KEY_PREFIX + createHash('sha256').update(line.text).digest('hex') : '' };
        });
        if (!parsed) continue;
        if (parsed.result.kind === 'run') {
          runsRead++;
          await stager.addRun(parsed.result.run);
        } else {
          read++;
          await stager.addDialogue(parsed.key, parsed.result.dialogue);
        }
        progress.update(line.byteOffset, read);
      }
      const digest = await reader.digest();
      imported.push(importedFile(file, digest));
      progress.finish(`${read.toLocaleString('en')} dialogues`);
    }
    const published = await stager.publish();
    const counts = { read, inserted: published.inserted, alreadyPresent: read - published.inserted, skipped: errors.errors.length, ...published.rest, runsRead };
    const importRunId = await recordImportRun(tx.manager, 'canonical', imported, counts);
    return { importRunId, files: imported, ...counts };
  });
}

class CanonicalStager {
  private dialogues: Array<{ key: string; d: CanonicalDialogue }> = [];
  private readonly runs: CanonicalRun[] = [];

  private constructor(private readonly tx: ImportTransaction) {}

  static async create(tx: ImportTransaction): Promise<CanonicalStager> {
    const m = tx.manager;
    await m.query(`CREATE TEMP TABLE _canon_dialogues (key text PRIMARY KEY, file_id int, dataset text, domain text, source text, status text, split text,
        split_position int, scenario text, strategy text, model text, user_source_id text, target text, named text[], run_file_id int, version int,
        supersedes_file_id int, created_at timestamptz, content_hash text, rejection_reasons jsonb, warnings jsonb, provenance jsonb, ord serial) ON COMMIT DROP`);
    await m.query('CREATE TEMP TABLE _canon_turns (key text, idx int, role text, text text, raw_text text) ON COMMIT DROP');
    await m.query(`CREATE TEMP TABLE _canon_mentions (key text, idx int, raw_id text, asin text, start_offset int, end_offset int,
        is_recommendation boolean, is_first_mention boolean) ON COMMIT DROP`);
    return new CanonicalStager(tx);
  }

  async addRun(run: CanonicalRun): Promise<void> {
    this.runs.push(run);
  }

  async addDialogue(key: string, d: CanonicalDialogue): Promise<void> {
    this.dialogues.push({ key, d });
    if (this.dialogues.length >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    const batch = this.dialogues;
    this.dialogues = [];
    if (!batch.length) return;
    const { client } = this.tx;
    const text = (name: string) => ({ name });
    await copyRows(
      client,
      {
        table: '_canon_dialogues',
        columns: [
          text('key'), text('file_id'), text('dataset'), text('domain'), text('source'), text('status'), text('split'), text('split_position'), text('scenario'),
          text('strategy'), text('model'), text('user_source_id'), text('target'), { name: 'named', kind: 'array' }, text('run_file_id'), text('version'),
          text('supersedes_file_id'), text('created_at'), text('content_hash'), { name: 'rejection_reasons', kind: 'json' }, { name: 'warnings', kind: 'json' },
          { name: 'provenance', kind: 'json' },
        ],
      },
      batch.map(({ key, d }): CopyValue[] => [
        key, d.fileId, d.dataset, d.domain, d.source, d.status, d.split, d.splitPosition, d.scenario, d.strategy, d.model, d.userSourceId, d.target,
        d.namedItems, d.runFileId, d.version, d.supersedesFileId, d.createdAt, d.contentHash, d.rejectionReasons, d.warnings, d.provenance,
      ]),
    );
    await copyRows(
      client,
      { table: '_canon_turns', columns: [text('key'), text('idx'), text('role'), text('text'), text('raw_text')] },
      batch.flatMap(({ key, d }) => d.turns.map((t): CopyValue[] => [key, t.index, t.role, t.text, t.rawText])),
    );
    await copyRows(
      client,
      {
        table: '_canon_mentions',
        columns: [text('key'), text('idx'), text('raw_id'), text('asin'), text('start_offset'), text('end_offset'), text('is_recommendation'), text('is_first_mention')],
      },
      batch.flatMap(({ key, d }) =>
        d.turns.flatMap((t) => t.mentions.map((m): CopyValue[] => [key, t.index, m.rawId, m.asin, m.start, m.end, m.isRecommendation, m.isFirstMention])),
      ),
    );
  }

  /** Runs first (few: one statement each), then users, dialogues, links, turns and mentions in set statements. */
  async publish(): Promise<{ inserted: number; rest: Omit<CanonicalImportSummary, 'importRunId' | 'files' | 'read' | 'inserted' | 'alreadyPresent' | 'skipped' | 'runsRead'> }> {
    await this.flush();
    const m = this.tx.manager;
    await m.query('CREATE TEMP TABLE _canon_run_map (file_id int PRIMARY KEY, db_id int) ON COMMIT DROP');
    let runsInserted = 0;
    for (const r of this.runs) {
      const [same] = await m.query(
        // The export writes milliseconds; a run made here has microseconds.
        `SELECT id FROM generation_runs WHERE config_hash = $1 AND date_trunc('milliseconds', created_at) = $2 ORDER BY (id = $3) DESC, id LIMIT 1`,
        [r.configHash, r.createdAt, r.fileId],
      );
      let dbId: number = same?.id;
      if (dbId === undefined) {
        const [taken] = await m.query('SELECT 1 FROM generation_runs WHERE id = $1', [r.fileId]);
        const [row] = await m.query(
          `INSERT INTO generation_runs (id, status, kind, role, strategy, model, endpoint, served_models, config, config_hash, requested, priority, reason,
                                        created_by, created_at, started_at, finished_at)
           VALUES (${taken ? `nextval(pg_get_serial_sequence('generation_runs', 'id'))` : '$17'}, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
           RETURNING id`,
          [r.status, r.kind, r.role, r.strategy, r.model, r.endpoint, r.servedModels, JSON.stringify(r.config), r.configHash, r.requested, r.priority,
            r.reason, r.createdBy, r.createdAt, r.startedAt, r.finishedAt, ...(taken ? [] : [r.fileId])],
        );
        dbId = row.id;
        runsInserted++;
        await advance(m, 'generation_runs');
      }
      await m.query('INSERT INTO _canon_run_map VALUES ($1, $2)', [r.fileId, dbId]);
    }

    const usersCreated = await count(m, `
      INSERT INTO users (source_id, domain)
      SELECT DISTINCT user_source_id, domain FROM _canon_dialogues WHERE user_source_id IS NOT NULL ORDER BY 2, 1
      ON CONFLICT (domain, source_id) DO NOTHING RETURNING 1`);

    // A mention's item_id names a catalogue item of the database that wrote the file; where this
    // catalogue lacks it (e.g. an empty database), a bare item keeps the link, titled as the
    // dialogue writes it. A later `import tmdb` fills in its metadata. (Targets are not minted:
    // the format writes a resolved and an unresolved target alike.)
    const itemsCreated = await count(m, `
      INSERT INTO items (asin, domain, title, cleaned_title, metadata)
      SELECT DISTINCT ON (x.asin) x.asin, x.domain, x.title, x.title, '{"source": "canonical"}'::jsonb
        FROM (SELECT ms.asin, s.domain, substr(t.text, ms.start_offset + 1, ms.end_offset - ms.start_offset) AS title, s.ord, ms.idx, ms.start_offset
                FROM _canon_mentions ms JOIN _canon_dialogues s ON s.key = ms.key JOIN _canon_turns t ON t.key = ms.key AND t.idx = ms.idx
               WHERE ms.asin IS NOT NULL AND ms.end_offset > ms.start_offset) x
       WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.asin = x.asin)
       ORDER BY x.asin, x.ord, x.idx, x.start_offset
      ON CONFLICT (asin) DO NOTHING RETURNING 1`);

    // Which staged dialogues are already here: by import key, or — for dialogues without one, such as
    // those generated here, whose own export is being read back — as the same row: same id, dataset,
    // creation time and content hash. The others are new and get their own id where it is free,
    // else the next of the sequence.
    await m.query(`CREATE TEMP TABLE _canon_map ON COMMIT DROP AS
      SELECT s.key, s.file_id, s.ord, coalesce(d.id, same.id) AS db_id, coalesce(d.id, same.id) IS NULL AS is_new
        FROM _canon_dialogues s
        LEFT JOIN dialogues d ON d.import_key = s.key
        LEFT JOIN dialogues same ON d.id IS NULL AND same.id = s.file_id AND same.dataset = s.dataset
              AND date_trunc('milliseconds', same.created_at) = s.created_at AND same.content_hash IS NOT DISTINCT FROM s.content_hash`);
    await m.query('UPDATE _canon_map c SET db_id = c.file_id WHERE c.is_new AND NOT EXISTS (SELECT 1 FROM dialogues d WHERE d.id = c.file_id)');
    await advance(m, 'dialogues', 'SELECT max(db_id) FROM _canon_map');
    await m.query(`UPDATE _canon_map c SET db_id = n.id FROM (
        SELECT key, nextval(pg_get_serial_sequence('dialogues', 'id')) AS id FROM (SELECT key FROM _canon_map WHERE db_id IS NULL ORDER BY ord) o) n
      WHERE c.key = n.key`);
    await m.query('CREATE INDEX ON _canon_map (key)');
    await m.query('CREATE INDEX ON _canon_map (file_id)');

    const [{ n: inserted }] = await m.query(`
      WITH ins AS (
        INSERT INTO dialogues (id, dataset, domain, stereotype_id, user_id, target_item_id, target_raw_id, split, split_position, source, status, strategy,
                               model, provenance, rejection_reasons, warnings, named_item_ids, version, import_key, generation_run_id, content_hash, created_at)
        SELECT c.db_id, s.dataset, s.domain, st.id, u.id, i.id, s.target, s.split, s.split_position, s.source, s.status, s.strategy, s.model,
               CASE WHEN r.db_id IS NOT NULL AND r.db_id <> r.file_id AND s.provenance ? 'runId' THEN jsonb_set(s.provenance, '{runId}', to_jsonb(r.db_id)) ELSE s.provenance END,
               s.rejection_reasons, s.warnings, s.named, s.version, s.key, r.db_id, s.content_hash, coalesce(s.created_at, now())
          FROM _canon_dialogues s
          JOIN _canon_map c ON c.key = s.key AND c.is_new
          LEFT JOIN stereotypes st ON st.key = s.scenario
          LEFT JOIN users u ON u.domain = s.domain AND u.source_id = s.user_source_id
          LEFT JOIN items i ON i.asin = s.target
          LEFT JOIN _canon_run_map r ON r.file_id = s.run_file_id
         ORDER BY c.db_id
        RETURNING 1)
      SELECT count(*)::int AS n FROM ins`);
    await advance(m, 'dialogues');
    // Links between dialogues of the files, through the id map (the superseded version may come later in a file).
    await m.query(`
      UPDATE dialogues d SET supersedes_id = t.db_id
        FROM _canon_dialogues s JOIN _canon_map c ON c.key = s.key AND c.is_new JOIN _canon_map t ON t.file_id = s.supersedes_file_id
       WHERE d.id = c.db_id`);
    const [missing] = await m.query(`
      SELECT count(*) FILTER (WHERE s.supersedes_file_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _canon_map t WHERE t.file_id = s.supersedes_file_id))::int AS supersedes,
             count(*) FILTER (WHERE s.run_file_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM _canon_run_map r WHERE r.file_id = s.run_file_id))::int AS runs,
             count(*) FILTER (WHERE s.target IS NOT NULL AND NOT EXISTS (SELECT 1 FROM items i WHERE i.asin = s.target))::int AS targets
        FROM _canon_dialogues s JOIN _canon_map c ON c.key = s.key AND c.is_new`);
    const turns = await count(m, `
      INSERT INTO turns (dialogue_id, idx, role, text, raw_text)
      SELECT c.db_id, t.idx, t.role, t.text, t.raw_text FROM _canon_turns t JOIN _canon_map c ON c.key = t.key AND c.is_new ORDER BY c.db_id, t.idx
      RETURNING 1`);
    const [mentions] = await m.query(`
      WITH ins AS (
        INSERT INTO turn_mentions (turn_id, dialogue_id, item_id, raw_id, start_offset, end_offset, is_recommendation, is_first_mention)
        SELECT t.id, c.db_id, i.id, s.raw_id, s.start_offset, s.end_offset, s.is_recommendation, s.is_first_mention
          FROM _canon_mentions s JOIN _canon_map c ON c.key = s.key AND c.is_new
          JOIN turns t ON t.dialogue_id = c.db_id AND t.idx = s.idx
          LEFT JOIN items i ON i.asin = s.asin
         ORDER BY c.db_id, s.idx, s.start_offset
        RETURNING 1)
      SELECT count(*)::int AS total FROM ins`);
    const [unresolved] = await m.query(`
      SELECT count(*)::int AS n FROM _canon_mentions s JOIN _canon_map c ON c.key = s.key AND c.is_new
       WHERE s.asin IS NOT NULL AND NOT EXISTS (SELECT 1 FROM items i WHERE i.asin = s.asin)`);
    await m.query('DROP TABLE _canon_dialogues, _canon_turns, _canon_mentions, _canon_map, _canon_run_map');
    return {
      inserted,
      rest: {
        turns,
        mentions: mentions.total,
        unresolvedItems: unresolved.n + missing.targets,
        runsInserted,
        usersCreated,
        itemsCreated,
        supersedesMissing: missing.supersedes,
        runsMissing: missing.runs,
      },
    };
  }
}

/** Moves a serial's sequence past every id in use (and past `extra`'s maximum), so later inserts never collide with kept ids. */
async function advance(m: EntityManager, table: 'dialogues' | 'generation_runs', extra?: string): Promise<void> {
  await m.query(
    `SELECT setval(pg_get_serial_sequence('${table}', 'id'),
                   greatest((SELECT coalesce(max(id), 0) FROM ${table}), ${extra ? `(SELECT coalesce((${extra}), 0))` : '0'}, 1))`,
  );
}

async function count(manager: EntityManager, insertReturning: string): Promise<number> {
  const [row] = await manager.query(`WITH ins AS (${insertReturning}) SELECT count(*)::int AS n FROM ins`);
  return row.n;
}
