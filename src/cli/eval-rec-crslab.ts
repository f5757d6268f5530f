/**
 * `recdial eval rec --crslab-predictions FILE --export DIR`: the DistillRecDial CRSLab fork's
 * saved predictions (docs/formats.md §10.2) scored against the export the model was trained on.
 * Needs no database: the samples, names and items all come from the export folder.
 */
import path from 'node:path';
import { evaluateCrslabPredictions, readCrslabExport, type CrslabSplitName } from '../evaluation/crslab-predictions';
import type { ModelFamily } from '../evaluation/recommendation';
import { Progress } from '../ingest/progress';
import type { EvaluationGroupBy, EvaluationRow, EvaluationSampleRow } from '../modules/evaluation/evaluation.runner';
import { CliError } from './common';

export interface CrslabPredictionFlags {
  crslabPredictions: string;
  export?: string;
  family: ModelFamily;
  mode: 'compat' | 'corrected' | 'both';
  split?: string;
  stereotype?: string;
  dataset?: string;
  domain?: string;
  groupBy: EvaluationGroupBy[];
  predictions?: string;
  titles?: boolean;
  titleGrid?: boolean;
  baseline?: string;
  baselines?: boolean;
  skipMissing?: boolean;
  ties: 'position' | 'pessimistic';
  quiet?: boolean;
  samplesOut?: string;
}

export interface CrslabPredictionsRun {
  rows: EvaluationRow[];
  samples: EvaluationSampleRow[];
  itemCount: number;
  export: string;
  predictions: { file: string; elements: number; sha256: string; depth: number };
  droppedGoldNames: number;
}

/** The flags that make no sense for the fork's file, each refused with the reason. */
function refuseFlags(flags: CrslabPredictionFlags): void {
  if (!flags.export) throw new CliError('--crslab-predictions needs --export DIR: the CRSLab export the model was trained on (its entity names and test samples)');
  if (flags.predictions || flags.baseline || flags.baselines) throw new CliError('give one of --crslab-predictions, --predictions or --baseline');
  if (flags.mode === 'corrected') {
    throw new CliError(
      '--mode corrected: the fork\'s predictions carry no context (docs/formats.md §10.2), so the corrected mode (context items masked, docs/metrics.md §1.5) cannot be computed; use --mode compat',
    );
  }
  for (const [flag, set] of [['--titles', flags.titles], ['--title-grid', flags.titleGrid], ['--skip-missing', flags.skipMissing]] as const) {
    if (set) throw new CliError(`${flag} does not apply to --crslab-predictions: the file names entities of the export, one per sample`);
  }
  if (flags.ties === 'pessimistic') throw new CliError('--ties pessimistic does not apply to --crslab-predictions: the file is a ranked list without scores');
  for (const [flag, set] of [['--stereotype', flags.stereotype], ['--dataset', flags.dataset], ['--domain', flags.domain]] as const) {
    if (set !== undefined) throw new CliError(`${flag} does not apply to --crslab-predictions: the export's samples are scored as the model saw them (select dialogues when exporting)`);
  }
  if (flags.groupBy.includes('stereotype')) throw new CliError('--group-by stereotype does not apply to --crslab-predictions: the export keeps no stereotypes');
}

/** The model's name: the folder the fork saved the file in (`save/<model>/…`). */
function modelName(file: string): string {
  const folder = path.basename(path.dirname(path.resolve(file)));
  return folder && folder !== path.sep ? folder : 'crslab-predictions';
}

export async function runCrslabPredictions(flags: CrslabPredictionFlags, ks: number[]): Promise<CrslabPredictionsRun> {
  refuseFlags(flags);
  const split = (flags.split ?? 'test') as CrslabSplitName;
  const view = await readCrslabExport(flags.export!, { split, family: flags.family });
  const progress = new Progress('eval rec (CRSLab fork predictions)', view.samples.length, flags.quiet);
  const report = await evaluateCrslabPredictions(flags.crslabPredictions, view, {
    ks,
    keepSamples: flags.samplesOut !== undefined,
    onProgress: (done) => progress.update(done, done),
  });
  progress.finish(`${report.elements.toLocaleString('en')} predictions`);
  const model = modelName(flags.crslabPredictions);
  const rowSplit = flags.groupBy.includes('split') ? split : null;
  return {
    rows: [{ ...report.result, model, split: rowSplit, stereotype: null }],
    samples: report.records.map((r) => ({ ...r, model, mode: 'crslab-compat', split: rowSplit, stereotype: null })),
    itemCount: view.items.size,
    export: view.folder,
    predictions: { file: flags.crslabPredictions, elements: report.elements, sha256: report.sha256, depth: report.depth },
    droppedGoldNames: view.droppedGoldNames,
  };
}
