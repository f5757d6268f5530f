import path from 'node:path';
import { DataSource } from 'typeorm';
import { ImportError, RecordError } from './errors';
import { ImportOptions, inImportTransaction } from './import-run';
import { readJsonArray } from './json-array';
import { mintedItem, peerInputFiles } from './minted-items';
import { MintedImport, MintedImportSummary } from './minted-items.load';
import { parsePearlRecord, pearlRecordDigest } from './pearl';
import { Progress } from './progress';

export interface PearlImportOptions {
  /** The domain of the dialogues, their users and minted items; default `Movies_and_TV`. */
  domain?: string;
}

/**
 * `recdial import pearl <files…>`: PEARL's `train.json`, `valid.json`, `test.json` (docs/formats.md
 * §6). Streams each array, stages dialogues with the items minted from their titles, and
 * publishes everything in one transaction; the split comes from each file's name.
 */
export async function importPearl(
  dataSource: DataSource,
  files: string[],
  { domain = 'Movies_and_TV' }: PearlImportOptions = {},
  options: ImportOptions = {},
): Promise<MintedImportSummary> {
  const inputs = peerInputFiles(files);
  return inImportTransaction(dataSource, async (tx) => {
    const run = await MintedImport.create(tx, 'pearl', options);
    // Records without data_id are keyed by content; identical ones are numbered.
    const occurrences = new Map<string, number>();
    for (const { file, split } of inputs) {
      const reader = readJsonArray(file);
      const progress = new Progress(`import ${path.basename(file)}`, null, options.quiet);
      try {
        for await (const element of reader) {
          const staged = run.errors.attempt(file, element.line, () => {
            const parsed = parsePearlRecord(element.value);
            let key: string;
            if (parsed.dataId !== null) {
              key = `pearl:${split}:${parsed.dataId}`;
            } else {
              const digest = pearlRecordDigest(element.value);
              const seen = occurrences.get(`${split}:${digest}`) ?? 0;
              occurrences.set(`${split}:${digest}`, seen + 1);
              key = `pearl:${split}:${digest}:${seen}`;
            }
            const earlier = run.claimKey(key, file, element.line);
            if (earlier !== undefined) throw new RecordError('data_id', `duplicate data_id ${JSON.stringify(parsed.dataId)} in the ${split} split (first at ${earlier})`);
            return {
              dialogue: {
                key,
                dataset: 'pearl',
                domain,
                split,
                stereotypeKey: null,
                strategy: 'PERSONA',
                userSourceId: parsed.userId === null ? null : `pearl:${parsed.userId}`,
                targetAsin: parsed.targetKey,
                namedAsins: parsed.titles.map((t) => t.key),
                warnings: parsed.warnings,
                provenance: { format: 'pearl', file: path.basename(file), line: element.line, ...parsed.provenance },
                turns: parsed.turns,
              },
              items: parsed.titles.map((t) => mintedItem('pearl', domain, t.key, t.title)),
            };
          });
          if (!staged) continue;
          await run.add(staged.dialogue, staged.items);
          progress.update(run.dialoguesRead, run.dialoguesRead);
        }
      } catch (error) {
        // Not an array, truncated, or content after the closing bracket: nothing more can be read.
        if (error instanceof ImportError) throw run.fatal(error);
        throw error;
      }
      const digest = await reader.digest();
      run.fileRead(file, digest);
      progress.finish(`${digest.lineCount.toLocaleString('en')} lines read`);
    }
    return run.finish();
  });
}
