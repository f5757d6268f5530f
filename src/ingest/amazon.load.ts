import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { copyRows, CopyTable, CopyValue } from '../db/copy';
import { parseAmazonMetadata, parseAmazonReview, parseLegacyMetadataLine, parseRatingsCsvLine, removeNul } from './amazon';
import { ImportError, InputFileError } from './errors';
import { isGzipFile } from './file-content';
import { ErrorCollector, ImportedFile, importedFile, ImportOptions, ImportTransaction, inImportTransaction, recordImportRun } from './import-run';
import { parseJsonLine, readLines } from './lines';
import { Progress } from './progress';

export type AmazonFileKind = 'reviews' | 'metadata' | 'ratings';

export interface AmazonImportInput {
  /** Review file (docs/formats.md §1.2). */
  reviews?: string;
  /** Item metadata file (docs/formats.md §1.3). */
  meta?: string;
  /** 5-core rating-only CSV (docs/formats.md §1.4). */
  ratings?: string;
  /** The Amazon category, stored as `domain`; default `Movies_and_TV`. */
  domain?: string;
  /** Reviews and metadata are in a legacy release's format (docs/formats.md §1.5); the CSV has one format. */
  legacy?: boolean;
}

export interface AmazonImportOptions extends ImportOptions {
  /** Called after every line read (the benchmark samples memory with it). */
  onProgress?: (progress: { kind: AmazonFileKind; line: number; byteOffset: number }) => void;
}

export interface AmazonImportedFile extends ImportedFile {
  kind: AmazonFileKind;
}

export interface AmazonImportSummary {
  importRunId: number;
  domain: string;
  files: AmazonImportedFile[];
  /** Rows now stored for the domain, per kind imported (absent for a kind not given). */
  reviews?: number;
  metadata?: number;
  ratings?: number;
  /** Catalogue items (same ASIN as a metadata record) whose description, features, categories or details changed. */
  itemsUpdated?: number;
  skipped: number;
  /** Records from which U+0000 was removed (PostgreSQL cannot store it). */
  nulRemoved: number;
}

const DEFAULT_AMAZON_DOMAIN = 'Movies_and_TV';

const REVIEWS: CopyTable = {
  table: 'amazon_reviews',
  columns: [
    { name: 'domain' }, { name: 'user_id' }, { name: 'asin' }, { name: 'parent_asin' }, { name: 'rating' }, { name: 'timestamp_ms' },
    { name: 'title' }, { name: 'text' }, { name: 'images', kind: 'json' }, { name: 'helpful_vote' }, { name: 'verified_purchase' }, { name: 'extra', kind: 'json' },
  ],
};

const METADATA: CopyTable = {
  table: 'amazon_metadata',
  columns: [
    { name: 'domain' }, { name: 'parent_asin' }, { name: 'main_category' }, { name: 'title' }, { name: 'average_rating' }, { name: 'rating_number' },
    { name: 'features', kind: 'array' }, { name: 'description', kind: 'array' }, { name: 'price' }, { name: 'store' },
    { name: 'categories', kind: 'array' }, { name: 'details', kind: 'json' }, { name: 'subtitle' }, { name: 'author' }, { name: 'extra', kind: 'json' },
  ],
};

const RATINGS: CopyTable = {
  table: 'amazon_ratings',
  columns: [{ name: 'domain' }, { name: 'user_id' }, { name: 'parent_asin' }, { name: 'rating' }, { name: 'timestamp_ms' }],
};

/** One line's text → its row, or null for a line without one (the CSV header). Throws record errors. */
type LineParser = (text: string, line: number) => CopyValue[] | null;

interface LoadContext {
  tx: ImportTransaction;
  domain: string;
  errors: ErrorCollector;
  options: AmazonImportOptions;
}

/**
 * Replaces the domain's rows of one kind with the file's: DELETE, then the whole file as a single
 * COPY fed line by line (memory stays flat; parsing overlaps with the server's work). Reviews and
 * ratings have no natural key, so replacing is what makes a re-import idempotent.
 */
async function loadFile(ctx: LoadContext, kind: AmazonFileKind, file: string, target: CopyTable, parseLine: LineParser): Promise<{ rows: number; file: AmazonImportedFile }> {
  await ctx.tx.manager.query(`DELETE FROM ${target.table} WHERE domain = $1`, [ctx.domain]);
  const reader = readLines(file);
  // Line offsets are in decompressed bytes: a percentage of a gzip file's size would be wrong.
  const total = (await isGzipFile(file)) ? null : fs.statSync(file).size;
  const progress = new Progress(`import ${path.basename(file)}`, total, ctx.options.quiet);
  let rows = 0;
  async function* parsed(): AsyncGenerator<CopyValue[]> {
    for await (const line of reader) {
      const row = ctx.errors.attempt(file, line.line, () => {
        const text = line.text;
        return text.trim() === '' ? null : parseLine(text, line.line);
      });
      ctx.options.onProgress?.({ kind, line: line.line, byteOffset: line.byteOffset });
      if (!row) continue;
      rows++;
      progress.update(line.byteOffset, rows);
      yield row;
    }
  }
  await copyRows(ctx.tx.client, target, parsed());
  const digest = await reader.digest();
  progress.finish(`${rows.toLocaleString('en')} ${kind} rows from ${digest.lineCount.toLocaleString('en')} lines`);
  return { rows, file: { kind, ...importedFile(file, digest) } };
}

/**
 * `recdial import amazon`: the Amazon Reviews 2023 files of one category (docs/formats.md §1), stored
 * as read (docs/pipeline.md §1). In one transaction, each kind given replaces that domain's rows of
 * that kind; metadata also refreshes description, features, categories and details of catalogue
 * items with the same ASIN (never their title: TMDB owns it). A metadata file that repeats a
 * parent_asin is an error (DUPLICATE_ITEM; with --max-errors the first record wins).
 */
export async function importAmazon(dataSource: DataSource, input: AmazonImportInput, options: AmazonImportOptions = {}): Promise<AmazonImportSummary> {
  const given = (
    [
      ['metadata', input.meta],
      ['reviews', input.reviews],
      ['ratings', input.ratings],
    ] as const
  ).filter((entry): entry is readonly [AmazonFileKind, string] => entry[1] !== undefined);
  if (!given.length) throw new InputFileError('import amazon', 'no input: give a review file, a metadata file or a rating CSV (--reviews, --meta, --ratings)');
  for (const [, file] of given) if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new InputFileError(file, 'is a directory; give the path of a file');
  for (const [, file] of given) if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new InputFileError(file, 'no such file');
  const domain = input.domain ?? DEFAULT_AMAZON_DOMAIN;
  if (!/^\S+$/.test(domain)) throw new InputFileError('import amazon', `invalid domain ${JSON.stringify(domain)}: expected a category name such as ${DEFAULT_AMAZON_DOMAIN}`);
  const legacy = input.legacy ?? false;
  const errors = new ErrorCollector(options.maxErrors ?? 0);

  return inImportTransaction(dataSource, async (tx) => {
    const ctx: LoadContext = { tx, domain, errors, options };
    let nulRemoved = 0;
    const withoutNul = (value: unknown): unknown => {
      const cleaned = removeNul(value);
      if (cleaned !== value) nulRemoved++;
      return cleaned;
    };
    // JSON can only spell U+0000 as `\u0000`: the cheap test spares the deep walk on other lines.
    const decodeJson = (text: string, file: string, line: number): unknown => {
      const value = parseJsonLine(text, file, line, { nul: 'keep' });
      return text.includes('\\u0000') ? withoutNul(value) : value;
    };

    const parsers: Record<AmazonFileKind, (file: string) => LineParser> = {
      reviews: (file) => (text, line) => {
        const r = parseAmazonReview(decodeJson(text, file, line), { legacy });
        return [domain, r.userId, r.asin, r.parentAsin, r.rating, r.timestampMs, r.title, r.text, r.images, r.helpfulVote, r.verifiedPurchase, r.extra];
      },
      ratings: () => (text, line) => {
        const r = parseRatingsCsvLine(text, line);
        return r && [domain, r.userId, r.parentAsin, r.rating, r.timestampMs];
      },
      metadata: (file) => {
        const seen = new Set<string>();
        return (text, line) => {
          const record = legacy ? withoutNul(parseLegacyMetadataLine(text)) : decodeJson(text, file, line);
          const m = parseAmazonMetadata(record, { legacy });
          if (seen.has(m.parentAsin)) {
            throw new ImportError(file, line, legacy ? 'asin' : 'parent_asin', `duplicate item "${m.parentAsin}"; the first record wins`, 'DUPLICATE_ITEM');
          }
          seen.add(m.parentAsin);
          return [
            domain, m.parentAsin, m.mainCategory, m.title, m.averageRating, m.ratingNumber, m.features, m.description, m.price, m.store,
            m.categories, m.details as CopyValue, m.subtitle, m.author, m.extra,
          ];
        };
      },
    };
    const tables: Record<AmazonFileKind, CopyTable> = { reviews: REVIEWS, metadata: METADATA, ratings: RATINGS };

    const files: AmazonImportedFile[] = [];
    const loaded: Partial<Record<AmazonFileKind, number>> = {};
    for (const [kind, file] of given) {
      const result = await loadFile(ctx, kind, file, tables[kind], parsers[kind](file));
      files.push(result.file);
      loaded[kind] = result.rows;
    }

    let itemsUpdated: number | undefined;
    if (loaded.metadata !== undefined) {
      const [, affected] = await tx.manager.query(
        `UPDATE items i SET description = m.description, features = m.features, categories = m.categories, details = m.details, updated_at = now()
           FROM amazon_metadata m
          WHERE m.domain = $1 AND m.parent_asin = i.asin
            AND (i.description, i.features, i.categories, i.details) IS DISTINCT FROM (m.description, m.features, m.categories, m.details)`,
        [domain],
      );
      itemsUpdated = affected as number;
    }
    const counts = { ...loaded, ...(itemsUpdated === undefined ? {} : { itemsUpdated }), skipped: errors.errors.length, nulRemoved };
    const importRunId = await recordImportRun(tx.manager, 'amazon', files, counts);
    return { importRunId, domain, files, ...counts };
  });
}
