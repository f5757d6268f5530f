import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { ExportFileWriter, writeExportFile } from '../files';
import type { ExportContext, ExportFile, ExportReport, ExportWriter } from '../types';
import { writeCrslabArchive } from './archive';
import { CRSLAB_RELATIONS } from './entities';
import { pythonJson, pythonJsonObject } from './json';
import { crslabArchiveName, crslabDataFolder, CrslabOptions, CRSLAB_RANKING_DEPTH, crslabVersion } from './options';
import { checkBuiltMarker, checkConceptGraph, CrslabSelfCheckError, SelfCheckReport, selfCheckReport } from './self-check';
import { CRSLAB_SPLITS, CrslabPlan, crslabPlanBatches, CrslabSplit, planCrslabExport } from './stream';

/** CRSLab's special-token ids for the flavour and tokenization (docs/formats.md §8.8), for the report. */
const SPECIAL_TOKEN_IDS: Record<string, Record<string, number>> = {
  'upstream/word': { pad: 0, start: 1, end: 2, unk: 3, pad_entity: 0, pad_word: 0 },
  'upstream/bert': { pad: 0, start: 101, end: 102, unk: 100, sent_split: 2, word_split: 3, pad_entity: 0, pad_word: 0 },
  'upstream/gpt2': { pad: -100, start: 1, end: 2, unk: 3, sent_split: 4, word_split: 5, pad_entity: 0, pad_word: 0 },
  'distillrecdial/bert': { pad: 0, start: 101, end: 102, unk: 100, sent_split: 2, word_split: 3, pad_entity: 0, pad_word: 0 },
  'distillrecdial/gpt2': { pad: 0, start: 1, end: 2, unk: 3, sent_split: 4, word_split: 5, pad_entity: 0, pad_word: 0 },
};

/** How often progress is reported, in dialogues. */
const PROGRESS_EVERY = 200;
const RECORD_BATCH = 200;
// The loader drops KG relations with 1,000 edges or fewer after doubling (docs/formats.md §8.4 (5)).
const SMALL_RELATION = 500;
const FEW_HEADS = 1000;

/** `.built` line 1: the time as Python's `str(datetime)` prints it (microseconds only when non-zero). */
async function builtTimestamp(manager: EntityManager, plan: CrslabPlan): Promise<string> {
  const [row] = await manager.query(
    `SELECT to_char(max(d.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS t FROM dialogues d WHERE ${[...plan.scope.where, 'd.split IS NOT NULL'].join(' AND ')}`,
    plan.scope.params,
  );
  const stamp: string = row.t ?? '1970-01-01 00:00:00.000000';
  return stamp.endsWith('.000000') ? stamp.slice(0, -'.000000'.length) : stamp;
}

function kgWarnings(plan: CrslabPlan): { warnings: string[]; relations: Array<{ id: number; name: string; triples: number }> } {
  const perRelation = new Map<number, number>();
  const heads = new Set<number>();
  for (const [head, relation] of plan.table.triples) {
    perRelation.set(relation, (perRelation.get(relation) ?? 0) + 1);
    heads.add(head);
  }
  const relations = [...perRelation].sort((a, b) => a[0] - b[0]).map(([id, triples]) => ({ id, name: CRSLAB_RELATIONS[id], triples }));
  const warnings: string[] = [];
  if (!plan.table.triples.length) warnings.push('the entity KG is empty (KBRD needs one)');
  const small = relations.filter((r) => r.triples <= SMALL_RELATION);
  if (small.length) {
    warnings.push(
      `CRSLab drops KG relations with 1,000 edges or fewer (after doubling): ${small.length} of ${relations.length} relations have ≤ ${SMALL_RELATION} triples ` +
        `(${small.map((r) => `${r.name} ${r.triples}`).join(', ')})`,
    );
  }
  if (heads.size <= FEW_HEADS) warnings.push(`only ${heads.size} KG heads (≤ ${FEW_HEADS}): the self-loop relation is dropped by the loader too`);
  return { warnings, relations };
}

function subkgJson(plan: CrslabPlan): string {
  const { entities, triples } = plan.table;
  const upstream = plan.options.flavor === 'upstream';
  const entries: Array<[string, unknown]> = [];
  let current: unknown[] | null = null;
  let currentHead = -1;
  for (const [head, relation, tail] of triples) {
    if (head !== currentHead) {
      current = [];
      currentHead = head;
      entries.push([upstream ? String(head) : entities[head].rawId, current]);
    }
    current!.push([relation, upstream ? tail : entities[tail].rawId]);
  }
  return pythonJsonObject(entries);
}

async function writeDataFiles(
  manager: EntityManager,
  context: ExportContext,
  plan: CrslabPlan,
  folder: string,
  files: ExportFile[],
): Promise<Record<CrslabSplit, number>> {
  const writers = Object.fromEntries(CRSLAB_SPLITS.map((s) => [s, new ExportFileWriter(context.outDir, `${folder}/${s}_data.json`)])) as Record<CrslabSplit, ExportFileWriter>;
  const written: Record<CrslabSplit, number> = { train: 0, valid: 0, test: 0 };
  let done = 0;
  try {
    for (const split of CRSLAB_SPLITS) await writers[split].write('[');
    const onDialogue = () => {
      if (++done % PROGRESS_EVERY === 0) context.onProgress?.(done, plan.selected);
    };
    for await (const batch of crslabPlanBatches(manager, plan, RECORD_BATCH, { signal: context.signal, onDialogue })) {
      const writer = writers[batch.split];
      // Element by element: the arrays are never held whole.
      for (const record of batch.records) {
        await writer.write((written[batch.split]++ ? ', ' : '') + pythonJson(record));
      }
    }
    for (const split of CRSLAB_SPLITS) await writers[split].write(']');
  } finally {
    for (const split of CRSLAB_SPLITS) files.push(await writers[split].close());
  }
  context.onProgress?.(plan.selected, plan.selected);
  return written;
}

/**
 * `recdial export crslab` / `startExport(format: CRSLAB)`: the CRSLab dataset folder
 * (docs/formats.md §8) under `outDir/data/dataset/<name>/<tokenize>/`, so that copying `outDir/data`
 * into a CRSLab checkout puts it where the loader looks, and optionally the zip at `outDir`'s
 * root. The self-check R1–R7 runs before and while writing; on any failure everything written
 * is removed and CrslabSelfCheckError (or the original error) is thrown.
 */
export const writeCrslabExport: ExportWriter<CrslabOptions> = async (context, options) => {
  const created = [path.join(context.outDir, 'data'), path.join(context.outDir, crslabArchiveName(options))];
  try {
    return await context.dataSource.transaction('REPEATABLE READ', async (manager) => writeInTransaction(manager, context, options));
  } catch (error) {
    for (const p of created) fs.rmSync(p, { recursive: true, force: true });
    throw error;
  }
};

async function writeInTransaction(manager: EntityManager, context: ExportContext, options: CrslabOptions): Promise<ExportReport> {
  const plan = await planCrslabExport(manager, options, context.filter, context.signal);
  const folder = crslabDataFolder(options);
  const version = crslabVersion(options.flavor);
  const files: ExportFile[] = [];
  const perSplit = await writeDataFiles(manager, context, plan, folder, files);

  const { converter, table } = plan;
  const offenders = [...converter.offenders];
  let offenderCount = converter.offenderCount;
  const conceptOffenders = plan.concepts ? checkConceptGraph(plan.concepts, []) : [];
  const built = `${await builtTimestamp(manager, plan)}\n${version}`;
  const late = [...conceptOffenders, ...checkBuiltMarker(built, version)];
  offenders.push(...late);
  offenderCount += late.length;
  if (offenderCount) throw new CrslabSelfCheckError(selfCheckReport(offenders, {}));

  const write = async (name: string, content: string) => files.push(await writeExportFile(context.outDir, `${folder}/${name}`, content));
  await write('token2id.json', pythonJsonObject(plan.tokens));
  await write(
    'entity2id.json',
    options.flavor === 'upstream' ? pythonJsonObject(table.entities.map((e) => [e.name, e.id])) : pythonJsonObject(table.entities.map((e) => [e.rawId, e.name])),
  );
  await write(
    'movie_ids.json',
    options.flavor === 'upstream'
      ? pythonJson(table.movieIds)
      : pythonJsonObject(table.movieIds.map((id) => [table.entities[id].rawId, id])),
  );
  await write('dbpedia_subkg.json', subkgJson(plan));
  // The fork never reads concept2id.json but the loader's folder layout has it; upstream needs it non-empty.
  await write('concept2id.json', pythonJsonObject(plan.concepts ?? new Map([['__pad__', 0]])));
  if (options.flavor === 'upstream') await write('conceptnet_subkg.txt', '');
  await write('.built', built);

  const kg = kgWarnings(plan);
  const warnings = [...plan.warnings, ...kg.warnings];
  const depth = CRSLAB_RANKING_DEPTH[options.flavor];
  if (table.movieIds.length < depth) {
    warnings.push(
      `only ${table.movieIds.length} items in movie_ids.json, fewer than the ${depth} the ${options.flavor} loader ranks ` +
        `(${options.flavor === 'upstream' ? "upstream CRSLab's topk(…, 50)" : "the DistillRecDial fork's 100 entities"}): training stops with ` +
        `"selected index k out of range"; import more items${options.itemUniverse === 'catalog' ? '' : ' or use --item-universe catalog'}`,
    );
  }
  if (converter.counts.unresolvedMentions) warnings.push(`${converter.counts.unresolvedMentions} item mentions name no catalogue item and stay plain text (no movies entry)`);
  if (converter.counts.unknownTokensReplaced) {
    warnings.push(`${converter.counts.unknownTokensReplaced} valid/test tokens outside the train vocabulary were written as __unk__ (what the loader reads them as)`);
  }

  let archive: { name: string; sha256: string; bytes: number } | null = null;
  if (options.archive) {
    const dataFiles = files.filter((f) => !f.name.endsWith('/.built'));
    const zip = await writeCrslabArchive(context.outDir, crslabArchiveName(options), dataFiles.map((f) => f.name));
    files.push(zip);
    archive = { name: zip.name, sha256: zip.sha256, bytes: zip.bytes };
  }

  const selfCheck: SelfCheckReport = selfCheckReport([], {});
  const counts: Record<string, number> = {
    ...perSplit,
    dialogues: perSplit.train + perSplit.valid + perSplit.test,
    withoutSplit: plan.withoutSplit,
    utterances: converter.counts.utterances,
    goldItems: converter.counts.goldItems,
    repeatedItemsRemoved: converter.counts.repeatedItemsRemoved,
    unresolvedMentions: converter.counts.unresolvedMentions,
    entityMentions: converter.counts.entityMentions,
    entities: table.entities.length,
    items: table.movieIds.length,
    kgTriples: table.triples.length,
    tokens: plan.tokens.size,
    ...(plan.concepts ? { concepts: plan.concepts.size } : {}),
    ...(options.tokenize === 'word' ? { unknownTokensReplaced: converter.counts.unknownTokensReplaced } : {}),
  };
  return {
    files,
    counts,
    warnings,
    details: {
      folder,
      version,
      flavor: options.flavor,
      tokenize: options.tokenize,
      options,
      builtAt: built.split('\n')[0],
      specialTokenIds: SPECIAL_TOKEN_IDS[`${options.flavor}/${options.tokenize}`],
      relations: kg.relations,
      selfCheck,
      archive,
    },
  };
}
