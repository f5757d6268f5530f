import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const STRATEGIES = ['STEREOTYPE', 'GOAL_TEMPLATE'] as const;
export type StrategyValue = (typeof STRATEGIES)[number];

/** One `recdial prepare` run (docs/pipeline.md §2, §11.1, §13): its resolved configuration and report. */
@Entity('preparations')
@Check('preparations_strategy_check', `"strategy" IN ('STEREOTYPE', 'GOAL_TEMPLATE')`)
export class PreparationEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  domain: string;

  @Column('text')
  strategy: StrategyValue;

  @Column('jsonb')
  config: Record<string, unknown>;

  /** SHA-256 of the canonical JSON of `config`. */
  @Column('text', { name: 'config_hash' })
  configHash: string;

  /** Counts per stage: filter reasons, k-core rounds, users skipped, users per stereotype … */
  @Column('jsonb', { default: () => "'{}'" })
  report: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
