import type { DataSource } from 'typeorm';
import { importTmdb } from '../../src/ingest/tmdb.load';
import { prepare } from '../../src/prepare/prepare';
import { PythonRandom } from '../../src/random/python-random';
import { loadRawAmazon, RawReview } from './amazon-raw';
import { SAMPLE_TMDB } from './sample';

const WORDS = 'a warm funny story about friendship with great acting and a clever plot that kept me watching until the very end of the film'.split(' ');

/**
 * A prepared world for generation tests: the bundled sample's TMDB films as Amazon items, and
 * `users` reviewers with 8–14 seeded reviews each (ratings 1–5, texts of 20–40 words), then the
 * real `prepare` (stereotype strategy, k-core 2, TMDB match), optionally also the goal-template
 * strategy. Every user survives the k-core, so `users` users are prepared.
 */
export async function seedGenerationWorld(
  dataSource: DataSource,
  options: { users: number; seed?: number; goalTemplate?: boolean },
): Promise<{ userIds: number[] }> {
  await importTmdb(dataSource, SAMPLE_TMDB, { quiet: true });
  const items: Array<{ asin: string; title: string }> = await dataSource.query('SELECT asin, title FROM items ORDER BY asin');
  const rng = new PythonRandom(options.seed ?? 7);
  const reviews: RawReview[] = [];
  for (let u = 0; u < options.users; u++) {
    const user = `AGENUSER${String(u).padStart(6, '0')}`;
    const picks = items.map((i) => i.asin);
    rng.shuffle(picks);
    const n = 8 + Math.floor(rng.random() * 7);
    for (let k = 0; k < n; k++) {
      const words = Array.from({ length: 20 + Math.floor(rng.random() * 20) }, () => WORDS[Math.floor(rng.random() * WORDS.length)]);
      reviews.push({ user, item: picks[k], t: 1_600_000_000_000 + u * 1_000_000 + k * 1000, rating: 1 + Math.floor(rng.random() * 5), text: words.join(' ') });
    }
  }
  await loadRawAmazon(dataSource, 'Movies_and_TV', items, reviews);
  await prepare(dataSource, { kCore: 2, seed: 42 });
  if (options.goalTemplate) await prepare(dataSource, { strategy: 'GOAL_TEMPLATE', kCore: 2, seed: 42 });
  const rows: Array<{ id: number }> = await dataSource.query(
    `SELECT u.id FROM users u JOIN user_profiles p ON p.user_id = u.id AND p.strategy = 'STEREOTYPE' ORDER BY u.source_id`,
  );
  return { userIds: rows.map((r) => r.id) };
}
