import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ItemEntity } from './item.entity';
import { PreparationEntity, StrategyValue } from './preparation.entity';
import { StereotypeEntity } from './stereotype.entity';
import { UserEntity } from './user.entity';

/**
 * What preparation made of a user, per strategy: for STEREOTYPE the target, the history before it
 * (chronological) split into liked and disliked, and the seeded stereotype; for GOAL_TEMPLATE the
 * LLM-REDIAL view (likes, dislikes, might-likes). Item arrays keep their order.
 */
@Entity('user_profiles')
@Check('user_profiles_strategy_check', `"strategy" IN ('STEREOTYPE', 'GOAL_TEMPLATE')`)
@Index('user_profiles_preparation_idx', ['preparationId'])
@Index('user_profiles_stereotype_idx', ['stereotypeId', 'userId'])
export class UserProfileEntity {
  @PrimaryColumn('integer', { name: 'user_id' })
  userId: number;

  @PrimaryColumn('text')
  strategy: StrategyValue;

  /** Null for profiles that come with an imported dataset (LLM-REDIAL's final_data.jsonl). */
  @Column('integer', { name: 'preparation_id', nullable: true })
  preparationId: number | null;

  @Column('smallint', { name: 'stereotype_id', nullable: true })
  stereotypeId: number | null;

  @Column('integer', { name: 'target_item_id', nullable: true })
  targetItemId: number | null;

  @Column('integer', { name: 'history_item_ids', array: true, default: () => "'{}'" })
  historyItemIds: number[];

  @Column('integer', { name: 'liked_item_ids', array: true, default: () => "'{}'" })
  likedItemIds: number[];

  @Column('integer', { name: 'disliked_item_ids', array: true, default: () => "'{}'" })
  dislikedItemIds: number[];

  @Column('integer', { name: 'might_like_item_ids', array: true, default: () => "'{}'" })
  mightLikeItemIds: number[];

  @ManyToOne(() => UserEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_profiles_user_fk' })
  user?: UserEntity;

  @ManyToOne(() => PreparationEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'preparation_id', foreignKeyConstraintName: 'user_profiles_preparation_fk' })
  preparation?: PreparationEntity;

  @ManyToOne(() => StereotypeEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'stereotype_id', foreignKeyConstraintName: 'user_profiles_stereotype_fk' })
  stereotype?: StereotypeEntity;

  @ManyToOne(() => ItemEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'target_item_id', foreignKeyConstraintName: 'user_profiles_target_item_fk' })
  targetItem?: ItemEntity;
}
