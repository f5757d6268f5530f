import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { DialogueEntity } from './dialogue.entity';
import { ItemEntity } from './item.entity';
import { StereotypeEntity } from './stereotype.entity';
import { UserEntity } from './user.entity';

import { RUN_STATUSES, type RunStatusValue, type GenerationStrategy, type ModelRoleValue, type RunKindValue } from '../../dialogues/vocabulary';
import { JOB_STATUS_CHECK } from '../../jobs/lifecycle';
import { JobColumns } from './job-columns';

/** The run statuses of the vocabulary (src/dialogues/vocabulary.ts). */
export { RUN_STATUSES, type RunStatusValue };
/** The states of a run's per-dialogue work (generation_jobs, on pg-boss: generator/worker/job-state.ts), not of the run (src/jobs/lifecycle.ts). */
const GENERATION_JOB_STATUSES = ['QUEUED', 'RUNNING', 'DONE', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;
export type GenerationJobStatusValue = (typeof GENERATION_JOB_STATUSES)[number];

/**
 * One enqueueGeneration or regenerateDialogues call: what was asked, with which models and
 * prompts, resolved once so that every job of the run uses the same configuration.
 */
@Entity('generation_runs')
@Check('generation_runs_status_check', JOB_STATUS_CHECK)
@Check('generation_runs_role_check', `"role" IN ('TEACHER', 'STUDENT', 'SIMULATOR', 'JUDGE')`)
@Check('generation_runs_kind_check', `"kind" IN ('GENERATE', 'REGENERATE', 'INTERACTIVE', 'JUDGE', 'COMPARE')`)
@Index('generation_runs_created_idx', ['createdAt', 'id'])
export class GenerationRunEntity extends JobColumns {
  @PrimaryGeneratedColumn()
  id: number;

  /** GENERATE and REGENERATE write dialogues from prompts; INTERACTIVE holds an interactive evaluation's conversations; JUDGE: one job per dialogue judged; COMPARE: one job per pair (issue 15). */
  @Column('text')
  kind: RunKindValue;

  /** The endpoint whose worker loop runs the jobs (INTERACTIVE: the SIMULATOR's). */
  @Column('text')
  role: ModelRoleValue;

  /** JUDGE and COMPARE runs record their kind here too. */
  @Column('text')
  strategy: `${GenerationStrategy}`;

  /** The model name requested (vLLM's served name; for the student, the LoRA adapter). */
  @Column('text')
  model: string;

  /** Base URL without credentials. */
  @Column('text')
  endpoint: string;

  /** What `GET /v1/models` listed when the run was created. */
  @Column('text', { name: 'served_models', array: true, default: () => "'{}'" })
  servedModels: string[];

  /** Resolved configuration: selection, sampling, seed, validation options, prompts (with versions). */
  @Column('jsonb')
  config: Record<string, unknown>;

  @Column('text', { name: 'config_hash' })
  configHash: string;

  @Column('integer')
  requested: number;

  @Column('integer', { default: 0 })
  priority: number;

  /** Why a regeneration was asked for. */
  @Column('text', { nullable: true })
  reason: string | null;

  /** The API key name that created the run. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;
}

/** One dialogue to write: keyed by (run, user[, k]) or (run, superseded dialogue). */
@Entity('generation_jobs')
@Check('generation_jobs_status_check', `"status" IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED', 'SKIPPED', 'CANCELLED')`)
@Index('generation_jobs_run_key_key', ['runId', 'key'], { unique: true })
@Index('generation_jobs_run_status_idx', ['runId', 'status'])
@Index('generation_jobs_supersedes_idx', ['supersedesId'])
@Index('generation_jobs_subject_idx', ['subjectId'])
export class GenerationJobEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'run_id' })
  runId: number;

  @Column('text')
  key: string;

  @Column('integer', { name: 'user_id', nullable: true })
  userId: number | null;

  @Column('smallint', { name: 'stereotype_id', nullable: true })
  stereotypeId: number | null;

  @Column('integer', { name: 'target_item_id', nullable: true })
  targetItemId: number | null;

  /** Goal-template strategy: the k-th might-like item of the user (docs/pipeline.md §11.4). */
  @Column('integer', { nullable: true })
  instance: number | null;

  /** Regeneration: the dialogue the result supersedes. */
  @Column('integer', { name: 'supersedes_id', nullable: true })
  supersedesId: number | null;

  @Column('text', { default: 'QUEUED' })
  status: GenerationJobStatusValue;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('integer', { name: 'dialogue_id', nullable: true })
  dialogueId: number | null;

  /** JUDGE runs: the dialogue judged (its judgement goes to `judgements`, not `dialogue_id`). */
  @Column('integer', { name: 'subject_id', nullable: true })
  subjectId: number | null;

  /** The pg-boss job id, for cancellation. */
  @Column('uuid', { name: 'queue_job_id' })
  queueJobId: string;

  @Column('jsonb', { name: 'last_error', nullable: true })
  lastError: Record<string, unknown> | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => GenerationRunEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'generation_jobs_run_fk' })
  run?: GenerationRunEntity;

  @ManyToOne(() => UserEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'generation_jobs_user_fk' })
  user?: UserEntity;

  @ManyToOne(() => StereotypeEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'stereotype_id', foreignKeyConstraintName: 'generation_jobs_stereotype_fk' })
  stereotype?: StereotypeEntity;

  @ManyToOne(() => ItemEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'target_item_id', foreignKeyConstraintName: 'generation_jobs_target_item_fk' })
  targetItem?: ItemEntity;

  @ManyToOne(() => DialogueEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'supersedes_id', foreignKeyConstraintName: 'generation_jobs_supersedes_fk' })
  supersedes?: DialogueEntity;

  @ManyToOne(() => DialogueEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'dialogue_id', foreignKeyConstraintName: 'generation_jobs_dialogue_fk' })
  dialogue?: DialogueEntity;

  @ManyToOne(() => DialogueEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'subject_id', foreignKeyConstraintName: 'generation_jobs_subject_fk' })
  subject?: DialogueEntity;
}

/** Every request a worker made for a job, successful or not (docs/pipeline.md §6.2: each attempt is stored). */
@Entity('generation_attempts')
@Index('generation_attempts_job_idx', ['jobId', 'attempt'])
@Index('generation_attempts_run_error_idx', ['runId', 'id'])
export class GenerationAttemptEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'run_id' })
  runId: number;

  @Column('integer', { name: 'job_id' })
  jobId: number;

  @Column('integer')
  attempt: number;

  /** OK, or the error class: TIMEOUT, RATE_LIMITED, SERVER_ERROR, CONNECTION, CLIENT_ERROR, EXPIRED … */
  @Column('text')
  outcome: string;

  @Column('boolean', { default: false })
  retryable: boolean;

  @Column('integer', { name: 'http_status', nullable: true })
  httpStatus: number | null;

  @Column('text', { nullable: true })
  message: string | null;

  @Column('integer', { name: 'latency_ms', nullable: true })
  latencyMs: number | null;

  @Column('text', { nullable: true })
  worker: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => GenerationRunEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'generation_attempts_run_fk' })
  run?: GenerationRunEntity;

  @ManyToOne(() => GenerationJobEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'generation_attempts_job_fk' })
  job?: GenerationJobEntity;
}
