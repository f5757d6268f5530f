import { DialogueEntity } from './dialogue.entity';
import { ItemEntity } from './item.entity';
import { JoinColumn, ManyToOne, Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import type { TurnRoleValue } from '../../dialogues/vocabulary';

export type RoleValue = TurnRoleValue;

@Entity('turns')
@Check('turns_role_check', `"role" IN ('USER', 'ASSISTANT')`)
@Index('turns_dialogue_index_key', ['dialogueId', 'idx'], { unique: true })
export class TurnEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'dialogue_id' })
  dialogueId: number;

  /**
   * 0-based position in the dialogue (system messages are not turns). Named as its column (the API
   * calls it `index`) so that the read path's row type derives from the entity (src/db/columns.ts).
   */
  @Column('integer', { name: 'idx' })
  idx: number;

  @Column('text')
  role: RoleValue;

  /** The utterance as shown: item tags and markers replaced by cleaned titles. */
  @Column('text')
  text: string;

  /** The utterance as the source wrote it, when it differs from `text`. */
  @Column('text', { name: 'raw_text', nullable: true })
  rawText: string | null;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dialogue_id', foreignKeyConstraintName: 'turns_dialogue_fk' })
  dialogue?: DialogueEntity;

}

@Entity('turn_mentions')
@Index('turn_mentions_turn_idx', ['turnId'])
@Index('turn_mentions_dialogue_idx', ['dialogueId'])
@Index('turn_mentions_item_idx', ['itemId', 'dialogueId'])
@Index('turn_mentions_raw_idx', ['rawId'])
export class TurnMentionEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('integer', { name: 'turn_id' })
  turnId: number;

  /** Denormalised from the turn so that "dialogues mentioning X" needs no join. */
  @Column('integer', { name: 'dialogue_id' })
  dialogueId: number;

  /** Null when the reference names no catalogue item (hallucinated or unknown id). */
  @Column('integer', { name: 'item_id', nullable: true })
  itemId: number | null;

  /** The id as written in the source (`<id_X>` → X); empty for an unresolved marker. */
  @Column('text', { name: 'raw_id' })
  rawId: string;

  /** UTF-16 offsets into the turn's `text`, end exclusive (the API's `start` and `end`). */
  @Column('integer', { name: 'start_offset' })
  startOffset: number;

  @Column('integer', { name: 'end_offset' })
  endOffset: number;

  @Column('boolean', { name: 'is_recommendation', default: false })
  isRecommendation: boolean;

  @Column('boolean', { name: 'is_first_mention', default: false })
  isFirstMention: boolean;

  @ManyToOne(() => TurnEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'turn_id', foreignKeyConstraintName: 'turn_mentions_turn_fk' })
  turn?: TurnEntity;

  @ManyToOne(() => DialogueEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dialogue_id', foreignKeyConstraintName: 'turn_mentions_dialogue_fk' })
  dialogue?: DialogueEntity;

  @ManyToOne(() => ItemEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'item_id', foreignKeyConstraintName: 'turn_mentions_item_fk' })
  item?: ItemEntity;

}
