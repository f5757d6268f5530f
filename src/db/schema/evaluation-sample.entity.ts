import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { EvaluationEntity } from './evaluation.entity';

/** One per-sample row of a stored evaluation (docs/metrics.md §9.2): paged through the API, exported as JSONL, paired by compareEvaluations. */
@Entity('evaluation_samples')
@Index('evaluation_samples_key_idx', ['evaluationId', 'model', 'mode', 'sampleKey'])
export class EvaluationSampleEntity {
  @PrimaryColumn('integer', { name: 'evaluation_id', primaryKeyConstraintName: 'evaluation_samples_pk' })
  evaluationId: number;

  /** The sample's position in the evaluation's order (keyset of the JSONL stream). */
  @PrimaryColumn('integer', { primaryKeyConstraintName: 'evaluation_samples_pk' })
  seq: number;

  @Column('text')
  model: string;

  @Column('text')
  mode: string;

  @Column('text', { nullable: true })
  split: string | null;

  @Column('text', { nullable: true })
  stereotype: string | null;

  @Column('text', { name: 'sample_key' })
  sampleKey: string;

  @Column('integer', { name: 'dialogue_id', nullable: true })
  dialogueId: number | null;

  @Column('integer', { name: 'turn_index', nullable: true })
  turnIndex: number | null;

  @Column('text', { nullable: true })
  gold: string | null;

  @Column('boolean')
  predicted: boolean;

  /** Metric name → value for this sample. */
  @Column('jsonb')
  values: Record<string, number>;

  @ManyToOne(() => EvaluationEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'evaluation_id', foreignKeyConstraintName: 'evaluation_samples_evaluation_fk' })
  evaluation?: EvaluationEntity;
}
