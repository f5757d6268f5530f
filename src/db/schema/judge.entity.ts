import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { DialogueEntity } from './dialogue.entity';
import { GenerationJobEntity, GenerationRunEntity } from './generation.entity';

/**
 * A stored version of a judging rubric (criteria, scale, scope, instructions). Like prompts
 * (prompt_versions), version 0 of a built-in rubric lives in code and is never stored; stored
 * versions count 1, 2, … per key; the latest is active.
 */
@Entity('rubric_versions')
@Check('rubric_versions_version_check', `"version" >= 1`)
@Index('rubric_versions_key_version_key', ['key', 'version'], { unique: true })
export class RubricVersionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  key: string;

  @Column('integer')
  version: number;

  /** RubricDefinition (generator/judge/rubrics.ts). */
  @Column('jsonb')
  definition: Record<string, unknown>;

  /** SHA-256 of the canonical JSON of `definition`, recorded with every judgement. */
  @Column('text')
  sha256: string;

  @Column('text', { nullable: true })
  note: string | null;

  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** One judge's scores of one dialogue on one rubric version (a JUDGE run's job). */
@Entity('judgements')
@Index('judgements_rubric_dialogue_idx', ['rubricKey', 'dialogueId', 'id'])
@Index('judgements_dialogue_idx', ['dialogueId', 'id'])
@Index('judgements_job_key', ['jobId'], { unique: true })
export class JudgementEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'dialogue_id' })
  dialogueId: number;

  @Column('integer', { name: 'run_id', nullable: true })
  runId: number | null;

  @Column('integer', { name: 'job_id', nullable: true })
  jobId: number | null;

  @Column('text', { name: 'rubric_key' })
  rubricKey: string;

  @Column('integer', { name: 'rubric_version' })
  rubricVersion: number;

  @Column('text', { name: 'rubric_sha256' })
  rubricSha256: string;

  @Column('text')
  model: string;

  /** SHA-256 of the messages sent (as JSON). */
  @Column('text', { name: 'prompt_sha256' })
  promptSha256: string;

  /** Per criterion: the dialogue's score (for utterance rubrics, the mean over rated utterances). */
  @Column('jsonb')
  scores: Record<string, number>;

  /** Utterance rubrics: [{ turn, scores: { criterion: score } }]. */
  @Column('jsonb', { name: 'utterance_scores', nullable: true })
  utteranceScores: Array<{ turn: number; scores: Record<string, number> }> | null;

  @Column('text', { nullable: true })
  rationale: string | null;

  /** Endpoint, sampling, messages, raw answer, usage, latency, attempts, worker. */
  @Column('jsonb')
  provenance: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dialogue_id', foreignKeyConstraintName: 'judgements_dialogue_fk' })
  dialogue?: DialogueEntity;

  @ManyToOne(() => GenerationRunEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'judgements_run_fk' })
  run?: GenerationRunEntity;

  @ManyToOne(() => GenerationJobEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'judgements_job_fk' })
  job?: GenerationJobEntity;
}

/** The judge's verdict on one pair of a COMPARE run. */
@Entity('comparison_verdicts')
@Index('comparison_verdicts_run_idx', ['runId', 'pair'])
@Index('comparison_verdicts_job_key', ['jobId'], { unique: true })
export class ComparisonVerdictEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'run_id' })
  runId: number;

  @Column('integer', { name: 'job_id', nullable: true })
  jobId: number | null;

  /** 0-based index of the pair in the run's config. */
  @Column('integer')
  pair: number;

  /** The dialogue drawn from entry `a_entry`, and the one from `b_entry`. */
  @Column('integer', { name: 'a_dialogue_id' })
  aDialogueId: number;

  @Column('integer', { name: 'b_dialogue_id' })
  bDialogueId: number;

  @Column('integer', { name: 'a_entry' })
  aEntry: number;

  @Column('integer', { name: 'b_entry' })
  bEntry: number;

  /** Whether the `a` dialogue was shown to the judge as "Dialogue 1". */
  @Column('boolean', { name: 'a_shown_first' })
  aShownFirst: boolean;

  /** Per criterion: A, B or TIE, in terms of the entries (the position swap already undone). */
  @Column('jsonb')
  verdicts: Record<string, 'A' | 'B' | 'TIE'>;

  @Column('text', { nullable: true })
  rationale: string | null;

  @Column('text')
  model: string;

  @Column('text', { name: 'prompt_sha256' })
  promptSha256: string;

  @Column('jsonb')
  provenance: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => GenerationRunEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'run_id', foreignKeyConstraintName: 'comparison_verdicts_run_fk' })
  run?: GenerationRunEntity;

  @ManyToOne(() => GenerationJobEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'job_id', foreignKeyConstraintName: 'comparison_verdicts_job_fk' })
  job?: GenerationJobEntity;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'a_dialogue_id', foreignKeyConstraintName: 'comparison_verdicts_a_dialogue_fk' })
  aDialogue?: DialogueEntity;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'b_dialogue_id', foreignKeyConstraintName: 'comparison_verdicts_b_dialogue_fk' })
  bDialogue?: DialogueEntity;
}

/** One human's score of one dialogue on one criterion (`recdial import ratings`). */
@Entity('human_ratings')
@Index('human_ratings_dialogue_criterion_rater_key', ['dialogueId', 'criterion', 'rater'], { unique: true })
@Index('human_ratings_criterion_idx', ['criterion'])
export class HumanRatingEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'dialogue_id' })
  dialogueId: number;

  @Column('text')
  criterion: string;

  @Column('text')
  rater: string;

  @Column('double precision')
  score: number;

  /** The file (base name) and line it came from. */
  @Column('text', { nullable: true })
  origin: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dialogue_id', foreignKeyConstraintName: 'human_ratings_dialogue_fk' })
  dialogue?: DialogueEntity;
}
