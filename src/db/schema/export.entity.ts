import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { RunStatusValue } from './generation.entity';

/** A file of the export as the `files` column stores it (the shape of src/export/types.ts ExportFile; entities import nothing above the database floor). */
export interface ExportFileRecord {
  name: string;
  bytes: number;
  sha256: string;
}

/**
 * One startExport call: what was asked (format, options, filter), where its files are, and how
 * it went. The writer runs inside the API process that accepted the call and beats
 * `heartbeat_at` while it works, so that any server can tell an export whose process died.
 */
@Entity('exports')
@Check('exports_status_check', `"status" IN ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')`)
@Index('exports_created_idx', ['createdAt', 'id'])
export class ExportEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** CRSLAB, RELEASE, SFT, LLM_REDIAL, CANONICAL or JSONL. */
  @Column('text')
  format: string;

  /** The format's options with every default filled in (what the writer received). */
  @Column('jsonb')
  options: Record<string, unknown>;

  /** The DialogueFilter, as given (null: every ACCEPTED dialogue). */
  @Column('jsonb', { nullable: true })
  filter: Record<string, unknown> | null;

  @Column('text', { default: 'QUEUED' })
  status: RunStatusValue;

  /** 0–1: dialogues written / dialogues selected. */
  @Column('double precision', { default: 0 })
  progress: number;

  @Column('jsonb', { default: () => "'[]'" })
  files: ExportFileRecord[];

  /** The writer's report (counts, warnings, format details). */
  @Column('jsonb', { nullable: true })
  report: Record<string, unknown> | null;

  @Column('text', { nullable: true })
  error: string | null;

  /** Absolute folder holding the files once COMPLETED. */
  @Column('text')
  folder: string;

  /** The API key name that started the export. */
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
