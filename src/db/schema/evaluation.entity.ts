import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RunStatusValue } from './generation.entity';

/**
 * One evaluateRecommendations or evaluateGeneration call: the options as resolved, and the
 * result rows (model × split × stereotype × mode, docs/formats.md §10.4), rewritten as they grow. It
 * runs inside the API process that accepted it, which beats `heartbeat_at` while it works, so
 * that any server can tell an evaluation whose process died.
 */
@Entity('evaluations')
@Check('evaluations_status_check', `"status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')`)
@Check('evaluations_kind_check', `"kind" IN ('RECOMMENDATION', 'GENERATION', 'INTERACTIVE')`)
@Index('evaluations_created_idx', ['createdAt', 'id'])
export class EvaluationEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  kind: 'RECOMMENDATION' | 'GENERATION' | 'INTERACTIVE';

  /** Every option with its default filled in; an uploaded predictions file by SHA-256 and size only. */
  @Column('jsonb')
  options: Record<string, unknown>;

  @Column('text', { default: 'QUEUED' })
  status: RunStatusValue;

  /** Result rows so far (complete once COMPLETED). */
  @Column('jsonb', { default: () => "'[]'" })
  results: Array<Record<string, unknown>>;

  /** Whole-run facts: item count, predictions file digest, unmatched entries, self-test. */
  @Column('jsonb', { nullable: true })
  report: Record<string, unknown> | null;

  /** 0–1: dialogues read / dialogues selected. */
  @Column('double precision', { default: 0 })
  progress: number;

  @Column('text', { nullable: true })
  error: string | null;

  /** The API key name that asked for it. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'heartbeat_at', nullable: true })
  heartbeatAt: Date | null;

  /** Advisory-lock key of the API process running it (src/jobs/instance-lock.ts); int8 comes back as text. */
  @Column('bigint', { name: 'owner_lock', nullable: true })
  ownerLock: string | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
