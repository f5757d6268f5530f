import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The id the source dataset uses (Amazon user_id; peer datasets prefix theirs). */
  @Index('users_source_id_key', { unique: true })
  @Column('text', { name: 'source_id' })
  sourceId: string;

  @Column('text', { default: 'Movies_and_TV' })
  domain: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
