import type { Command } from 'commander';
import { importRatings } from '../ingest/ratings';
import { withDatabase } from './common';

/** `recdial import ratings FILE`: human ratings to check judges against (judgeAgreement). */
export function registerRatingsCommand(importCommand: Command): void {
  importCommand
    .command('ratings')
    .description('human ratings of dialogues (CSV with a header, or JSONL): dialogue, criterion, rater, score; checked against judges with judgeAgreement')
    .argument('<file>', 'ratings file (.csv or .jsonl); dialogue is the id the API shows or the dialogue’s source key')
    .action(async (file: string) => {
      const s = await withDatabase((db) => importRatings(db.dataSource, file));
      console.log(
        `Imported ${s.ratings} ratings (${s.inserted} new, ${s.updated} replaced) of ${s.dialogues} dialogues by ${s.raters} raters; criteria: ${s.criteria.join(', ') || 'none'}.`,
      );
    });
}
