import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One import command: its files (with SHA-256 and line counts) and what it loaded. */
@Entity('import_runs')
export class ImportRunEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  kind: string;

  @Column('jsonb', { default: () => "'[]'" })
  files: Array<{ path: string; sha256: string; lines: number }>;

  @Column('jsonb', { default: () => "'{}'" })
  counts: Record<string, number>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
