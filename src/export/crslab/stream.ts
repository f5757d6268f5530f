import type { EntityManager } from 'typeorm';
import { dialogueConditions, type DialogueSelection } from '../../dialogues/selection';
import { toGlobalId } from '../../pagination/global-id';
import { getTokenizer } from '../../text/tokenizers';
import { countDialogues, streamDialogues } from '../../dialogues/stream';
import { CrslabEntityTable, DialogueScope, loadEntityTable, mentionsOutsideUniverse } from './entities';
import type { CrslabOptions } from './options';
import { conceptWordsOf, CrslabConverter, CrslabRecord, displayText, wordTokensOf } from './records';
import { checkEntityTable, CrslabSelfCheckError, selfCheckReport } from './self-check';
import { CONCEPT_PAD, TokenCounter, WORD_SPECIAL_TOKENS } from './vocabulary';
import { SPLIT_NAMES, type SplitValue } from '../../dialogues/vocabulary';

export type CrslabSplit = SplitValue;
export const CRSLAB_SPLITS: readonly CrslabSplit[] = SPLIT_NAMES;

export interface CrslabDialogueBatch {
  split: CrslabSplit;
  /** Position within its split of the batch's first conversation (its conv_id). */
  index: number;
  records: CrslabRecord[];
}

/** What an export needs before its first record: entities, vocabularies, the scope's counts. */
export interface CrslabPlan {
  options: CrslabOptions;
  filter: DialogueSelection | null;
  /** SQL conditions over `dialogues d` for the filter. */
  scope: DialogueScope;
  table: CrslabEntityTable;
  /** token2id.json. */
  tokens: Map<string, number>;
  /** concept2id.json (upstream only). */
  concepts: Map<string, number> | null;
  /** Dialogues the filter selects (with or without a split), for progress. */
  selected: number;
  /** Selected dialogues without a split: not exported. */
  withoutSplit: number;
  warnings: string[];
  converter: CrslabConverter;
}

async function dialogueScope(manager: EntityManager, filter: DialogueSelection | null | undefined): Promise<DialogueScope> {
  const params: unknown[] = [];
  const where = await dialogueConditions(manager, filter, params);
  return { where, params };
}

/**
 * Reads the catalogue side and, where the files need a vocabulary built from the text (`word`
 * tokenization, upstream concept2id), makes one pass over the dialogues to count words. Fails
 * with CrslabSelfCheckError before any record exists when a mentioned item is outside the
 * universe (R1) or names are not unique (R3/R4).
 */
export async function planCrslabExport(
  manager: EntityManager,
  options: CrslabOptions,
  filter?: DialogueSelection | null,
  signal?: AbortSignal,
): Promise<CrslabPlan> {
  const scope = await dialogueScope(manager, filter);
  const table = await loadEntityTable(manager, scope, options);
  const outside = await mentionsOutsideUniverse(
    manager,
    scope,
    table.entities.filter((e) => e.type === 'item').map((e) => e.sourceId),
  );
  const tableOffenders = checkEntityTable(table, options.flavor);
  if (outside.count || tableOffenders.length) {
    const offenders = [
      ...outside.sample.map((o) => ({
        check: 'R1' as const,
        where: `dialogue ${toGlobalId('Dialogue', o.dialogueId)} turn ${o.turnIndex}`,
        problem: `item ${o.asin} is mentioned but is not in the item universe (--item-universe ${options.itemUniverse})`,
      })),
      ...tableOffenders,
    ];
    throw new CrslabSelfCheckError(selfCheckReport(offenders, { R1: outside.count }));
  }

  const selected = await countDialogues(manager, filter);
  const [row] = await manager.query(`SELECT count(*)::int AS n FROM dialogues d WHERE ${[...scope.where, 'd.split IS NULL'].join(' AND ')}`, scope.params);
  const warnings = [...table.warnings];
  if (row.n) warnings.push(`${row.n} selected dialogues have no split and were left out`);

  let tokens: Map<string, number>;
  let concepts: Map<string, number> | null = null;
  const wordVocabulary = options.tokenize === 'word';
  if (wordVocabulary || options.flavor === 'upstream') {
    const words = new TokenCounter();
    const conceptWords = new TokenCounter();
    for await (const dialogue of streamDialogues(manager, { filter, signal })) {
      if (!dialogue.split || (options.vocabFrom === 'train' && dialogue.split !== 'train')) continue;
      for (const turn of dialogue.turns) {
        const display = displayText(turn, table, options.itemText);
        if (wordVocabulary) words.add(wordTokensOf(display, options.lowercase));
        if (options.flavor === 'upstream') conceptWords.add(conceptWordsOf(display));
      }
    }
    tokens = wordVocabulary ? words.vocabulary(WORD_SPECIAL_TOKENS) : getTokenizer(options.tokenize).vocabulary!();
    if (options.flavor === 'upstream') concepts = conceptWords.vocabulary([CONCEPT_PAD]);
  } else {
    tokens = getTokenizer(options.tokenize).vocabulary!();
  }
  if (options.tokenize === 'gpt2') {
    warnings.push(
      'gpt2: CRSLab uses ids 0-5 of the GPT-2 vocabulary (the real tokens ! " # $ % &) as its pad/start/end/unk/split markers, ' +
        'so those six tokens in the text are read as special tokens; the word tokenization (flavor upstream) has no such collision',
    );
  }
  return {
    options,
    filter: filter ?? null,
    scope,
    table,
    tokens,
    concepts,
    selected,
    withoutSplit: row.n,
    warnings,
    converter: new CrslabConverter(options, table, tokens, concepts),
  };
}

/**
 * The conversation records of a plan, per split in dialogue-id order, `batchSize` at a time
 * (a batch holds one split; up to three partial batches wait for their split to fill).
 */
export async function* crslabPlanBatches(
  manager: EntityManager,
  plan: CrslabPlan,
  batchSize: number,
  hooks: { signal?: AbortSignal; onDialogue?: () => void } = {},
): AsyncGenerator<CrslabDialogueBatch> {
  const next: Record<CrslabSplit, number> = { train: 0, valid: 0, test: 0 };
  const pending: Record<CrslabSplit, CrslabDialogueBatch | null> = { train: null, valid: null, test: null };
  for await (const dialogue of streamDialogues(manager, { filter: plan.filter, signal: hooks.signal, batchSize: Math.max(batchSize, 100) })) {
    hooks.onDialogue?.();
    const split = dialogue.split as CrslabSplit | null;
    if (!split) continue;
    const index = next[split]++;
    let batch = pending[split];
    if (!batch) batch = pending[split] = { split, index, records: [] };
    batch.records.push(plan.converter.convert(dialogue, index));
    if (batch.records.length >= batchSize) {
      pending[split] = null;
      yield batch;
    }
  }
  for (const split of CRSLAB_SPLITS) if (pending[split]) yield pending[split]!;
}

/**
 * The CRSLab export as a stream of record batches (the `crslabDialogues` subscription): the
 * same records, in the same order, as the export's data files. Throws CrslabSelfCheckError
 * before the first batch when the export would be refused; per-utterance offenders, which the
 * checks before the first batch make impossible in practice, end the stream with that error.
 */
export async function* crslabDialogueBatches(
  manager: EntityManager,
  options: CrslabOptions & { filter?: DialogueSelection | null },
  batchSize: number,
): AsyncGenerator<CrslabDialogueBatch> {
  const { filter, ...crslabOptions } = options;
  const plan = await planCrslabExport(manager, crslabOptions, filter);
  for await (const batch of crslabPlanBatches(manager, plan, batchSize)) {
    if (plan.converter.offenderCount) throw new CrslabSelfCheckError(selfCheckReport(plan.converter.offenders, {}));
    yield batch;
  }
}
