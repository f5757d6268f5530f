import { DataSource } from 'typeorm';

export interface RawReview {
  user: string;
  item: string;
  t: number;
  rating?: number;
  text?: string;
  /** The variant asin; defaults to the item (parent_asin). */
  asin?: string;
}

/** Writes metadata and reviews straight into the raw Amazon tables, for preparation tests. */
export async function loadRawAmazon(
  dataSource: DataSource,
  domain: string,
  items: Array<{ asin: string; title: string | null }>,
  reviews: RawReview[],
): Promise<void> {
  await dataSource.query(
    'INSERT INTO amazon_metadata (domain, parent_asin, title) SELECT $1, * FROM unnest($2::text[], $3::text[])',
    [domain, items.map((i) => i.asin), items.map((i) => i.title)],
  );
  await dataSource.query(
    `INSERT INTO amazon_reviews (domain, user_id, asin, parent_asin, rating, timestamp_ms, title, text)
     SELECT $1, u, a, p, r, t, '', x FROM unnest($2::text[], $3::text[], $4::text[], $5::real[], $6::bigint[], $7::text[]) AS v(u, a, p, r, t, x)`,
    [
      domain,
      reviews.map((r) => r.user),
      reviews.map((r) => r.asin ?? r.item),
      reviews.map((r) => r.item),
      reviews.map((r) => r.rating ?? 5),
      reviews.map((r) => r.t),
      reviews.map((r) => r.text ?? ''),
    ],
  );
}
