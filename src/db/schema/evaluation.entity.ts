import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TrackedJobColumns } from './job-columns';
import { JOB_STATUS_CHECK } from '../../jobs/lifecycle';

/**
 * One evaluateRecommendations or evaluateGeneration call: the options as resolved, and the
 * result rows (model × split × stereotype × mode, docs/formats.md §10.4), rewritten as they grow. It
 * runs inside the API process that accepted it, which beats `heartbeat_at` while it works, so
 * that any server can tell an evaluation whose process died.
 */
@Entity('evaluations')
@Check('evaluations_status_check', JOB_STATUS_CHECK)
@Check('evaluations_kind_check', `"kind" IN ('RECOMMENDATION', 'GENERATION', 'INTERACTIVE')`)
@Index('evaluations_created_idx', ['createdAt', 'id'])
export class EvaluationEntity extends TrackedJobColumns {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  kind: 'RECOMMENDATION' | 'GENERATION' | 'INTERACTIVE';

  /** Every option with its default filled in; an uploaded predictions file by SHA-256 and size only. */
  @Column('jsonb')
  options: Record<string, unknown>;

  /** Result rows so far (complete once COMPLETED). */
  @Column('jsonb', { default: () => "'[]'" })
  results: Array<Record<string, unknown>>;

  /** Whole-run facts: item count, predictions file digest, unmatched entries, self-test. */
  @Column('jsonb', { nullable: true })
  report: Record<string, unknown> | null;

  /** The API key name that asked for it. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

}
