import type { EntityManager } from 'typeorm';
import { streamDialogues, type StreamedDialogue } from '../dialogues/stream';
import type { DialogueSelection } from '../dialogues/selection';
import { getTokenizer, type TokenizerName } from '../text/tokenizers';
import { CountHistogram, type Distribution } from './distribution';
import { HashedStringSet } from './hashed-set';
import { STATISTICS_REFERENCES, type StatisticsReference } from './statistics-references';
import { ngramKeys, splitOnWhitespace, type Tokenize } from './text-metrics';

/** Corpus statistics of docs/metrics.md §4.1, streamed over the dialogues a filter selects. */

export const STATISTICS_GROUP_KEYS = ['stereotype', 'split', 'source', 'dataset', 'domain'] as const;
export type StatisticsGroupKey = (typeof STATISTICS_GROUP_KEYS)[number];
export type StatisticsTokenizer = TokenizerName;

export interface StatisticsRow {
  /** Empty for the overall row; otherwise the value of every grouped key (null: not set). */
  group: Array<{ key: StatisticsGroupKey; value: string | null }>;
  dialogues: number;
  utterances: number;
  /** Total tokens of all counted utterances. */
  tokens: number;
  /** Utterances ÷ dialogues (DistillRecDial's "Avg. turns"). */
  avgTurns: number;
  avgTokensPerUtterance: number;
  /** Distinct lower-cased tokens (vocabulary size). */
  distinctTokens: number;
  /** Distinct lower-cased token 4-grams, taken within utterances. */
  distinctFourGrams: number;
  users: number;
  /** Distinct catalogue items referenced: targets, mentions, named items and the users' histories. */
  items: number;
  /** Items in the catalogue of the domains in this row. */
  catalogueSize: number;
  avgDialoguesPerUser: number | null;
  avgUtterancesPerDialogue: number;
  distributions: Distribution[];
}

export interface DatasetStatisticsResult {
  tokenizer: StatisticsTokenizer;
  groupBy: StatisticsGroupKey[];
  /** How distinct 4-grams are counted (see HashedStringSet). */
  fourGramCounting: string;
  overall: StatisticsRow;
  groups: StatisticsRow[];
  /** Published values (docs/metrics.md §4.2), for comparison; not computed by recdial. */
  references: readonly StatisticsReference[];
  elapsedMs: number;
}

export interface StatisticsOptions {
  filter?: DialogueSelection | null;
  groupBy?: readonly StatisticsGroupKey[];
  tokenizer?: StatisticsTokenizer;
  /** Called after every dialogue with the number processed so far. */
  onProgress?: (done: number) => void;
  signal?: AbortSignal;
}

export const FOUR_GRAM_COUNTING = 'exact up to 64-bit hash collisions (probability ≈ n²/2^65)';

// Fixed bin edges per field, chosen around the published averages (≈10 turns, 8–60 tokens).
const FIELDS: ReadonlyArray<[string, readonly number[]]> = [
  ['utterancesPerDialogue', [0, 2, 4, 6, 8, 10, 12, 14, 16, 20, 25, 30, 40, 50]],
  ['tokensPerUtterance', [0, 5, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500]],
  ['tokensPerDialogue', [0, 50, 100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000, 3000]],
  ['itemMentionsPerDialogue', [0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20]],
  ['dialoguesPerUser', [1, 2, 3, 4, 5, 6, 8, 10, 20, 50]],
];

/** What one dialogue contributes, computed once and added to the overall row and its group. */
interface DialogueDigest {
  utteranceTokens: number[];
  lowerTokens: string[][];
  fourGrams: string[];
  itemKeys: string[];
  mentions: number;
  userId: number | null;
  domain: string;
}

class RowAccumulator {
  dialogues = 0;
  utterances = 0;
  tokens = 0;
  readonly vocabulary = new Set<string>();
  readonly fourGrams = new HashedStringSet();
  readonly dialoguesByUser = new Map<number, number>();
  /** ASINs named by the dialogues; counted against the catalogue at the end. */
  readonly items = new Set<string>();
  readonly domains = new Set<string>();
  readonly histograms = new Map(FIELDS.map(([field, edges]) => [field, new CountHistogram(field, edges)]));

  constructor(readonly group: StatisticsRow['group']) {}

  add(d: DialogueDigest): void {
    this.dialogues++;
    this.domains.add(d.domain);
    const perUtterance = this.histograms.get('tokensPerUtterance')!;
    let dialogueTokens = 0;
    for (const n of d.utteranceTokens) {
      perUtterance.add(n);
      dialogueTokens += n;
    }
    this.utterances += d.utteranceTokens.length;
    this.tokens += dialogueTokens;
    for (const tokens of d.lowerTokens) for (const token of tokens) this.vocabulary.add(token);
    for (const key of d.fourGrams) this.fourGrams.add(key);
    for (const key of d.itemKeys) this.items.add(key);
    if (d.userId !== null) this.dialoguesByUser.set(d.userId, (this.dialoguesByUser.get(d.userId) ?? 0) + 1);
    this.histograms.get('utterancesPerDialogue')!.add(d.utteranceTokens.length);
    this.histograms.get('tokensPerDialogue')!.add(dialogueTokens);
    this.histograms.get('itemMentionsPerDialogue')!.add(d.mentions);
  }

  async finish(manager: EntityManager): Promise<StatisticsRow> {
    // Only catalogue items count: unresolved tags and markers name no item. The users' history
    // items (every profile strategy) are referenced too.
    const [referenced] = await manager.query(
      `SELECT count(*)::int AS n FROM (
         SELECT asin FROM items WHERE asin = ANY($1)
         UNION
         SELECT i.asin FROM user_profiles up
           CROSS JOIN LATERAL unnest(up.history_item_ids) AS h(item_id)
           JOIN items i ON i.id = h.item_id
          WHERE up.user_id = ANY($2)
       ) referenced`,
      [[...this.items], [...this.dialoguesByUser.keys()]],
    );
    const [catalogue] = await manager.query('SELECT count(*)::int AS n FROM items WHERE domain = ANY($1)', [[...this.domains]]);
    const perUser = this.histograms.get('dialoguesPerUser')!;
    for (const n of this.dialoguesByUser.values()) perUser.add(n);
    const users = this.dialoguesByUser.size;
    return {
      group: this.group,
      dialogues: this.dialogues,
      utterances: this.utterances,
      tokens: this.tokens,
      avgTurns: ratio(this.utterances, this.dialogues),
      avgTokensPerUtterance: ratio(this.tokens, this.utterances),
      distinctTokens: this.vocabulary.size,
      distinctFourGrams: this.fourGrams.size,
      users,
      items: referenced.n,
      catalogueSize: catalogue.n,
      avgDialoguesPerUser: users ? this.dialogues / users : null,
      avgUtterancesPerDialogue: ratio(this.utterances, this.dialogues),
      distributions: [...this.histograms.values()].map((h) => h.summary()),
    };
  }
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

export function statisticsTokenize(name: StatisticsTokenizer): Tokenize {
  if (name === 'whitespace') return splitOnWhitespace;
  const tokenizer = getTokenizer(name);
  return (text) => tokenizer.tokenize(text);
}

function digest(dialogue: StreamedDialogue, tokenize: Tokenize): DialogueDigest {
  const utteranceTokens: number[] = [];
  const lowerTokens: string[][] = [];
  const fourGrams: string[] = [];
  let mentions = 0;
  const itemKeys = new Set<string>(dialogue.namedItemIds);
  if (dialogue.targetAsin) itemKeys.add(dialogue.targetAsin);
  for (const turn of dialogue.turns) {
    for (const m of turn.mentions) if (m.asin) itemKeys.add(m.asin);
    mentions += turn.mentions.length;
    // Empty utterances are not utterances (§4.1); turns have no system role to exclude.
    if (turn.text.trim() === '') continue;
    const tokens = tokenize(turn.text);
    const lower = tokens.map((t) => t.toLowerCase());
    utteranceTokens.push(tokens.length);
    lowerTokens.push(lower);
    fourGrams.push(...ngramKeys(lower, 4));
  }
  return { utteranceTokens, lowerTokens, fourGrams, itemKeys: [...itemKeys], mentions, userId: dialogue.userId, domain: dialogue.domain };
}

function groupValue(dialogue: StreamedDialogue, key: StatisticsGroupKey): string | null {
  return dialogue[key] ?? null;
}

/** Code-point order, nulls last, key by key. */
function compareGroups(a: StatisticsRow['group'], b: StatisticsRow['group']): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i].value;
    const y = b[i].value;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export async function computeDatasetStatistics(manager: EntityManager, options: StatisticsOptions = {}): Promise<DatasetStatisticsResult> {
  const started = Date.now();
  const groupBy = [...new Set(options.groupBy ?? [])];
  const tokenizerName = options.tokenizer ?? 'whitespace';
  const tokenize = statisticsTokenize(tokenizerName);
  const overall = new RowAccumulator([]);
  const groups = new Map<string, RowAccumulator>();
  let done = 0;
  for await (const dialogue of streamDialogues(manager, { filter: options.filter, signal: options.signal })) {
    // Tokenizing is CPU work between the stream's batches: check the budget per dialogue too.
    options.signal?.throwIfAborted();
    const d = digest(dialogue, tokenize);
    overall.add(d);
    if (groupBy.length) {
      const group = groupBy.map((key) => ({ key, value: groupValue(dialogue, key) }));
      const id = JSON.stringify(group.map((g) => g.value));
      let row = groups.get(id);
      if (!row) groups.set(id, (row = new RowAccumulator(group)));
      row.add(d);
    }
    options.onProgress?.(++done);
  }
  const groupRows: StatisticsRow[] = [];
  for (const row of groups.values()) groupRows.push(await row.finish(manager));
  groupRows.sort((a, b) => compareGroups(a.group, b.group));
  return {
    tokenizer: tokenizerName,
    groupBy,
    fourGramCounting: FOUR_GRAM_COUNTING,
    overall: await overall.finish(manager),
    groups: groupRows,
    references: STATISTICS_REFERENCES,
    elapsedMs: Date.now() - started,
  };
}
