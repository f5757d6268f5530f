import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** What a stereotype's user prompt renders (docs/pipeline.md §3.2). */
export interface StereotypeFeatures {
  historyBlock: boolean;
  historyFeatures: string[];
  targetVisibility: 'full' | 'titleAndId' | 'hidden';
  targetFeatures: string[];
}

@Entity('stereotypes')
export class StereotypeEntity {
  /** 1..5 in the canonical order of docs/pipeline.md §3.1 (the order of random draws). */
  @PrimaryColumn('smallint')
  id: number;

  @Index('stereotypes_key_key', { unique: true })
  @Column('text')
  key: string;

  @Column('text')
  name: string;

  @Column('text')
  description: string;

  @Column('text', { name: 'preference_expression' })
  preferenceExpression: string;

  @Column('text', { name: 'intention_clarity' })
  intentionClarity: string;

  @Column('jsonb')
  features: StereotypeFeatures;
}
