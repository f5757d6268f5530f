import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { ParsedReleaseDialogue, parseReleaseRecord, splitFromFileName } from './distillrecdial';
import { DialogueImportCounts, dialogueCounts, DialogueStager, StagedDialogue } from './dialogue-staging';
import { InputFileError, RecordError } from './errors';
import { ErrorCollector, ImportedFile, importedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { parseJsonLine, readLines } from './lines';
import { renderChatTemplate } from './chat-template';
import { Progress } from './progress';

export interface DistillRecDialImportSummary extends DialogueImportCounts {
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

/** A parsed release record as the stager takes it. */
function staged(key: string, split: string, domain: string, parsed: ParsedReleaseDialogue, file: string, line: number, hasTitle: (asin: string) => boolean): StagedDialogue {
  return {
    key,
    dataset: 'distillrecdial',
    domain,
    split: split as StagedDialogue['split'],
    stereotypeKey: parsed.scenario,
    strategy: 'STEREOTYPE',
    userSourceId: null,
    targetAsin: parsed.targetAsin,
    namedAsins: parsed.namedAsins,
    warnings: parsed.warnings,
    provenance: {
      format: 'distillrecdial-release',
      file: path.basename(file),
      line,
      // Titles of these items were unknown at import: `recdial import tmdb` resolves them later.
      titlesMissing: parsed.namedAsins.some((asin) => !hasTitle(asin)),
    },
    turns: parsed.turns,
  };
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
    const stager = await DialogueStager.create(tx);

    const imported: ImportedFile[] = [];
    const occurrences = new Map<string, number>();
    let systemMessage: string | null = null;
    let read = 0;
    for (const file of files) {
      const split = splitFromFileName(file);
      const domain = domainFromFileName(file);
      const reader = readLines(file);
      const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
      for await (const line of reader) {
        const dialogue = errors.attempt(file, line.line, () => {
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
          systemMessage ??= parsed.systemMessage;
          return staged(`distillrecdial:${split}:${digest}:${seen}`, split, domain, parsed, file, line.line, (a) => titles.has(a));
        });
        if (!dialogue) continue;
        read++;
        await stager.addDialogue(dialogue);
        progress.update(line.byteOffset, read);
      }
      const digest = await reader.digest();
      imported.push(importedFile(file, digest));
      progress.finish(`${digest.lineCount.toLocaleString('en')} lines read`);
    }
    const published = await stager.publish();
    if (systemMessage !== null) {
      await tx.manager.query(
        `INSERT INTO settings (key, value) VALUES ('releaseSystemMessage', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [JSON.stringify(systemMessage)],
      );
    }
    const counts = {
      ...dialogueCounts(read, errors.errors.length, published),
      unresolvedMentions: published.unresolvedMentions,
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
 * Dialogues imported before `tmdb_movies.json` could not locate titles (docs/formats.md §3.6 rule 5):
 * once items arrive, rebuild each such dialogue's release record from its stored raw turns and
 * parse it again against the catalogue. Runs inside the TMDB import's transaction.
 */
export async function reresolveReleaseDialogues(tx: ImportTransaction): Promise<number> {
  const titles = await catalogueTitles(tx.manager);
  const catalogue = { title: (asin: string) => titles.get(asin) };
  const [setting] = await tx.manager.query("SELECT value FROM settings WHERE key = 'releaseSystemMessage'");
  const system = typeof setting?.value === 'string' ? setting.value : '';
  const stager = await DialogueStager.create(tx);
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
    for (const row of rows) {
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
      await stager.addDialogue(staged(row.import_key, row.split, row.domain, parseReleaseRecord(record, catalogue), row.file, row.line, (a) => titles.has(a)));
    }
    total += rows.length;
  }
  await stager.publish('replace');
  return total;
}
