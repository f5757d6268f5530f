import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Connection } from '../../graphql/connection.type';
import { Node } from '../../graphql/node.type';
import { SplitName } from '../dialogue/dialogue.type';
import { RunStatus } from '../generation/generation.type';

export enum ExportFormat {
  CRSLAB = 'CRSLAB',
  RELEASE = 'RELEASE',
  SFT = 'SFT',
  LLM_REDIAL = 'LLM_REDIAL',
  CANONICAL = 'CANONICAL',
  JSONL = 'JSONL',
  HF = 'HF',
}
registerEnumType(ExportFormat, {
  name: 'ExportFormat',
  description:
    'CRSLAB (docs/formats.md §8), RELEASE (DistillRecDial release JSONL, §3.6), SFT (student fine-tuning set, §3.4), LLM_REDIAL (LLM-REDIAL layout, §4.4), ' +
    'CANONICAL (lossless JSONL, §9), JSONL (dialogues with turns and mentions, no provenance), HF (Hugging Face Hub-ready Parquet splits, dataset card and SHA256SUMS, §11).',
});

@ObjectType('ExportFile', { simpleResolvers: true, description: 'One file an export wrote.' })
export class ExportFileInfo {
  @Field({ description: 'Path inside the export, "/"-separated.' })
  name: string;

  @Field(() => Float, { description: 'Size in bytes.' })
  bytes: number;

  @Field({ description: 'SHA-256, lower-case hex.' })
  sha256: string;
}

@ObjectType({ implements: Node, simpleResolvers: true, description: 'One startExport call: a job that writes files, then serves them as a zip.' })
export class Export extends Node {
  dbId: number;

  @Field(() => ID)
  declare id: string;

  @Field(() => RunStatus)
  status: RunStatus;

  @Field(() => ExportFormat)
  format: ExportFormat;

  @Field(() => GraphQLJSONObject, { description: 'The options the writer ran with, defaults filled in.' })
  options: Record<string, unknown>;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'The DialogueFilter of the selection; null: every ACCEPTED dialogue.' })
  filter: Record<string, unknown> | null;

  @Field(() => Float, { description: '0–1: dialogues written / dialogues selected.' })
  progress: number;

  @Field(() => [ExportFileInfo], { description: 'Empty until COMPLETED.' })
  files: ExportFileInfo[];

  /** Where the zip is served (unsigned; `downloadUrl` in the schema mints a signed one). */
  downloadPath: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Counts, warnings and format details (e.g. the CRSLab self-check, the release manifest).' })
  report: Record<string, unknown> | null;

  @Field(() => String, { nullable: true, description: 'Why it FAILED.' })
  error: string | null;

  @Field(() => String, { nullable: true, description: 'The API key that started it.' })
  createdBy: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  finishedAt: Date | null;
}

@ObjectType()
export class ExportConnection extends Connection(Export, 'Export') {}

@ObjectType({ simpleResolvers: true, description: 'Consecutive CRSLab conversation records of one split, as the files hold them.' })
export class CrslabDialogueBatch {
  @Field(() => SplitName)
  split: SplitName;

  @Field(() => Int, { description: 'Position of the first record within its split (its conv_id).' })
  index: number;

  @Field(() => [GraphQLJSONObject])
  records: Array<Record<string, unknown>>;
}
