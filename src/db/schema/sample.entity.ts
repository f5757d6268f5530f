import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn, Relation } from 'typeorm';
import type { GenerationRunEntity } from './generation.entity';
import { StereotypeEntity } from './stereotype.entity';
import { UserEntity } from './user.entity';

/**
 * A named, reproducible set of users (docs/pipeline.md §6.1): the teacher sample a run drew, kept so
 * that it can be listed, exported and excluded from the student run.
 */
@Entity('user_samples')
@Check('user_samples_kind_check', `"kind" IN ('TEACHER')`)
export class UserSampleEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('user_samples_name_key', { unique: true })
  @Column('text')
  name: string;

  @Column('text', { default: 'TEACHER' })
  kind: 'TEACHER';

  @Column('double precision')
  fraction: number;

  @Column('integer')
  seed: number;

  /** The stereotype ids in the order the generator walked them (canonical order). */
  @Column('smallint', { name: 'stereotype_order', array: true })
  stereotypeOrder: number[];

  @Column('integer', { name: 'generation_run_id', nullable: true })
  generationRunId: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne('GenerationRunEntity', { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'generation_run_id', foreignKeyConstraintName: 'user_samples_generation_run_fk' })
  generationRun?: Relation<GenerationRunEntity>;
}

@Entity('user_sample_members')
@Index('user_sample_members_user_idx', ['userId'])
export class UserSampleMemberEntity {
  @PrimaryColumn('integer', { name: 'sample_id', primaryKeyConstraintName: 'user_sample_members_pkey' })
  sampleId: number;

  @PrimaryColumn('integer', { name: 'user_id', primaryKeyConstraintName: 'user_sample_members_pkey' })
  userId: number;

  /** The stratum the user was drawn from (their seeded stereotype). */
  @Column('smallint', { name: 'stereotype_id' })
  stereotypeId: number;

  @ManyToOne(() => UserSampleEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'sample_id', foreignKeyConstraintName: 'user_sample_members_sample_fk' })
  sample?: UserSampleEntity;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_sample_members_user_fk' })
  user?: UserEntity;

  @ManyToOne(() => StereotypeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'stereotype_id', foreignKeyConstraintName: 'user_sample_members_stereotype_fk' })
  stereotype?: StereotypeEntity;
}
