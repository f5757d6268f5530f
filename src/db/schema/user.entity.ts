import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity('users')
// The same Amazon reviewer in two categories is two users: every dataset is per domain.
@Index('users_domain_source_id_key', ['domain', 'sourceId'], { unique: true })
export class UserEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The id the source dataset uses (Amazon user_id; peer datasets prefix theirs). */
  @Index('users_source_id_idx')
  @Column('text', { name: 'source_id' })
  sourceId: string;

  @Column('text', { default: 'Movies_and_TV' })
  domain: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
