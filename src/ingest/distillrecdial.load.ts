import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import { ParsedReleaseDialogue, parseReleaseRecord, splitFromFileName } from './distillrecdial';
import { InputFileError, RecordError } from './errors';
import { ErrorCollector, ImportedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { parseJsonLine, readLines } from './lines';
import { renderChatTemplate } from './chat-template';
import { Progress } from './progress';

export interface DistillRecDialImportSummary {
  importRunId: number;
  files: ImportedFile[];
  read: number;
  inserted: number;
  alreadyPresent: number;
  skipped: number;
  turns: number;
  mentions: number;
  unresolvedMentions: number;
}

const BATCH = 1000;

/** Cleaned titles of the catalogue by ASIN: what release turns are matched against. */
async function catalogueTitles(manager: EntityManager): Promise<Map<string, string>> {
  const rows: Array<{ asin: string; cleaned_title: string }> = await manager.query('SELECT asin, cleaned_title FROM items');
  return new Map(rows.map((r) => [r.asin, r.cleaned_title]));
}

/** Release files in the given paths; directories contribute their `*_{train,valid,test}.jsonl[.gz]`. */
export function releaseFiles(paths: string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new InputFileError(p, 'no such file or directory');
    if (fs.statSync(p).isDirectory()) {
      const found = fs
        .readdirSync(p)
        .filter((name) => /_(train|valid|test)\.jsonl(\.gz)?$/.test(name))
        .sort()
        .map((name) => path.join(p, name));
      if (!found.length) throw new InputFileError(p, 'no release files (*_train.jsonl, *_valid.jsonl, *_test.jsonl) in this directory');
      files.push(...found);
    } else {
      files.push(p);
    }
  }
  for (const file of files) splitFromFileName(file); // fails early, before anything is read
  return files;
}

/** `Movies_and_TV_llama3.1_reserved_special_token_10_train.jsonl` → `Movies_and_TV`. */
function domainFromFileName(file: string): string {
  const match = /^(.+?)_llama3\.1_/.exec(path.basename(file));
  return match ? match[1] : 'Movies_and_TV';
}

interface Staged {
  hasTitle: (asin: string) => boolean;
  key: string;
  split: string;
  domain: string;
  parsed: ParsedReleaseDialogue;
  file: string;
  line: number;
}

async function createStaging(tx: ImportTransaction): Promise<void> {
  await tx.manager.query(`CREATE TEMP TABLE _drd_dialogues (key text PRIMARY KEY, split text, domain text, scenario text, target text,
      named text[], warnings jsonb, provenance jsonb) ON COMMIT DROP`);
  await tx.manager.query('CREATE TEMP TABLE _drd_turns (key text, idx int, role text, text text, raw_text text) ON COMMIT DROP');
  await tx.manager.query(`CREATE TEMP TABLE _drd_mentions (key text, idx int, raw_id text, asin text, start_offset int, end_offset int,
      is_recommendation boolean, is_first_mention boolean) ON COMMIT DROP`);
}

async function flush(tx: ImportTransaction, batch: Staged[]): Promise<void> {
  if (!batch.length) return;
  await copyRows(
    tx.client,
    {
      table: '_drd_dialogues',
      columns: [{ name: 'key' }, { name: 'split' }, { name: 'domain' }, { name: 'scenario' }, { name: 'target' }, { name: 'named', kind: 'array' }, { name: 'warnings', kind: 'json' }, { name: 'provenance', kind: 'json' }],
    },
    batch.map((s): CopyValue[] => [
      s.key,
      s.split,
      s.domain,
      s.parsed.scenario,
      s.parsed.targetAsin,
      s.parsed.namedAsins,
      s.parsed.warnings,
      {
        format: 'distillrecdial-release',
        file: path.basename(s.file),
        line: s.line,
        // Titles of these items were unknown at import: `recdial import tmdb` resolves them later.
        titlesMissing: s.parsed.namedAsins.some((asin) => !s.hasTitle(asin)),
      },
    ]),
  );
  await copyRows(
    tx.client,
    { table: '_drd_turns', columns: [{ name: 'key' }, { name: 'idx' }, { name: 'role' }, { name: 'text' }, { name: 'raw_text' }] },
    batch.flatMap((s) => s.parsed.turns.map((t): CopyValue[] => [s.key, t.index, t.role, t.text, t.rawText])),
  );
  await copyRows(
    tx.client,
    {
      table: '_drd_mentions',
      columns: [{ name: 'key' }, { name: 'idx' }, { name: 'raw_id' }, { name: 'asin' }, { name: 'start_offset' }, { name: 'end_offset' }, { name: 'is_recommendation' }, { name: 'is_first_mention' }],
    },
    batch.flatMap((s) =>
      s.parsed.turns.flatMap((t) => t.mentions.map((m): CopyValue[] => [s.key, t.index, m.rawId, m.asin, m.start, m.end, m.isRecommendation, m.isFirstMention])),
    ),
  );
}

/** Moves staged rows into the real tables; dialogues already imported (same content key) are left as they are. */
async function publish(manager: EntityManager, mode: 'insert' | 'replace' = 'insert'): Promise<{ inserted: number; turns: number; mentions: number; unresolved: number }> {
  await manager.query('CREATE TEMP TABLE _drd_new (id int, key text) ON COMMIT DROP');
  if (mode === 'replace') {
    // Re-resolution of dialogues imported before their items: same dialogue rows, new turns and mentions.
    await manager.query(`
      WITH upd AS (
        UPDATE dialogues d SET target_item_id = i.id, warnings = s.warnings, provenance = d.provenance || s.provenance
          FROM _drd_dialogues s LEFT JOIN items i ON i.asin = s.target
         WHERE d.import_key = s.key
        RETURNING d.id, d.import_key)
      INSERT INTO _drd_new SELECT id, import_key FROM upd`);
    await manager.query('DELETE FROM turns WHERE dialogue_id IN (SELECT id FROM _drd_new)');
  } else await manager.query(`
    WITH ins AS (
      INSERT INTO dialogues (dataset, domain, stereotype_id, target_item_id, target_raw_id, split, source, status, provenance, warnings, named_item_ids, import_key)
      SELECT 'distillrecdial', s.domain, st.id, i.id, s.target, s.split, 'IMPORTED', 'ACCEPTED', s.provenance, s.warnings, s.named, s.key
        FROM _drd_dialogues s JOIN stereotypes st ON st.key = s.scenario LEFT JOIN items i ON i.asin = s.target
       ORDER BY s.provenance->>'file', (s.provenance->>'line')::int
      ON CONFLICT (import_key) DO NOTHING
      RETURNING id, import_key)
    INSERT INTO _drd_new SELECT id, import_key FROM ins`);
  await manager.query('CREATE INDEX ON _drd_new (key)');
  const [{ n: inserted }] = await manager.query('SELECT count(*)::int AS n FROM _drd_new');
  const [turns] = await manager.query(`
    WITH ins AS (
      INSERT INTO turns (dialogue_id, idx, role, text, raw_text)
      SELECT n.id, t.idx, t.role, t.text, t.raw_text FROM _drd_turns t JOIN _drd_new n ON n.key = t.key ORDER BY n.id, t.idx
      RETURNING 1)
    SELECT count(*)::int AS n FROM ins`);
  const [mentions] = await manager.query(`
    WITH ins AS (
      INSERT INTO turn_mentions (turn_id, dialogue_id, item_id, raw_id, start_offset, end_offset, is_recommendation, is_first_mention)
      SELECT t.id, n.id, i.id, m.raw_id, m.start_offset, m.end_offset, m.is_recommendation, m.is_first_mention
        FROM _drd_mentions m JOIN _drd_new n ON n.key = m.key
        JOIN turns t ON t.dialogue_id = n.id AND t.idx = m.idx
        LEFT JOIN items i ON i.asin = m.asin
       ORDER BY n.id, m.idx, m.start_offset
      RETURNING item_id)
    SELECT count(*)::int AS total, count(*) FILTER (WHERE item_id IS NULL)::int AS unresolved FROM ins`);
  return { inserted, turns: turns.n, mentions: mentions.total, unresolved: mentions.unresolved };
}

/**
 * `recdial import distillrecdial <file-or-dir>…`: the released JSONL splits. Streams each file,
 * stages parsed rows through COPY, then publishes them in one transaction.
 */
export async function importDistillRecDial(dataSource: DataSource, paths: string[], options: ImportOptions = {}): Promise<DistillRecDialImportSummary> {
  const files = releaseFiles(paths);
  const errors = new ErrorCollector(options.maxErrors ?? 0);
  return inImportTransaction(dataSource, async (tx) => {
    const stereotypes: Array<{ key: string }> = await tx.manager.query('SELECT key FROM stereotypes ORDER BY id');
    const stereotypeKeys = new Set(stereotypes.map((s) => s.key));
    const titles = await catalogueTitles(tx.manager);
    const catalogue = { title: (asin: string) => titles.get(asin) };
    await createStaging(tx);

    const imported: ImportedFile[] = [];
    const occurrences = new Map<string, number>();
    let systemMessage: string | null = null;
    let read = 0;
    let batch: Staged[] = [];
    for (const file of files) {
      const split = splitFromFileName(file);
      const domain = domainFromFileName(file);
      const reader = readLines(file);
      const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
      for await (const line of reader) {
        const staged = errors.attempt(file, line.line, () => {
          const text = line.text;
          if (!text.trim()) return null;
          const parsed = parseReleaseRecord(parseJsonLine(text, file, line.line), catalogue);
          if (!stereotypeKeys.has(parsed.scenario)) {
            throw new RecordError('scenario', `unknown stereotype "${parsed.scenario}"; expected one of ${[...stereotypeKeys].map((k) => `"${k}"`).join(', ')}`);
          }
          // Identical lines are distinct dialogues: number their occurrences.
          const digest = createHash('sha256').update(text).digest('hex');
          const seen = occurrences.get(`${split}:${digest}`) ?? 0;
          occurrences.set(`${split}:${digest}`, seen + 1);
          return { key: `distillrecdial:${split}:${digest}:${seen}`, split, domain, parsed, file, line: line.line, hasTitle: (a: string) => titles.has(a) };
        });
        if (!staged) continue;
        read++;
        systemMessage ??= staged.parsed.systemMessage;
        batch.push(staged);
        if (batch.length >= BATCH) {
          await flush(tx, batch);
          batch = [];
        }
        progress.update(line.byteOffset, read);
      }
      const digest = await reader.digest();
      imported.push({ path: path.resolve(file), sha256: digest.sha256, lines: digest.lineCount });
      progress.finish(`${digest.lineCount.toLocaleString('en')} lines read`);
    }
    await flush(tx, batch);
    const published = await publish(tx.manager);
    if (systemMessage !== null) {
      await tx.manager.query(
        `INSERT INTO settings (key, value) VALUES ('releaseSystemMessage', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify(systemMessage)],
      );
    }
    const counts = {
      read,
      inserted: published.inserted,
      alreadyPresent: read - published.inserted,
      skipped: errors.errors.length,
      turns: published.turns,
      mentions: published.mentions,
      unresolvedMentions: published.unresolved,
    };
    const importRunId = await recordImportRun(tx.manager, 'distillrecdial', imported, counts);
    return { importRunId, files: imported, ...counts };
  });
}

interface StoredDialogue {
  id: number;
  import_key: string;
  split: string;
  domain: string;
  scenario: string;
  target_raw_id: string;
  named_item_ids: string[];
  file: string;
  line: number;
}

/**
 * Dialogues imported before `tmdb_movies.json` could not locate titles (formats.md §3.6 rule 5):
 * once items arrive, rebuild each such dialogue's release record from its stored raw turns and
 * parse it again against the catalogue. Runs inside the TMDB import's transaction.
 */
export async function reresolveReleaseDialogues(tx: ImportTransaction): Promise<number> {
  const titles = await catalogueTitles(tx.manager);
  const catalogue = { title: (asin: string) => titles.get(asin) };
  const [setting] = await tx.manager.query("SELECT value FROM settings WHERE key = 'releaseSystemMessage'");
  const system = typeof setting?.value === 'string' ? setting.value : '';
  await createStaging(tx);
  let after = 0;
  let total = 0;
  for (;;) {
    const rows: StoredDialogue[] = await tx.manager.query(
      `SELECT d.id, d.import_key, d.split, d.domain, s.key AS scenario, d.target_raw_id, d.named_item_ids,
              d.provenance->>'file' AS file, (d.provenance->>'line')::int AS line
         FROM dialogues d JOIN stereotypes s ON s.id = d.stereotype_id
        WHERE d.dataset = 'distillrecdial' AND d.import_key IS NOT NULL AND (d.provenance->>'titlesMissing')::boolean
          AND d.named_item_ids && (SELECT array_agg(asin) FROM items) AND d.id > $1
        ORDER BY d.id LIMIT ${BATCH}`,
      [after],
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    const turns: Array<{ dialogue_id: number; role: string; text: string }> = await tx.manager.query(
      `SELECT dialogue_id, role, coalesce(raw_text, text) AS text FROM turns WHERE dialogue_id = ANY($1) ORDER BY dialogue_id, idx`,
      [rows.map((r) => r.id)],
    );
    const batch: Staged[] = rows.map((row) => {
      const messages = [
        { role: 'system' as const, content: system },
        ...turns.filter((t) => t.dialogue_id === row.id).map((t) => ({ role: t.role === 'USER' ? ('user' as const) : ('assistant' as const), content: t.text })),
      ];
      const record = {
        text: renderChatTemplate(messages),
        target: [`<id_${row.target_raw_id}>`],
        named_items: row.named_item_ids.map((asin) => `<id_${asin}>`),
        scenario: row.scenario,
      };
      return {
        key: row.import_key,
        split: row.split,
        domain: row.domain,
        parsed: parseReleaseRecord(record, catalogue),
        file: row.file,
        line: row.line,
        hasTitle: (asin: string) => titles.has(asin),
      };
    });
    await flush(tx, batch);
    total += rows.length;
  }
  if (total) await publish(tx.manager, 'replace');
  await tx.manager.query('DROP TABLE IF EXISTS _drd_dialogues, _drd_turns, _drd_mentions, _drd_new');
  return total;
}
