import { ItemEntity } from './item.entity';
import { JoinColumn, ManyToOne, Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A typed knowledge-graph entity: `person:<tmdb id>`, `genre:<tmdb id>`, `keyword:<tmdb id>`. */
@Entity('kg_entities')
export class KgEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Index('kg_entities_key_key', { unique: true })
  @Column('text')
  key: string;

  @Column('text')
  type: string;

  @Column('text')
  name: string;
}

/** An edge item → entity with its relation (`has_acting`, `has_genre`, `has_directing`, …). */
@Entity('item_entities')
@Index('item_entities_entity_idx', ['entityId'])
export class ItemEntityLink {
  @PrimaryColumn('integer', { name: 'item_id' })
  itemId: number;

  @PrimaryColumn('text')
  relation: string;

  @PrimaryColumn('integer', { name: 'entity_id' })
  entityId: number;

  /** Order within the relation as the source lists it (cast by popularity). */
  @Column('integer')
  position: number;

  @ManyToOne(() => ItemEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'item_id', foreignKeyConstraintName: 'item_entities_item_fk' })
  item?: ItemEntity;

  @ManyToOne(() => KgEntity, { nullable: false, onDelete: 'CASCADE' })
  @JoinColumn({ name: 'entity_id', foreignKeyConstraintName: 'item_entities_entity_fk' })
  entity?: KgEntity;

}
