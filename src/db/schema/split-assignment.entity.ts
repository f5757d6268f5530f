import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One assignSplits call (docs/pipeline.md §9, §13): what was split, how, and what came out. */
@Entity('split_assignments')
export class SplitAssignmentEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer')
  seed: number;

  /** {train, valid, test} */
  @Column('jsonb')
  ratios: { train: number; valid: number; test: number };

  /** How the population was chosen: {generationRunId, filter}. */
  @Column('jsonb')
  selection: Record<string, unknown>;

  /** Dialogues assigned. */
  @Column('integer')
  population: number;

  /** Units (users; a dialogue without a user is its own unit). */
  @Column('integer')
  units: number;

  /** Dialogues per split × stereotype key: {train: {"Cold-Start Browser": 12, …}, …}. */
  @Column('jsonb')
  counts: Record<string, Record<string, number>>;

  @Column('jsonb', { default: () => "'[]'" })
  warnings: Array<{ code: string; stratum: string; units: number }>;

  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
