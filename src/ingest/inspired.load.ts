import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { ImportError, RecordError } from './errors';
import { ImportOptions, inImportTransaction } from './import-run';
import { buildInspiredDialogue, InspiredColumns, InspiredRow, parseInspiredHeader, parseInspiredRow } from './inspired';
import { readLines } from './lines';
import { mintedItem, peerInputFiles, Split } from './minted-items';
import { MintedImport, MintedImportSummary } from './minted-items.load';
import { Progress } from './progress';

export interface InspiredImportOptions {
  /** The domain of the dialogues and minted items; default `Movies_and_TV`. */
  domain?: string;
  /** One turn per (speaker, turn_id) run of rows instead of one per row. */
  mergeTurns?: boolean;
}

/** The rows of one dialogue read so far; a bad row spoils the whole dialogue. */
interface Group {
  dialogId: string;
  line: number;
  rows: InspiredRow[];
  broken: boolean;
}

/**
 * `recdial import inspired <files…> [--merge-turns]`: INSPIRED's `train.tsv`, `dev.tsv`,
 * `test.tsv` (docs/formats.md §7). Streams each file line by line, gathers the consecutive rows of a
 * dialogue, stages it with the items minted from its titles, and publishes everything in one
 * transaction; the split comes from each file's name (dev is the valid split).
 */
export async function importInspired(
  dataSource: DataSource,
  files: string[],
  { domain = 'Movies_and_TV', mergeTurns = false }: InspiredImportOptions = {},
  options: ImportOptions = {},
): Promise<MintedImportSummary> {
  const inputs = peerInputFiles(files);
  return inImportTransaction(dataSource, async (tx) => {
    const run = await MintedImport.create(tx, 'inspired', options);

    const stage = async (group: Group | null, file: string, split: Split) => {
      if (!group || group.broken) return;
      const parsed = run.errors.attempt(file, group.line, () => buildInspiredDialogue(group.rows, { mergeTurns }));
      if (!parsed) return;
      await run.add(
        {
          key: `inspired:${split}:${group.dialogId}`,
          dataset: 'inspired',
          domain,
          split,
          stereotypeKey: null,
          strategy: 'CROWDSOURCED',
          userSourceId: null,
          targetAsin: parsed.targetKey,
          namedAsins: parsed.titles.map((t) => t.key),
          warnings: parsed.warnings,
          provenance: { format: 'inspired', file: path.basename(file), line: group.line, mergeTurns, ...parsed.provenance },
          turns: parsed.turns,
        },
        parsed.titles.map((t) => mintedItem('inspired', domain, t.key, t.title)),
      );
    };

    for (const { file, split } of inputs) {
      const reader = readLines(file);
      const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
      let columns: InspiredColumns | undefined;
      let group = null as Group | null;
      // A row that cannot be decoded belongs to the dialogue before it or to the next one: skip both.
      let undecodable = false;
      for await (const line of reader) {
        if (!columns) {
          try {
            columns = parseInspiredHeader(line.text);
          } catch (error) {
            if (error instanceof RecordError) throw run.fatal(error.at(file, line.line));
            if (error instanceof ImportError) throw run.fatal(error);
            throw error;
          }
          continue;
        }
        const text = run.errors.attempt(file, line.line, () => line.text);
        if (text === undefined) {
          if (group) group.broken = true;
          undecodable = true;
          continue;
        }
        if (text.trim() === '') continue;
        const fields = text.split('\t');
        const afterUndecodable = undecodable;
        undecodable = false;
        const dialogId = (fields[columns.dialog_id] ?? '').trim();
        if (group?.dialogId !== dialogId) {
          await stage(group, file, split);
          group = { dialogId, line: line.line, rows: [], broken: afterUndecodable };
          const earlier = run.claimKey(`inspired:${split}:${dialogId}`, file, line.line);
          if (earlier !== undefined) {
            group.broken = true;
            run.errors.add(
              new RecordError('dialog_id', `${JSON.stringify(dialogId)} already appeared at ${earlier}; the rows of a dialogue must be consecutive`).at(file, line.line),
            );
            continue;
          }
        }
        const header = columns;
        const row = run.errors.attempt(file, line.line, () => parseInspiredRow(fields, header));
        if (row) group.rows.push(row);
        else group.broken = true;
        progress.update(line.byteOffset, run.dialoguesRead);
      }
      await stage(group, file, split);
      if (!columns) throw run.fatal(new ImportError(file, 1, '(header)', 'empty file: expected the header line and rows'));
      const digest = await reader.digest();
      run.fileRead(file, digest);
      progress.finish(`${digest.lineCount.toLocaleString('en')} lines read`);
    }
    return run.finish();
  });
}
