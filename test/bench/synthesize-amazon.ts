/**
 * Deterministic synthesizer of an Amazon Reviews 2023 review file (docs/formats.md §1.2) for
 * `bench:amazon`: one JSON object per line, written like Python's `json.dumps` (`", "`, `": "`,
 * ratings as floats), with the field mix of the Movies_and_TV file: mostly short texts and a long
 * tail up to ~1,500 words, `<br />` paragraphs, some emoji and accents, reviewer images on a few
 * percent, variant asins, helpful votes, a few records with unknown keys or a null title.
 *
 * It also writes `floor/amazon_reviews.tsv`: the rows the importer stores, in COPY text format,
 * for the benchmark's floor (a plain COPY of the same rows). Same parameters → identical bytes.
 * Ids are computed from their index, so memory stays flat however many reviews are written.
 *
 *   node dist/test/bench/synthesize-amazon.js [--reviews 2000000] [--seed 42] [--out DIR] [--force]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Rng } from './rng';
import { DEFAULT_OUT } from './synthesize';
import * as V from './vocabulary';
import { TextWriter, tsvRow } from './writer';

/** Bump when the output changes for the same parameters (invalidates cached files). */
export const AMAZON_SYNTH_VERSION = 1;
export const AMAZON_DOMAIN = 'Movies_and_TV';
export const DEFAULT_REVIEWS = 2_000_000;

export interface AmazonSynthParams {
  seed: number;
  reviews: number;
}

export interface AmazonSynthManifest {
  version: number;
  params: AmazonSynthParams;
  users: number;
  items: number;
  /** Relative to the dataset folder. */
  files: { reviews: string; floor: string };
  bytes: Record<string, number>;
  sha256: Record<string, string>;
  counts: { reviews: number; words: number; withImages: number; withExtra: number; variants: number };
  seconds: number;
}

export interface AmazonSynthDataset {
  dir: string;
  manifest: AmazonSynthManifest;
  reviewsFile: string;
  floorFile: string;
}

export function amazonDatasetDir(outRoot: string, p: AmazonSynthParams): string {
  return path.join(outRoot, `amazon-seed${p.seed}-r${p.reviews}`);
}

// Proportions of the real Movies_and_TV file: ~2.7 reviews per user, ~23 per item.
const REVIEWS_PER_USER = 2.7;
const REVIEWS_PER_ITEM = 23;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A fixed pseudo-random id of `length` characters for (kind, index): no table in memory. */
function idFor(seed: number, kind: string, index: number, prefix: string, length: number): string {
  const rng = new Rng(seed ^ Math.imul(index + 1, 0x9e3779b1), kind);
  let s = prefix;
  while (s.length < length) s += ALNUM[rng.int(ALNUM.length)];
  return s;
}

const userId = (seed: number, u: number) => idFor(seed, 'user', u, 'A', 28);
const parentAsin = (seed: number, i: number) => idFor(seed, 'item', i, 'B0', 10);
const variantAsin = (seed: number, i: number, v: number) => idFor(seed, `variant${v}`, i, 'B0', 10);

/** Index in [0, n) with a power-law popularity (a few items and users are everywhere). */
const powerLaw = (rng: Rng, n: number, exponent: number) => Math.floor(n * rng.next() ** exponent);

const OPENERS = [
  'I bought this for my {genre} night and it did not disappoint.',
  'We watched this as a family over the holidays.',
  'I had seen it in theaters years ago and wanted it on disc.',
  'Ordered this after a friend recommended it.',
  'Not what I expected from the cover.',
  'This was a gift for my dad, who loves a good {genre}.',
];
const BODY = [
  'The story is {mood} and the pacing holds up well.',
  'It has {feature}, which made it for me.',
  'The acting is solid across the board, especially the lead.',
  'Picture quality is sharp and the sound mix is clear.',
  'Some scenes drag a little in the middle, but the ending pays off.',
  'The extras include a short making-of and a commentary track.',
  'It arrived quickly and the case was not damaged.',
  'My kids asked to watch it again the next day.',
  'I would not call it a classic, but it is a good {genre} for a quiet evening.',
  'The subtitles were out of sync on one chapter, which was annoying.',
  'Compared with the streaming version this disc looks much better.',
  'If you like {feature} you will enjoy this one.',
];
const CLOSERS = ['Highly recommended.', 'Worth the price.', 'Three stars from me.', 'Would buy again.', 'Skip it.', 'Five stars!'];
const TITLES = ['Great movie', 'Five Stars', 'Loved it', 'Not bad', 'Disappointing', 'A {mood} ride', 'Good {genre}', 'Classic', 'Worth watching', 'Meh'];
const FLAVOUR = [' 😀', ' 👍', ' ❤️', ' — très bien', ' ¡Genial!', ' 🎬🍿', ' naïve but fun'];

function fill(rng: Rng, template: string): string {
  return template
    .replace(/\{genre\}/g, () => rng.pick(V.GENRE_WORDS))
    .replace(/\{mood\}/g, () => rng.pick(V.MOODS))
    .replace(/\{feature\}/g, () => rng.pick(V.FEATURES));
}

/** About 60 words on average: many one-liners, a long tail of essays. */
function reviewText(rng: Rng): { text: string; words: number } {
  const r = rng.next();
  const sentences = r < 0.35 ? 1 : r < 0.75 ? rng.range(2, 5) : r < 0.97 ? rng.range(6, 14) : rng.range(15, 120);
  const paragraphs = sentences > 4 && rng.chance(0.4);
  let text = fill(rng, rng.pick(OPENERS));
  for (let k = 1; k < sentences; k++) {
    const sep = paragraphs && k % 4 === 0 ? '<br /><br />' : ' ';
    text += sep + fill(rng, k === sentences - 1 && sentences > 2 ? rng.pick(CLOSERS) : rng.pick(BODY));
  }
  if (rng.chance(0.05)) text += rng.pick(FLAVOUR);
  return { text, words: text.split(/\s+/).length };
}

const STARS = [1, 2, 3, 4, 5];
const STAR_WEIGHTS = [0.11, 0.06, 0.1, 0.18, 0.55];
function starRating(rng: Rng): number {
  let r = rng.next();
  for (let k = 0; k < STARS.length; k++) {
    r -= STAR_WEIGHTS[k];
    if (r < 0) return STARS[k];
  }
  return 5;
}

const T_1998 = Date.UTC(1998, 0, 1);
const T_2023 = Date.UTC(2023, 8, 1);

function image(rng: Rng): Record<string, string> {
  const key = crypto.createHash('md5').update(String(rng.nextUint32())).digest('hex').slice(0, 11);
  const base = `https://m.media-amazon.com/images/I/${key}`;
  return { small_image_url: `${base}._SL256_.jpg`, medium_image_url: `${base}._SL800_.jpg`, large_image_url: `${base}.jpg`, attachment_type: 'IMAGE' };
}

/** JSON text as Python's json.dumps writes it; floats keep their `.0`. */
function dumpsReview(r: {
  rating: number;
  title: string | null;
  text: string;
  images: Array<Record<string, string>>;
  asin: string;
  parentAsin: string;
  userId: string;
  timestamp: number;
  helpfulVote: number;
  verified: boolean;
  format: string | null;
}): string {
  const images = `[${r.images.map((i) => `{${Object.entries(i).map(([k, v]) => `"${k}": ${JSON.stringify(v)}`).join(', ')}}`).join(', ')}]`;
  // An unknown key (it ends up in `extra`).
  const style = r.format === null ? '' : `, "style": {"Format:": ${JSON.stringify(r.format)}}`;
  return (
    `{"rating": ${r.rating.toFixed(1)}, "title": ${r.title === null ? 'null' : JSON.stringify(r.title)}, "text": ${JSON.stringify(r.text)}, "images": ${images}, ` +
    `"asin": "${r.asin}", "parent_asin": "${r.parentAsin}", "user_id": "${r.userId}", "timestamp": ${r.timestamp}, ` +
    `"helpful_vote": ${r.helpfulVote}, "verified_purchase": ${r.verified}${style}}\n`
  );
}

async function sha256(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function readManifest(dir: string): AmazonSynthManifest | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as AmazonSynthManifest;
  } catch {
    return null;
  }
}

function dataset(dir: string, manifest: AmazonSynthManifest): AmazonSynthDataset {
  return { dir, manifest, reviewsFile: path.join(dir, manifest.files.reviews), floorFile: path.join(dir, manifest.files.floor) };
}

/** The complete dataset for these parameters if one was written before, else null. */
export function cachedAmazonDataset(outRoot: string, params: AmazonSynthParams): AmazonSynthDataset | null {
  const dir = amazonDatasetDir(outRoot, params);
  const m = readManifest(dir);
  if (!m || m.version !== AMAZON_SYNTH_VERSION || m.params.seed !== params.seed || m.params.reviews !== params.reviews) return null;
  const complete = Object.entries(m.bytes).every(([f, size]) => fs.existsSync(path.join(dir, f)) && fs.statSync(path.join(dir, f)).size === size);
  return complete ? dataset(dir, m) : null;
}

export async function synthesizeAmazon(params: AmazonSynthParams, options: { outRoot?: string; force?: boolean; log?: (line: string) => void } = {}): Promise<AmazonSynthDataset> {
  const log = options.log ?? (() => undefined);
  const outRoot = options.outRoot ?? DEFAULT_OUT;
  const cached = options.force ? null : cachedAmazonDataset(outRoot, params);
  if (cached) {
    log(`synthesize-amazon: reusing ${cached.dir}`);
    return cached;
  }
  const started = process.hrtime.bigint();
  const dir = amazonDatasetDir(outRoot, params);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'floor'), { recursive: true });
  const files = { reviews: `${AMAZON_DOMAIN}.jsonl`, floor: 'floor/amazon_reviews.tsv' };
  const users = Math.max(1, Math.round(params.reviews / REVIEWS_PER_USER));
  const items = Math.max(1, Math.round(params.reviews / REVIEWS_PER_ITEM));
  log(`synthesize-amazon: writing ${params.reviews.toLocaleString('en')} reviews (${users.toLocaleString('en')} users, ${items.toLocaleString('en')} items) to ${dir}`);

  const rng = new Rng(params.seed, 'amazon-reviews');
  const jsonl = new TextWriter(path.join(dir, files.reviews));
  const floor = new TextWriter(path.join(dir, files.floor));
  const counts = { reviews: 0, words: 0, withImages: 0, withExtra: 0, variants: 0 };
  for (let n = 0; n < params.reviews; n++) {
    const item = powerLaw(rng, items, 2.5);
    const parent = parentAsin(params.seed, item);
    const variant = rng.chance(0.15) ? variantAsin(params.seed, item, rng.int(3)) : parent;
    const { text, words } = reviewText(rng);
    const titleRoll = rng.next();
    const title = titleRoll < 0.002 ? null : titleRoll < 0.03 ? '' : fill(rng, rng.pick(TITLES));
    const images = rng.chance(0.04) ? Array.from({ length: rng.range(1, 3) }, () => image(rng)) : [];
    const format = rng.chance(0.01) ? rng.pick([' DVD', ' Blu-ray', ' Prime Video']) : null;
    // Skewed to recent years, as the real file is.
    const timestamp = Math.floor(T_2023 - (T_2023 - T_1998) * rng.next() ** 2.5);
    const helpfulVote = rng.chance(0.65) ? 0 : Math.floor(-Math.log(1 - rng.next()) * 4);
    const review = { rating: starRating(rng), title, text, images, asin: variant, parentAsin: parent, userId: userId(params.seed, powerLaw(rng, users, 1.6)), timestamp, helpfulVote, verified: rng.chance(0.85), format };
    await jsonl.write(dumpsReview(review));
    // The row the importer stores (amazon.load.ts): null title → "", images as JSON, unknown keys in extra.
    await floor.write(
      tsvRow([AMAZON_DOMAIN, review.userId, review.asin, review.parentAsin, review.rating, review.timestamp, review.title ?? '', review.text, JSON.stringify(images), review.helpfulVote, review.verified, format === null ? null : JSON.stringify({ style: { 'Format:': format } })]),
    );
    counts.reviews++;
    counts.words += words;
    if (images.length) counts.withImages++;
    if (format !== null) counts.withExtra++;
    if (variant !== parent) counts.variants++;
  }
  await Promise.all([jsonl.close(), floor.close()]);

  const bytes: Record<string, number> = {};
  const digests: Record<string, string> = {};
  for (const f of Object.values(files)) {
    bytes[f] = fs.statSync(path.join(dir, f)).size;
    digests[f] = await sha256(path.join(dir, f));
  }
  const manifest: AmazonSynthManifest = {
    version: AMAZON_SYNTH_VERSION,
    params,
    users,
    items,
    files,
    bytes,
    sha256: digests,
    counts,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
  fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`synthesize-amazon: done in ${manifest.seconds.toFixed(1)} s (${(bytes[files.reviews] / 2 ** 20).toFixed(0)} MiB of JSONL)`);
  return dataset(dir, manifest);
}

export const AMAZON_SYNTH_ARG_OPTIONS = {
  reviews: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
} as const;

/** `--reviews` wins over the environment variable BENCH_REVIEWS; default 2,000,000. */
export function amazonSynthParamsFrom(values: { reviews?: string; seed?: string }): AmazonSynthParams {
  const raw = values.reviews ?? process.env.BENCH_REVIEWS;
  const reviews = raw === undefined ? DEFAULT_REVIEWS : Number(raw);
  if (!Number.isSafeInteger(reviews) || reviews <= 0) throw new Error(`--reviews / BENCH_REVIEWS must be a positive integer, got "${raw}"`);
  const seed = values.seed === undefined ? 42 : Number(values.seed);
  if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got "${values.seed}"`);
  return { seed, reviews };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: AMAZON_SYNTH_ARG_OPTIONS, strict: true });
  const ds = await synthesizeAmazon(amazonSynthParamsFrom(values), { outRoot: values.out ? path.resolve(values.out) : DEFAULT_OUT, force: values.force, log: (l) => console.log(l) });
  console.log(JSON.stringify({ dir: ds.dir, counts: ds.manifest.counts, bytes: ds.manifest.bytes }, null, 2));
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
