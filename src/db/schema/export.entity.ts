import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { TrackedJobColumns } from './job-columns';
import { JOB_STATUS_CHECK } from '../../jobs/lifecycle';

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
@Check('exports_status_check', JOB_STATUS_CHECK)
@Index('exports_created_idx', ['createdAt', 'id'])
export class ExportEntity extends TrackedJobColumns {
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

  @Column('jsonb', { default: () => "'[]'" })
  files: ExportFileRecord[];

  /** The writer's report (counts, warnings, format details). */
  @Column('jsonb', { nullable: true })
  report: Record<string, unknown> | null;

  /** Absolute folder holding the files once COMPLETED. */
  @Column('text')
  folder: string;

  /** The API key name that started the export. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;
}
