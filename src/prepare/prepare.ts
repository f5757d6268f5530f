import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { copyRows, CopyValue } from '../db/copy';
import { ImportTransaction, inImportTransaction } from '../ingest/import-run';
import { cleanTitle } from '../ingest/titles';
import type { StrategyValue } from '../db/schema/preparation.entity';
import { PythonRandom } from '../random/python-random';
import { reviewWordCount } from './review-words';

/*
 * `recdial prepare`: from the raw Amazon tables of one domain to core users with their
 * interactions and profiles (docs/pipeline.md §2–§3.4 for the STEREOTYPE strategy, §11.1 for
 * GOAL_TEMPLATE). Set-based SQL over temporary tables, in one transaction under the import lock,
 * so that a failed run leaves the previous preparation in place. Only the per-row work SQL cannot
 * express the way the spec defines it (title cleaning, review word counts, the Python-compatible
 * draws) streams through Node, in batches.
 */

export interface PrepareOptions {
  domain?: string;
  strategy?: StrategyValue;
  /** k of the iterative k-core; default 12 (STEREOTYPE) or 10 (GOAL_TEMPLATE). */
  kCore?: number;
  /** History items before the target (STEREOTYPE); default 9. */
  historySize?: number;
  /** Seed of the stereotype draw; default 42. */
  seed?: number;
  /** Require a tmdb_movies.json record for every catalogue item; default: when the domain has TMDB items. */
  tmdbMatch?: boolean;
  /** Review length bounds in words (GOAL_TEMPLATE); default 20–400. */
  minWords?: number;
  maxWords?: number;
  /**
   * STEREOTYPE only: the target is the latest interaction rated at least this (1–5); users
   * without one are skipped as NO_TARGET (docs/pipeline.md §2.5). Default: none, any rating.
   */
  targetMinRating?: number;
  log?: (line: string) => void;
}

export interface PrepareConfig {
  domain: string;
  strategy: StrategyValue;
  kCore: number;
  historySize: number;
  seed: number;
  tmdbMatch: boolean;
  minTitleLength: number;
  likedThreshold: number;
  minWords: number | null;
  maxWords: number | null;
  /** Null: the target is the latest interaction whatever its rating (the original's behaviour). */
  targetMinRating: number | null;
  ratingsSource: 'ratings' | 'reviews';
}

export interface KCoreRound {
  round: number;
  rows: number;
  users: number;
  items: number;
  removed: number;
}

export interface PrepareReport {
  preparationId: number;
  config: PrepareConfig;
  configHash: string;
  itemsRead: number;
  itemsRemoved: Record<string, number>;
  catalogueItems: number;
  ratingRows: number;
  kCoreRounds: KCoreRound[];
  coreUsers: number;
  coreItems: number;
  reviewsRemoved: Record<string, number>;
  interactions: number;
  usersSkipped: Record<string, number>;
  users: number;
  warnings: Record<string, number>;
  usersPerStereotype: Record<string, number>;
  /**
   * When no user was kept: which stage removed them and what to try (e.g. a smaller --k-core).
   * Null when users were kept. Not stored with the preparation: it explains this run's output.
   */
  noUsersExplanation: string | null;
}

/** A problem with the request itself (nothing imported yet, bad option): a usage error, nothing written. */
export class PrepareError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PrepareError';
  }
}

const BATCH = 5000;

async function scalar(manager: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await manager.query(sql, params);
  return Number(Object.values(row)[0]);
}

async function counts(manager: EntityManager, sql: string, params: unknown[] = []): Promise<Record<string, number>> {
  const rows: Array<{ key: string; n: number }> = await manager.query(sql, params);
  return Object.fromEntries(rows.map((r) => [r.key, Number(r.n)]));
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new PrepareError(`${name} must be a positive integer (got ${value})`);
  return value;
}

async function resolveConfig(manager: EntityManager, o: PrepareOptions): Promise<PrepareConfig> {
  const domain = o.domain ?? 'Movies_and_TV';
  const strategy = o.strategy ?? 'STEREOTYPE';
  const goal = strategy === 'GOAL_TEMPLATE';
  const hasReviews = await scalar(manager, 'SELECT count(*) FROM (SELECT 1 FROM amazon_reviews WHERE domain = $1 LIMIT 1) r', [domain]);
  const hasMeta = await scalar(manager, 'SELECT count(*) FROM (SELECT 1 FROM amazon_metadata WHERE domain = $1 LIMIT 1) m', [domain]);
  if (!hasReviews || !hasMeta) {
    const known: Array<{ domain: string }> = await manager.query('SELECT DISTINCT domain FROM amazon_reviews ORDER BY 1');
    const missing = !hasReviews ? 'reviews' : 'item metadata';
    const flag = !hasReviews ? '--reviews' : '--meta';
    throw new PrepareError(
      `no Amazon ${missing} imported for domain "${domain}": run \`recdial import amazon ${flag} FILE --domain ${domain}\` first` +
        (known.length ? ` (domains with reviews: ${known.map((k) => k.domain).join(', ')})` : ''),
    );
  }
  const hasTmdb = await scalar(manager, 'SELECT count(*) FROM (SELECT 1 FROM items WHERE domain = $1 AND tmdb_id IS NOT NULL LIMIT 1) i', [domain]);
  const tmdbMatch = goal ? false : (o.tmdbMatch ?? hasTmdb > 0);
  if (tmdbMatch && !hasTmdb) throw new PrepareError(`--tmdb-match needs tmdb_movies.json items in domain "${domain}": run \`recdial import tmdb FILE\` first`);
  const hasRatings = await scalar(manager, 'SELECT count(*) FROM (SELECT 1 FROM amazon_ratings WHERE domain = $1 LIMIT 1) r', [domain]);
  const minWords = goal ? positiveInt('minWords', o.minWords ?? 20) : null;
  const maxWords = goal ? positiveInt('maxWords', o.maxWords ?? 400) : null;
  if (minWords !== null && maxWords !== null && minWords > maxWords) throw new PrepareError(`minWords (${minWords}) is larger than maxWords (${maxWords})`);
  const targetMinRating = o.targetMinRating ?? null;
  if (targetMinRating !== null) {
    if (goal) throw new PrepareError('targetMinRating applies to the stereotype strategy only (goal-template has no target)');
    if (!Number.isInteger(targetMinRating) || targetMinRating < 1 || targetMinRating > 5) {
      throw new PrepareError(`targetMinRating must be an integer from 1 to 5 (got ${targetMinRating})`);
    }
  }
  const seed = o.seed ?? 42;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new PrepareError(`seed must be a non-negative integer (got ${seed})`);
  return {
    domain,
    strategy,
    kCore: positiveInt('kCore', o.kCore ?? (goal ? 10 : 12)),
    historySize: positiveInt('historySize', o.historySize ?? 9),
    seed,
    tmdbMatch,
    minTitleLength: 3,
    likedThreshold: 3,
    minWords,
    maxWords,
    targetMinRating,
    // The goal-template strategy filters reviews by length, so it always starts from the reviews.
    ratingsSource: hasRatings && !goal ? 'ratings' : 'reviews',
  };
}

/** Canonical JSON (sorted keys) so that equal configurations hash equally. */
function canonicalJson(value: Record<string, unknown>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** §2.1: the candidate catalogue, each removed item counted under its first failing reason. */
async function filterItems(m: EntityManager, c: PrepareConfig): Promise<{ read: number; removed: Record<string, number> }> {
  await m.query(
    `CREATE TEMP TABLE _items ON COMMIT DROP AS
     SELECT md.parent_asin, md.title,
            CASE WHEN md.title IS NULL THEN 'NO_TITLE'
                 WHEN char_length(regexp_replace(md.title, '^\\s+|\\s+$', '', 'g')) < $2 THEN 'SHORT_TITLE'
                 WHEN $3 AND NOT EXISTS (SELECT 1 FROM items i WHERE i.asin = md.parent_asin AND i.tmdb_id IS NOT NULL) THEN 'NO_TMDB_MATCH'
            END AS reason
       FROM amazon_metadata md WHERE md.domain = $1`,
    [c.domain, c.minTitleLength, c.tmdbMatch],
  );
  await m.query('CREATE TEMP TABLE _catalogue ON COMMIT DROP AS SELECT parent_asin FROM _items WHERE reason IS NULL');
  await m.query('ALTER TABLE _catalogue ADD PRIMARY KEY (parent_asin)');
  // Temporary tables get no statistics from autovacuum; without them the planner guesses badly at millions of rows.
  await m.query('ANALYZE _catalogue');
  return {
    read: await scalar(m, 'SELECT count(*) FROM _items'),
    removed: await counts(m, 'SELECT reason AS key, count(*) AS n FROM _items WHERE reason IS NOT NULL GROUP BY 1 ORDER BY 1'),
  };
}

/**
 * GOAL_TEMPLATE §11.1 steps 2–3: reviews of catalogue items with minWords–maxWords words. Word
 * counting follows the `word` tokenizer, which SQL regexes cannot reproduce, so the texts stream
 * through Node once, in batches through a cursor.
 */
async function filterReviewsByLength(tx: ImportTransaction, c: PrepareConfig): Promise<Record<string, number>> {
  const m = tx.manager;
  await m.query('CREATE TEMP TABLE _review_ok (id bigint PRIMARY KEY) ON COMMIT DROP');
  await m.query(
    `DECLARE _reviews NO SCROLL CURSOR FOR
     SELECT r.id, r.text FROM amazon_reviews r JOIN _catalogue c ON c.parent_asin = r.parent_asin WHERE r.domain = $1`,
    [c.domain],
  );
  let tooShort = 0;
  let tooLong = 0;
  for (;;) {
    const rows: Array<{ id: string; text: string }> = await m.query(`FETCH ${BATCH} FROM _reviews`);
    if (!rows.length) break;
    const kept: CopyValue[][] = [];
    for (const row of rows) {
      const words = reviewWordCount(row.text);
      if (words < c.minWords!) tooShort++;
      else if (words > c.maxWords!) tooLong++;
      else kept.push([row.id]);
    }
    await copyRows(tx.client, { table: '_review_ok', columns: [{ name: 'id' }] }, kept);
  }
  await m.query('CLOSE _reviews');
  return { TOO_FEW_WORDS: tooShort, TOO_MANY_WORDS: tooLong };
}

/** §2.2: one row per (user, item) of the catalogue: the rating table's earliest, or the reviews' earliest. */
async function restrictRatings(m: EntityManager, c: PrepareConfig): Promise<number> {
  const source =
    c.ratingsSource === 'ratings'
      ? 'SELECT r.user_id, r.parent_asin, r.timestamp_ms FROM amazon_ratings r WHERE r.domain = $1'
      : c.strategy === 'GOAL_TEMPLATE'
        ? 'SELECT r.user_id, r.parent_asin, r.timestamp_ms FROM amazon_reviews r JOIN _review_ok k ON k.id = r.id WHERE r.domain = $1'
        : 'SELECT r.user_id, r.parent_asin, r.timestamp_ms FROM amazon_reviews r WHERE r.domain = $1';
  await m.query(
    `CREATE TEMP TABLE _pairs ON COMMIT DROP AS
     SELECT DISTINCT ON (s.user_id, s.parent_asin) s.user_id, s.parent_asin
       FROM (${source}) s JOIN _catalogue c ON c.parent_asin = s.parent_asin
      ORDER BY s.user_id, s.parent_asin, s.timestamp_ms`,
    [c.domain],
  );
  await m.query('ANALYZE _pairs');
  return scalar(m, 'SELECT count(*) FROM _pairs');
}

/**
 * §2.3: each round deletes every row whose user or item has fewer than k rows, both counts taken
 * before the round's deletion (one DELETE sees one snapshot); stop when a round deletes nothing.
 */
async function kCore(m: EntityManager, c: PrepareConfig, log: (line: string) => void): Promise<KCoreRound[]> {
  const rounds: KCoreRound[] = [];
  for (let round = 1; ; round++) {
    const [stats] = await m.query('SELECT count(*)::int AS rows, count(DISTINCT user_id)::int AS users, count(DISTINCT parent_asin)::int AS items FROM _pairs');
    const [{ removed }] = await m.query(
      `WITH gone AS (
         DELETE FROM _pairs WHERE user_id IN (SELECT user_id FROM _pairs GROUP BY 1 HAVING count(*) < $1)
                               OR parent_asin IN (SELECT parent_asin FROM _pairs GROUP BY 1 HAVING count(*) < $1)
         RETURNING 1)
       SELECT count(*)::int AS removed FROM gone`,
      [c.kCore],
    );
    rounds.push({ round, ...stats, removed });
    log(`k-core round ${round}: ${stats.rows} rows, ${stats.users} users, ${stats.items} items; ${removed} rows removed`);
    if (removed === 0) return rounds;
  }
}

/** The largest k below `below` whose k-core of the restricted rating table keeps a user, or null. */
async function largestKeepingK(m: EntityManager, c: PrepareConfig, below: number): Promise<number | null> {
  for (let k = below - 1; k >= 1; k--) {
    await m.query('DROP TABLE IF EXISTS _pairs');
    await restrictRatings(m, c);
    await kCore(m, { ...c, kCore: k }, () => undefined);
    if ((await scalar(m, 'SELECT count(*) FROM _pairs')) > 0) return k;
  }
  return null;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en')} ${word}${n === 1 ? '' : 's'}`;

/** Which stage removed every user (item filter, rating table, a k-core round, profiles), and what to try instead. */
async function explainNoUsers(m: EntityManager, c: PrepareConfig, r: Omit<PrepareReport, 'preparationId' | 'config' | 'configHash' | 'noUsersExplanation'>): Promise<string> {
  const head = `No user was kept for ${c.domain}:`;
  if (r.itemsRead === 0) return `${head} no Amazon item metadata of this domain was imported (recdial import amazon --meta …).`;
  if (r.catalogueItems === 0) {
    const reasons = Object.entries(r.itemsRemoved).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ');
    return `${head} the item filter removed all ${plural(r.itemsRead, 'item')} (${reasons}).` +
      (r.itemsRemoved.NO_TMDB_MATCH ? ' Import the tmdb_movies.json that covers them first, or pass --no-tmdb-match.' : '');
  }
  if (r.ratingRows === 0) {
    return `${head} no ${c.ratingsSource === 'ratings' ? 'rating' : 'review'} names one of the ${plural(r.catalogueItems, 'item')} that passed the item filter.`;
  }
  if (r.coreUsers === 0) {
    const last = [...r.kCoreRounds].reverse().find((x) => x.rows > 0) ?? r.kCoreRounds[0];
    const k = await largestKeepingK(m, c, c.kCore);
    return `${head} the ${c.kCore}-core removed them all — round ${last.round} started with ${plural(last.rows, 'rating row')} of ` +
      `${plural(last.users, 'user')} and ${plural(last.items, 'item')} and removed every row (each user or item had fewer than ${c.kCore}). ` +
      (k === null ? 'No k-core keeps a user here: import more reviews.' : `The largest k that keeps users here is ${k}: try --k-core ${k}.`);
  }
  const skipped = Object.entries(r.usersSkipped).filter(([, n]) => n > 0).map(([key, n]) => `${key} ${n}`).join(', ');
  return `${head} the ${plural(r.coreUsers, 'core user')} of the ${c.kCore}-core were all skipped (${skipped}).` +
    (r.usersSkipped.NO_TARGET ? ` NO_TARGET users have no interaction rated ${c.targetMinRating} or more; try a lower --target-min-rating, or none.` : '') +
    (r.usersSkipped.NO_GOLD ? ' The goal-template view needs two positive reviews (≥ 4 stars) per user; try a smaller --k-core or wider --min-words/--max-words.' : '');
}

/**
 * §2.4: every review of a core user and a core item (variants count for their parent_asin), one
 * per (user, parent_asin): the earliest under the §2.5 order, strings by code point (COLLATE "C").
 */
async function selectInteractions(m: EntityManager, c: PrepareConfig): Promise<{ kept: number; duplicates: number }> {
  const lengthFilter = c.strategy === 'GOAL_TEMPLATE' ? 'JOIN _review_ok k ON k.id = r.id' : '';
  await m.query(
    `CREATE TEMP TABLE _reviews ON COMMIT DROP AS
     SELECT r.* FROM amazon_reviews r ${lengthFilter}
      WHERE r.domain = $1
        AND r.user_id IN (SELECT user_id FROM _pairs)
        AND r.parent_asin IN (SELECT parent_asin FROM _pairs)`,
    [c.domain],
  );
  await m.query(
    `CREATE TEMP TABLE _interactions ON COMMIT DROP AS
     SELECT DISTINCT ON (user_id, parent_asin) * FROM _reviews
      ORDER BY user_id, parent_asin, timestamp_ms, rating, title COLLATE "C", text COLLATE "C", id`,
  );
  await m.query('ANALYZE _interactions');
  const total = await scalar(m, 'SELECT count(*) FROM _reviews');
  const kept = await scalar(m, 'SELECT count(*) FROM _interactions');
  return { kept, duplicates: total - kept };
}

/**
 * Core items get an `items` row: items TMDB covers already have one (their Amazon description,
 * features, categories and details are refreshed); others are titled from the Amazon metadata.
 */
async function upsertItems(tx: ImportTransaction, c: PrepareConfig): Promise<void> {
  const m = tx.manager;
  await m.query(
    `UPDATE items i SET description = md.description, features = md.features, categories = md.categories, details = md.details
       FROM amazon_metadata md
      WHERE md.domain = $1 AND md.parent_asin = i.asin AND md.parent_asin IN (SELECT DISTINCT parent_asin FROM _interactions)
        AND (i.description, i.features, i.categories, i.details) IS DISTINCT FROM (md.description, md.features, md.categories, md.details)`,
    [c.domain],
  );
  await m.query('CREATE TEMP TABLE _new_items (asin text, title text, cleaned_title text) ON COMMIT DROP');
  await m.query(
    `DECLARE _missing NO SCROLL CURSOR FOR
     SELECT md.parent_asin, btrim(md.title) AS title FROM amazon_metadata md
      WHERE md.domain = $1 AND md.parent_asin IN (SELECT DISTINCT parent_asin FROM _interactions)
        AND NOT EXISTS (SELECT 1 FROM items i WHERE i.asin = md.parent_asin)
      ORDER BY md.parent_asin`,
    [c.domain],
  );
  for (;;) {
    const rows: Array<{ parent_asin: string; title: string }> = await m.query(`FETCH ${BATCH} FROM _missing`);
    if (!rows.length) break;
    await copyRows(
      tx.client,
      { table: '_new_items', columns: [{ name: 'asin' }, { name: 'title' }, { name: 'cleaned_title' }] },
      rows.map((r) => [r.parent_asin, r.title, cleanTitle(r.title)]),
    );
  }
  await m.query('CLOSE _missing');
  await m.query(
    `INSERT INTO items (asin, domain, title, cleaned_title, description, features, categories, details)
     SELECT n.asin, $1, n.title, n.cleaned_title, md.description, md.features, md.categories, md.details
       FROM _new_items n JOIN amazon_metadata md ON md.domain = $1 AND md.parent_asin = n.asin
      ORDER BY n.asin`,
    [c.domain],
  );
}

/** Users and their interactions; the STEREOTYPE strategy's rows (earliest review) win over GOAL_TEMPLATE's. */
async function writeInteractions(m: EntityManager, c: PrepareConfig): Promise<void> {
  await m.query(
    `INSERT INTO users (source_id, domain) SELECT DISTINCT user_id, $1 FROM _interactions ORDER BY 1
     ON CONFLICT (domain, source_id) DO NOTHING`,
    [c.domain],
  );
  const onConflict =
    c.strategy === 'STEREOTYPE'
      ? `DO UPDATE SET rating = EXCLUDED.rating, timestamp_ms = EXCLUDED.timestamp_ms, review_title = EXCLUDED.review_title,
           review_text = EXCLUDED.review_text, extra = EXCLUDED.extra
         WHERE (interactions.rating, interactions.timestamp_ms, interactions.review_title, interactions.review_text, interactions.extra)
               IS DISTINCT FROM (EXCLUDED.rating, EXCLUDED.timestamp_ms, EXCLUDED.review_title, EXCLUDED.review_text, EXCLUDED.extra)`
      : 'DO NOTHING';
  await m.query(
    `INSERT INTO interactions (user_id, item_id, rating, timestamp_ms, review_title, review_text, extra)
     SELECT u.id, i.id, x.rating, x.timestamp_ms, x.title, x.text,
            jsonb_strip_nulls(jsonb_build_object('asin', x.asin, 'helpfulVote', x.helpful_vote, 'verifiedPurchase', x.verified_purchase, 'images', x.images))
       FROM _interactions x JOIN users u ON u.domain = $1 AND u.source_id = x.user_id JOIN items i ON i.asin = x.parent_asin
      ORDER BY u.id, x.timestamp_ms, i.id
     ON CONFLICT (user_id, item_id) ${onConflict}`,
    [c.domain],
  );
}

// §2.5 order; the review id breaks the (theoretical) remaining ties.
const CHRONOLOGICAL = 'x.timestamp_ms, x.rating, x.parent_asin COLLATE "C", x.title COLLATE "C", x.text COLLATE "C", x.id';

/**
 * STEREOTYPE profiles: target = latest interaction (with targetMinRating: the latest one rated at
 * least that), history = up to historySize interactions immediately before the target in the §2.5
 * order, liked = rating > 3. Interactions after a chosen earlier target are not used at all: the
 * target stays the user's "next" item, as it is when the latest review is the target. Users
 * without a target get no profile (NO_TARGET). Returns the number of profiles written.
 */
async function writeStereotypeProfiles(m: EntityManager, c: PrepareConfig, preparationId: number): Promise<number> {
  const [{ n }] = await m.query(
    `WITH o AS (
       SELECT u.id AS uid, i.id AS iid, x.rating,
              row_number() OVER (PARTITION BY x.user_id ORDER BY ${CHRONOLOGICAL}) AS rn
         FROM _interactions x JOIN users u ON u.domain = $1 AND u.source_id = x.user_id JOIN items i ON i.asin = x.parent_asin),
     t AS (SELECT o.*, max(rn) FILTER (WHERE $5::int IS NULL OR rating >= $5) OVER (PARTITION BY uid) AS target_rn FROM o),
     ins AS (
       INSERT INTO user_profiles (user_id, strategy, preparation_id, target_item_id, history_item_ids, liked_item_ids, disliked_item_ids)
       SELECT uid, 'STEREOTYPE', $3,
              max(iid) FILTER (WHERE rn = target_rn),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE rn < target_rn AND rn >= target_rn - $2), '{}'),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE rn < target_rn AND rn >= target_rn - $2 AND rating > $4), '{}'),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE rn < target_rn AND rn >= target_rn - $2 AND rating <= $4), '{}')
         FROM t WHERE target_rn IS NOT NULL
        GROUP BY uid ORDER BY uid
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [c.domain, c.historySize, preparationId, c.likedThreshold, c.targetMinRating],
  );
  return n;
}

/**
 * GOAL_TEMPLATE profiles (§11.1 steps 5–7): positives ≥ 4 stars, negatives ≤ 2; MIGHT_LIKES = the
 * last ceil(10 %) of the positives, LIKES the others; history = everything but MIGHT_LIKES.
 * Users with fewer than 2 positives get no profile (NO_GOLD).
 */
async function writeGoalProfiles(m: EntityManager, c: PrepareConfig, preparationId: number): Promise<number> {
  const [{ n }] = await m.query(
    `WITH o AS (
       SELECT u.id AS uid, i.id AS iid, x.rating,
              row_number() OVER (PARTITION BY x.user_id ORDER BY ${CHRONOLOGICAL}) AS rn,
              count(*) FILTER (WHERE x.rating >= 4) OVER (PARTITION BY x.user_id) AS positives,
              count(*) FILTER (WHERE x.rating >= 4) OVER (PARTITION BY x.user_id ORDER BY ${CHRONOLOGICAL} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS positive_rank
         FROM _interactions x JOIN users u ON u.domain = $1 AND u.source_id = x.user_id JOIN items i ON i.asin = x.parent_asin),
     t AS (SELECT o.*, o.rating >= 4 AND o.positive_rank > o.positives - ceil(o.positives * 0.1) AS might_like FROM o WHERE o.positives >= 2),
     ins AS (
       INSERT INTO user_profiles (user_id, strategy, preparation_id, history_item_ids, liked_item_ids, disliked_item_ids, might_like_item_ids)
       SELECT uid, 'GOAL_TEMPLATE', $2,
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE NOT might_like), '{}'),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE rating >= 4 AND NOT might_like), '{}'),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE rating <= 2), '{}'),
              coalesce(array_agg(iid ORDER BY rn) FILTER (WHERE might_like), '{}')
         FROM t GROUP BY uid ORDER BY uid
       RETURNING 1)
     SELECT count(*)::int AS n FROM ins`,
    [c.domain, preparationId],
  );
  return n;
}

/**
 * §3.4: users with a profile, in code-point order of their source id, each draw one stereotype:
 * index floor(random() × 5) into the canonical order, from one generator seeded with `seed`.
 */
async function assignStereotypes(tx: ImportTransaction, c: PrepareConfig, preparationId: number): Promise<Record<string, number>> {
  const m = tx.manager;
  const stereotypes: Array<{ id: number; key: string }> = await m.query('SELECT id, key FROM stereotypes ORDER BY id');
  const rng = new PythonRandom(c.seed);
  await m.query('CREATE TEMP TABLE _draws (user_id int PRIMARY KEY, stereotype_id smallint) ON COMMIT DROP');
  await m.query(
    `DECLARE _drawn NO SCROLL CURSOR FOR
     SELECT p.user_id FROM user_profiles p JOIN users u ON u.id = p.user_id
      WHERE p.preparation_id = $1 AND p.strategy = 'STEREOTYPE' ORDER BY u.source_id COLLATE "C"`,
    [preparationId],
  );
  for (;;) {
    const rows: Array<{ user_id: number }> = await m.query(`FETCH ${BATCH} FROM _drawn`);
    if (!rows.length) break;
    await copyRows(
      tx.client,
      { table: '_draws', columns: [{ name: 'user_id' }, { name: 'stereotype_id' }] },
      rows.map((r) => [r.user_id, stereotypes[rng.choiceIndex(stereotypes.length)].id]),
    );
  }
  await m.query('CLOSE _drawn');
  await m.query(`UPDATE user_profiles p SET stereotype_id = d.stereotype_id FROM _draws d WHERE p.user_id = d.user_id AND p.strategy = 'STEREOTYPE'`);
  return counts(m, 'SELECT s.key, count(d.user_id) AS n FROM stereotypes s LEFT JOIN _draws d ON d.stereotype_id = s.id GROUP BY s.id, s.key ORDER BY s.id');
}

/**
 * Runs one preparation of a domain and strategy. The domain's profiles of that strategy are
 * replaced as a whole; users and items are upserted (dialogues may point at them); interactions
 * are upserted per (user, item).
 */
export async function prepare(dataSource: DataSource, options: PrepareOptions = {}): Promise<PrepareReport> {
  const log = options.log ?? (() => {});
  return inImportTransaction(dataSource, async (tx) => {
    const m = tx.manager;
    const config = await resolveConfig(m, options);
    // A configuration without targetMinRating hashes as it did before the option existed, so
    // that the hashes of earlier preparations still match a rerun with the same options.
    const { targetMinRating, ...hashedWithout } = config;
    const configHash = createHash('sha256').update(canonicalJson(targetMinRating === null ? hashedWithout : { ...config })).digest('hex');
    log(`prepare ${config.domain} (${config.strategy}): k-core ${config.kCore}, seed ${config.seed}, ratings from ${config.ratingsSource}`);

    const items = await filterItems(m, config);
    const catalogueItems = items.read - Object.values(items.removed).reduce((a, b) => a + b, 0);
    log(`item filter: ${items.read} items, ${catalogueItems} kept ${JSON.stringify(items.removed)}`);
    const reviewsRemoved = config.strategy === 'GOAL_TEMPLATE' ? await filterReviewsByLength(tx, config) : {};
    const ratingRows = await restrictRatings(m, config);
    const rounds = await kCore(m, config, log);
    const coreUsers = await scalar(m, 'SELECT count(DISTINCT user_id) FROM _pairs');
    const coreItems = await scalar(m, 'SELECT count(DISTINCT parent_asin) FROM _pairs');
    const selected = await selectInteractions(m, config);
    reviewsRemoved.DUPLICATE_REVIEW = selected.duplicates;
    const usersWithInteractions = await scalar(m, 'SELECT count(DISTINCT user_id) FROM _interactions');

    await upsertItems(tx, config);
    await writeInteractions(m, config);

    const [{ id: preparationId }] = await m.query(
      'INSERT INTO preparations (domain, strategy, config, config_hash) VALUES ($1, $2, $3, $4) RETURNING id',
      [config.domain, config.strategy, JSON.stringify(config), configHash],
    );
    await m.query('DELETE FROM user_profiles WHERE strategy = $1 AND user_id IN (SELECT id FROM users WHERE domain = $2)', [config.strategy, config.domain]);
    const usersSkipped: Record<string, number> = { NO_INTERACTIONS: coreUsers - usersWithInteractions };
    const warnings: Record<string, number> = {};
    let usersPerStereotype: Record<string, number> = {};
    let users: number;
    if (config.strategy === 'STEREOTYPE') {
      users = await writeStereotypeProfiles(m, config, preparationId);
      // Only with the option: without it every user with an interaction has a target.
      if (config.targetMinRating !== null) usersSkipped.NO_TARGET = usersWithInteractions - users;
      warnings.EMPTY_HISTORY = await scalar(m, "SELECT count(*) FROM user_profiles WHERE preparation_id = $1 AND history_item_ids = '{}'", [preparationId]);
      usersPerStereotype = await assignStereotypes(tx, config, preparationId);
    } else {
      users = await writeGoalProfiles(m, config, preparationId);
      usersSkipped.NO_GOLD = usersWithInteractions - users;
    }

    const report = {
      itemsRead: items.read,
      itemsRemoved: items.removed,
      catalogueItems,
      ratingRows,
      kCoreRounds: rounds,
      coreUsers,
      coreItems,
      reviewsRemoved,
      interactions: selected.kept,
      usersSkipped,
      users,
      warnings,
      usersPerStereotype,
    };
    await m.query('UPDATE preparations SET report = $2 WHERE id = $1', [preparationId, JSON.stringify(report)]);
    // Last, because looking for a k that keeps users rebuilds _pairs.
    const noUsersExplanation = users === 0 ? await explainNoUsers(m, config, report) : null;
    return { preparationId, config, configHash, ...report, noUsersExplanation };
  });
}
