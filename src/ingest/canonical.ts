/**
 * Parsing of recdial's canonical dialogue JSONL (docs/formats.md §9, written by src/export/canonical.ts):
 * each line is a dialogue, or `{"generation_run": {…}}` for a run the dialogues name. Every
 * problem is a RecordError naming the field, so that the importer reports `file:line: field: problem`.
 */
import { fromGlobalId } from '../pagination/global-id';
import { SOURCES, SPLITS, STATUSES, type ValidationIssueRecord } from '../db/schema/dialogue.entity';
import { RUN_STATUSES } from '../db/schema/generation.entity';
import { RecordError } from './errors';
import type { TurnRoleValue } from '../dialogues/vocabulary';

/** The canonical export's file name (docs/formats.md §9); the writer is src/export/canonical.ts. */
export const CANONICAL_FILE = 'canonical.jsonl';

/** Import keys the canonical importer derives from the line itself are not written: reading the line derives them again. */
export const CANONICAL_KEY_PREFIX = 'canonical:';

export interface CanonicalMention {
  asin: string | null;
  rawId: string;
  start: number;
  end: number;
  isRecommendation: boolean;
  isFirstMention: boolean;
}

export interface CanonicalTurn {
  index: number;
  role: TurnRoleValue;
  text: string;
  rawText: string | null;
  mentions: CanonicalMention[];
}

export interface CanonicalDialogue {
  /** The dialogue's id in the database that wrote the file. */
  fileId: number;
  dataset: string;
  domain: string;
  source: string;
  status: string;
  split: string | null;
  splitPosition: number | null;
  scenario: string | null;
  strategy: string;
  model: string | null;
  userSourceId: string | null;
  target: string | null;
  namedItems: string[];
  runFileId: number | null;
  version: number;
  supersedesFileId: number | null;
  createdAt: string | null;
  importKey: string | null;
  contentHash: string | null;
  rejectionReasons: ValidationIssueRecord[];
  warnings: ValidationIssueRecord[];
  provenance: Record<string, unknown>;
  turns: CanonicalTurn[];
}

export interface CanonicalRun {
  fileId: number;
  status: string;
  kind: string;
  role: string;
  strategy: string;
  model: string;
  endpoint: string;
  servedModels: string[];
  config: Record<string, unknown>;
  configHash: string;
  requested: number;
  priority: number;
  reason: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export type CanonicalLine = { kind: 'run'; run: CanonicalRun } | { kind: 'dialogue'; dialogue: CanonicalDialogue };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

class Fields {
  constructor(private readonly record: Record<string, unknown>, private readonly prefix = '') {}

  private name(key: string) {
    return this.prefix + key;
  }

  raw(key: string): unknown {
    return this.record[key];
  }

  string(key: string, { nullable = false, optional = false, nonEmpty = false } = {}): string | null {
    const v = this.record[key];
    if (v === undefined && optional) return null;
    if (v === null && nullable) return null;
    if (typeof v !== 'string') throw new RecordError(this.name(key), v === undefined ? 'missing' : `expected a string${nullable ? ' or null' : ''}, got ${JSON.stringify(v)}`);
    if (nonEmpty && v.trim() === '') throw new RecordError(this.name(key), 'must not be empty');
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], { nullable = false } = {}): T | null {
    const v = this.record[key];
    if (v === null && nullable) return null;
    if (typeof v !== 'string' || !values.includes(v as T)) {
      throw new RecordError(this.name(key), `${v === undefined ? 'missing' : `unknown value ${JSON.stringify(v)}`}; expected one of ${values.join(', ')}${nullable ? ' or null' : ''}`);
    }
    return v as T;
  }

  int(key: string, { nullable = false, optional = false, min = Number.MIN_SAFE_INTEGER } = {}): number | null {
    const v = this.record[key];
    if (v === undefined && optional) return null;
    if (v === null && nullable) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 2_147_483_647) {
      throw new RecordError(this.name(key), v === undefined ? 'missing' : `expected an integer${min > Number.MIN_SAFE_INTEGER ? ` of at least ${min}` : ''}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  bool(key: string): boolean {
    const v = this.record[key];
    if (typeof v !== 'boolean') throw new RecordError(this.name(key), v === undefined ? 'missing' : `expected true or false, got ${JSON.stringify(v)}`);
    return v;
  }

  array(key: string, { optional = false } = {}): unknown[] {
    const v = this.record[key];
    if (v === undefined && optional) return [];
    if (!Array.isArray(v)) throw new RecordError(this.name(key), v === undefined ? 'missing' : 'expected an array');
    return v;
  }

  strings(key: string, { optional = false } = {}): string[] {
    return this.array(key, { optional }).map((s, i) => {
      if (typeof s !== 'string') throw new RecordError(`${this.name(key)}[${i}]`, `expected a string, got ${JSON.stringify(s)}`);
      return s;
    });
  }

  object(key: string): Record<string, unknown> {
    const v = this.record[key];
    if (!isObject(v)) throw new RecordError(this.name(key), v === undefined ? 'missing' : 'expected an object');
    return v;
  }

  /** A Relay global id of `type` (as the API and the export write them), as the number it encodes. */
  globalId(key: string, type: string, { nullable = false } = {}): number | null {
    const v = this.record[key];
    if (v === null && nullable) return null;
    if (typeof v !== 'string') throw new RecordError(this.name(key), v === undefined ? 'missing' : `expected a ${type} id, got ${JSON.stringify(v)}`);
    const parsed = fromGlobalId(v);
    if (!parsed || parsed.type !== type || !/^\d{1,10}$/.test(parsed.id) || Number(parsed.id) > 2_147_483_647) {
      throw new RecordError(this.name(key), `"${v}" is not a ${type} id`);
    }
    return Number(parsed.id);
  }

  timestamp(key: string, { nullable = false, optional = false } = {}): string | null {
    const v = this.string(key, { nullable, optional });
    if (v === null) return null;
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v) || Number.isNaN(Date.parse(v))) {
      throw new RecordError(this.name(key), `expected an ISO 8601 timestamp, got ${JSON.stringify(v)}`);
    }
    return v;
  }
}

function issues(f: Fields, key: string, defaultSeverity: 'error' | 'warning'): ValidationIssueRecord[] {
  return f.array(key, { optional: key === 'warnings' }).map((v, i) => {
    if (!isObject(v)) throw new RecordError(`${key}[${i}]`, 'expected an object {code, severity, detail}');
    const g = new Fields(v, `${key}[${i}].`);
    const severity = v.severity === undefined ? defaultSeverity : g.oneOf('severity', ['error', 'warning'] as const)!;
    return { code: g.string('code', { nonEmpty: true })!, severity, detail: (g.string('detail', { optional: true }) ?? '') };
  });
}

function parseTurn(value: unknown, position: number): CanonicalTurn {
  const field = `turns[${position}]`;
  if (!isObject(value)) throw new RecordError(field, 'expected an object');
  const f = new Fields(value, `${field}.`);
  const index = f.int('index')!;
  if (index !== position) throw new RecordError(`${field}.index`, `expected ${position} (turns are listed in order from 0), got ${index}`);
  const role = f.oneOf('role', ['user', 'assistant'] as const)!;
  const text = f.string('text')!;
  const rawText = f.string('raw_text', { optional: true, nullable: true });
  const mentions = f.array('mentions').map((m, j): CanonicalMention => {
    const mf = `${field}.mentions[${j}]`;
    if (!isObject(m)) throw new RecordError(mf, 'expected an object');
    const g = new Fields(m, `${mf}.`);
    const start = g.int('start', { min: 0 })!;
    const end = g.int('end', { min: 0 })!;
    if (end < start || end > text.length) throw new RecordError(`${mf}.end`, `span [${start}, ${end}) is not inside the turn's text (${text.length} UTF-16 code units)`);
    return {
      asin: g.string('item_id', { nullable: true, nonEmpty: true }),
      rawId: g.string('raw_id')!,
      start,
      end,
      isRecommendation: g.bool('is_recommendation'),
      isFirstMention: g.bool('is_first_mention'),
    };
  });
  return { index, role: role === 'user' ? 'USER' : 'ASSISTANT', text, rawText, mentions };
}

function parseRun(value: unknown): CanonicalRun {
  if (!isObject(value)) throw new RecordError('generation_run', 'expected an object');
  const f = new Fields(value, 'generation_run.');
  return {
    fileId: f.globalId('id', 'GenerationRun')!,
    status: f.oneOf('status', RUN_STATUSES)!,
    kind: f.oneOf('kind', ['GENERATE', 'REGENERATE'] as const)!,
    role: f.oneOf('role', ['TEACHER', 'STUDENT'] as const)!,
    strategy: f.oneOf('strategy', ['STEREOTYPE', 'GOAL_TEMPLATE'] as const)!,
    model: f.string('model', { nonEmpty: true })!,
    endpoint: f.string('endpoint')!,
    servedModels: f.strings('served_models'),
    config: f.object('config'),
    configHash: f.string('config_hash', { nonEmpty: true })!,
    requested: f.int('requested', { min: 0 })!,
    priority: f.int('priority')!,
    reason: f.string('reason', { nullable: true }),
    createdBy: f.string('created_by', { nullable: true }),
    createdAt: f.timestamp('created_at')!,
    startedAt: f.timestamp('started_at', { nullable: true }),
    finishedAt: f.timestamp('finished_at', { nullable: true }),
  };
}

/** One canonical line (already JSON-parsed). `stereotypes`: the keys the database knows. */
export function parseCanonicalRecord(record: unknown, stereotypes: ReadonlySet<string>): CanonicalLine {
  if (!isObject(record)) throw new RecordError('(record)', 'expected a JSON object');
  if ('generation_run' in record) return { kind: 'run', run: parseRun(record.generation_run) };
  const f = new Fields(record);
  // Fields are checked in the order the export writes them, so the first problem of a line is the one reported.
  const fileId = f.globalId('id', 'Dialogue')!;
  const dataset = f.string('dataset', { nonEmpty: true })!;
  const domain = f.string('domain', { nonEmpty: true })!;
  const source = f.oneOf('source', SOURCES)!;
  const status = f.oneOf('status', STATUSES)!;
  const split = f.oneOf('split', SPLITS, { nullable: true });
  const scenario = f.string('scenario', { nullable: true });
  if (scenario !== null && !stereotypes.has(scenario)) {
    throw new RecordError('scenario', `unknown stereotype ${JSON.stringify(scenario)}; expected one of ${[...stereotypes].map((k) => JSON.stringify(k)).join(', ')}`);
  }
  const target = f.strings('target');
  if (target.length > 1) throw new RecordError('target', `expected at most one item, got ${target.length}`);
  const provenance = f.raw('provenance') === undefined ? {} : f.object('provenance');
  return {
    kind: 'dialogue',
    dialogue: {
      fileId,
      dataset,
      domain,
      source,
      status,
      split,
      splitPosition: f.int('split_position', { nullable: true, optional: true, min: 0 }),
      scenario,
      strategy: f.string('strategy', { nonEmpty: true })!,
      model: f.string('model', { nullable: true, optional: true }),
      userSourceId: f.string('user_id', { nullable: true, nonEmpty: true }),
      target: target[0] ?? null,
      namedItems: f.strings('named_items', { optional: true }),
      runFileId: record.generation_run_id === undefined ? null : f.globalId('generation_run_id', 'GenerationRun', { nullable: true }),
      version: f.int('version', { optional: true, min: 1 }) ?? 1,
      supersedesFileId: record.supersedes === undefined ? null : f.globalId('supersedes', 'Dialogue', { nullable: true }),
      createdAt: f.timestamp('created_at', { nullable: true, optional: true }),
      importKey: f.string('import_key', { nullable: true, optional: true, nonEmpty: true }),
      contentHash: f.string('content_hash', { nullable: true, optional: true }),
      rejectionReasons: issues(f, 'rejection_reasons', 'error'),
      warnings: issues(f, 'warnings', 'warning'),
      provenance,
      turns: f.array('turns').map(parseTurn),
    },
  };
}
