/**
 * The DistillRecDial CRSLab fork's saved predictions (docs/formats.md §10.2):
 * `save/<model>/predicted_target_recommendations.json`, one JSON array with
 *
 *   {"target": "<entity name>", "predicted": ["<entity name>", … 100 names]}
 *
 * per recommendation sample of the test split, in sample order. The file carries neither the
 * dialogue nor the context, so the samples are rebuilt from the CRSLab export the model was
 * trained on, exactly as the fork's loader builds them (docs/metrics.md §1.1: same-role turns
 * merged, turn 0 left out, one sample per gold name of each qualifying turn), and names are
 * mapped back to items through the export's entity names (unique, docs/formats.md §8.7). Only
 * the crslab-compat metrics can be computed: the corrected mode needs each sample's context.
 *
 * Both files are streamed element by element (readJsonArray), so memory holds the export's
 * entity map and one gold per test sample, never the predictions.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ImportError, InputFileError } from '../ingest/errors';
import { readJsonArray } from '../ingest/json-array';
import {
  ItemList, locateGold, RecommendationAccumulator, sampleMetrics, selfTest,
  type ModelFamily, type RecommendationResult, type SampleRecord,
} from './recommendation';

/** `.built`'s version line of the fork's folder (`llmsindataset`); upstream CRSLab's is 0.31. */
const FORK_VERSION = '0.1';
const UPSTREAM_VERSION = '0.31';
const TYPED_ITEM = 'item:';

export type CrslabSplitName = 'train' | 'valid' | 'test';

/** One recommendation sample of the export, in the fork's order. */
export interface CrslabSample {
  /** The conversation's `conv_id`: its position within the split. */
  convId: string;
  /** `utt_id` of the merged turn's first utterance (the stored turn index). */
  turnIndex: number;
  /** The gold entity name as the data file lists it. */
  gold: string;
}

/** What the evaluation needs of a CRSLab export folder of the fork's flavour. */
export interface CrslabExportView {
  /** The folder holding entity2id.json. */
  folder: string;
  split: CrslabSplitName;
  family: ModelFamily;
  /** Entity name → raw id (`item:B0…`, `person:12`, or bare ids with `--raw-ids compat`). */
  rawIdByName: Map<string, string>;
  /** Item entity name → ASIN, for the items of movie_ids.json. */
  asinByName: Map<string, string>;
  /** movie_ids.json in its order (ASINs): the candidates. */
  items: ItemList;
  samples: CrslabSample[];
  /** Samples the split gives for each family, for the count-mismatch message. */
  samplesByFamily: Record<ModelFamily, number>;
  /** `movies` names the entity map does not know: the fork's loader drops them silently (so do we, to stay aligned). */
  droppedGoldNames: number;
}

/**
 * The dataset folder of an export: DIR itself when it holds entity2id.json, else the one
 * `DIR/data/dataset/<name>/<tokenize>/` below it (what `recdial export crslab --out DIR` writes).
 */
export function crslabExportFolder(dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new InputFileError(dir, 'not a folder (give the CRSLab export folder: `recdial export crslab --out DIR`)');
  if (fs.existsSync(path.join(dir, 'entity2id.json'))) return dir;
  const root = path.join(dir, 'data', 'dataset');
  const found: string[] = [];
  if (fs.existsSync(root)) {
    for (const name of fs.readdirSync(root)) {
      const named = path.join(root, name);
      if (!fs.statSync(named).isDirectory()) continue;
      for (const tokenize of fs.readdirSync(named)) {
        const folder = path.join(named, tokenize);
        if (fs.existsSync(path.join(folder, 'entity2id.json'))) found.push(folder);
      }
    }
  }
  if (found.length === 1) return found[0];
  if (found.length === 0) throw new InputFileError(dir, 'no entity2id.json here nor in data/dataset/<name>/<tokenize>/: not a CRSLab export');
  throw new InputFileError(dir, `holds ${found.length} CRSLab datasets (${found.map((f) => path.relative(dir, f)).join(', ')}); give the one the model was trained on`);
}

function readJsonFile(folder: string, name: string): unknown {
  const file = path.join(folder, name);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputFileError(file, `cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputFileError(file, `invalid JSON: ${(error as Error).message}`);
  }
}

function asinOf(rawId: string): string {
  return rawId.startsWith(TYPED_ITEM) ? rawId.slice(TYPED_ITEM.length) : rawId;
}

/** Whether a merged turn gives recommendation samples for a family (turn 0 never does; docs/metrics.md §1.1). */
function qualifies(t: number, role: string, family: ModelFamily): boolean {
  return t >= 1 && (family === 'all-turns' || role === 'Recommender');
}

/**
 * Reads the export's entity map, item list and the samples of one split, as the fork's loader
 * builds them. The data file is streamed one conversation at a time.
 */
export async function readCrslabExport(dir: string, options: { split: CrslabSplitName; family: ModelFamily }): Promise<CrslabExportView> {
  const folder = crslabExportFolder(dir);
  const builtFile = path.join(folder, '.built');
  const version = fs.existsSync(builtFile) ? fs.readFileSync(builtFile, 'utf8').split('\n')[1]?.trim() : undefined;
  if (version === UPSTREAM_VERSION) {
    throw new InputFileError(folder, 'is an upstream CRSLab export (.built version 0.31); the fork\'s predictions come from a `--flavor distillrecdial` export (version 0.1), which keeps the items\' ids');
  }
  if (version !== FORK_VERSION) throw new InputFileError(builtFile, `must name version ${FORK_VERSION} on its second line (the DistillRecDial fork's export), got ${JSON.stringify(version ?? null)}`);

  const entityMap = readJsonFile(folder, 'entity2id.json');
  if (typeof entityMap !== 'object' || entityMap === null || Array.isArray(entityMap)) throw new InputFileError(path.join(folder, 'entity2id.json'), 'must be an object of raw id → entity name');
  const rawIdByName = new Map<string, string>();
  for (const [rawId, name] of Object.entries(entityMap)) {
    if (typeof name !== 'string') throw new InputFileError(path.join(folder, 'entity2id.json'), `${JSON.stringify(rawId)}: the name must be a string`);
    rawIdByName.set(name, rawId);
  }
  const movieIds = readJsonFile(folder, 'movie_ids.json');
  if (typeof movieIds !== 'object' || movieIds === null || Array.isArray(movieIds)) throw new InputFileError(path.join(folder, 'movie_ids.json'), 'must be an object of raw item id → entity id (the fork\'s layout)');
  const nameByRawId = new Map([...rawIdByName].map(([name, rawId]) => [rawId, name]));
  const asinByName = new Map<string, string>();
  const items: string[] = [];
  // Candidate order = entity id order, as the model's score vector has them.
  for (const [rawId] of Object.entries(movieIds as Record<string, number>).sort((a, b) => Number(a[1]) - Number(b[1]))) {
    const name = nameByRawId.get(rawId);
    if (name === undefined) continue; // the fork's loader drops item ids without an entity too
    asinByName.set(name, asinOf(rawId));
    items.push(asinOf(rawId));
  }

  const dataFile = path.join(folder, `${options.split}_data.json`);
  if (!fs.existsSync(dataFile)) throw new InputFileError(dataFile, 'missing: not a complete CRSLab export');
  const samples: CrslabSample[] = [];
  const samplesByFamily: Record<ModelFamily, number> = { 'recommender-turns': 0, 'all-turns': 0 };
  let droppedGoldNames = 0;
  for await (const element of readJsonArray(dataFile)) {
    const conversation = element.value as { conv_id?: unknown; conv?: unknown };
    const bad = (field: string, problem: string) => new ImportError(dataFile, element.line, `[${element.index}].${field}`, problem);
    if (typeof conversation !== 'object' || conversation === null || !Array.isArray(conversation.conv)) throw bad('conv', 'must be the list of utterances (the fork\'s layout)');
    const convId = String(conversation.conv_id ?? element.index);
    let t = -1;
    let lastRole: string | null = null;
    let turn: { role: string; index: number; golds: string[] } | null = null;
    const flush = () => {
      if (!turn) return;
      for (const family of ['recommender-turns', 'all-turns'] as const) if (qualifies(t, turn.role, family)) samplesByFamily[family] += turn.golds.length;
      if (qualifies(t, turn.role, options.family)) for (const gold of turn.golds) samples.push({ convId, turnIndex: turn.index, gold });
    };
    conversation.conv.forEach((utterance: { utt_id?: unknown; role?: unknown; movies?: unknown }, position: number) => {
      if (typeof utterance?.role !== 'string') throw bad(`conv[${position}].role`, 'must be Seeker or Recommender');
      if (!Array.isArray(utterance.movies)) throw bad(`conv[${position}].movies`, 'must be a list of entity names');
      const golds = utterance.movies.filter((name): name is string => typeof name === 'string' && rawIdByName.has(name));
      droppedGoldNames += utterance.movies.length - golds.length;
      if (utterance.role === lastRole && turn) turn.golds.push(...golds);
      else {
        flush();
        t++;
        turn = { role: utterance.role, index: typeof utterance.utt_id === 'number' ? utterance.utt_id : position, golds };
      }
      lastRole = utterance.role;
    });
    flush();
  }
  return { folder, split: options.split, family: options.family, rawIdByName, asinByName, items: new ItemList(items), samples, samplesByFamily, droppedGoldNames };
}

/** A problem with one element of the predictions file: `file:[index]: field: problem`. */
export class CrslabPredictionsError extends ImportError {
  constructor(file: string, readonly index: number | null, line: number, field: string, problem: string, code = 'INVALID_RECORD') {
    super(file, line, field, problem, code);
    this.message = index === null ? `${file}: ${field}: ${problem}` : `${file}:[${index}]: ${field}: ${problem}`;
  }
}

export interface CrslabPredictionsReport {
  result: RecommendationResult;
  /** One per scored sample when `keepSamples`: key `conv<conv_id>:<turnIndex>:<ASIN>` (`#n` for a repeated gold). */
  records: SampleRecord[];
  /** Elements of the array (= samples). */
  elements: number;
  sha256: string;
  /** Shortest `predicted` list: compat values are exact for k up to it (docs/metrics.md §1.6). */
  depth: number;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return `${typeof value} ${JSON.stringify(value)}`;
}

/**
 * Scores the fork's predictions against the export's samples (crslab-compat, docs/metrics.md §1):
 * the rank of the target in `predicted`, a target absent from the list a miss. Every element is
 * checked: `target` must be the gold of the sample at its position, every `predicted` name an
 * item of the export, once. The first problem aborts with `file:[index]: field: problem`; a file
 * with more or fewer elements than the split has samples aborts with both counts.
 */
export async function evaluateCrslabPredictions(
  file: string,
  view: CrslabExportView,
  options: { ks: readonly number[]; keepSamples?: boolean; onProgress?: (done: number) => void },
): Promise<CrslabPredictionsReport> {
  const label = file;
  const acc = new RecommendationAccumulator('crslab-compat', view.family, options.ks, { keepSamples: options.keepSamples });
  const exportName = view.folder;
  const countProblem = (elements: number) => {
    const other: ModelFamily = view.family === 'recommender-turns' ? 'all-turns' : 'recommender-turns';
    const hint =
      view.samplesByFamily[other] === elements && elements !== view.samples.length
        ? `; ${other} gives ${elements}: add --family ${other}${other === 'all-turns' ? ' (BERT, SASRec, GRU4Rec, Popularity rank at Seeker turns too)' : ' (ReDial, KBRD, KGSF, INSPIRED)'}`
        : `; ${other} would give ${view.samplesByFamily[other]}`;
    return new CrslabPredictionsError(
      label, null, 0, '(array)',
      `${elements} predictions, but the ${view.split} split of the export in ${exportName} has ${view.samples.length} samples for family ${view.family}${hint}. ` +
        'The file must hold one prediction per sample, in order: was the model trained on this export?',
      'SAMPLE_COUNT_MISMATCH',
    );
  };
  let elements = 0;
  let depth = Infinity;
  let deferred: CrslabPredictionsError | null = null;
  const reader = readJsonArray(file);
  let repeats = new Map<string, number>();
  let lastTurn = '';
  for await (const element of reader) {
    elements++;
    // After a problem, only count: a wrong number of elements explains a misaligned target best.
    if (deferred) continue;
    const i = element.index;
    const fail = (field: string, problem: string) => new CrslabPredictionsError(label, i, element.line, field, problem);
    try {
      if (i >= view.samples.length) throw fail('(element)', 'one more prediction than samples');
      const sample = view.samples[i];
      const value = element.value as { target?: unknown; predicted?: unknown };
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('(element)', `must be an object {"target": name, "predicted": [names]}, got ${describe(value)}`);
      if (typeof value.target !== 'string') throw fail('target', `must be an entity name, got ${describe(value.target)}`);
      if (!view.rawIdByName.has(value.target)) throw fail('target', `${describe(value.target)} is not an entity of the export in ${exportName}`);
      if (value.target !== sample.gold) {
        throw fail('target', `${describe(value.target)} is not the gold of sample ${i} (${describe(sample.gold)}, conversation ${sample.convId} turn ${sample.turnIndex}): the file does not follow the ${view.split} samples of this export for family ${view.family}`);
      }
      if (!Array.isArray(value.predicted)) throw fail('predicted', `must be a list of entity names, got ${describe(value.predicted)}`);
      if (value.predicted.length === 0) throw fail('predicted', 'must list at least one name');
      const ranked: number[] = [];
      const seen = new Map<string, number>();
      value.predicted.forEach((name: unknown, j: number) => {
        if (typeof name !== 'string') throw fail(`predicted[${j}]`, `must be an entity name, got ${describe(name)}`);
        const asin = view.asinByName.get(name);
        if (asin === undefined) {
          throw fail(`predicted[${j}]`, view.rawIdByName.has(name) ? `${describe(name)} is an entity of the export but not an item (movie_ids.json)` : `${describe(name)} is not an entity of the export in ${exportName}`);
        }
        if (seen.has(name)) throw fail(`predicted[${j}]`, `${describe(name)} repeats predicted[${seen.get(name)}]`);
        seen.set(name, j);
        ranked.push(view.items.position.get(asin)!);
      });
      depth = Math.min(depth, ranked.length);
      const goldAsin = view.asinByName.get(sample.gold);
      const gold = goldAsin === undefined ? undefined : view.items.position.get(goldAsin);
      if (gold === undefined) {
        // A gold outside movie_ids cannot be ranked (upstream CRSLab stops; docs/metrics.md §1.2).
        acc.skip('GOLD_NOT_IN_CANDIDATES');
      } else {
        const turn = `${sample.convId}:${sample.turnIndex}`;
        if (turn !== lastTurn) {
          repeats = new Map();
          lastTurn = turn;
        }
        const repeat = repeats.get(goldAsin!) ?? 0;
        repeats.set(goldAsin!, repeat + 1);
        selfTest(view.items.size, gold, EMPTY);
        const values = sampleMetrics(locateGold({ ranked }, gold, EMPTY, view.items.size), options.ks, { mode: 'crslab-compat', itemCount: view.items.size });
        acc.add(values, { key: `conv${turn}:${goldAsin}${repeat ? `#${repeat}` : ''}`, dialogueId: null, turnIndex: sample.turnIndex, gold: goldAsin! });
      }
      options.onProgress?.(elements);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      deferred = error instanceof CrslabPredictionsError ? error : new CrslabPredictionsError(label, i, error.line, error.field, error.problem, error.code);
    }
  }
  if (elements !== view.samples.length) throw countProblem(elements);
  if (deferred) throw deferred;
  const { sha256 } = await reader.digest();
  return { result: acc.result(), records: acc.records, elements, sha256, depth: depth === Infinity ? 0 : depth };
}

const EMPTY: ReadonlySet<number> = new Set();
