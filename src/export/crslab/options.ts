import { badInput } from '../../errors';

export const CRSLAB_FLAVORS = ['upstream', 'distillrecdial'] as const;
export const CRSLAB_TOKENIZATIONS = ['gpt2', 'bert', 'word'] as const;
export const CRSLAB_ITEM_TEXTS = ['title', 'asin', 'at-index'] as const;
export const CRSLAB_ITEM_UNIVERSES = ['catalog', 'mentioned', 'mentioned+history'] as const;
export const CRSLAB_ENTITY_MODES = ['kg', 'none'] as const;
export const CRSLAB_RAW_ID_MODES = ['typed', 'compat'] as const;
export const CRSLAB_VOCAB_SOURCES = ['train', 'all'] as const;

export type CrslabFlavor = (typeof CRSLAB_FLAVORS)[number];
export type CrslabTokenization = (typeof CRSLAB_TOKENIZATIONS)[number];

/**
 * How many items each loader ranks: upstream CRSLab's recommender metrics take
 * `topk(rec_scores, 50)` over the items, the DistillRecDial fork ranks over 100 entities. With
 * fewer items, training stops at the first evaluation with "selected index k out of range".
 */
export const CRSLAB_RANKING_DEPTH: Readonly<Record<CrslabFlavor, number>> = Object.freeze({ upstream: 50, distillrecdial: 100 });

/** Every option of the CRSLab export (docs/formats.md §8); `parseCrslabOptions` fills the defaults. */
export interface CrslabOptions {
  flavor: CrslabFlavor;
  tokenize: CrslabTokenization;
  /** Upstream folder name under data/dataset/ (the distillrecdial fork hard-codes `llmsindataset`). */
  name: string;
  itemText: (typeof CRSLAB_ITEM_TEXTS)[number];
  itemUniverse: (typeof CRSLAB_ITEM_UNIVERSES)[number];
  entities: (typeof CRSLAB_ENTITY_MODES)[number];
  keepRepeatedItems: boolean;
  rawIds: (typeof CRSLAB_RAW_ID_MODES)[number];
  /** `word` tokenization only: lower-case the tokens. */
  lowercase: boolean;
  /** `word` tokenization only: which splits build token2id.json. */
  vocabFrom: (typeof CRSLAB_VOCAB_SOURCES)[number];
  /** Also write `<name>_<tokenize>.zip` / `distillrecdial_<tokenize>.zip`. */
  archive: boolean;
}

export const DEFAULT_CRSLAB_OPTIONS: Readonly<CrslabOptions> = Object.freeze({
  flavor: 'distillrecdial',
  tokenize: 'gpt2',
  name: 'redial',
  itemText: 'title',
  itemUniverse: 'catalog',
  entities: 'kg',
  keepRepeatedItems: false,
  rawIds: 'typed',
  lowercase: false,
  vocabFrom: 'train',
  archive: false,
});

/** What a caller may pass: any subset, values unchecked (GraphQL input, CLI flags, job payload). */
export type CrslabOptionsInput = { [K in keyof CrslabOptions]?: unknown };

/** The folder name rule keeps the output inside data/dataset/ (no separators, no dot names). */
const FOLDER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * Validates options and fills defaults. A bad value throws `badInput('<prefix>.<field>', …)`
 * (BAD_USER_INPUT) naming the argument, e.g. `options.tokenize: expected one of gpt2, bert, word`.
 * Case-insensitive for enums so GraphQL enum values (GPT2, AT_INDEX …) and CLI strings both fit.
 */
export function parseCrslabOptions(input: CrslabOptionsInput | null | undefined, argumentPrefix = 'options'): CrslabOptions {
  const raw = input ?? {};
  const arg = (field: string) => (argumentPrefix ? `${argumentPrefix}.${field}` : field);
  const known = new Set(Object.keys(DEFAULT_CRSLAB_OPTIONS));
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw badInput(arg(key), `unknown CRSLab option; expected one of ${[...known].join(', ')}`);
  }
  const choice = <T extends string>(field: keyof CrslabOptions, allowed: readonly T[]): T => {
    const value = raw[field];
    if (value === undefined || value === null) return DEFAULT_CRSLAB_OPTIONS[field] as T;
    if (typeof value === 'string') {
      const normalised = value.toLowerCase().replace(/_/g, '-').replace(/-and-/g, '+');
      const hit = allowed.find((a) => a === normalised || a.replace('+', '-') === normalised);
      if (hit) return hit;
    }
    throw badInput(arg(field), `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  };
  const flag = (field: keyof CrslabOptions): boolean => {
    const value = raw[field];
    if (value === undefined || value === null) return DEFAULT_CRSLAB_OPTIONS[field] as boolean;
    if (typeof value !== 'boolean') throw badInput(arg(field), `expected true or false, got ${JSON.stringify(value)}`);
    return value;
  };
  const options: CrslabOptions = {
    flavor: choice('flavor', CRSLAB_FLAVORS),
    tokenize: choice('tokenize', CRSLAB_TOKENIZATIONS),
    name: DEFAULT_CRSLAB_OPTIONS.name,
    itemText: choice('itemText', CRSLAB_ITEM_TEXTS),
    itemUniverse: choice('itemUniverse', CRSLAB_ITEM_UNIVERSES),
    entities: choice('entities', CRSLAB_ENTITY_MODES),
    keepRepeatedItems: flag('keepRepeatedItems'),
    rawIds: choice('rawIds', CRSLAB_RAW_ID_MODES),
    lowercase: flag('lowercase'),
    vocabFrom: choice('vocabFrom', CRSLAB_VOCAB_SOURCES),
    archive: flag('archive'),
  };
  if (raw.name !== undefined && raw.name !== null) {
    if (typeof raw.name !== 'string' || !FOLDER_NAME.test(raw.name) || raw.name === '..') {
      throw badInput(arg('name'), `expected a folder name of letters, digits, '_', '-', '.' (at most 64), got ${JSON.stringify(raw.name)}`);
    }
    if (options.flavor === 'distillrecdial' && raw.name !== 'llmsindataset' && raw.name !== DEFAULT_CRSLAB_OPTIONS.name) {
      throw badInput(arg('name'), 'the distillrecdial flavour always writes data/dataset/llmsindataset/ (its loader hard-codes the name); omit name');
    }
    options.name = raw.name;
  }
  if (options.flavor === 'distillrecdial' && options.tokenize === 'word') {
    throw badInput(arg('tokenize'), "the distillrecdial fork's loader knows only bert and gpt2; use flavor upstream for word");
  }
  if (options.tokenize !== 'word') {
    if (raw.lowercase !== undefined && raw.lowercase !== null && options.lowercase) {
      throw badInput(arg('lowercase'), 'applies only to tokenize word (gpt2 and bert use their own tokenizer as is)');
    }
  }
  return options;
}

/** The flavour's version string, which `.built` line 2 must equal (§8.1). */
export function crslabVersion(flavor: CrslabFlavor): string {
  return flavor === 'upstream' ? '0.31' : '0.1';
}

/** Folder, relative to outDir, that CRSLab reads (§8.1). */
export function crslabDataFolder(options: Pick<CrslabOptions, 'flavor' | 'name' | 'tokenize'>): string {
  const dataset = options.flavor === 'distillrecdial' ? 'llmsindataset' : options.name;
  // CRSLab calls the word tokenization `nltk`.
  const tokenize = options.tokenize === 'word' ? 'nltk' : options.tokenize;
  return `data/dataset/${dataset}/${tokenize}`;
}

export function crslabArchiveName(options: Pick<CrslabOptions, 'flavor' | 'name' | 'tokenize'>): string {
  const tokenize = options.tokenize === 'word' ? 'nltk' : options.tokenize;
  return options.flavor === 'distillrecdial' ? `distillrecdial_${tokenize}.zip` : `${options.name}_${tokenize}.zip`;
}
