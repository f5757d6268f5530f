import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { RecordError } from './errors';
import { ImportOptions, inImportTransaction } from './import-run';
import { parseJsonLine, readLines } from './lines';
import { peerInputFiles } from './minted-items';
import { MintedImport, MintedImportSummary } from './minted-items.load';
import { Progress } from './progress';
import { parseRedialRecord } from './redial';

export interface RedialImportOptions {
  /** The domain of the dialogues, items and users; default `Movies_and_TV`. */
  domain?: string;
  /** Flag every movie mention in a Recommender message as a recommendation (`--all-recommender-mentions`). */
  allRecommenderMentions?: boolean;
}

/**
 * `recdial import redial <files…>`: `train_data.jsonl` / `test_data.jsonl` (docs/formats.md §5; the
 * split comes from the file name). Streams each file, stages the movies, seekers and
 * conversations, and publishes them in one transaction.
 */
export async function importRedial(
  dataSource: DataSource,
  files: string[],
  { domain = 'Movies_and_TV', allRecommenderMentions = false }: RedialImportOptions = {},
  options: ImportOptions = {},
): Promise<MintedImportSummary> {
  const inputs = peerInputFiles(files);
  return inImportTransaction(dataSource, async (tx) => {
    const run = await MintedImport.create(tx, 'redial', options);
    for (const { file, split } of inputs) {
      const reader = readLines(file);
      const progress = new Progress(`import ${path.basename(file)}`, fs.statSync(file).size, options.quiet);
      for await (const line of reader) {
        const parsed = run.errors.attempt(file, line.line, () => {
          if (!line.text.trim()) return null;
          const record = parseJsonLine(line.text, file, line.line);
          const result = parseRedialRecord(record, { split, domain, allRecommenderMentions, file: path.basename(file), line: line.line });
          const earlier = run.claimKey(result.dialogue.key, file, line.line);
          if (earlier) throw new RecordError('conversationId', `conversation "${result.conversationId}" of the ${split} split was already read at ${earlier}`, 'DUPLICATE_DIALOGUE');
          return result;
        });
        if (!parsed) continue;
        await run.add(parsed.dialogue, parsed.items);
        progress.update(line.byteOffset, run.dialoguesRead);
      }
      run.fileRead(file, await reader.digest());
      progress.finish(`${run.dialoguesRead.toLocaleString('en')} dialogues`);
    }
    return run.finish();
  });
}
