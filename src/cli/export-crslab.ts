import path from 'node:path';
import { Command, Option } from 'commander';
import {
  CRSLAB_ENTITY_MODES, CRSLAB_FLAVORS, CRSLAB_ITEM_TEXTS, CRSLAB_ITEM_UNIVERSES, CRSLAB_RAW_ID_MODES, CRSLAB_TOKENIZATIONS,
  CRSLAB_VOCAB_SOURCES, CrslabSelfCheckError,
} from '../export/crslab';
import { CliError } from './common';
import { exportTo, filterOf, selection, type SelectionFlags } from './export';

interface CrslabFlags extends SelectionFlags {
  out: string;
  tokenize: string;
  flavor: string;
  name?: string;
  itemText: string;
  itemUniverse: string;
  entities: string;
  keepRepeatedItems?: boolean;
  rawIds: string;
  lowercase?: boolean;
  vocabFrom: string;
  archive?: boolean;
}

export function registerCrslabExportCommand(exportCommand: Command): void {
  selection(
    exportCommand
      .command('crslab')
      .description('CRSLab dataset files (docs/formats.md §8): OUT/data/dataset/<name>/<tokenize>/, ready to copy into a CRSLab checkout')
      .requiredOption('--out <dir>', 'a new or empty folder; written in full or not at all')
      .addOption(new Option('--tokenize <t>', 'text tokens (word = CRSLab nltk, upstream only)').choices([...CRSLAB_TOKENIZATIONS]).default('gpt2'))
      .addOption(new Option('--flavor <f>', 'upstream ReDial layout or the DistillRecDial fork').choices([...CRSLAB_FLAVORS]).default('distillrecdial'))
      .option('--name <name>', 'upstream: dataset folder name under data/dataset/ (redial stands in for the built-in ReDial)')
      .addOption(new Option('--item-text <t>', 'how item mentions appear in text').choices([...CRSLAB_ITEM_TEXTS]).default('title'))
      .addOption(new Option('--item-universe <u>', 'which items are candidates (movie_ids)').choices([...CRSLAB_ITEM_UNIVERSES]).default('catalog'))
      .addOption(new Option('--entities <e>', 'KG entity mentions in each utterance, or none').choices([...CRSLAB_ENTITY_MODES]).default('kg'))
      .option('--keep-repeated-items', 'keep items a Recommender names again as gold items')
      .addOption(new Option('--raw-ids <r>', 'typed raw ids (item:…, person:…) or bare ids like the original fork').choices([...CRSLAB_RAW_ID_MODES]).default('typed'))
      .option('--lowercase', 'word tokenization: lower-case the tokens')
      .addOption(new Option('--vocab-from <s>', 'word tokenization: splits that build token2id.json').choices([...CRSLAB_VOCAB_SOURCES]).default('train'))
      .option('--archive', 'also write the zip CRSLab downloads (<name>_<tokenize>.zip / distillrecdial_<tokenize>.zip)'),
  ).action(async (flags: CrslabFlags) => {
    const out = path.resolve(flags.out);
    const request = {
      filter: filterOf(flags),
      split: flags.split,
      stereotype: flags.stereotype,
      ...{ tokenize: flags.tokenize, flavor: flags.flavor, name: flags.name, itemText: flags.itemText, itemUniverse: flags.itemUniverse },
      ...{ entities: flags.entities, keepRepeatedItems: !!flags.keepRepeatedItems, rawIds: flags.rawIds, lowercase: flags.lowercase },
      ...{ vocabFrom: flags.vocabFrom, archive: !!flags.archive },
    };
    const report = await exportTo('CRSLAB', request, out, null, !!flags.quiet).catch((error: unknown) => {
      if (!(error instanceof CrslabSelfCheckError)) throw error;
      const lines = error.report.offenders.slice(0, 20).map((o) => `  ${o.check} ${o.where}: ${o.problem}`);
      throw new CliError(`${error.message}\n${lines.join('\n')}\nNothing was written.`);
    });
    const c = report.counts;
    console.log(
      `Wrote CRSLab ${flags.flavor}/${flags.tokenize} to ${path.join(out, String(report.details?.folder))}: ` +
        `${c.train} train, ${c.valid} valid, ${c.test} test dialogues; ${c.utterances} utterances, ${c.goldItems} gold items; ` +
        `${c.entities} entities (${c.items} items in movie_ids), ${c.kgTriples} KG triples, ${c.tokens} tokens.`,
    );
    for (const f of report.files) console.log(`  ${f.name}  ${f.bytes} bytes  sha256 ${f.sha256}`);
    console.log('Self-check R1–R7 passed. Copy the data/ folder into the root of a CRSLab checkout.');
    for (const w of report.warnings) console.log(`warning: ${w}`);
  });
}
