import { ItemEntity } from './item.entity';
import { UserEntity } from './user.entity';
import { JoinColumn, ManyToOne, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../transformers';

@Entity('interactions')
@Index('interactions_user_time_idx', ['userId', 'timestampMs', 'id'])
@Index('interactions_item_idx', ['itemId'])
// Preparation keeps one review per (user, item): the earliest (docs/pipeline.md §2.4).
@Index('interactions_user_item_key', ['userId', 'itemId'], { unique: true })
export class InteractionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'user_id' })
  userId: number;

  @Column('integer', { name: 'item_id' })
  itemId: number;

  @Column('real')
  rating: number;

  /** Epoch milliseconds as the source gives them (Amazon 2023). */
  @Column('bigint', { name: 'timestamp_ms', transformer: bigintAsNumber })
  timestampMs: number;

  @Column('text', { name: 'review_title', nullable: true })
  reviewTitle: string | null;

  @Column('text', { name: 'review_text', nullable: true })
  reviewText: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  extra: Record<string, unknown>;

  @ManyToOne(() => UserEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'interactions_user_fk' })
  user?: UserEntity;

  @ManyToOne(() => ItemEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id', foreignKeyConstraintName: 'interactions_item_fk' })
  item?: ItemEntity;

}
