import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity('items')
@Index('items_domain_id_idx', ['domain', 'id'])
@Index('items_genres_idx', { synchronize: false }) // GIN over genres, defined in the migration
@Index('items_title_fts_idx', { synchronize: false }) // GIN over to_tsvector(title), defined in the migration
export class ItemEntity {
  @PrimaryGeneratedColumn()
  id: number;

  /** The Amazon parent_asin, or a minted key (`redial:123`) for peer datasets. */
  @Index('items_asin_key', { unique: true })
  @Column('text')
  asin: string;

  @Column('text', { default: 'Movies_and_TV' })
  domain: string;

  @Column('text')
  title: string;

  /** Title with (...) and [...] removed, whitespace collapsed: what dialogues show. */
  @Column('text', { name: 'cleaned_title' })
  cleanedTitle: string;

  @Column('text', { array: true, default: () => "'{}'" })
  genres: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  keywords: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  cast: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  directors: string[];

  @Column('text', { nullable: true })
  overview: string | null;

  @Column('text', { nullable: true })
  collection: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  countries: string[];

  @Column('text', { name: 'visual_caption', nullable: true })
  visualCaption: string | null;

  @Column('integer', { name: 'tmdb_id', nullable: true })
  tmdbId: number | null;

  /** Amazon metadata (docs/formats.md §1.3), kept for every item, the only description of items TMDB does not cover. */
  @Column('text', { array: true, default: () => "'{}'" })
  description: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  features: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  categories: string[];

  @Column('jsonb', { nullable: true })
  details: unknown;

  /** The source record as read (TMDB fields, unknown keys in `extra`). */
  @Column('jsonb', { default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
