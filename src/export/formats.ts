/**
 * Every export format by name: how its options are read from a request (GraphQL's ExportInput
 * or CLI flags), which writer runs it, and how its download archive is named and laid out. The
 * CLI and the API's export jobs both go through here, so a format validates the same everywhere.
 */
import type { EntityManager } from 'typeorm';
import { dialogueConditions } from '../dialogues/selection';
import type { DialogueSelection } from '../dialogues/selection';
import { DialogueSource, SplitName } from '../dialogues/vocabulary';
import { badInput } from '../errors';
import { writeCanonicalExport } from './canonical';
import { crslabArchiveName, crslabDataFolder, parseCrslabOptions, writeCrslabExport, type CrslabOptions } from './crslab';
import { DEFAULT_HF_OPTIONS, writeHfExport, type HfOptions } from './hf';
import { writeJsonlExport, type DialogueLinesOptions } from './jsonl';
import { writeLlmRedialExport, type LlmRedialOptions } from './llm-redial';
import { DEFAULT_RELEASE_OPTIONS, RELEASE_MARKINGS, writeReleaseExport, type ReleaseOptions } from './release';
import { writeSftExport, type SftOptions } from './sft';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from './types';

export const EXPORT_FORMATS = ['CRSLAB', 'RELEASE', 'SFT', 'LLM_REDIAL', 'CANONICAL', 'JSONL', 'HF'] as const;
export type ExportFormatName = (typeof EXPORT_FORMATS)[number];

const CRSLAB_FIELDS = ['tokenize', 'flavor', 'name', 'itemText', 'itemUniverse', 'entities', 'keepRepeatedItems', 'rawIds', 'lowercase', 'vocabFrom', 'archive'] as const;
const SFT_FIELDS = ['sftFormat', 'sftSource', 'rawText'] as const;
const RELEASE_FIELDS = ['marking', 'asciiOnly'] as const;
const HF_FIELDS = ['license', 'title'] as const;
const FORMAT_FIELDS = [...CRSLAB_FIELDS, ...SFT_FIELDS, ...RELEASE_FIELDS, ...HF_FIELDS] as const;
type FormatField = (typeof FORMAT_FIELDS)[number];

/** What a caller asks for; values are unchecked until `planExport`. */
export type ExportRequest = {
  format: unknown;
  filter?: DialogueSelection | null;
  /** Splits to export; several only where the format writes one selection per split. */
  split?: unknown[] | null;
  /** Shorthand for `filter.stereotype`. */
  stereotype?: string | null;
} & { [K in FormatField]?: unknown };

/** A checked request: the writer and the exact options and filter it runs with (stored with a job). */
export interface PlannedExport {
  format: ExportFormatName;
  options: Record<string, unknown>;
  filter: DialogueSelection | null;
}

/** One file of a download archive: its path inside the export folder and its name in the zip. */
export interface ArchiveEntry {
  file: string;
  name: string;
}

interface FormatDefinition<Options> {
  /** Request fields (besides format, filter, split, stereotype) that this format reads. */
  fields: readonly FormatField[];
  /** Whether `split` may list several splits. */
  splitList: boolean;
  parse(request: ExportRequest, arg: (field: string) => string, splits: SplitName[]): Options;
  write: ExportWriter<Options>;
  archiveName(options: Options): string;
  /** Default: every file under its own name. */
  archiveEntries?(files: ExportFile[], options: Options): ArchiveEntry[];
}

function choice<T extends string>(value: unknown, allowed: readonly T[], argument: string, fallback: T): T {
  if (value === undefined || value === null) return fallback;
  const hit = typeof value === 'string' ? allowed.find((a) => a.toLowerCase() === value.toLowerCase()) : undefined;
  if (hit === undefined) throw badInput(argument, `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return hit;
}

function flag(value: unknown, argument: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw badInput(argument, `expected true or false, got ${JSON.stringify(value)}`);
  return value;
}

const crslab: FormatDefinition<CrslabOptions> = {
  fields: CRSLAB_FIELDS,
  splitList: false,
  parse: (request, arg) => {
    const input: Record<string, unknown> = {};
    for (const field of CRSLAB_FIELDS) if (request[field] !== undefined && request[field] !== null) input[field] = request[field];
    // parseCrslabOptions names fields `<prefix>.<field>`: recover the prefix from our naming.
    return parseCrslabOptions(input, arg('').replace(/\.$/, ''));
  },
  write: writeCrslabExport,
  archiveName: crslabArchiveName,
  // §8.1: the data files at the archive root; the writer's own optional zip is this archive already.
  archiveEntries: (files, options) => {
    const folder = `${crslabDataFolder(options)}/`;
    return files
      .filter((f) => f.name.startsWith(folder))
      .map((f) => ({ file: f.name, name: f.name.slice(folder.length) }));
  },
};

const release: FormatDefinition<ReleaseOptions> = {
  fields: RELEASE_FIELDS,
  splitList: true,
  parse: (request, arg, splits) => ({
    splits: splits.length ? splits : [...DEFAULT_RELEASE_OPTIONS.splits],
    marking: choice(request.marking, RELEASE_MARKINGS, arg('marking'), DEFAULT_RELEASE_OPTIONS.marking),
    asciiOnly: flag(request.asciiOnly, arg('asciiOnly'), DEFAULT_RELEASE_OPTIONS.asciiOnly),
  }),
  write: writeReleaseExport,
  // The original scripts put the release files in a folder named distillrecdial/.
  archiveName: () => 'distillrecdial.zip',
};

const sft: FormatDefinition<SftOptions> = {
  fields: SFT_FIELDS,
  splitList: false,
  parse: (request, arg) => ({
    format: choice(request.sftFormat, ['messages', 'text'] as const, arg('sftFormat'), 'messages'),
    source: choice(request.sftSource, [DialogueSource.TEACHER, DialogueSource.STUDENT] as const, arg('sftSource'), DialogueSource.TEACHER),
    rawText: flag(request.rawText, arg('rawText'), false),
  }),
  write: writeSftExport,
  archiveName: () => 'sft.zip',
};

// One selection: a user's record gathers all their dialogues, so splits are not written one by one.
const llmRedial: FormatDefinition<LlmRedialOptions> = {
  fields: [],
  splitList: false,
  parse: () => ({}),
  write: writeLlmRedialExport,
  archiveName: () => 'llm-redial.zip',
};

function text(value: unknown, argument: string, fallback: string, pattern: RegExp, what: string): string {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || !pattern.test(value)) throw badInput(argument, `expected ${what}, got ${JSON.stringify(value)}`);
  return value;
}

const hf: FormatDefinition<HfOptions> = {
  fields: HF_FIELDS,
  splitList: true,
  parse: (request, arg, splits) => ({
    license: text(request.license, arg('license'), DEFAULT_HF_OPTIONS.license, /^[a-z0-9][a-z0-9.+-]{0,63}$/, 'a Hugging Face license id such as cc-by-4.0, mit or other'),
    name: text(request.title, arg('title'), DEFAULT_HF_OPTIONS.name, /^[^\n\r]{1,200}$/, 'a one-line title of at most 200 characters'),
    splits: splits.length ? splits : [...DEFAULT_HF_OPTIONS.splits],
  }),
  write: writeHfExport,
  archiveName: () => 'hf-dataset.zip',
};

const lines = (write: ExportWriter<DialogueLinesOptions>, archive: string): FormatDefinition<DialogueLinesOptions> => ({
  fields: [],
  splitList: true,
  parse: (_request, _arg, splits) => (splits.length ? { splits } : {}),
  write,
  archiveName: () => archive,
});

// Every format has a definition (the type says so), so no format can be offered without a writer.
const DEFINITIONS: Record<ExportFormatName, FormatDefinition<any>> = {
  CRSLAB: crslab,
  RELEASE: release,
  SFT: sft,
  LLM_REDIAL: llmRedial,
  CANONICAL: lines(writeCanonicalExport, 'canonical.zip'),
  JSONL: lines(writeJsonlExport, 'dialogues.zip'),
  HF: hf,
};

const SPLITS = Object.values(SplitName);

/**
 * Checks a request completely before anything runs: the format, each option of that format
 * (and no option of another), the splits and the stereotype; errors name the argument as
 * `<prefix>.<field>` (BAD_USER_INPUT).
 */
export async function planExport(manager: EntityManager, request: ExportRequest, prefix = 'input'): Promise<PlannedExport> {
  const arg = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const format = EXPORT_FORMATS.find((f) => typeof request.format === 'string' && f === request.format.toUpperCase().replace(/-/g, '_'));
  if (!format) throw badInput(arg('format'), `expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(request.format)}`);
  const def = DEFINITIONS[format];
  for (const field of FORMAT_FIELDS) {
    if (request[field] !== undefined && request[field] !== null && !def.fields.includes(field)) {
      const owners = Object.entries(DEFINITIONS).filter(([, d]) => d.fields.includes(field)).map(([name]) => name);
      throw badInput(arg(field), `applies only to format ${owners.join(' or ')}, not ${format}`);
    }
  }

  const filter: DialogueSelection = { ...(request.filter ?? {}) };
  const splits: SplitName[] = [];
  (request.split ?? []).forEach((value, i) => {
    const split = SPLITS.find((s) => typeof value === 'string' && s === value.toLowerCase());
    if (!split) throw badInput(`${arg('split')}[${i}]`, `expected one of ${SPLITS.join(', ')}, got ${JSON.stringify(value)}`);
    if (!splits.includes(split)) splits.push(split);
  });
  if (filter.split != null && splits.length && !splits.includes(filter.split)) {
    throw badInput(arg('split'), `the filter already selects split ${filter.split}; give the splits in one place`);
  }
  if (!def.splitList) {
    if (splits.length > 1) throw badInput(arg('split'), `${format} exports one selection; give at most one split (or none for all)`);
    if (splits.length === 1) filter.split = splits[0];
  }
  if (request.stereotype != null) {
    if (filter.stereotype != null && filter.stereotype !== request.stereotype) {
      throw badInput(arg('stereotype'), `differs from ${arg('filter.stereotype')} ("${filter.stereotype}"); give it in one place`);
    }
    const [known] = await manager.query('SELECT 1 FROM stereotypes WHERE key = $1', [request.stereotype]);
    if (!known) {
      const keys: Array<{ key: string }> = await manager.query('SELECT key FROM stereotypes ORDER BY id');
      throw badInput(arg('stereotype'), `unknown stereotype "${request.stereotype}"; expected one of ${keys.map((k) => `"${k.key}"`).join(', ')}`);
    }
    filter.stereotype = request.stereotype;
  }
  // The filter's own values (stereotype, ids, search) are checked by the same code that runs it.
  await dialogueConditions(manager, filter, [], arg('filter'));
  const options = def.parse(request, arg, def.splitList ? splits : []);
  return { format, options, filter: Object.keys(filter).length ? filter : null };
}

/** Runs a planned export's writer. */
export function writeExport(planned: PlannedExport, context: Omit<ExportContext, 'filter'>): Promise<ExportReport> {
  return DEFINITIONS[planned.format].write({ ...context, filter: planned.filter }, planned.options);
}

/** The download's file name (docs/formats.md §8.1 for CRSLab). */
export function exportArchiveName(format: ExportFormatName, options: Record<string, unknown>): string {
  return DEFINITIONS[format].archiveName(options);
}

/** What goes into the download archive, in the order the export wrote it. */
export function exportArchiveEntries(format: ExportFormatName, options: Record<string, unknown>, files: ExportFile[]): ArchiveEntry[] {
  const def = DEFINITIONS[format];
  return def.archiveEntries ? def.archiveEntries(files, options) : files.map((f) => ({ file: f.name, name: f.name }));
}
