import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const PROMPT_KINDS = ['STEREOTYPE_SYSTEM', 'GOAL_TEMPLATE_INSTRUCTIONS'] as const;
export type PromptKindValue = (typeof PROMPT_KINDS)[number];

/**
 * A stored version of an editable prompt (docs/pipeline.md §3.3). Version 0 is the built-in default in
 * code and is never stored; stored versions count 1, 2, … per (kind, key); the latest is active.
 */
@Entity('prompt_versions')
@Check('prompt_versions_kind_check', `"kind" IN ('STEREOTYPE_SYSTEM', 'GOAL_TEMPLATE_INSTRUCTIONS')`)
@Check('prompt_versions_version_check', `"version" >= 1`)
@Index('prompt_versions_kind_key_version_key', ['kind', 'key', 'version'], { unique: true })
export class PromptVersionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  kind: PromptKindValue;

  /** The stereotype key for STEREOTYPE_SYSTEM, `default` for GOAL_TEMPLATE_INSTRUCTIONS. */
  @Column('text')
  key: string;

  @Column('integer')
  version: number;

  @Column('text')
  content: string;

  /** SHA-256 (hex) of `content`, recorded with every generation that used it. */
  @Column('text')
  sha256: string;

  @Column('text', { nullable: true })
  note: string | null;

  /** The API key name of the operator who stored it. */
  @Column('text', { name: 'created_by', nullable: true })
  createdBy: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
