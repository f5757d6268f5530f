/**
 * Published corpus statistics (docs/metrics.md §4.2), returned next to recdial's own values so that a
 * client can show "ours vs published". The papers do not name their tokenizer: token-based
 * columns are only approximately comparable.
 */
export interface StatisticsReference {
  /** Paper and table. */
  source: string;
  dataset: string;
  dialogues?: number;
  utterances?: number;
  avgTurns?: number;
  avgTokensPerUtterance?: number;
  distinctTokens?: number;
  distinctFourGrams?: number;
  users?: number;
  items?: number;
  avgDialoguesPerUser?: number;
  avgUtterancesPerDialogue?: number;
  note?: string;
}

const DISTILL_T1 = 'DistillRecDial paper, Table 1';
const LLM_T3 = 'LLM-REDIAL paper, Table 3';
const LLM_T1 = 'LLM-REDIAL paper, Table 1';
const ROUNDED = 'rounded as published (e.g. "10k")';

export const STATISTICS_REFERENCES: readonly StatisticsReference[] = Object.freeze([
  { source: DISTILL_T1, dataset: 'ReDial', dialogues: 11347, avgTurns: 18.16, avgTokensPerUtterance: 8.32 },
  { source: DISTILL_T1, dataset: 'INSPIRED', dialogues: 999, avgTurns: 35.72, avgTokensPerUtterance: 9.24 },
  { source: DISTILL_T1, dataset: 'PEARL', dialogues: 57277, avgTurns: 9.3, avgTokensPerUtterance: 42.47 },
  {
    source: DISTILL_T1,
    dataset: 'DistillRecDial',
    dialogues: 21039,
    avgTurns: 9.89,
    avgTokensPerUtterance: 58.16,
    users: 23456,
    items: 15597,
    note: 'users and items are the paper\'s counts after the 12-core, not "with a dialogue"',
  },
  { source: LLM_T3, dataset: 'Books', dialogues: 25080, utterances: 259850, distinctTokens: 79540, distinctFourGrams: 2385204, users: 9893, items: 112913, avgDialoguesPerUser: 2.54, avgUtterancesPerDialogue: 10.36 },
  { source: LLM_T3, dataset: 'Movies', dialogues: 10093, utterances: 106151, distinctTokens: 40285, distinctFourGrams: 1100472, users: 3133, items: 11589, avgDialoguesPerUser: 3.22, avgUtterancesPerDialogue: 10.52 },
  { source: LLM_T3, dataset: 'Sports', dialogues: 6218, utterances: 58289, distinctTokens: 35137, distinctFourGrams: 757201, users: 5128, items: 34733, avgDialoguesPerUser: 1.21, avgUtterancesPerDialogue: 9.37 },
  { source: LLM_T3, dataset: 'Electronics', dialogues: 6260, utterances: 58394, distinctTokens: 31331, distinctFourGrams: 679257, users: 4469, items: 18034, avgDialoguesPerUser: 1.4, avgUtterancesPerDialogue: 9.33 },
  {
    source: LLM_T3,
    dataset: 'Total',
    dialogues: 47651,
    utterances: 482684,
    distinctTokens: 124269,
    distinctFourGrams: 4679146,
    users: 22151,
    items: 177269,
    avgDialoguesPerUser: 2.15,
    avgUtterancesPerDialogue: 10.13,
    note: 'sums of the domain columns; the paper\'s text gives 46,964 dialogues and 465,896 utterances',
  },
  { source: LLM_T1, dataset: 'REDIAL', dialogues: 10000, utterances: 182000, distinctTokens: 4500, distinctFourGrams: 58000, note: ROUNDED },
  { source: LLM_T1, dataset: 'TG-REDIAL', dialogues: 10000, utterances: 129000, distinctTokens: 50000, distinctFourGrams: 7500, note: ROUNDED },
  { source: LLM_T1, dataset: 'DuRecDial', dialogues: 10200, utterances: 156000, distinctTokens: 17600, distinctFourGrams: 461000, note: ROUNDED },
  { source: LLM_T1, dataset: 'INSPIRED', dialogues: 1000, utterances: 35000, distinctTokens: 11000, distinctFourGrams: 182000, note: ROUNDED },
  { source: LLM_T1, dataset: 'OpenDialKG', dialogues: 15000, utterances: 91000, distinctTokens: 22000, distinctFourGrams: 547000, note: ROUNDED },
  { source: LLM_T1, dataset: 'LLM-REDIAL', dialogues: 46900, utterances: 465900, distinctTokens: 116000, distinctFourGrams: 4400000, note: ROUNDED },
]);
