import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../transformers';

/*
 * Raw Amazon Reviews 2023 tables (docs/formats.md §1), stored as read so that `recdial prepare` can be
 * re-run with other settings without re-importing. An import replaces one domain's rows of a kind.
 * No secondary indexes on reviews and ratings: they are written by COPY at tens of millions of rows
 * and only ever read whole per domain by `prepare`, which hashes them.
 */

@Entity('amazon_reviews')
export class AmazonReviewEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('text')
  domain: string;

  @Column('text', { name: 'user_id' })
  userId: string;

  /** The purchased variant. */
  @Column('text')
  asin: string;

  /** The product group: the item key. */
  @Column('text', { name: 'parent_asin' })
  parentAsin: string;

  @Column('real')
  rating: number;

  @Column('bigint', { name: 'timestamp_ms', transformer: bigintAsNumber })
  timestampMs: number;

  @Column('text', { default: '' })
  title: string;

  @Column('text', { default: '' })
  text: string;

  @Column('jsonb', { nullable: true })
  images: unknown[] | null;

  @Column('integer', { name: 'helpful_vote', nullable: true })
  helpfulVote: number | null;

  @Column('boolean', { name: 'verified_purchase', nullable: true })
  verifiedPurchase: boolean | null;

  /** Unknown keys of the source record (and legacy fields without a column). */
  @Column('jsonb', { nullable: true })
  extra: Record<string, unknown> | null;
}

@Entity('amazon_metadata')
@Index('amazon_metadata_domain_parent_asin_key', ['domain', 'parentAsin'], { unique: true })
export class AmazonMetadataEntity {
  @PrimaryGeneratedColumn()
  id: number;

  @Column('text')
  domain: string;

  @Column('text', { name: 'parent_asin' })
  parentAsin: string;

  @Column('text', { name: 'main_category', nullable: true })
  mainCategory: string | null;

  @Column('text', { nullable: true })
  title: string | null;

  @Column('real', { name: 'average_rating', nullable: true })
  averageRating: number | null;

  @Column('integer', { name: 'rating_number', nullable: true })
  ratingNumber: number | null;

  @Column('text', { array: true, default: () => "'{}'" })
  features: string[];

  @Column('text', { array: true, default: () => "'{}'" })
  description: string[];

  @Column('numeric', { nullable: true })
  price: string | null;

  @Column('text', { nullable: true })
  store: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  categories: string[];

  /** An object in the raw files; a string that is not JSON is kept as a JSON string. */
  @Column('jsonb', { nullable: true })
  details: unknown;

  @Column('text', { nullable: true })
  subtitle: string | null;

  @Column('text', { nullable: true })
  author: string | null;

  /** images, videos, bought_together and unknown keys. */
  @Column('jsonb', { nullable: true })
  extra: Record<string, unknown> | null;
}

@Entity('amazon_ratings')
export class AmazonRatingEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column('text')
  domain: string;

  @Column('text', { name: 'user_id' })
  userId: string;

  @Column('text', { name: 'parent_asin' })
  parentAsin: string;

  @Column('real')
  rating: number;

  @Column('bigint', { name: 'timestamp_ms', transformer: bigintAsNumber })
  timestampMs: number;
}
