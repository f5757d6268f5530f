/**
 * A Hugging Face Hub-ready release (docs/formats.md §11): Parquet splits, one file per split per
 * config (a config per dataset), a dataset card `README.md` with the Hub's YAML header, and a
 * `SHA256SUMS` manifest. Rows stream into row groups of ROW_GROUP dialogues per file, so memory
 * holds at most one pending row group per file. Nothing time-dependent is written: the same
 * database exports to the same bytes.
 *
 * Columns: `id` (Dialogue global id), `dialogue_id`, `dataset`, `domain`, `source`, `split`
 * (recdial's: train, valid, test), `scenario` (stereotype key), `strategy`, `model`, `user_id`
 * (source user id), `target` (parent_asin), `named_items` (JSON array), `num_turns`, `messages`
 * (JSON `[{"role", "content"}]`, the turn texts) and `turns` (JSON, the JSONL export's turns with
 * their mentions), `generation_run_id`.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toGlobalId } from '../pagination/global-id';
import { SplitName } from '../dialogues/vocabulary';
import { countDialogues, streamDialogues, type StreamedDialogue } from '../dialogues/stream';
import { writeExportFile } from './files';
import { jsonlTurn } from './jsonl';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from './types';

// hyparquet-writer is an ES module; Node ≥ 20.19 loads it with require (the project is CommonJS).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ParquetWriter, fileWriter } = require('hyparquet-writer') as {
  ParquetWriter: new (options: { writer: unknown; schema: unknown[]; createdBy?: string; codec?: string }) => {
    write(options: { columnData: unknown[]; rowGroupSize?: number }): void | Promise<void>;
    finish(): void | Promise<void>;
  };
  fileWriter: (filename: string) => unknown;
};

export interface HfOptions {
  /** The card's `license` (a Hub license id). */
  license: string;
  /** The card's title and pretty_name. */
  name: string;
  splits: SplitName[];
}

export const DEFAULT_HF_OPTIONS: Readonly<HfOptions> = Object.freeze({
  license: 'other',
  name: 'recdial export',
  splits: [SplitName.TRAIN, SplitName.VALID, SplitName.TEST],
});

/** The Hub's split names. */
export const HF_SPLIT: Record<SplitName, string> = { train: 'train', valid: 'validation', test: 'test' };
export const ROW_GROUP = 1000;
export const HF_CARD = 'README.md';
export const HF_MANIFEST = 'SHA256SUMS';

export const HF_COLUMNS = [
  ['id', 'STRING', false],
  ['dialogue_id', 'INT32', false],
  ['dataset', 'STRING', false],
  ['domain', 'STRING', false],
  ['source', 'STRING', false],
  ['split', 'STRING', false],
  ['scenario', 'STRING', true],
  ['strategy', 'STRING', true],
  ['model', 'STRING', true],
  ['user_id', 'STRING', true],
  ['target', 'STRING', true],
  ['named_items', 'JSON', false],
  ['num_turns', 'INT32', false],
  ['messages', 'JSON', false],
  ['turns', 'JSON', false],
  ['generation_run_id', 'INT32', true],
] as const;

/** JSON columns hold the values themselves: the writer serialises them (JSON.stringify, fixed key order). */
type HfRow = Record<(typeof HF_COLUMNS)[number][0], unknown>;

/** One dialogue as a row (key order = column order). */
export function hfRow(d: StreamedDialogue): HfRow {
  return {
    id: toGlobalId('Dialogue', d.id),
    dialogue_id: d.id,
    dataset: d.dataset,
    domain: d.domain,
    source: d.source,
    split: d.split,
    scenario: d.stereotype,
    strategy: d.strategy ?? null,
    model: d.model,
    user_id: d.userSourceId,
    target: d.targetAsin,
    named_items: d.namedItemIds,
    num_turns: d.turns.length,
    messages: d.turns.map((t) => ({ role: t.role === 'USER' ? 'user' : 'assistant', content: t.text })),
    turns: d.turns.map(jsonlTurn),
    generation_run_id: d.generationRunId,
  };
}

/** A config name the Hub accepts (letters, digits, `_`, `-`). */
export function configName(dataset: string): string {
  return dataset.replace(/[^A-Za-z0-9_-]+/g, '_') || 'default';
}

export function hfFileName(config: string, split: SplitName): string {
  return `${config}/${HF_SPLIT[split]}-00000-of-00001.parquet`;
}

const PARQUET_SCHEMA = [
  { name: 'root', num_children: HF_COLUMNS.length },
  ...HF_COLUMNS.map(([name, type, nullable]) => {
    const repetition_type = nullable ? 'OPTIONAL' : 'REQUIRED';
    if (type === 'INT32') return { name, type: 'INT32', repetition_type };
    return { name, type: 'BYTE_ARRAY', converted_type: type === 'JSON' ? 'JSON' : 'UTF8', repetition_type };
  }),
];

/** One Parquet file being written: rows wait in a buffer until a row group is full. */
class ParquetFile {
  private readonly writer: InstanceType<typeof ParquetWriter>;
  private buffer: HfRow[] = [];
  rows = 0;

  constructor(
    private readonly outDir: string,
    readonly name: string,
  ) {
    const file = path.join(outDir, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.writer = new ParquetWriter({ writer: fileWriter(file), schema: PARQUET_SCHEMA, createdBy: 'recdial' });
  }

  async add(row: HfRow): Promise<void> {
    this.buffer.push(row);
    this.rows++;
    if (this.buffer.length >= ROW_GROUP) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buffer.length) return;
    const rows = this.buffer;
    this.buffer = [];
    await this.writer.write({
      // JSON columns hold long, nearly unique texts: dictionary attempts and min/max statistics
      // cost about three quarters of the writing time and save nothing (measured).
      columnData: HF_COLUMNS.map(([name, type, nullable]) => ({
        name,
        data: rows.map((r) => r[name]),
        type,
        nullable,
        ...(type === 'JSON' ? { encoding: 'PLAIN', statistics: false } : {}),
      })),
      rowGroupSize: rows.length,
    });
  }

  async close(): Promise<ExportFile> {
    await this.flush();
    await this.writer.finish();
    return fileDigest(this.outDir, this.name);
  }
}

async function fileDigest(outDir: string, name: string): Promise<ExportFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(path.join(outDir, name))) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/** The Hub's size category for a row count. */
export function sizeCategory(n: number): string {
  const bands: Array<[number, string]> = [
    [1e3, 'n<1K'],
    [1e4, '1K<n<10K'],
    [1e5, '10K<n<100K'],
    [1e6, '100K<n<1M'],
    [1e7, '1M<n<10M'],
    [1e8, '10M<n<100M'],
  ];
  return bands.find(([limit]) => n < limit)?.[1] ?? 'n>1T';
}

/** A YAML scalar: JSON's double-quoted strings are valid YAML. */
const q = (s: string) => JSON.stringify(s);

export interface RunProvenance {
  id: number;
  role: string;
  strategy: string;
  model: string;
  configHash: string;
  seed: number | null;
  prompts: Record<string, number>;
}

export function datasetCard(input: {
  options: HfOptions;
  files: Array<{ config: string; split: SplitName; name: string; rows: number }>;
  counts: Map<string, Map<string, Map<string, number>>>;
  runs: RunProvenance[];
  total: number;
}): string {
  const { options, files, counts, runs, total } = input;
  const configs = [...new Set(files.map((f) => f.config))];
  const yaml = [
    '---',
    `license: ${q(options.license)}`,
    `pretty_name: ${q(options.name)}`,
    'language:',
    '- en',
    'task_categories:',
    '- text-generation',
    'tags:',
    '- conversational-recommendation',
    '- recommender-systems',
    '- dialogue',
    'size_categories:',
    `- ${q(sizeCategory(total))}`,
    configs.length ? 'configs:' : 'configs: []',
    ...configs.flatMap((config, i) => [
      `- config_name: ${q(config)}`,
      ...(i === 0 ? ['  default: true'] : []),
      '  data_files:',
      ...files.filter((f) => f.config === config).flatMap((f) => [`  - split: ${q(HF_SPLIT[f.split])}`, `    path: ${q(f.name)}`]),
    ]),
    '---',
  ];
  const body: string[] = [
    '',
    `# ${options.name}`,
    '',
    'Conversational-recommendation dialogues exported by recdial (`recdial export hf`). One Parquet file per split per config (a config per dataset); `messages` and `turns` hold JSON.',
    '',
    '## Dialogues per split and stereotype',
    '',
  ];
  for (const config of configs) {
    const bySplit = counts.get(config)!;
    const stereotypes = [...new Set([...bySplit.values()].flatMap((m) => [...m.keys()]))].sort();
    const splits = options.splits.filter((s) => bySplit.has(s));
    body.push(`### ${config}`, '', `| stereotype | ${splits.map((s) => HF_SPLIT[s]).join(' | ')} | total |`, `|---|${splits.map(() => '---:').join('|')}|---:|`);
    for (const st of stereotypes) {
      const cells = splits.map((s) => bySplit.get(s)!.get(st) ?? 0);
      body.push(`| ${st} | ${cells.join(' | ')} | ${cells.reduce((a, b) => a + b, 0)} |`);
    }
    const totals = splits.map((s) => [...bySplit.get(s)!.values()].reduce((a, b) => a + b, 0));
    body.push(`| **all** | ${totals.join(' | ')} | ${totals.reduce((a, b) => a + b, 0)} |`, '');
  }
  body.push('## Provenance', '');
  if (runs.length) {
    body.push('Generation runs that produced these dialogues:', '', '| run | role | strategy | model | seed | prompt versions | config sha256 |', '|---:|---|---|---|---:|---|---|');
    for (const r of runs) {
      const prompts = Object.entries(r.prompts).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} v${v}`).join(', ') || '–';
      body.push(`| ${r.id} | ${r.role} | ${r.strategy} | ${r.model} | ${r.seed ?? '–'} | ${prompts} | \`${r.configHash}\` |`);
    }
  } else body.push('No dialogue came from a recdial generation run (imported data only).');
  body.push('', '## Files', '', `\`${HF_MANIFEST}\` lists the SHA-256 of every Parquet file and of this card (\`sha256sum -c ${HF_MANIFEST}\`).`, '');
  return [...yaml, ...body].join('\n');
}

async function runProvenance(context: ExportContext, ids: number[]): Promise<RunProvenance[]> {
  if (!ids.length) return [];
  const rows: Array<{ id: number; role: string; strategy: string; model: string; config_hash: string; config: any }> = await context.dataSource.query(
    'SELECT id, role, strategy, model, config_hash, config FROM generation_runs WHERE id = ANY($1) ORDER BY id',
    [ids],
  );
  return rows.map((r) => ({
    id: r.id,
    role: r.role,
    strategy: r.strategy,
    model: r.model,
    configHash: r.config_hash,
    seed: r.config?.sampling?.seed ?? r.config?.seed ?? null,
    prompts: Object.fromEntries(Object.entries((r.config?.prompts ?? {}) as Record<string, { version?: number }>).map(([k, v]) => [k, v?.version ?? 0])),
  }));
}

export const writeHfExport: ExportWriter<HfOptions> = async (context, options) => {
  const total = await countDialogues(context.dataSource.manager, context.filter);
  const files = new Map<string, { config: string; split: SplitName; file: ParquetFile }>();
  const counts = new Map<string, Map<string, Map<string, number>>>();
  const runIds = new Set<number>();
  const closed = new Map<string, ExportFile>();
  let done = 0;
  let skipped = 0;
  let failed = true;
  try {
    for await (const d of streamDialogues(context.dataSource.manager, { filter: context.filter, order: 'split', signal: context.signal })) {
      done++;
      if (d.split === null || !options.splits.includes(d.split)) {
        skipped++;
        continue;
      }
      const config = configName(d.dataset);
      const name = hfFileName(config, d.split);
      let entry = files.get(name);
      if (!entry) files.set(name, (entry = { config, split: d.split, file: new ParquetFile(context.outDir, name) }));
      await entry.file.add(hfRow(d));
      if (d.generationRunId !== null) runIds.add(d.generationRunId);
      let bySplit = counts.get(config);
      if (!bySplit) counts.set(config, (bySplit = new Map()));
      let bySt = bySplit.get(d.split);
      if (!bySt) bySplit.set(d.split, (bySt = new Map()));
      const st = d.stereotype ?? '(none)';
      bySt.set(st, (bySt.get(st) ?? 0) + 1);
      if (done % 500 === 0) context.onProgress?.(done, total);
    }
    failed = false;
  } finally {
    // Close every file, also on failure (the caller then drops the folder).
    for (const [name, entry] of files) {
      const file = await entry.file.close().catch((error) => {
        if (!failed) throw error;
        return null;
      });
      if (file) closed.set(name, file);
    }
  }
  const ordered = [...files.entries()]
    .map(([name, e]) => ({ name, config: e.config, split: e.split, rows: e.file.rows }))
    .sort((a, b) => a.config.localeCompare(b.config) || options.splits.indexOf(a.split) - options.splits.indexOf(b.split));
  const written: ExportFile[] = ordered.map((f) => closed.get(f.name)!);
  const rowsWritten = ordered.reduce((n, f) => n + f.rows, 0);
  const card = datasetCard({ options, files: ordered, counts, runs: await runProvenance(context, [...runIds].sort((a, b) => a - b)), total: rowsWritten });
  written.push(await writeExportFile(context.outDir, HF_CARD, card));
  const manifest = written.map((f) => `${f.sha256}  ${f.name}\n`).join('');
  written.push(await writeExportFile(context.outDir, HF_MANIFEST, manifest));
  context.onProgress?.(done, total);
  const report: ExportReport = {
    files: written,
    counts: Object.fromEntries(ordered.map((f) => [f.name, f.rows])),
    warnings: skipped ? [`${skipped} dialogues without one of the exported splits (${options.splits.join(', ')}) were not written`] : [],
    details: { configs: [...new Set(ordered.map((f) => f.config))], rows: rowsWritten },
  };
  return report;
};
