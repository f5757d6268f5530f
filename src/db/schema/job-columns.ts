import { Column, CreateDateColumn } from 'typeorm';
import type { JobStatus } from '../../jobs/lifecycle';

/**
 * The columns the job lifecycle (src/jobs/lifecycle.ts) keeps on every kind of job's row —
 * exports, evaluations and generation runs — written once here and inherited by their entities.
 * The status CHECK stays on each entity (a constraint is named after its table) but spells
 * `JOB_STATUS_CHECK`.
 */
export abstract class JobColumns {
  @Column('text', { default: 'QUEUED' })
  status: JobStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}

/**
 * And those of a job that runs inside the API process that accepted it (exports, evaluations:
 * src/jobs/background-jobs.ts), which any server must be able to tell dead: its progress, the
 * cause it failed with, the owner's heartbeat and the owner's advisory-lock key.
 */
export abstract class TrackedJobColumns extends JobColumns {
  /** 0–1: the kind's share of work done (dialogues written or read / selected). */
  @Column('double precision', { default: 0 })
  progress: number;

  /** Why it FAILED: the work's error, or `interrupted: …` (src/jobs/lifecycle.ts). */
  @Column('text', { nullable: true })
  error: string | null;

  @Column('timestamptz', { name: 'heartbeat_at', nullable: true })
  heartbeatAt: Date | null;

  /** Advisory-lock key of the API process running it (src/jobs/instance-lock.ts); int8 comes back as text. */
  @Column('bigint', { name: 'owner_lock', nullable: true })
  ownerLock: string | null;
}
