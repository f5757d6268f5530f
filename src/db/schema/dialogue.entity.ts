import { ItemEntity } from './item.entity';
import { StereotypeEntity } from './stereotype.entity';
import { UserEntity } from './user.entity';
import type { GenerationJobEntity, GenerationRunEntity } from './generation.entity';
import { JoinColumn, ManyToOne, Relation, Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import { DIALOGUE_SOURCES, DIALOGUE_STATUSES, SPLIT_NAMES, type DialogueSourceValue, type DialogueStatusValue, type SplitValue } from '../../dialogues/vocabulary';

/** The column values, as the vocabulary defines them (src/dialogues/vocabulary.ts). */
export const SPLITS = SPLIT_NAMES;
export type { SplitValue };
export const SOURCES = DIALOGUE_SOURCES;
export type SourceValue = DialogueSourceValue;
export const STATUSES = DIALOGUE_STATUSES;
export type StatusValue = DialogueStatusValue;

/** One validation finding (docs/pipeline.md §8.4); warnings are kept on accepted dialogues too. */
export interface ValidationIssueRecord {
  code: string;
  severity: 'error' | 'warning';
  detail: string;
}

@Entity('dialogues')
@Check('dialogues_split_check', `"split" IN ('train', 'valid', 'test')`)
@Check('dialogues_source_check', `"source" IN ('IMPORTED', 'TEACHER', 'STUDENT', 'SIMULATED')`)
@Check('dialogues_status_check', `"status" IN ('ACCEPTED', 'REJECTED', 'SUPERSEDED')`)
@Index('dialogues_status_id_idx', ['status', 'id'])
@Index('dialogues_stereotype_idx', ['stereotypeId', 'id'])
@Index('dialogues_split_idx', ['split', 'id'])
@Index('dialogues_dataset_idx', ['dataset', 'id'])
@Index('dialogues_domain_idx', ['domain', 'id'])
@Index('dialogues_source_idx', ['source', 'id'])
@Index('dialogues_user_idx', ['userId', 'id'])
@Index('dialogues_target_idx', ['targetItemId', 'id'])
@Index('dialogues_target_raw_idx', ['targetRawId'])
@Index('dialogues_supersedes_idx', ['supersedesId'])
@Index('dialogues_generation_run_idx', ['generationRunId', 'id'])
@Index('dialogues_run_content_idx', ['generationRunId', 'contentHash'])
export class DialogueEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** distillrecdial | llm-redial | redial | pearl | inspired | generated */
  @Column('text')
  dataset: string;

  @Column('text', { default: 'Movies_and_TV' })
  domain: string;

  @Column('smallint', { name: 'stereotype_id', nullable: true })
  stereotypeId: number | null;

  @Column('integer', { name: 'user_id', nullable: true })
  userId: number | null;

  @Column('integer', { name: 'target_item_id', nullable: true })
  targetItemId: number | null;

  /** The target as the source names it (parent_asin), kept when it is not in the catalogue. */
  @Column('text', { name: 'target_raw_id', nullable: true })
  targetRawId: string | null;

  @Column('text', { nullable: true })
  split: SplitValue | null;

  /** 0-based line of the dialogue in its split's release file (the shuffled order of docs/pipeline.md §9 step 5). */
  @Column('integer', { name: 'split_position', nullable: true })
  splitPosition: number | null;

  @Column('text')
  source: SourceValue;

  @Column('text', { default: 'ACCEPTED' })
  status: StatusValue;

  @Column('text', { default: 'STEREOTYPE' })
  strategy: string;

  @Column('text', { nullable: true })
  model: string | null;

  /** Where the dialogue came from: import file and line, or run, model, prompt, sampling … */
  @Column('jsonb', { default: () => "'{}'" })
  provenance: Record<string, unknown>;

  @Column('jsonb', { name: 'rejection_reasons', default: () => "'[]'" })
  rejectionReasons: ValidationIssueRecord[];

  @Column('jsonb', { default: () => "'[]'" })
  warnings: ValidationIssueRecord[];

  /** Every item tag the source lists for the dialogue (release `named_items`), bare ASINs. */
  @Column('text', { name: 'named_item_ids', array: true, default: () => "'{}'" })
  namedItemIds: string[];

  @Column('integer', { default: 1 })
  version: number;

  @Column('integer', { name: 'supersedes_id', nullable: true })
  supersedesId: number | null;

  /** Content key that makes imports idempotent (same source record → same row). */
  @Index('dialogues_import_key_key', { unique: true })
  @Column('text', { name: 'import_key', nullable: true })
  importKey: string | null;

  /** Generated dialogues: the run and job that wrote them (one dialogue per job, at most). */
  @Column('integer', { name: 'generation_run_id', nullable: true })
  generationRunId: number | null;

  @Index('dialogues_generation_job_key', { unique: true })
  @Column('integer', { name: 'generation_job_id', nullable: true })
  generationJobId: number | null;

  /** SHA-256 of the normalised text, for DUPLICATE_DIALOGUE within a run. */
  @Column('text', { name: 'content_hash', nullable: true })
  contentHash: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => StereotypeEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'stereotype_id', foreignKeyConstraintName: 'dialogues_stereotype_fk' })
  stereotype?: StereotypeEntity;

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'dialogues_user_fk' })
  user?: UserEntity;

  @ManyToOne(() => ItemEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'target_item_id', foreignKeyConstraintName: 'dialogues_target_item_fk' })
  targetItem?: ItemEntity;

  @ManyToOne(() => DialogueEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'supersedes_id', foreignKeyConstraintName: 'dialogues_supersedes_fk' })
  supersedes?: DialogueEntity;

  // Relation<> keeps the circular import out of the emitted decorator metadata.
  @ManyToOne('GenerationRunEntity', { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'generation_run_id', foreignKeyConstraintName: 'dialogues_generation_run_fk' })
  generationRun?: Relation<GenerationRunEntity>;

  @ManyToOne('GenerationJobEntity', { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'generation_job_id', foreignKeyConstraintName: 'dialogues_generation_job_fk' })
  generationJob?: Relation<GenerationJobEntity>;
}
